//! `campanile rules import|list|show|enable|disable|delete|test|runs`:
//! automation rules, as the operator manages them.

use std::time::Duration;

use anyhow::Context as _;
use features::rules::{
    DeleteRule, DryRun, GetRule, Hit, ImportRules, ListRules, RuleReport, RuleRuns, SetRuleEnabled,
};
use infra_sql::UnitOfWork;

use crate::config::Settings;

/// `rules`' subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Store the rules of a TOML file (`[[rule]]` tables; see README.md),
    /// all or none: a wrong rule stores nothing and is named
    /// (`rule[2].trigger.cron: … never fires`). A rule of the same name is
    /// replaced.
    Import {
        /// The file.
        file: std::path::PathBuf,
        /// Check the file only; store nothing.
        #[arg(long)]
        check: bool,
    },
    /// List the rules: on or off, trigger, priority, and what each did
    /// (fired, succeeded, skipped by a condition, failed).
    List,
    /// Show one rule as written (TOML) with its counts (`runs` lists its
    /// last runs).
    Show {
        /// The rule's name.
        name: String,
    },
    /// Switch a rule on.
    Enable {
        /// The rule's name.
        name: String,
    },
    /// Switch a rule off (it can still be tested).
    Disable {
        /// The rule's name.
        name: String,
    },
    /// Delete a rule (its run log stays).
    Delete {
        /// The rule's name.
        name: String,
    },
    /// Dry run: replay the stored messages and customers of the last days
    /// against a rule (on or off) and print whom it would have hit and
    /// with what. Nothing is sent or stored.
    Test {
        /// The rule's name.
        name: String,
        /// How far back, e.g. 7d, 12h: up to 31 days [default: 7d].
        #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
        since: Duration,
    },
    /// The last runs of a rule: when, for whom, what, how it ended.
    Runs {
        /// The rule's name.
        name: String,
        /// How many [default: 20].
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// A time (ms since the epoch) in the shop's time zone, to the minute.
fn local(ms: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| ms.to_string(),
        |t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

fn trigger_line(report: &RuleReport) -> String {
    let t = &report.rule.spec.trigger;
    let text = |k: &str, v: &str| format!("{k} {v:?}");
    if let Some(k) = &t.keyword {
        text("keyword", k)
    } else if let Some(r) = &t.regex {
        text("regex", r)
    } else if t.any_message {
        "any message".to_owned()
    } else if t.new_contact {
        "new contact".to_owned()
    } else if let Some(at) = &t.birthday {
        format!("birthday at {at}")
    } else if let Some(c) = &t.cron {
        text("cron", c)
    } else if let Some(o) = &t.once {
        format!("once at {o}")
    } else if t.order_confirmed {
        "order confirmed".to_owned()
    } else if t.invoice_overdue {
        "invoice overdue".to_owned()
    } else {
        "?".to_owned()
    }
}

fn counts_line(report: &RuleReport) -> String {
    let c = report.counts;
    format!(
        "fired {}, succeeded {}, skipped {}, failed {}",
        c.fired(),
        c.succeeded,
        c.skipped,
        c.failed
    )
}

fn hit_lines(hit: &Hit, tz: &jiff::tz::TimeZone) -> String {
    let head = format!("{}  {}", local(hit.at_ms, tz), hit.customer.as_str());
    match &hit.skipped {
        Some(why) => format!("{head}  skipped: {why}"),
        None => format!("{head}  {}", hit.actions.join("; ")),
    }
}

/// Runs a `rules` subcommand.
///
/// # Errors
///
/// An unreadable or wrong rule file, an unknown rule, or a storage
/// failure.
pub async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    let file = match &command {
        Command::Import { file, .. } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            Some(
                crate::rules::read_rule_file(&text)
                    .with_context(|| format!("{} is not a rule file", file.display()))?,
            )
        }
        _ => None,
    };
    if let Command::Test { since, .. } = &command
        && *since > Duration::from_secs(31 * 24 * 3600)
    {
        anyhow::bail!("--since: at most 31 days");
    }
    let tz = settings
        .shop
        .clock()
        .context("CAMPANILE_TIMEZONE")?
        .time_zone()
        .clone();
    super::with_services(settings, async |services| {
        let rules = &services.shop.rules;
        let enabling = matches!(command, Command::Enable { .. });
        match command {
            Command::Import { check, .. } => {
                let file = file.unwrap_or_default();
                if check {
                    for (i, spec) in file.rules.iter().enumerate() {
                        rules
                            .check_new(spec)
                            .map_err(|e| e.within(&format!("rule[{i}]")))?;
                    }
                    println!("{} rule(s), all valid; nothing stored", file.rules.len());
                    return Ok(());
                }
                let uow = UnitOfWork::new(&services.db);
                let saved = uow.run(rules.import(ImportRules { file })).await?;
                uow.commit().await?;
                for rule in &saved {
                    let state = if rule.spec.enabled { "on" } else { "off" };
                    println!("stored {} ({state})", rule.spec.name);
                }
                println!("{} rule(s) stored", saved.len());
            }
            Command::List => {
                let all = rules.list(ListRules).await?;
                if all.is_empty() {
                    println!("no rules; `campanile rules import FILE` stores some");
                }
                for report in &all {
                    println!(
                        "{:<24} {:<3}  priority {:>3}  {:<32}  {}",
                        report.rule.spec.name,
                        if report.rule.spec.enabled {
                            "on"
                        } else {
                            "off"
                        },
                        report.rule.spec.priority,
                        trigger_line(report),
                        counts_line(report)
                    );
                }
            }
            Command::Show { name } => {
                let report = rules.get(GetRule { name: name.clone() }).await?;
                let file = features::rules::RuleFile {
                    rules: vec![report.rule.spec.clone()],
                };
                print!("{}", toml::to_string(&file).context("showing the rule")?);
                println!(
                    "# {}, last changed {}",
                    counts_line(&report),
                    local(report.rule.updated_ms, &tz)
                );
            }
            Command::Enable { name } | Command::Disable { name } => {
                let enabled = enabling;
                rules
                    .set_enabled(SetRuleEnabled {
                        name: name.clone(),
                        enabled,
                    })
                    .await?;
                println!("{name}: {}", if enabled { "on" } else { "off" });
            }
            Command::Delete { name } => {
                rules.delete(DeleteRule { name: name.clone() }).await?;
                println!("{name}: deleted (its runs stay in the log)");
            }
            Command::Test { name, since } => {
                let now = services.clock.now_ms();
                let since_ms =
                    now.saturating_sub(i64::try_from(since.as_millis()).unwrap_or(i64::MAX));
                let hits = rules
                    .dry_run(DryRun {
                        rule: name.clone(),
                        since_ms,
                    })
                    .await?;
                println!(
                    "{name}: dry run from {} to {} (nothing sent or stored)",
                    local(since_ms, &tz),
                    local(now, &tz)
                );
                for hit in &hits {
                    println!("{}", hit_lines(hit, &tz));
                }
                let acted = hits.iter().filter(|h| h.skipped.is_none()).count();
                let people: std::collections::BTreeSet<_> = hits
                    .iter()
                    .filter(|h| h.skipped.is_none())
                    .map(|h| h.customer.as_str())
                    .collect();
                println!(
                    "would have acted {acted} time(s) for {} customer(s); skipped {}",
                    people.len(),
                    hits.len() - acted
                );
            }
            Command::Runs { name, limit } => {
                let runs = rules
                    .runs(RuleRuns {
                        rule: name.clone(),
                        limit,
                    })
                    .await?;
                if runs.is_empty() {
                    println!("{name}: no runs yet");
                }
                for run in runs {
                    let what = match run.result.detail() {
                        Some(why) => format!("{}: {why}", run.result.as_str()),
                        None => format!("{}: {}", run.result.as_str(), run.actions.join("; ")),
                    };
                    println!(
                        "{}  {}  {}  {}",
                        local(run.at_ms, &tz),
                        run.customer.as_str(),
                        run.occurrence,
                        what
                    );
                }
            }
        }
        Ok(())
    })
    .await
}
