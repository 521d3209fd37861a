//! Meta WhatsApp Cloud API: verification handshake, webhooks, signatures, outbound JSON.
//!
//! Pure translation, no IO. A webhook route does, in this order:
//!
//! 1. `GET`: [`verify_subscription`] on the raw query string; answer `200` with
//!    the returned challenge, or [`SubscriptionError::status`].
//! 2. `POST`: [`verify_signature`] over the **raw body bytes** and the
//!    [`SIGNATURE_HEADER`] value, then [`parse_webhook`] on the same bytes;
//!    answer `200` once the events are durably recorded, or
//!    [`WebhookError::status`](crate::provider::WebhookError::status).
//!
//! Replies go out as [`render`]ed [`MessageRequest`]s, posted to
//! `{base}/{version}/{phone_number_id}/messages`; [`parse_send_response`] reads
//! the answer and its [`ApiError`] says whether to retry.
//!
//! # Example
//!
//! ```
//! use framework::provider::meta::{
//!     self, parse_send_response, parse_webhook, render, sign, verify_signature,
//!     verify_subscription,
//! };
//! use framework::reply::Reply;
//! use framework::WebhookEvent;
//!
//! // The GET handshake echoes the challenge when the verify token matches.
//! let query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my-token";
//! assert_eq!(verify_subscription(query, "my-token").unwrap(), "1158201444");
//!
//! // A notification as Meta sends it: non-ASCII escaped, signed over these bytes.
//! let app_secret = b"app-secret";
//! let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jos\u00e9"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"\u00bfTienen caf\u00e9?"}}]}}]}]}"#;
//! let header = sign(app_secret, body); // what Meta sends in this header:
//! assert_eq!(meta::SIGNATURE_HEADER, "X-Hub-Signature-256");
//!
//! verify_signature(app_secret, body, Some(&header)).unwrap();
//! let events = parse_webhook(body).unwrap();
//! let WebhookEvent::Message(msg) = &events[0] else { unreachable!() };
//! assert_eq!(msg.text(), Some("¿Tienen café?"));
//! assert_eq!(msg.profile_name(), Some("José"));
//! assert_eq!(msg.key().business().as_str(), "+15550783881");
//! assert_eq!(msg.channel_id(), Some("106540352242922"));
//!
//! // The answer, rendered as Cloud API requests.
//! let requests = render(&Reply::text("¡Sí! ☕"), msg.key().customer()).unwrap();
//! assert_eq!(requests[0].json()["to"], "+16505551234");
//! assert_eq!(requests[0].json()["text"]["body"], "¡Sí! ☕");
//!
//! // What the Graph API answered.
//! let sent = parse_send_response(200, br#"{"messaging_product":"whatsapp","messages":[{"id":"wamid.OUT"}]}"#).unwrap();
//! assert_eq!(sent.id.as_str(), "wamid.OUT");
//! ```
//!
//! # Errors
//!
//! Webhook problems are [`WebhookError`](crate::provider::WebhookError)s
//! (403 for signatures, 400 for bodies); a message of a type this crate does
//! not model is not an error but [`Content::Unsupported`](crate::Content::Unsupported),
//! a message without a phone number (a user known only by a business-scoped
//! user id) is [`WebhookEvent::Unaddressable`](crate::WebhookEvent::Unaddressable),
//! and a status update with an unknown status is skipped with a warning.

mod render;
mod response;
mod signature;
mod verify;
mod webhook;
mod wire;

pub use self::render::{MessageRequest, render, render_with_context};
pub use self::response::{ApiError, SendOutcome, SentMessage, parse_response, parse_send_response};
pub use self::signature::{SIGNATURE_HEADER, sign, verify_signature};
pub use self::verify::{SubscriptionError, verify_subscription};
pub use self::webhook::parse_webhook;
