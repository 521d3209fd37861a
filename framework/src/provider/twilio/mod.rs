//! Twilio Programmable Messaging (WhatsApp): webhooks, signatures, outbound forms.
//!
//! Pure translation, no IO:
//!
//! - [`verify_form`] / [`verify_json`] check `X-Twilio-Signature`
//!   ([`compute_signature`] makes one).
//! - [`parse_webhook`] turns a form-encoded webhook into a
//!   [`WebhookEvent`](crate::WebhookEvent): a customer's message or a status
//!   callback (or, for a sender known only by an `ExternalUserId`, an
//!   [unaddressable](crate::WebhookEvent::Unaddressable) message).
//! - [`render`] turns a [`Reply`](crate::reply::Reply) into Messages API form
//!   requests ([`MessageRequest`]), and [`parse_send_response`] reads what the
//!   API answered.
//!
//! # Example
//!
//! ```
//! use framework::provider::twilio::{self, OutboundConfig};
//! use framework::reply::Reply;
//! use framework::{Content, PhoneNumber, WebhookEvent};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let auth_token = "your-auth-token";
//! // The public URL Twilio is configured to call (never rebuilt from Host headers
//! // behind a proxy without care: Twilio signs the URL exactly as configured).
//! let url = "https://bot.example.com/webhooks/twilio";
//!
//! // What Twilio POSTs for a WhatsApp text message, and the header it sends.
//! # let params: Vec<(String, String)> = [
//! #     ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
//! #     ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
//! #     ("From", "whatsapp:+919812345678"),
//! #     ("To", "whatsapp:+14155238886"),
//! #     ("Body", "Cement x 100"),
//! #     ("NumMedia", "0"),
//! #     ("ProfileName", "Ana"),
//! # ].map(|(n, v)| (n.to_owned(), v.to_owned())).to_vec();
//! # let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
//! # let header = twilio::compute_signature(auth_token, url, &params);
//! let body: &[u8] = body.as_bytes();
//! let signature: Option<&str> = Some(&header);
//!
//! // 1. Refuse anything not signed with our auth token (answer 403).
//! twilio::verify_form(auth_token, url, body, signature)?;
//!
//! // 2. Translate.
//! let WebhookEvent::Message(message) = twilio::parse_webhook(body)? else {
//!     unreachable!("a status callback");
//! };
//! assert_eq!(message.content(), &Content::Text { body: "Cement x 100".to_owned() });
//! assert_eq!(message.key().customer().as_str(), "+919812345678");
//! assert_eq!(message.profile_name(), Some("Ana"));
//!
//! // 3. Answer: one Messages API request per message to send.
//! let config = OutboundConfig::new(PhoneNumber::parse("whatsapp:+14155238886")?);
//! let requests = twilio::render(&Reply::text("100 bags: ₹38,000"), message.key().customer(), &config)?;
//! assert_eq!(
//!     requests[0].encode(),
//!     "To=whatsapp%3A%2B919812345678&From=whatsapp%3A%2B14155238886&Body=100+bags%3A+%E2%82%B938%2C000"
//! );
//! # Ok(())
//! # }
//! ```
//!
//! # Signatures
//!
//! `X-Twilio-Signature` is computed the way Twilio's own SDK validators do:
//!
//! 1. Start from the full URL Twilio called, exactly as configured: scheme,
//!    userinfo, host case, port, path and query string are kept as they are
//!    (reconstruct the public URL behind proxies; never lower-case or re-encode).
//! 2. For a form POST, append `name + value` for every parameter, names sorted
//!    byte-wise; a repeated name contributes each distinct value once, values
//!    sorted byte-wise.
//! 3. The signature is `base64(HMAC-SHA1(auth token, that string))`, compared
//!    in constant time. Use the primary auth token; an empty token verifies
//!    nothing ([`SignatureError::NotConfigured`](crate::provider::SignatureError::NotConfigured)).
//! 4. Proxies and SDKs disagree on whether the port is part of the URL, so a
//!    signature is accepted when it matches the URL as given or its other port
//!    form: without the port when it has one, with the scheme's default port
//!    (`:443`, `:80`) when it has none. A non-default port is never replaced
//!    by another.
//! 5. JSON bodies ([`verify_json`]) are not signed as parameters: the URL
//!    carries `bodySHA256=<hex SHA-256 of the body>`, the signature covers the
//!    URL alone, and the hash must match the body.
//!
//! A `#…` fragment (Twilio's connection overrides such as `#rc=2`) is never
//! sent to the server, and whether Twilio signs it is not documented; pass the
//! configured URL without it (the URL is never altered here).
//!
//! # Menus instead of buttons
//!
//! Twilio sends interactive buttons and lists only from pre-approved Content
//! Templates, so [`render`] sends free-form [`Buttons`](crate::reply::Buttons)
//! and [`List`](crate::reply::List) as a numbered text menu; the
//! [`menu`](crate::menu) layer maps the customer's "1", "2"… back to the ids.
//!
//! # Errors
//!
//! Webhook problems are [`WebhookError`](crate::provider::WebhookError)s (400)
//! or [`SignatureError`](crate::provider::SignatureError)s (403); replies that
//! cannot be sent are [`RenderError`](crate::provider::RenderError)s; API
//! refusals are [`ApiError`]s that say whether to retry.

mod render;
mod response;
mod signature;
mod twiml;
mod webhook;

pub use self::render::{BODY_LIMIT, MessageRequest, OutboundConfig, render};
pub use self::response::{ApiError, SentMessage, parse_send_response};
pub use self::signature::{SIGNATURE_HEADER, compute_signature, verify_form, verify_json};
pub use self::twiml::{EMPTY_RESPONSE, TWIML_LIMIT, TWIML_MAX_MESSAGES, twiml_response};
pub use self::webhook::parse_webhook;
