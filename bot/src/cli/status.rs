//! `campanile status`: asks a running instance's `/readyz` and prints it:
//! the database, Redis, and each provider's circuit breaker.

use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use crate::config::Settings;

/// `status`' flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The instance to ask [default: http://CAMPANILE_ADDR].
    #[arg(long)]
    url: Option<String>,
    /// Print the JSON as the instance answered it.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Deserialize)]
struct Readiness {
    status: String,
    database: String,
    redis: String,
    breakers: Vec<Breaker>,
}

#[derive(Debug, Deserialize)]
struct Breaker {
    target: String,
    state: String,
    refusing_ms: Option<u64>,
    openings: u64,
}

/// Prints the instance's readiness; fails when it is not ready or does not
/// answer.
///
/// # Errors
///
/// When the instance does not answer, answers something else than
/// `/readyz`'s JSON, or is not ready.
pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let base = args
        .url
        .unwrap_or_else(|| format!("http://{}", settings.server.addr));
    let url = format!("{}/readyz", base.trim_end_matches('/'));
    let response = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?
        .get(&url)
        .send()
        .await
        .with_context(|| format!("no answer from {url}: is `campanile serve` running there?"))?;
    let code = response.status();
    let body = response.text().await.context("reading /readyz")?;
    if args.json {
        println!("{body}");
    }
    let ready: Readiness = serde_json::from_str(&body)
        .with_context(|| format!("{url} answered HTTP {code} without readiness JSON: {body}"))?;
    if !args.json {
        println!("{url}: {}", ready.status);
        println!("  database  {}", ready.database);
        println!("  redis     {}", ready.redis);
        if ready.breakers.is_empty() {
            println!("  breakers  none (no provider configured: replies are a dry run)");
        }
        for b in &ready.breakers {
            let refusing = b
                .refusing_ms
                .map(|ms| format!(", refusing sends for {:.1} s more", ms as f64 / 1000.0))
                .unwrap_or_default();
            println!(
                "  breaker   {:<7} {}{refusing} (opened {} time(s) since start)",
                b.target, b.state, b.openings
            );
        }
    }
    anyhow::ensure!(code.is_success(), "{url} is not ready (HTTP {code})");
    Ok(())
}
