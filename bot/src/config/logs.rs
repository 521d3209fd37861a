//! The logs' settings.

use secrecy::SecretString;

framework::settings! {
    /// Logs.
    #[derive(Debug, Clone, Default)]
    pub struct LogSettings {
        /// Secret (16+ bytes) keying conversation pseudonyms in logs, so they
        /// match across instances [default: random per process].
        #[var("CAMPANILE_LOG_PSEUDONYM_KEY", secret)]
        pub pseudonym_key: Option<SecretString>,
    }
}
