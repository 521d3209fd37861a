//! Replies rendered into the requests a provider's API takes, addressed
//! from the business's number (or Meta phone number id) to the customer.
//!
//! The durable outbox stores what [`render`] returns, and the transport
//! sends it later, so a stored request never depends on configuration read
//! at send time.
//!
//! ```
//! use framework::reply::Reply;
//! use framework::{PhoneNumber, Provider};
//! use infra_providers::render::{Addressed, RenderConfig, render};
//!
//! let customer = PhoneNumber::parse("+15550001111").unwrap();
//! let business = PhoneNumber::parse("+15550002222").unwrap();
//! let to = Addressed { provider: Provider::Meta, customer: &customer, business: &business, channel_id: None };
//! let config = RenderConfig { meta_phone_number_id: Some("1234".to_owned()), ..RenderConfig::default() };
//! let requests = render(&Reply::text("Hello!"), &to, &config).unwrap();
//! assert_eq!(requests.len(), 1);
//! assert_eq!(requests[0].summary(), "Hello!");
//! ```

use framework::provider::{meta, twilio};
use framework::reply::Reply;
use framework::{PhoneNumber, Provider};

use crate::OutboundRequest;

/// How replies are addressed when they are rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderConfig {
    /// Twilio `From` (`TWILIO_WHATSAPP_FROM`); default: the number the
    /// customer wrote to.
    pub twilio_from: Option<PhoneNumber>,
    /// Twilio `StatusCallback` URL (`{CAMPANILE_PUBLIC_URL}/webhooks/twilio`).
    pub twilio_status_callback: Option<String>,
    /// Meta `phone_number_id` (`META_PHONE_NUMBER_ID`); default: the one the
    /// webhook named.
    pub meta_phone_number_id: Option<String>,
}

/// Who a reply goes to, and through which provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addressed<'a> {
    /// The provider that sends it.
    pub provider: Provider,
    /// The customer.
    pub customer: &'a PhoneNumber,
    /// The business number the customer wrote to (Twilio's default `From`).
    pub business: &'a PhoneNumber,
    /// The Meta phone number id the conversation came in on, if known
    /// (else [`RenderConfig::meta_phone_number_id`]).
    pub channel_id: Option<&'a str>,
}

/// Why a reply cannot be rendered for its provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The provider's wire format cannot carry this reply.
    #[error("{0}")]
    Unsupported(String),
    /// A Meta reply with no phone number id to send from.
    #[error("no phone_number_id to send from (set META_PHONE_NUMBER_ID)")]
    NoPhoneNumberId,
    /// Not a provider that sends over an API ([`Provider::Local`]).
    #[error("{0} replies are not sent through a provider API")]
    NotAnApi(&'static str),
}

/// The requests that send `reply` to `to`, in order (a long text may take
/// several).
///
/// # Errors
///
/// [`RenderError`] when the provider cannot carry the reply or there is
/// nothing to send it from.
pub fn render(
    reply: &Reply,
    to: &Addressed<'_>,
    config: &RenderConfig,
) -> Result<Vec<OutboundRequest>, RenderError> {
    match to.provider {
        Provider::Twilio => {
            let from = config
                .twilio_from
                .clone()
                .unwrap_or_else(|| to.business.clone());
            let mut outbound = twilio::OutboundConfig::new(from);
            if let Some(url) = &config.twilio_status_callback {
                outbound = outbound.with_status_callback(url.clone());
            }
            twilio::render(reply, to.customer, &outbound)
                .map(|reqs| reqs.iter().map(OutboundRequest::from_twilio).collect())
                .map_err(|e| RenderError::Unsupported(e.to_string()))
        }
        Provider::Meta => {
            let id = to
                .channel_id
                .map(str::to_owned)
                .or_else(|| config.meta_phone_number_id.clone())
                .ok_or(RenderError::NoPhoneNumberId)?;
            meta::render(reply, to.customer)
                .map(|reqs| {
                    reqs.iter()
                        .map(|r| OutboundRequest::from_meta(id.clone(), r))
                        .collect()
                })
                .map_err(|e| RenderError::Unsupported(e.to_string()))
        }
        other => Err(RenderError::NotAnApi(other.as_str())),
    }
}
