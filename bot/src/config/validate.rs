//! The rules between values, and those serde cannot say: one place.

use std::time::Duration;

use secrecy::ExposeSecret as _;

use super::{ConfigError, HIDDEN, Settings};

impl Settings {
    /// Checks the rules between values, and those serde cannot say.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming the first variable that breaks one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn invalid(
            name: &'static str,
            value: impl Into<String>,
            reason: impl Into<String>,
        ) -> Result<(), ConfigError> {
            Err(ConfigError::Invalid {
                name,
                value: value.into(),
                reason: reason.into(),
            })
        }
        if let Some(token) = &self.api.admin_token
            && token.expose_secret().chars().count() < super::api::MIN_ADMIN_TOKEN_LEN
        {
            return invalid(
                "CAMPANILE_ADMIN_TOKEN",
                HIDDEN,
                format!(
                    "must be at least {} characters",
                    super::api::MIN_ADMIN_TOKEN_LEN
                ),
            );
        }
        let public_url = self.server.base_url();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return invalid(
                "CAMPANILE_PUBLIC_URL",
                public_url,
                "must start with http:// or https://",
            );
        }
        for (name, duration) in [
            ("CAMPANILE_HEADER_TIMEOUT", self.server.header_timeout),
            ("CAMPANILE_BODY_TIMEOUT", self.server.body_timeout),
            ("CAMPANILE_IDLE_TIMEOUT", self.server.idle_timeout),
        ] {
            if duration.is_zero() {
                return invalid(name, "0s", "must be more than 0s");
            }
        }
        for (name, value) in [
            (
                "CAMPANILE_TWILIO_BREAKER_FAILURES",
                self.outbound.twilio_breaker_failures,
            ),
            (
                "CAMPANILE_META_BREAKER_FAILURES",
                self.outbound.meta_breaker_failures,
            ),
        ] {
            if value == 0 {
                return invalid(name, "0", "must be at least 1");
            }
        }
        if self.outbound.timeout.is_zero() {
            return invalid("CAMPANILE_OUTBOUND_TIMEOUT", "0s", "must be more than 0s");
        }
        if self.server.max_connections == 0 {
            return invalid("CAMPANILE_MAX_CONNECTIONS", "0", "must be at least 1");
        }
        if self.database.max_connections() == 0 {
            return invalid("DATABASE_MAX_CONNECTIONS", "0", "must be at least 1");
        }
        if self.pipeline.send_concurrency == 0 {
            return invalid("CAMPANILE_SEND_CONCURRENCY", "0", "must be at least 1");
        }
        if self.pipeline.turn_concurrency == 0 {
            return invalid("CAMPANILE_TURN_CONCURRENCY", "0", "must be at least 1");
        }
        if let Some(url) = &self.redis.url {
            let url = url.expose();
            if url.starts_with("rediss://") {
                return invalid(
                    "REDIS_URL",
                    HIDDEN,
                    "TLS (rediss://) is not built into this binary; use redis:// on a private network or a TLS tunnel",
                );
            }
            if !(url.starts_with("redis://") || url.starts_with("redis+unix://")) {
                return invalid(
                    "REDIS_URL",
                    HIDDEN,
                    "must start with redis:// or redis+unix://",
                );
            }
            // BullMQ separates its key parts with `:` and refuses one in the
            // prefix.
            if self.redis.key_prefix.contains(':') {
                return invalid(
                    "REDIS_KEY_PREFIX",
                    self.redis.key_prefix.clone(),
                    "must not contain ':' (the job queue's keys use it as a separator); use '-' or '_'",
                );
            }
        }
        match (&self.meta.app_secret, &self.meta.verify_token) {
            (Some(_), None) => {
                return invalid(
                    "META_VERIFY_TOKEN",
                    "",
                    "must be set with META_APP_SECRET (Meta's subscription handshake needs it)",
                );
            }
            (None, Some(_)) => {
                return invalid(
                    "META_APP_SECRET",
                    "",
                    "must be set with META_VERIFY_TOKEN (it verifies Meta's webhooks)",
                );
            }
            _ => {}
        }
        if let Some(key) = &self.log.pseudonym_key
            && key.expose_secret().len() < framework::trace::MIN_PSEUDONYM_KEY_LEN
        {
            return invalid(
                "CAMPANILE_LOG_PSEUDONYM_KEY",
                HIDDEN,
                format!(
                    "must be at least {} bytes",
                    framework::trace::MIN_PSEUDONYM_KEY_LEN
                ),
            );
        }
        for (name, duration) in [
            ("CAMPANILE_SESSION_TTL", self.pipeline.session_ttl),
            ("CAMPANILE_IN_FLIGHT_TTL", self.pipeline.in_flight_ttl),
            ("CAMPANILE_LANE_TTL", self.pipeline.lane_ttl),
            ("CAMPANILE_SEND_LEASE", self.pipeline.send_lease),
            ("CAMPANILE_INVOICE_LINK_TTL", self.shop.invoice_link_ttl),
        ] {
            if duration < Duration::from_secs(1) {
                return invalid(
                    name,
                    humantime::format_duration(duration).to_string(),
                    "must be at least 1s",
                );
            }
        }
        if self.shop.max_quantity == 0 {
            return invalid("CAMPANILE_MAX_QUANTITY", "0", "must be at least 1");
        }
        if self.shop.payment_terms_days > 3650 {
            return invalid(
                "CAMPANILE_PAYMENT_TERMS",
                self.shop.payment_terms_days.to_string(),
                "must be at most 3650 days",
            );
        }
        if let Err(e) = self.shop.clock() {
            return invalid(
                "CAMPANILE_TIMEZONE",
                self.shop.timezone.clone(),
                e.to_string(),
            );
        }
        self.shop.check_templates()?;
        Ok(())
    }
}
