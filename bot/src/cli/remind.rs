//! `campanile remind`: a reminder for a customer at a time.

use anyhow::Context as _;
use features::shared::CustomerPhone;

use crate::config::Settings;

/// `remind`'s flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer (E.164, e.g. +919812345678); they must have written
    /// to the shop before.
    #[arg(long)]
    to: String,
    /// How long from now, e.g. 30m, 2h, 1d.
    #[arg(long = "in", value_name = "DURATION", conflicts_with = "at")]
    after: Option<humantime::Duration>,
    /// When, e.g. 2026-11-23T10:00:00+05:30.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// The message.
    text: String,
}

/// Schedules the reminder and its job.
///
/// # Errors
///
/// A number, time or text that is not valid, or a storage failure.
pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let Args {
        to,
        after,
        at,
        text,
    } = args;
    let customer = CustomerPhone::parse(&to)
        .with_context(|| format!("--to {to:?} is not a phone number like +919812345678"))?;
    let at = match (after, at) {
        (Some(after), _) => When::After(after.into()),
        (None, Some(at)) => When::At(
            at.parse::<jiff::Timestamp>()
                .with_context(|| {
                    format!("--at {at:?} is not a time like 2026-11-23T10:00:00+05:30")
                })?
                .as_millisecond(),
        ),
        (None, None) => anyhow::bail!("say when: --in 2h or --at 2026-11-23T10:00:00+05:30"),
    };
    let text = text.trim();
    if text.is_empty() {
        anyhow::bail!("the reminder's text is empty");
    }
    super::with_services(settings, async |services| {
        let at_ms = match at {
            When::After(after) => services.clock.ms_after(after),
            When::At(ms) => ms,
        };
        let id = crate::jobs::send_reminder::schedule(&services.job_deps(), &customer, at_ms, text)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        println!(
            "reminder {id} for {} scheduled at {}",
            customer.as_str(),
            jiff::Timestamp::from_millisecond(at_ms)
                .map_or_else(|_| at_ms.to_string(), |t| t.to_string())
        );
        Ok(())
    })
    .await
}

/// When the reminder is due.
enum When {
    /// This long from now.
    After(std::time::Duration),
    /// At this time (ms since the epoch).
    At(i64),
}
