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
