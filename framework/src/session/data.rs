//! The session handle handlers read and write.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Why a session value could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionDataError {
    /// The value could not be turned into JSON.
    #[error("session value {key:?} cannot be serialized")]
    Serialize {
        /// The session key.
        key: String,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
    /// The stored value does not fit the requested type (e.g. after a deploy
    /// changed the type).
    #[error("session value {key:?} does not have the expected shape")]
    Deserialize {
        /// The session key.
        key: String,
        /// The deserializer's error.
        #[source]
        source: serde_json::Error,
    },
}

#[derive(Debug, Default)]
struct Inner {
    values: Map<String, Value>,
    changed: bool,
}

/// One conversation's session: a map of JSON values that lives across turns.
///
/// The [session layer](super) loads it before the turn, puts it in the
/// message's extensions (handlers take it with the `Session` extractor), and
/// saves it after the turn. Clones share the same data.
///
/// ```
/// use framework::session::Session;
///
/// let session = Session::new();
/// session.insert("cart", &vec!["cement", "sand"]).unwrap();
/// let cart: Option<Vec<String>> = session.get("cart").unwrap();
/// assert_eq!(cart.unwrap(), ["cement", "sand"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Session {
    inner: Arc<Mutex<Inner>>,
}

impl Session {
    /// An empty session.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a session from its stored form (a JSON object).
    ///
    /// # Errors
    ///
    /// The JSON error when `bytes` is not a JSON object.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let values: Map<String, Value> = serde_json::from_slice(bytes)?;
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                values,
                changed: false,
            })),
        })
    }

    /// The stored form: a JSON object.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let inner = self.lock();
        // A `Map<String, Value>` always serializes.
        serde_json::to_vec(&inner.values).unwrap_or_else(|_| b"{}".to_vec())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value under `key`, if present.
    ///
    /// # Errors
    ///
    /// [`SessionDataError::Deserialize`] when the stored value does not fit `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionDataError> {
        let inner = self.lock();
        inner
            .values
            .get(key)
            .map(|v| {
                T::deserialize(v).map_err(|source| SessionDataError::Deserialize {
                    key: key.to_owned(),
                    source,
                })
            })
            .transpose()
    }

    /// Stores `value` under `key`.
    ///
    /// # Errors
    ///
    /// [`SessionDataError::Serialize`] when `value` cannot be turned into JSON.
    pub fn insert<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), SessionDataError> {
        let value = serde_json::to_value(value).map_err(|source| SessionDataError::Serialize {
            key: key.to_owned(),
            source,
        })?;
        let mut inner = self.lock();
        inner.values.insert(key.to_owned(), value);
        inner.changed = true;
        Ok(())
    }

    /// Removes the value under `key`; returns whether there was one.
    pub fn remove(&self, key: &str) -> bool {
        let mut inner = self.lock();
        let removed = inner.values.remove(key).is_some();
        inner.changed |= removed;
        removed
    }

    /// Removes every value: the conversation starts over.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.changed |= !inner.values.is_empty();
        inner.values.clear();
    }

    /// Whether the session holds no values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().values.is_empty()
    }

    /// Whether `key` holds a value.
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.lock().values.contains_key(key)
    }

    /// Whether anything was changed since the session was loaded.
    #[must_use]
    pub fn is_changed(&self) -> bool {
        self.lock().changed
    }
}
