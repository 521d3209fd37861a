//! The HTTP server's settings.

use std::net::SocketAddr;

infra::settings! {
    /// The HTTP server.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ServerSettings {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[var("CAMPANILE_ADDR")]
        pub addr: SocketAddr,
        /// scheme://host[:port] providers call; Twilio signs URLs built from it
        /// [default: `http://<addr>`].
        #[var("CAMPANILE_PUBLIC_URL")]
        pub public_url: Option<String>,
    }
}

impl Default for ServerSettings {
    /// `127.0.0.1:8080`, called at that address.
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
        }
    }
}

impl ServerSettings {
    /// The scheme, host and port providers call, without a trailing `/`:
    /// [`public_url`](Self::public_url) when set, else `http://{addr}`.
    #[must_use]
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }
}
