//! The HTTP server's settings: where it listens, how it is called, and how
//! long it waits for a client before closing the connection.

use std::net::SocketAddr;
use std::time::Duration;

framework::settings! {
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
        /// How long a client has to send a request's headers, counted from the
        /// connection's opening or, between requests, from the first byte of
        /// the next; then the connection is closed [default: 10s].
        #[var("CAMPANILE_HEADER_TIMEOUT")]
        #[serde(with = "humantime_serde")]
        pub header_timeout: Duration,
        /// How long a client has to send a request's whole body, counted from
        /// its headers; then it gets 408 and the connection is closed
        /// [default: 30s].
        #[var("CAMPANILE_BODY_TIMEOUT")]
        #[serde(with = "humantime_serde")]
        pub body_timeout: Duration,
        /// How long a kept-alive connection may wait, with no request in
        /// flight, for the next one before it is closed [default: 60s].
        #[var("CAMPANILE_IDLE_TIMEOUT")]
        #[serde(with = "humantime_serde")]
        pub idle_timeout: Duration,
        /// Most connections open at once; beyond it new ones wait in the
        /// system's backlog until one closes. Kept below the open-file limit
        /// (`ulimit -n`) less 128 for the database and the providers
        /// [default: 10000].
        #[var("CAMPANILE_MAX_CONNECTIONS")]
        pub max_connections: usize,
    }
}

impl Default for ServerSettings {
    /// `127.0.0.1:8080`, called at that address; 10 s for headers, 30 s for
    /// a body, 60 s idle, 10,000 connections.
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
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
