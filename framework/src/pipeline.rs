//! A name for a bot's pipeline, so functions can return and take one
//! without spelling out its `Service` bounds.
//!
//! [`Pipeline`] is a trait every fitting service has (a blanket impl):
//! messages in, [`Response`]s out, errors already turned into replies
//! ([`Infallible`], the [`handle_error`](crate::handle_error) layer's
//! doing), a `Send` future, cloneable and shareable. Return `impl Pipeline`
//! from the function that builds yours; keep one in a struct as a
//! [`BoxPipeline`] ([`boxed`]).
//!
//! ```
//! use framework::handler::{Router, Text};
//! use framework::pipeline::{BoxPipeline, Pipeline, boxed};
//! use framework::ServiceBuilderExt as _;
//! use framework::testing::TestChat;
//! use tower::ServiceBuilder;
//!
//! async fn echo(Text(text): Text) -> String {
//!     format!("You said: {text}")
//! }
//!
//! fn bot() -> impl Pipeline {
//!     ServiceBuilder::new()
//!         .trace()
//!         .handle_errors()
//!         .service(Router::new().fallback(echo).into_service())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let stored: BoxPipeline = boxed(bot());
//! let mut chat = TestChat::new(stored);
//! chat.say("hi").await.assert_text("You said: hi");
//! # }
//! ```

use std::convert::Infallible;

use tower::Service;
use tower::util::BoxCloneSyncService;

use crate::{InboundMessage, Response};

/// A bot's whole pipeline: see the [module docs](self). Implemented by
/// every service that fits; never implement it by hand.
pub trait Pipeline:
    Service<InboundMessage, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Pipeline for S where
    S: Service<InboundMessage, Response = Response, Error = Infallible, Future: Send + 'static>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// A [`Pipeline`] behind one type, to keep in a struct or pass where a
/// named type is needed.
pub type BoxPipeline = BoxCloneSyncService<InboundMessage, Response, Infallible>;

/// `pipeline` as a [`BoxPipeline`].
#[must_use]
pub fn boxed(pipeline: impl Pipeline) -> BoxPipeline {
    BoxCloneSyncService::new(pipeline)
}
