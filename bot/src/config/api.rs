//! The operator API's settings (`/api/`, see `bot::http::api`).

use secrecy::SecretString;

framework::settings! {
    /// The operator API.
    #[derive(Debug, Clone, Default)]
    pub struct ApiSettings {
        /// Bearer token (16+ characters) the operator API under `/api/`
        /// requires in `Authorization: Bearer …`; unset, the API is off and
        /// `/api/` answers 404 [default: none].
        #[var("CAMPANILE_ADMIN_TOKEN", secret)]
        pub admin_token: Option<SecretString>,
    }
}

/// The shortest token [`ApiSettings::admin_token`] accepts.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;
