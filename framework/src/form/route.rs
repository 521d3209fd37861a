//! Forms in a [`Router`]: the route that runs them and the extractor that
//! hands their answers to your handler.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::definition::{Form, FormStep};
use crate::handler::rejection::MissingAnswers;
use crate::handler::router::{BoxedHandler, Matcher};
use crate::handler::{FromMessage, Handler, Router};
use crate::{BoxError, InboundMessage, Response};

/// A finished form's answers, as the form's type: the argument of the
/// handler given to [`Router::form`].
///
/// Rejects with [`MissingAnswers`] (a wiring error) in a handler that is not
/// a form's finishing handler.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Answers<T>(pub T);

impl<S: Sync, T: Clone + Send + Sync + 'static> FromMessage<S> for Answers<T> {
    type Rejection = MissingAnswers;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, MissingAnswers> {
        msg.extensions()
            .get::<Self>()
            .cloned()
            .ok_or(MissingAnswers)
    }
}

impl<S> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// Runs `form`: its start words start it, and while it runs for a
    /// customer every message of theirs answers it (routes added before this
    /// one still come first). When it is done, `on_done` runs with the
    /// [`Answers`]; its answer is the form's last reply.
    ///
    /// Needs the [session layer](crate::session) (the form's state is kept
    /// in the session). See the [module docs](crate::form) for an example.
    #[must_use]
    pub fn form<T, H, X>(self, form: Form<T>, on_done: H) -> Self
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
        H: Handler<X, S>,
        X: 'static,
    {
        let wants = form.clone();
        let matcher = Matcher::Predicate(Arc::new(move |msg: &InboundMessage| wants.wants(msg)));
        let handler: BoxedHandler<S> = Arc::new(move |mut msg: InboundMessage, state: S| {
            let step = form.step(&msg);
            let on_done = on_done.clone();
            Box::pin(async move {
                match step.map_err(BoxError::from)? {
                    FormStep::Reply(response) => Ok(response),
                    FormStep::Done(answers) => {
                        msg.extensions_mut().insert(Answers(answers));
                        on_done.call(msg, state).await
                    }
                    // The route only matches a running form or a start word.
                    FormStep::NotRunning => Ok(Response::empty()),
                }
            })
        });
        self.route_boxed(matcher, handler)
    }
}
