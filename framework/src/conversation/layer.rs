use std::marker::PhantomData;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tower::{Layer, Service};

use super::dialogue::{Conversation, FlowState};
use crate::session::{Session, SessionDataError};
use crate::{BoxError, InboundMessage, Response};

/// The session key the conversation state is stored under by default.
pub const DEFAULT_SESSION_KEY: &str = "campanile.conversation";

/// Errors of the conversation layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConversationError {
    /// The layer found no [`Session`]: the session layer must wrap it.
    #[error(
        "the conversation layer needs the session layer outside it (no Session in the message's extensions)"
    )]
    NoSession,
    /// The state could not be written into the session.
    #[error("could not store the conversation state")]
    Store(#[from] SessionDataError),
}

#[derive(Serialize)]
struct StoredRef<'a, S> {
    version: u32,
    state: &'a S,
}

#[derive(Deserialize)]
struct Stored {
    version: u32,
    state: serde_json::Value,
}

/// What a session holds under a flow's key, read with [`load_versioned`].
#[derive(Debug)]
pub(crate) enum Loaded<S> {
    /// Nothing is stored under the key.
    Absent,
    /// A state of the current version.
    Current(S),
    /// A state of an earlier version, carried over by [`FlowState::migrate`].
    Migrated(S),
    /// Something that cannot be read: not the versioned form, a state that
    /// no longer fits its type, or another version `migrate` refused.
    Unreadable,
}

/// Reads the versioned state under `key`, migrating a state stored by
/// another version of `S` (the conversation layer's and the forms' shared
/// rule; each logs its own outcome).
pub(crate) fn load_versioned<S: FlowState>(session: &Session, key: &str) -> Loaded<S> {
    let stored = match session.get::<Stored>(key) {
        Ok(Some(stored)) => stored,
        Ok(None) => return Loaded::Absent,
        Err(e) => {
            tracing::warn!(error.message = %e, key, "flow state is unreadable");
            return Loaded::Unreadable;
        }
    };
    if stored.version == S::VERSION {
        match S::deserialize(stored.state) {
            Ok(state) => Loaded::Current(state),
            Err(e) => {
                tracing::warn!(
                    error.message = %e,
                    version = stored.version,
                    key,
                    "flow state no longer fits its type (bump FlowState::VERSION when the type changes)"
                );
                Loaded::Unreadable
            }
        }
    } else if let Some(state) = S::migrate(stored.version, stored.state) {
        tracing::info!(
            from = stored.version,
            to = S::VERSION,
            key,
            "flow state migrated"
        );
        Loaded::Migrated(state)
    } else {
        tracing::info!(
            from = stored.version,
            to = S::VERSION,
            key,
            "flow state from another version"
        );
        Loaded::Unreadable
    }
}

/// Writes `state` under `key` in the versioned form [`load_versioned`] reads.
pub(crate) fn store_versioned<S: FlowState>(
    session: &Session,
    key: &str,
    state: &S,
) -> Result<(), SessionDataError> {
    session.insert(
        key,
        &StoredRef {
            version: S::VERSION,
            state,
        },
    )
}

/// Reads the state from the session, migrating or resetting it when it was
/// stored by another version of `S`. The flag says whether the stored form
/// must be rewritten (it was migrated or reset), so that happens once, not on
/// every turn.
fn load<S: FlowState>(session: &Session, key: &str) -> (S, bool) {
    match load_versioned(session, key) {
        Loaded::Absent => (S::default(), false),
        Loaded::Current(state) => (state, false),
        Loaded::Migrated(state) => (state, true),
        Loaded::Unreadable => {
            tracing::info!(key, "conversation starts over");
            (S::default(), true)
        }
    }
}

/// Applies [`ConversationService`] to a service.
///
/// See the [module docs](super) for an example.
#[derive(Debug)]
pub struct ConversationLayer<S> {
    key: &'static str,
    _state: PhantomData<fn() -> S>,
}

impl<S> Clone for ConversationLayer<S> {
    fn clone(&self) -> Self {
        Self {
            key: self.key,
            _state: PhantomData,
        }
    }
}

impl<S> Default for ConversationLayer<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> ConversationLayer<S> {
    /// Keeps the state under [`DEFAULT_SESSION_KEY`].
    #[must_use]
    pub fn new() -> Self {
        Self {
            key: DEFAULT_SESSION_KEY,
            _state: PhantomData,
        }
    }

    /// Keeps the state under another session key (for several flows in one
    /// session).
    #[must_use]
    pub fn with_session_key(mut self, key: &'static str) -> Self {
        self.key = key;
        self
    }
}

impl<S, Inner> Layer<Inner> for ConversationLayer<S> {
    type Service = ConversationService<Inner, S>;

    fn layer(&self, inner: Inner) -> Self::Service {
        ConversationService {
            inner,
            key: self.key,
            _state: PhantomData,
        }
    }
}

/// Puts the conversation's typed state in the message's extensions and stores
/// it back after the turn; see the [module docs](super).
#[derive(Debug)]
pub struct ConversationService<Inner, S> {
    inner: Inner,
    key: &'static str,
    _state: PhantomData<fn() -> S>,
}

impl<Inner: Clone, S> Clone for ConversationService<Inner, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            key: self.key,
            _state: PhantomData,
        }
    }
}

impl<Inner, S> Service<InboundMessage> for ConversationService<Inner, S>
where
    Inner: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    Inner::Error: Into<BoxError>,
    Inner::Future: Send,
    S: FlowState,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut msg: InboundMessage) -> Self::Future {
        let mut inner = crate::macros::take_ready(&mut self.inner);
        let key = self.key;
        Box::pin(async move {
            let session = msg
                .extensions()
                .get::<Session>()
                .cloned()
                .ok_or(ConversationError::NoSession)?;
            let (state, rewrite) = load::<S>(&session, key);
            let conversation = Conversation::new(state);
            if rewrite {
                conversation.update(conversation.get());
            }
            msg.extensions_mut().insert(conversation.clone());
            let response = inner.call(msg).await.map_err(Into::into)?;
            if conversation.is_changed() {
                let state = conversation.get();
                store_versioned(&session, key, &state).map_err(ConversationError::from)?;
            }
            Ok(response)
        })
    }
}
