use tower::Layer;

use super::config::RateLimitConfig;
use super::key::{KeyFn, PerConversation};
use super::service::RateLimit;

/// Applies [`RateLimit`] to a service.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct RateLimitLayer<St, K = PerConversation> {
    store: St,
    config: RateLimitConfig,
    key: K,
}

impl<St> RateLimitLayer<St> {
    /// A rate limit over `store`, one budget per conversation.
    #[must_use]
    pub fn new(store: St, config: RateLimitConfig) -> Self {
        Self {
            store,
            config,
            key: PerConversation,
        }
    }
}

impl<St, K> RateLimitLayer<St, K> {
    /// Counts messages against the key `key` chooses instead.
    #[must_use]
    pub fn with_key<K2: KeyFn>(self, key: K2) -> RateLimitLayer<St, K2> {
        RateLimitLayer {
            store: self.store,
            config: self.config,
            key,
        }
    }
}

impl<S, St: Clone, K: Clone> Layer<S> for RateLimitLayer<St, K> {
    type Service = RateLimit<S, St, K>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit::new(
            inner,
            self.store.clone(),
            self.config.clone(),
            self.key.clone(),
        )
    }
}
