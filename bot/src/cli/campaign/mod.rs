//! `campanile campaign …`: write a campaign, preview it, start, pause,
//! resume or cancel it, and follow it with a live progress bar.
//!
//! Sending needs a running `campanile serve` (or `campanile worker` with
//! the server's dispatcher) on the same database: this command changes the
//! campaign and enqueues its job, and `watch` follows it.

mod watch;

use std::path::PathBuf;

use anyhow::Context as _;
use features::campaigns::{
    Audience, BoughtWithin, CampaignId, CampaignMessage, CreateCampaign, ListCampaigns,
    ListRecipients, PreviewCampaign, RecipientState, Step, TemplateMessage, Variable,
    parse_numbers,
};
use features::shared::CustomerPhone;

use crate::config::Settings;
use crate::services::Services;

/// `campaign`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Writes a draft: who it reaches and what it sends.
    Create(CreateArgs),
    /// Lists campaigns, newest first.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Shows a campaign: state, progress and delivery metrics.
    Status {
        /// The campaign's id.
        id: i64,
    },
    /// Renders the message for one recipient, as their window makes it.
    Preview {
        /// The campaign's id.
        id: i64,
        /// The recipient (E.164, e.g. +919812345678).
        phone: String,
    },
    /// Starts a draft now (the audience is frozen), or at a time with --at.
    Start {
        /// The campaign's id.
        id: i64,
        /// When, e.g. 2026-12-24T10:00:00+05:30 (default: now).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Follows it with a live progress bar until it stops.
        #[arg(long)]
        watch: bool,
    },
    /// Stops sending until resumed.
    Pause {
        /// The campaign's id.
        id: i64,
    },
    /// Sends a paused campaign's remaining recipients.
    Resume {
        /// The campaign's id.
        id: i64,
        /// Follows it with a live progress bar until it stops.
        #[arg(long)]
        watch: bool,
    },
    /// Stops a campaign for good: its messages not sent yet (the outbox's
    /// backlog, capped retries a day later) are taken back.
    Cancel {
        /// The campaign's id.
        id: i64,
    },
    /// Follows a campaign with a live progress bar (sent, delivered,
    /// failed, rate) until it completes, pauses or is cancelled.
    Watch {
        /// The campaign's id.
        id: i64,
    },
    /// Lists a campaign's recipients and their states.
    Recipients {
        /// The campaign's id.
        id: i64,
        /// Only those in this state: pending, sent, opted_out, unreachable.
        #[arg(long)]
        state: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

/// `campaign create`'s flags.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Its name, for you.
    #[arg(long)]
    name: String,
    /// Customers tagged so (repeat for all of several tags).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Customers who bought a product recently: PRODUCT:DAYS, e.g. cement:90.
    #[arg(long, value_name = "PRODUCT:DAYS")]
    bought: Option<String>,
    /// A file of numbers (one per line, or CSV with a phone column).
    #[arg(long, value_name = "FILE")]
    numbers: Option<PathBuf>,
    /// Free text for recipients inside their 24-hour window; {{name}} and
    /// {{last_order}} are filled in.
    #[arg(long)]
    text: Option<String>,
    /// An approved template, for recipients outside their window.
    #[arg(long)]
    template: Option<String>,
    /// The template's language.
    #[arg(long, default_value = "en")]
    language: String,
    /// The template's variables in order: {{name}}, {{last_order}} or a text.
    #[arg(long = "var", value_name = "VALUE")]
    variables: Vec<String>,
    /// The template's Twilio Content SID (needed to send it through Twilio).
    #[arg(long)]
    content_sid: Option<String>,
}

fn bought(text: &str) -> anyhow::Result<BoughtWithin> {
    let (product, days) = text
        .rsplit_once(':')
        .with_context(|| format!("--bought {text:?} is not PRODUCT:DAYS, e.g. cement:90"))?;
    let days = days
        .trim()
        .parse::<u32>()
        .with_context(|| format!("--bought {text:?}: the days must be a whole number"))?;
    if product.trim().is_empty() {
        anyhow::bail!("--bought {text:?} names no product");
    }
    Ok(BoughtWithin {
        product: product.trim().to_owned(),
        days,
    })
}

fn create_command(args: CreateArgs) -> anyhow::Result<(CreateCampaign, Vec<String>)> {
    let mut notes = Vec::new();
    let numbers = match &args.numbers {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let list = parse_numbers(&text);
            for row in &list.rejected {
                notes.push(format!(
                    "{} line {}: {}",
                    path.display(),
                    row.line,
                    row.reason
                ));
            }
            match list.duplicates {
                0 => {}
                1 => notes.push("1 number listed twice was kept once".to_owned()),
                n => notes.push(format!("{n} numbers listed twice were kept once")),
            }
            list.numbers
        }
        None => Vec::new(),
    };
    let tags = args
        .tags
        .iter()
        .map(|t| {
            features::customers::Tag::parse(t)
                .map(|tag| tag.as_str().to_owned())
                .with_context(|| format!("--tag {t:?}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let template = args.template.map(|name| TemplateMessage {
        name,
        language: args.language.clone(),
        content_sid: args.content_sid.clone(),
        variables: args.variables.iter().map(|v| Variable::parse(v)).collect(),
    });
    Ok((
        CreateCampaign {
            name: args.name,
            audience: Audience {
                tags,
                bought: args.bought.as_deref().map(bought).transpose()?,
                numbers,
            },
            message: CampaignMessage {
                template,
                text: args.text,
            },
        },
        notes,
    ))
}

fn recipient_state(text: &str) -> anyhow::Result<RecipientState> {
    RecipientState::parse(text)
        .with_context(|| format!("--state {text:?}: one of pending, sent, opted_out, unreachable"))
}

/// Runs a `campaign` subcommand.
///
/// # Errors
///
/// Bad input (named), a step the campaign's state does not allow, or
/// storage.
pub async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    super::with_services(settings, async |services| match command {
        Command::Create(args) => {
            let (create, notes) = create_command(args)?;
            let id = services.campaigns.create(create).await?;
            for note in notes {
                println!("  {note}");
            }
            println!("campaign {id} created as a draft; preview it, then start it");
            Ok(())
        }
        Command::List { limit } => {
            let page = services
                .campaigns
                .list(ListCampaigns {
                    before: None,
                    limit,
                })
                .await?;
            println!("{:>5}  {:<10}  name", "id", "state");
            for (id, c) in page {
                println!("{:>5}  {:<10}  {}", id.get(), c.state.as_str(), c.name);
            }
            Ok(())
        }
        Command::Status { id } => {
            let report = services.campaigns.report(CampaignId::new(id)).await?;
            print!("{}", watch::describe(&report));
            Ok(())
        }
        Command::Preview { id, phone } => {
            let phone = parse_phone(&phone)?;
            let window_open =
                crate::jobs::send_campaign::window_open(&services.job_deps(), &phone).await?;
            let preview = services
                .campaigns
                .preview(PreviewCampaign {
                    id: CampaignId::new(id),
                    phone: phone.clone(),
                    window_open,
                })
                .await?;
            println!(
                "to {} ({} window): {}",
                phone.as_str(),
                if window_open { "open" } else { "closed" },
                preview.summary()
            );
            Ok(())
        }
        Command::Start { id, at, watch } => {
            let step = match at {
                Some(at) => Step::Schedule(
                    at.parse::<jiff::Timestamp>()
                        .with_context(|| {
                            format!("--at {at:?} is not a time like 2026-12-24T10:00:00+05:30")
                        })?
                        .as_millisecond(),
                ),
                None => Step::Start,
            };
            take(services, id, step, watch).await
        }
        Command::Pause { id } => take(services, id, Step::Pause, false).await,
        Command::Resume { id, watch } => take(services, id, Step::Resume, watch).await,
        Command::Cancel { id } => take(services, id, Step::Cancel, false).await,
        Command::Watch { id } => watch::follow(services, CampaignId::new(id)).await,
        Command::Recipients { id, state, limit } => {
            let state = state.as_deref().map(recipient_state).transpose()?;
            let rows = services
                .campaigns
                .recipients(ListRecipients {
                    id: CampaignId::new(id),
                    state,
                    after: None,
                    limit,
                })
                .await?;
            for row in rows {
                println!(
                    "{:<16} {:<12} {}",
                    row.recipient.phone.as_str(),
                    row.state.as_str(),
                    row.recipient.name.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
    })
    .await
}

fn parse_phone(text: &str) -> anyhow::Result<CustomerPhone> {
    CustomerPhone::parse(text)
        .with_context(|| format!("{text:?} is not a phone number like +919812345678"))
}

async fn take(services: &Services, id: i64, step: Step, follow: bool) -> anyhow::Result<()> {
    let id = CampaignId::new(id);
    let campaign = crate::jobs::send_campaign::step(&services.job_deps(), id, step).await?;
    match step {
        Step::Schedule(at) => println!(
            "campaign {id} scheduled for {}",
            jiff::Timestamp::from_millisecond(at)
                .map_or_else(|_| at.to_string(), |t| t.to_string())
        ),
        _ => println!("campaign {id} is {}", campaign.state),
    }
    if follow {
        watch::follow(services, id).await?;
    }
    Ok(())
}
