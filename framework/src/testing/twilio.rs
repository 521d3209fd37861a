//! Signed Twilio webhook builders.
//!
//! [`TwilioWebhook`] builds the form Twilio POSTs for a WhatsApp message or a
//! status callback, with realistic housekeeping fields and a fresh
//! `MessageSid`, and signs it like Twilio does.
//!
//! ```
//! use framework::provider::twilio::{parse_webhook, verify_form, SIGNATURE_HEADER};
//! use framework::testing::twilio::TwilioWebhook;
//! use framework::WebhookEvent;
//!
//! let hook = TwilioWebhook::text("+919812345678", "+14155238886", "Cement x 100")
//!     .with_profile_name("Ana");
//! let url = "https://bot.example.com/webhooks/twilio";
//! let signature = hook.signature("token", url);
//! assert!(verify_form("token", url, hook.form_body().as_bytes(), Some(&signature)).is_ok());
//!
//! let Ok(WebhookEvent::Message(m)) = parse_webhook(hook.form_body().as_bytes()) else { panic!() };
//! assert_eq!(m.id().as_str(), hook.sid());
//! assert_eq!(m.text(), Some("Cement x 100"));
//!
//! let request = hook.signed_request("token", url);
//! assert_eq!(request.uri(), "/webhooks/twilio");
//! assert!(request.headers().contains_key(SIGNATURE_HEADER));
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use http::{Method, Request, header};

use crate::MediaKind;
use crate::provider::twilio::{SIGNATURE_HEADER, compute_signature};

/// The `AccountSid` the builders put in every webhook.
pub const ACCOUNT_SID: &str = "AC5ef8732a3c49700934481addd5ce1659";

/// The business number status callbacks come from by default (Twilio's
/// WhatsApp sandbox number).
pub const BUSINESS_NUMBER: &str = "+14155238886";

/// The customer number status callbacks go to by default.
pub const CUSTOMER_NUMBER: &str = "+919812345678";

static NEXT_SID: AtomicU64 = AtomicU64::new(1);

/// A fresh SID: `prefix` + 32 hex digits, unique within the process.
fn fresh_sid(prefix: &str) -> String {
    let n = NEXT_SID.fetch_add(1, Ordering::Relaxed);
    // Multiplying by an odd constant is a bijection on u64, so the ids stay
    // unique while not looking like a counter.
    let mixed = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!("{prefix}{mixed:016x}{n:016x}")
}

/// `whatsapp:` + the number, unless it already has the prefix.
fn whatsapp(number: &str) -> String {
    if number.starts_with("whatsapp:") {
        number.to_owned()
    } else {
        format!("whatsapp:{number}")
    }
}

/// A Twilio WhatsApp webhook under construction: ordered form parameters.
///
/// See the [module docs](self) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioWebhook {
    params: Vec<(String, String)>,
}

impl TwilioWebhook {
    /// An inbound message with the housekeeping fields every WhatsApp webhook
    /// has, in Twilio's order; `content` goes where Twilio puts `Body` & co.
    fn inbound(
        sid_prefix: &str,
        from: &str,
        to: &str,
        message_type: &str,
        content: Vec<(&str, String)>,
    ) -> Self {
        let sid = fresh_sid(sid_prefix);
        let wa_id: String = from.chars().filter(char::is_ascii_digit).collect();
        let num_media = content
            .iter()
            .filter(|(n, _)| n.starts_with("MediaUrl"))
            .count()
            .to_string();
        let mut params: Vec<(String, String)> = vec![
            ("SmsMessageSid".to_owned(), sid.clone()),
            ("NumMedia".to_owned(), num_media),
            ("MessageType".to_owned(), message_type.to_owned()),
            ("SmsSid".to_owned(), sid.clone()),
            ("WaId".to_owned(), wa_id),
            ("SmsStatus".to_owned(), "received".to_owned()),
        ];
        params.extend(content.into_iter().map(|(n, v)| (n.to_owned(), v)));
        params.extend([
            ("To".to_owned(), whatsapp(to)),
            ("NumSegments".to_owned(), "1".to_owned()),
            ("ReferralNumMedia".to_owned(), "0".to_owned()),
            ("MessageSid".to_owned(), sid),
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("From".to_owned(), whatsapp(from)),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
        ]);
        Self { params }
    }

    /// A text message from the customer `from` (e.g. `"+919812345678"`) to the
    /// business number `to`.
    #[must_use]
    pub fn text(from: &str, to: &str, body: &str) -> Self {
        Self::inbound("SM", from, to, "text", vec![("Body", body.to_owned())])
    }

    /// A tap on a template's quick-reply button.
    #[must_use]
    pub fn quick_reply(from: &str, to: &str, payload: &str, text: &str) -> Self {
        Self::inbound(
            "SM",
            from,
            to,
            "button",
            vec![
                ("Body", text.to_owned()),
                ("ButtonText", text.to_owned()),
                ("ButtonPayload", payload.to_owned()),
            ],
        )
    }

    /// One media item with no caption (`MM…` sid, `NumMedia=1`). Add a
    /// caption with `with_param("Body", ..)`, more items with `MediaUrl1`…
    /// and `NumMedia`.
    #[must_use]
    pub fn media(from: &str, to: &str, url: &str, mime: &str) -> Self {
        Self::inbound(
            "MM",
            from,
            to,
            MediaKind::from_mime(mime).as_str(),
            vec![
                ("MediaContentType0", mime.to_owned()),
                ("MediaUrl0", url.to_owned()),
                ("Body", String::new()),
            ],
        )
    }

    /// A shared location. Add `Label`/`Address` with `with_param`.
    #[must_use]
    pub fn location(from: &str, to: &str, latitude: f64, longitude: f64) -> Self {
        Self::inbound(
            "SM",
            from,
            to,
            "location",
            vec![
                ("Latitude", latitude.to_string()),
                ("Longitude", longitude.to_string()),
                ("Body", String::new()),
            ],
        )
    }

    /// A status callback for the outbound message `message_sid`, from
    /// [`BUSINESS_NUMBER`] to [`CUSTOMER_NUMBER`] (change them with
    /// `with_param`). `error_code` is set for `failed`/`undelivered`.
    #[must_use]
    pub fn status(message_sid: &str, status: &str, error_code: Option<&str>) -> Self {
        let mut params: Vec<(String, String)> = vec![
            ("ChannelPrefix".to_owned(), "whatsapp".to_owned()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("SmsSid".to_owned(), message_sid.to_owned()),
            ("SmsStatus".to_owned(), status.to_owned()),
            (
                "ChannelInstallSid".to_owned(),
                "XE00000000000000000000000000000000".to_owned(),
            ),
            ("To".to_owned(), whatsapp(CUSTOMER_NUMBER)),
            ("From".to_owned(), whatsapp(BUSINESS_NUMBER)),
            ("MessageSid".to_owned(), message_sid.to_owned()),
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
        ];
        if let Some(code) = error_code {
            params.insert(0, ("ErrorCode".to_owned(), code.to_owned()));
        }
        Self { params }
    }

    /// Replaces the message id (`MessageSid` and its legacy copies `SmsSid`,
    /// `SmsMessageSid` where present).
    #[must_use]
    pub fn with_sid(mut self, sid: &str) -> Self {
        for (name, value) in &mut self.params {
            if matches!(name.as_str(), "MessageSid" | "SmsSid" | "SmsMessageSid") {
                sid.clone_into(value);
            }
        }
        if !self.params.iter().any(|(n, _)| n == "MessageSid") {
            self.params.push(("MessageSid".to_owned(), sid.to_owned()));
        }
        self
    }

    /// Sets a parameter: replaces the value where it is (dropping repeats), or
    /// adds it at the end.
    #[must_use]
    pub fn with_param(mut self, name: &str, value: &str) -> Self {
        match self.params.iter().position(|(n, _)| n == name) {
            Some(i) => {
                if let Some((_, v)) = self.params.get_mut(i) {
                    value.clone_into(v);
                }
                let mut seen = 0;
                self.params.retain(|(n, _)| {
                    if n == name {
                        seen += 1;
                        seen == 1
                    } else {
                        true
                    }
                });
            }
            None => self.params.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    /// Sets the sender's WhatsApp profile name (`ProfileName`).
    #[must_use]
    pub fn with_profile_name(self, name: &str) -> Self {
        self.with_param("ProfileName", name)
    }

    /// Removes every parameter with this name.
    #[must_use]
    pub fn without_param(mut self, name: &str) -> Self {
        self.params.retain(|(n, _)| n != name);
        self
    }

    /// The parameters, in order.
    #[must_use]
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The `MessageSid`; empty when it was removed.
    #[must_use]
    pub fn sid(&self) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == "MessageSid")
            .map_or("", |(_, v)| v.as_str())
    }

    /// The `application/x-www-form-urlencoded` body.
    #[must_use]
    pub fn form_body(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish()
    }

    /// The `X-Twilio-Signature` Twilio would send when calling `url`.
    #[must_use]
    pub fn signature(&self, auth_token: &str, url: &str) -> String {
        compute_signature(auth_token, url, &self.params)
    }

    /// A signed `POST` as Twilio sends it to `url`: the request's URI is the
    /// URL's path and query, with `Host`, `Content-Type` and
    /// `X-Twilio-Signature` headers.
    ///
    /// # Panics
    ///
    /// If `url`'s path or host cannot be used in an HTTP request.
    #[must_use]
    pub fn signed_request(&self, auth_token: &str, url: &str) -> Request<Body> {
        let (host, path_and_query) = split_url(url);
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path_and_query)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(SIGNATURE_HEADER, self.signature(auth_token, url));
        if !host.is_empty() {
            builder = builder.header(header::HOST, host);
        }
        #[expect(clippy::expect_used, reason = "test kit; documented under # Panics")]
        builder
            .body(Body::from(self.form_body()))
            .expect("the URL's path or host is not valid in an HTTP request")
    }
}

/// The host (without userinfo) and the path + query of an absolute URL.
fn split_url(url: &str) -> (&str, String) {
    let url = url.split('#').next().unwrap_or(url);
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_len);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    (host, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_unique_and_look_like_twilio_sids() {
        let a = TwilioWebhook::text("+1", "+2", "x");
        let b = TwilioWebhook::text("+1", "+2", "x");
        assert_ne!(a.sid(), b.sid());
        assert_eq!(a.sid().len(), 34);
        assert!(a.sid().starts_with("SM"));
        assert!(
            TwilioWebhook::media("+1", "+2", "u", "image/jpeg")
                .sid()
                .starts_with("MM")
        );
    }

    #[test]
    fn with_param_replaces_in_place_and_drops_repeats() {
        let hook = TwilioWebhook::text("+1", "+2", "x")
            .with_param("Extra", "1")
            .with_param("Body", "y");
        let hook = TwilioWebhook {
            params: [
                hook.params.clone(),
                vec![("Body".to_owned(), "z".to_owned())],
            ]
            .concat(),
        }
        .with_param("Body", "new");
        let bodies: Vec<_> = hook.params().iter().filter(|(n, _)| n == "Body").collect();
        assert_eq!(bodies, [&("Body".to_owned(), "new".to_owned())]);
        assert_eq!(hook.params().last().map(|(n, _)| n.as_str()), Some("Extra"));
    }

    #[test]
    fn with_sid_changes_every_copy() {
        let hook = TwilioWebhook::text("+1", "+2", "x").with_sid("SMfixed");
        for name in ["MessageSid", "SmsSid", "SmsMessageSid"] {
            assert!(
                hook.params()
                    .contains(&(name.to_owned(), "SMfixed".to_owned()))
            );
        }
    }

    #[test]
    fn urls_split_into_host_and_path() {
        assert_eq!(
            split_url("https://u:p@bot.example.com:8443/hooks/twilio?t=1#rc=2"),
            ("bot.example.com:8443", "/hooks/twilio?t=1".to_owned())
        );
        assert_eq!(
            split_url("https://bot.example.com"),
            ("bot.example.com", "/".to_owned())
        );
        assert_eq!(
            split_url("https://bot.example.com?x=1"),
            ("bot.example.com", "/?x=1".to_owned())
        );
    }
}
