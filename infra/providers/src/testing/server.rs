//! What every fake shares: the [`Recorder`] (requests, scripted failures,
//! outages, media, shutdown), the [`Server`] on 127.0.0.1 and the
//! [`Answer`] it sends.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What both fakes share: the log of requests, the failure script, the
/// media served and the shutdown signal.
#[derive(Debug)]
pub(super) struct Recorder {
    pub(super) requests: Mutex<Vec<RecordedRequest>>,
    pub(super) failures: Mutex<VecDeque<FakeFailure>>,
    /// Until when every request gets this failure (an outage), after the
    /// scripted ones.
    pub(super) outage: Mutex<Option<(std::time::Instant, FakeFailure)>>,
    /// By media id: the file and the signature its storage URL carries.
    pub(super) media: Mutex<HashMap<String, (FakeMedia, String)>>,
    /// `http://127.0.0.1:{port}`, once listening.
    pub(super) base_url: OnceLock<String>,
    pub(super) arrived: Notify,
    pub(super) shutdown: watch::Sender<bool>,
}

impl Recorder {
    pub(super) fn new() -> Self {
        Self {
            requests: Mutex::new(Vec::new()),
            failures: Mutex::new(VecDeque::new()),
            outage: Mutex::new(None),
            media: Mutex::new(HashMap::new()),
            base_url: OnceLock::new(),
            arrived: Notify::new(),
            shutdown: watch::Sender::new(false),
        }
    }

    pub(super) fn base_url(&self) -> &str {
        self.base_url.get().map_or("", String::as_str)
    }

    /// Stores `media` under `id` with a fresh signature for its storage URL.
    pub(super) fn add_media(&self, id: &str, media: FakeMedia) -> String {
        let signature = unique_hex();
        lock(&self.media).insert(id.to_owned(), (media, signature.clone()));
        signature
    }

    pub(super) fn media(&self, id: &str) -> Option<(FakeMedia, String)> {
        lock(&self.media).get(id).cloned()
    }

    pub(super) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// How many recorded requests match `f`, counted under the lock
    /// without copying them (a load test's sampler must not stall the
    /// fake's answers).
    pub(super) fn count(&self, f: impl Fn(&RecordedRequest) -> bool) -> usize {
        lock(&self.requests).iter().filter(|r| f(r)).count()
    }

    pub(super) fn record(&self, request: RecordedRequest) {
        lock(&self.requests).push(request);
        self.arrived.notify_waiters();
    }

    pub(super) fn fail_next(&self, failure: FakeFailure) {
        lock(&self.failures).push_back(failure);
    }

    pub(super) fn next_failure(&self) -> Option<FakeFailure> {
        if let Some(failure) = lock(&self.failures).pop_front() {
            return Some(failure);
        }
        match &*lock(&self.outage) {
            Some((until, failure)) if std::time::Instant::now() < *until => Some(failure.clone()),
            _ => None,
        }
    }

    pub(super) fn outage(&self, duration: Duration, failure: FakeFailure) {
        *lock(&self.outage) = Some((std::time::Instant::now() + duration, failure));
    }

    pub(super) async fn wait_for_requests(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Vec<RecordedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so a request recorded in between wakes us.
            let arrived = self.arrived.notified();
            let mut arrived = std::pin::pin!(arrived);
            arrived.as_mut().enable();
            let requests = self.requests();
            if requests.len() >= n {
                return requests;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.requests();
            }
        }
    }

    /// Waits `delay`, or less if the server is shut down meanwhile.
    pub(super) async fn hang(&self, delay: Duration) {
        let mut shutdown = self.shutdown.subscribe();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|stopped| *stopped) => {}
        }
    }

    /// The answer once the fake is dropped: a request that still arrives on
    /// a kept-alive connection gets a 503 and the connection is closed, so
    /// nothing is accepted after the drop.
    pub(super) fn stopped(&self) -> Option<Response> {
        if !*self.shutdown.borrow() {
            return None;
        }
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            "the fake server was stopped",
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        Some(response)
    }

    pub(super) fn texts_to(&self, to: &str) -> Vec<String> {
        let to = normalize(to);
        lock(&self.requests)
            .iter()
            .filter(|r| r.is_accepted() && r.recipient().map(normalize) == Some(to))
            .filter_map(|r| r.text().map(str::to_owned))
            .collect()
    }
}

/// The running server: the accept loop's task and its address.
#[derive(Debug)]
pub(super) struct Server {
    pub(super) base_url: String,
    pub(super) task: JoinHandle<()>,
    pub(super) recorder: std::sync::Arc<Recorder>,
}

impl Server {
    /// Serves `router` on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub(super) async fn start(router: axum::Router, recorder: std::sync::Arc<Recorder>) -> Self {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
            Ok(listener) => listener,
            Err(e) => panic!("the fake server cannot listen on 127.0.0.1: {e}"),
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(e) => panic!("the fake server has no local address: {e}"),
        };
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error.message = %e, "fake provider server stopped");
            }
        });
        let base_url = format!("http://{addr}");
        recorder.base_url.get_or_init(|| base_url.clone());
        Self {
            base_url,
            task,
            recorder,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Dropping the accept loop makes axum close idle connections; the
        // signal ends hung answers so their connections close too.
        self.recorder.shutdown.send_replace(true);
        self.task.abort();
    }
}

/// An answer: status, JSON body, extra headers.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: String,
    pub(super) retry_after: Option<u64>,
    pub(super) www_authenticate: Option<&'static str>,
    /// The connection closes before the body is sent ([`FakeFailure::Dropped`]).
    pub(super) dropped: bool,
}

impl Answer {
    pub(super) fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: body.to_string(),
            retry_after: None,
            www_authenticate: None,
            dropped: false,
        }
    }

    /// This answer's head, then a connection closed instead of its body.
    pub(super) fn dropped(mut self) -> Self {
        self.dropped = true;
        self
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(challenge) = self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if self.dropped {
            // A body that fails at once: hyper closes the connection
            // without completing the answer.
            let lost = futures_util::stream::once(std::future::ready(Err::<axum::body::Bytes, _>(
                std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "the fake dropped the connection",
                ),
            )));
            return (status, headers, axum::body::Body::from_stream(lost)).into_response();
        }
        (status, headers, self.body).into_response()
    }
}
