use std::sync::{Arc, Mutex};
use std::time::Duration;

use framework::{BoxError, InboundMessage, Response};
use tower::Service;
use tower::util::BoxCloneSyncService;

/// An inner service that records the ids of the messages it handled, and how
/// many ran at the same time.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    pub(crate) seen: Arc<Mutex<Vec<String>>>,
    inside: Arc<Mutex<(usize, usize)>>,
}

impl Recorder {
    pub(crate) fn ids(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    pub(crate) fn max_concurrent(&self) -> usize {
        self.inside.lock().unwrap().1
    }

    /// A service that answers "ok <text>" after `delay`.
    pub(crate) fn service(
        &self,
        delay: Duration,
    ) -> BoxCloneSyncService<InboundMessage, Response, BoxError> {
        let rec = self.clone();
        BoxCloneSyncService::new(tower::service_fn(move |msg: InboundMessage| {
            let rec = rec.clone();
            async move {
                {
                    let mut inside = rec.inside.lock().unwrap();
                    inside.0 += 1;
                    inside.1 = inside.1.max(inside.0);
                }
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                rec.seen.lock().unwrap().push(msg.id().to_string());
                rec.inside.lock().unwrap().0 -= 1;
                Ok::<_, BoxError>(Response::reply(format!(
                    "ok {}",
                    msg.text().unwrap_or_default()
                )))
            }
        }))
    }
}

/// Calls a service once.
pub(crate) async fn call<S>(svc: &S, msg: InboundMessage) -> Result<Response, BoxError>
where
    S: Service<InboundMessage, Response = Response> + Clone,
    S::Error: Into<BoxError>,
{
    use tower::ServiceExt;
    svc.clone().oneshot(msg).await.map_err(Into::into)
}

/// Captures what a `tracing_subscriber::fmt` subscriber writes, for tests
/// that check log lines.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Installs a subscriber writing here for the current thread; keep the
    /// guard alive while logging.
    pub(crate) fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    /// Everything logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
