//! Campanile's implementations of the framework's store traits and the
//! features' ports: Redis stores, database repositories and migrations, the
//! job queue, and the Twilio / Meta / Zoho HTTP clients behind circuit
//! breakers.
//!
//! Empty for now: the first implementations arrive with the shop bot (issue 3)
//! and the distributed backends (issue 4).
