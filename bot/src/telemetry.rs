//! Logs and metrics.
//!
//! Logs are human-readable by default and JSON lines with `--json-logs`;
//! `RUST_LOG` filters them (default `info`). Whatever a field holds, a log
//! line stays one line: the text format escapes control characters in
//! every field value and message (`\n`, `\r`, `\0`, `\u{1b}`), as JSON
//! does, so a provider's string (a message id, a profile name, an error
//! message) cannot forge lines. In both formats the value of any
//! `signature=` query parameter is written `<redacted>`
//! ([`redact_signatures`]): a signed invoice link in a log line is not a
//! working link. Metrics go to one
//! process-wide Prometheus recorder, rendered at `GET /metrics`:
//!
//! | metric | labels | from |
//! |---|---|---|
//! | `campanile_messages_in_total` | provider | every new inbound message |
//! | `campanile_messages_unaddressable_total` | provider | messages without a phone number (business-scoped user id only): acknowledged, not answered |
//! | `campanile_webhooks_refused_total` | provider, reason (`signature`, `not_configured`, `content_type`, `too_large`, `unreadable_body`, `handshake`, `malformed`) | every refused webhook request, logged or not |
//! | `campanile_turns_total` | provider, outcome (`handled`, `duplicate`, `rate_limited`, `failed`, ...) | the trace layer, one per turn |
//! | `campanile_turn_duration_seconds` (histogram) | provider | the trace layer |
//! | `campanile_messages_out_total` | provider, outcome (`accepted`, `dry_run`, `retrying`, `failed`) | the outbox dispatcher, one per send |
//! | `campanile_delivery_status_total` | provider, status | status callbacks |
//! | `campanile_outbound_requests_total`, `campanile_outbound_request_seconds` | provider, outcome | the provider HTTP clients |
//! | `campanile_http_connections` (gauge) | | connections open ([`crate::http::serve`]) |
//! | `campanile_support_answers_total` | reason (`faq_match`, `model_answered`, `no_model`, `model_failed_…`, `rejected_…`, `no_question`) | the support responder, one per question that is not an order |
//! | `campanile_rule_runs` (gauge) | rule, result (`succeeded`, `skipped`, `failed`) | the run log, read at each scrape: the deployment's runs of each automation rule |
//! | `campanile_http_timeouts_total` | timeout (`header`, `body`, `idle`) | connections closed, or requests answered 408, for a client's slowness |

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::util::SubscriberInitExt as _;

/// Installs the log subscriber (once; later calls do nothing). `default`
/// applies when `RUST_LOG` is unset (`info`; the terminal chat uses `warn`).
pub fn init_logs(json: bool, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Err means a subscriber is installed already (tests); keep it.
    let _ = log_subscriber(json, filter, std::io::stderr).try_init();
}

/// The subscriber [`init_logs`] installs, writing to `writer`: text (field
/// values escaped) or JSON lines, signatures redacted in both. See the
/// [module docs](self).
pub fn log_subscriber<W>(
    json: bool,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting(writer));
    if json {
        Box::new(builder.json().finish())
    } else {
        Box::new(builder.fmt_fields(EscapedFields::default()).finish())
    }
}

/// What a redacted value is written as.
const REDACTED: &str = "<redacted>";

/// `text` with the value of every `signature=` parameter (any case of its
/// first letter, so `X-Amz-Signature=` too) replaced by `<redacted>`; the
/// rest, the link's path and `expires` included, is kept.
///
/// ```
/// use bot::telemetry::redact_signatures;
///
/// assert_eq!(
///     redact_signatures("https://shop.example/invoices/INV-00001.pdf?expires=1795329000&signature=9f86d0"),
///     "https://shop.example/invoices/INV-00001.pdf?expires=1795329000&signature=<redacted>",
/// );
/// assert_eq!(redact_signatures("signature check failed"), "signature check failed");
/// ```
#[must_use]
pub fn redact_signatures(text: &str) -> Cow<'_, str> {
    let mut redacted = String::new();
    let mut done = 0;
    for (at, name) in text.match_indices("ignature=") {
        let first = at
            .checked_sub(1)
            .and_then(|i| text.as_bytes().get(i))
            .is_some_and(|b| b.eq_ignore_ascii_case(&b's'));
        let start = at + name.len();
        let value = text
            .get(start..)
            .unwrap_or_default()
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || b"%-_.~+/=".contains(b))
            .count();
        if !first || value == 0 || start < done {
            continue;
        }
        redacted.push_str(text.get(done..start).unwrap_or_default());
        redacted.push_str(REDACTED);
        done = start + value;
    }
    if done == 0 {
        return Cow::Borrowed(text);
    }
    redacted.push_str(text.get(done..).unwrap_or_default());
    Cow::Owned(redacted)
}

/// A [`MakeWriter`] whose writers pass every log line through
/// [`redact_signatures`]: whichever field carries a signed link (ours, or a
/// provider's error message quoting it), the signature never reaches the
/// logs.
struct Redacting<M>(M);

impl<'a, M> MakeWriter<'a> for Redacting<M>
where
    M: MakeWriter<'a>,
{
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        RedactingWriter(self.0.make_writer_for(meta))
    }
}

/// The formatter hands each event over as one `write_all` of its whole
/// line, so a parameter is never split between two writes.
struct RedactingWriter<W>(W);

impl<W> io::Write for RedactingWriter<W>
where
    W: io::Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match std::str::from_utf8(buf).map(redact_signatures) {
            Ok(Cow::Owned(line)) => self.0.write_all(line.as_bytes())?,
            _ => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The text format's fields as [`DefaultFields`] writes them, with control
/// characters escaped: a value holding `"\n2026-… INFO forged"` stays on
/// its line. (Field names lose the terminal's italics: the escaping would
/// escape those too.)
#[derive(Debug, Default)]
struct EscapedFields(DefaultFields);

impl<'w> FormatFields<'w> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut escaping = Escaping(&mut writer);
        self.0.format_fields(Writer::new(&mut escaping), fields)
    }
}

/// Writes through, escaping control characters and the Unicode line and
/// paragraph separators.
struct Escaping<'a, W>(&'a mut W);

impl<W> fmt::Write for Escaping<'_, W>
where
    W: fmt::Write,
{
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            match c {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                '\0' => self.0.write_str("\\0")?,
                c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                    write!(self.0, "\\u{{{:x}}}", u32::from(c))?;
                }
                c => self.0.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// Turn latency buckets, in seconds: a turn is a few database round trips.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use; `None` when
/// another metrics recorder was installed first (then `/metrics` says so).
pub fn metrics() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_seconds".to_owned()),
                    &LATENCY_BUCKETS,
                )
                .and_then(|b| b.install_recorder());
            match builder {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error.message = %e, "metrics recorder not installed; /metrics is unavailable");
                    None
                }
            }
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!(
        "campanile_messages_in_total",
        "Inbound messages received, once per provider message id"
    );
    metrics::describe_counter!(
        framework::webhook::UNADDRESSABLE_METRIC,
        "Inbound messages without a phone number (business-scoped user id only), acknowledged but not answered"
    );
    metrics::describe_counter!(
        framework::webhook::REFUSED_METRIC,
        "Refused webhook requests by provider and reason, logged or not"
    );
    metrics::describe_counter!(
        "campanile_turns_total",
        "Turns by outcome (handled, duplicate, rate_limited, failed, ...)"
    );
    metrics::describe_histogram!(
        "campanile_turn_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a message entering the pipeline to its turn's end"
    );
    metrics::describe_counter!(
        "campanile_messages_out_total",
        "Outbound send attempts by outcome"
    );
    metrics::describe_counter!(
        "campanile_delivery_status_total",
        "Delivery status reports from providers"
    );
    metrics::describe_counter!(
        "campanile_outbound_window_failures_total",
        "Sends refused for the 24-hour window (Twilio 63016, Meta 131047), by whether a template followed"
    );
    metrics::describe_counter!(
        "campanile_marketing_capped_total",
        "Marketing templates WhatsApp capped for the customer (131049, 63049): deferred 24 h, suppressed after a second cap, or withdrawn (a cancelled campaign)"
    );
    metrics::describe_counter!(
        "campanile_marketing_opt_outs_total",
        "Customers who stopped marketing messages (Meta 131050), recorded once each"
    );
    metrics::describe_counter!(
        "campanile_support_answers_total",
        "Questions that are not orders, by how the support responder answered (FAQ, model, or the offer of a person: the reason)"
    );
    metrics::describe_gauge!(
        "campanile_rule_runs",
        "Runs of each automation rule by result, the whole deployment's (read from the run log at each scrape)"
    );
    metrics::describe_gauge!(
        crate::http::serve::CONNECTIONS_METRIC,
        "HTTP connections open"
    );
    metrics::describe_counter!(
        crate::http::serve::TIMEOUTS_METRIC,
        "HTTP connections closed (header, idle) or requests answered 408 (body) because the client was too slow"
    );
}

/// Runs the recorder's upkeep (draining histogram buffers) every few
/// seconds until the process ends.
pub fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// What `log` writes through the bot's subscriber.
    fn logged(json: bool, log: impl FnOnce()) -> String {
        let captured = framework::testing::LogBuffer::default();
        let writer = captured.clone();
        let subscriber = log_subscriber(json, EnvFilter::new("info"), move || writer.clone());
        tracing::subscriber::with_default(subscriber, log);
        captured.text()
    }

    const FORGED: &str =
        "SM1\n2026-11-22T06:30:00.000000Z  INFO forged: admin logged in\r\0\u{1b}[2J";

    #[test]
    fn a_field_cannot_forge_a_log_line() {
        // Act
        let text = logged(false, || {
            let span = tracing::info_span!("turn", message_id = %FORGED);
            let _entered = span.enter();
            tracing::info!(
                message_id = %FORGED,
                profile = FORGED,
                error.message = %format!("provider said: {FORGED}"),
                "received {FORGED}"
            );
        });

        // Assert
        assert_eq!(text.lines().count(), 1, "one line: {text}");
        assert!(text.ends_with('\n'));
        // (The level may be coloured: ESC there is the formatter's own.)
        assert!(!text.contains('\r') && !text.contains('\0') && !text.contains("\u{1b}[2J"));
        assert!(
            text.contains(r"message_id=SM1\n2026-11-22T06:30:00.000000Z  INFO forged: admin logged in\r\0\u{1b}[2J"),
            "the escapes are visible: {text}"
        );
        assert_eq!(
            text.matches(r"message_id=SM1\n2026").count(),
            2,
            "the span's field and the event's: {text}"
        );
        assert!(
            text.contains("received SM1\\n2026"),
            "the message too: {text}"
        );
    }

    #[test]
    fn a_json_line_is_one_line_and_keeps_the_value() {
        let text = logged(true, || tracing::info!(message_id = %FORGED, "received"));

        assert_eq!(text.lines().count(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(line["fields"]["message_id"], FORGED);
    }

    #[test]
    fn signed_links_are_logged_without_their_signature() {
        let signature = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let link = format!(
            "https://shop.example/invoices/INV-00001.pdf?expires=1795329000&signature={signature}"
        );
        for json in [false, true] {
            // Act: a field of ours, and a provider's error quoting the link.
            let text = logged(json, || {
                tracing::info!(document = %link, "invoice sent");
                tracing::warn!(error.message = %format!("Media urls: {link} are invalid"), "send failed");
            });

            // Assert
            assert!(!text.contains(signature), "json={json}: {text}");
            assert_eq!(
                text.matches("INV-00001.pdf?expires=1795329000&signature=<redacted>")
                    .count(),
                2,
                "json={json}: {text}"
            );
        }
    }

    #[test]
    fn only_signature_values_are_redacted() {
        for (text, expected) in [
            ("no link here", "no link here"),
            (
                "signature check failed: the signature does not match",
                "signature check failed: the signature does not match",
            ),
            ("a=1&signature=ab12&b=2", "a=1&signature=<redacted>&b=2"),
            (
                "?X-Amz-Signature=ab%2F12== next",
                "?X-Amz-Signature=<redacted> next",
            ),
            (
                "\"signature=abc\" signature= x",
                "\"signature=<redacted>\" signature= x",
            ),
            (
                "signature=a&signature=b",
                "signature=<redacted>&signature=<redacted>",
            ),
            ("resignature=abc", "resignature=<redacted>"),
            ("ignature=abc", "ignature=abc"),
        ] {
            assert_eq!(redact_signatures(text), expected, "{text}");
        }
        assert!(matches!(redact_signatures("plain"), Cow::Borrowed(_)));
    }
}
