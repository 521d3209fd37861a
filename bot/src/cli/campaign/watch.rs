//! A campaign's progress: the text of `campaign status`, and the live
//! progress bar of `campaign watch`.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use features::campaigns::{CampaignId, CampaignReport, CampaignState};

use crate::services::Services;

/// How often the bar reads the campaign again.
const REFRESH: Duration = Duration::from_millis(500);

/// The report as `campaign status` prints it.
pub(super) fn describe(report: &CampaignReport) -> String {
    let c = &report.campaign;
    let r = &report.recipients;
    let d = &report.delivery;
    let mut out = String::new();
    let _ = writeln!(out, "campaign {} \"{}\": {}", report.id, c.name, c.state);
    let _ = writeln!(
        out,
        "recipients: {} frozen, {} pending, {} sent, {} opted out, {} unreachable",
        r.total, r.pending, r.sent, r.opted_out, r.unreachable
    );
    let _ = writeln!(
        out,
        "delivery:   {} queued, {} sent, {} delivered, {} read, {} replied, {} opted out after it, {} unknown, {} deferred a day, {} withdrawn at the cancel",
        d.queued,
        d.sent,
        d.delivered,
        d.read,
        d.replied,
        d.opted_out,
        d.unknown,
        d.deferred,
        d.withdrawn
    );
    let failed: u64 = d.failed.values().sum();
    let _ = write!(out, "failed:     {failed}");
    if !d.failed.is_empty() {
        let codes: Vec<String> = d.failed.iter().map(|(c, n)| format!("{c}: {n}")).collect();
        let _ = write!(out, " ({})", codes.join(", "));
    }
    out.push('\n');
    let Some(cost) = &report.cost else {
        return out;
    };
    let _ = write!(out, "cost:       {} {}", cost.currency, cost.total);
    let lines: Vec<String> = cost
        .by_category
        .iter()
        .map(|(category, c)| {
            let mut line = format!("{category}: {} charged", c.charged);
            if c.free > 0 {
                let _ = write!(line, ", {} free", c.free);
            }
            if c.unpriced > 0 {
                let _ = write!(line, ", {} without a price", c.unpriced);
            }
            line
        })
        .collect();
    if !lines.is_empty() {
        let _ = write!(out, " ({})", lines.join("; "));
    }
    out.push('\n');
    out
}

/// Follows campaign `id` until it stops running, then prints its report.
pub(super) async fn follow(services: &Services, id: CampaignId) -> anyhow::Result<()> {
    let first = services.campaigns.progress(id).await?;
    let bar = indicatif::ProgressBar::new(first.recipients.total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut quiet_since = Instant::now();
    let mut last_done = u64::MAX;
    loop {
        let report = services.campaigns.progress(id).await?;
        let r = &report.recipients;
        let done = r.total - r.pending;
        let d = &report.delivery;
        let rate = d.sent as f64 / started.elapsed().as_secs_f64().max(0.001);
        bar.set_length(r.total);
        bar.set_position(done);
        bar.set_message(format!(
            "{} sent, {} delivered, {} failed, {:.1}/s",
            d.sent,
            d.delivered,
            d.failed.values().sum::<u64>(),
            rate
        ));
        if done != last_done {
            last_done = done;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() > Duration::from_secs(15)
            && report.campaign.state == CampaignState::Running
        {
            bar.println("no progress for 15 s: is `campanile serve` (or `campanile worker`) running on this database?");
            quiet_since = Instant::now();
        }
        if report.campaign.state != CampaignState::Running && d.queued == 0 {
            break;
        }
        tokio::time::sleep(REFRESH).await;
    }
    bar.finish_and_clear();
    print!("{}", describe(&services.campaigns.report(id).await?));
    Ok(())
}
