//! The provider HTTP clients against the fake Twilio and Meta servers: what
//! goes on the wire, and how every answer maps to a [`SendError`].
//!
//! [`SendError`]: infra_providers::SendError

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod media;
mod meta;
mod observability;
mod policy;
mod transport;
mod twilio;
mod zoho;

use framework::PhoneNumber;

/// The account the fake Twilio accepts.
const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// Its auth token.
const AUTH_TOKEN: &str = "twilio-auth-token";
/// The token the fake Meta accepts.
const ACCESS_TOKEN: &str = "EAAG-meta-access-token";
/// The business number's id on Meta.
const PHONE_NUMBER_ID: &str = "106540352242922";
/// The customer.
const CUSTOMER: &str = "+919812345678";
/// The shop's WhatsApp number.
const SHOP: &str = "+14155238886";

fn customer() -> PhoneNumber {
    PhoneNumber::parse(CUSTOMER).unwrap()
}

fn shop() -> PhoneNumber {
    PhoneNumber::parse(SHOP).unwrap()
}

/// Owned form fields from pairs.
fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}
