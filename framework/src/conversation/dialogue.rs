//! The typed conversation state and its handle.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A conversation's state machine: an enum the developer defines.
///
/// The state is stored in the session as `{"version": VERSION, "state": ...}`.
/// When a deploy changes the enum, bump [`VERSION`](Self::VERSION) and, if old
/// states can be carried over, implement [`migrate`](Self::migrate); a state
/// that cannot be read is replaced by [`Default`] (the conversation starts
/// over) and logged, never an error for the customer.
///
/// ```
/// use framework::conversation::FlowState;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
/// enum Checkout {
///     #[default]
///     Browsing,
///     AwaitingConfirmation { order_total_minor: i64 },
/// }
///
/// impl FlowState for Checkout {
///     const VERSION: u32 = 2;
///
///     fn migrate(from: u32, stored: serde_json::Value) -> Option<Self> {
///         // Version 1 called the waiting state "Confirming" and had no total.
///         (from == 1 && stored == "Confirming").then_some(Checkout::Browsing)
///     }
/// }
/// ```
pub trait FlowState:
    Serialize + DeserializeOwned + Default + Clone + Send + Sync + 'static
{
    /// The shape's version; bump it when a stored state of the old shape would
    /// not parse or would mean something else.
    const VERSION: u32 = 1;

    /// Turns a state stored by an earlier version into the current shape;
    /// `None` (the default) starts the conversation over.
    fn migrate(from_version: u32, stored: serde_json::Value) -> Option<Self> {
        let _ = (from_version, stored);
        None
    }
}

#[derive(Debug)]
struct Slot<S> {
    state: S,
    changed: bool,
}

/// The current conversation's state, shared between the [conversation
/// layer](super) and the handler (take it with the `Conversation<S>`
/// extractor).
///
/// Changes are saved with the session when the turn succeeds.
#[derive(Debug)]
pub struct Conversation<S> {
    slot: Arc<Mutex<Slot<S>>>,
}

impl<S> Clone for Conversation<S> {
    fn clone(&self) -> Self {
        Self {
            slot: Arc::clone(&self.slot),
        }
    }
}

impl<S: FlowState> Conversation<S> {
    /// A handle holding `state` (the layer builds these; tests may too).
    #[must_use]
    pub fn new(state: S) -> Self {
        Self {
            slot: Arc::new(Mutex::new(Slot {
                state,
                changed: false,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot<S>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the current state.
    #[must_use]
    pub fn get(&self) -> S {
        self.lock().state.clone()
    }

    /// Reads the current state without copying it.
    pub fn with<T>(&self, f: impl FnOnce(&S) -> T) -> T {
        f(&self.lock().state)
    }

    /// Moves the conversation to `state`.
    pub fn update(&self, state: S) {
        let mut slot = self.lock();
        slot.state = state;
        slot.changed = true;
    }

    /// Ends the flow: back to the [`Default`] state.
    pub fn exit(&self) {
        self.update(S::default());
    }

    /// Whether the state was changed during this turn.
    #[must_use]
    pub fn is_changed(&self) -> bool {
        self.lock().changed
    }
}
