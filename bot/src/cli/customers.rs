//! `campanile customers tag|untag|show|opt-out|opt-in|set`: a customer's
//! tags, consent and attributes, as the operator manages them.

use anyhow::Context as _;
use features::customers::{
    Consent, ConsentSource, GetCustomer, OptInCustomer, OptOutCustomer, OptOutScope, Tag,
    TagCustomer, UntagCustomer,
};
use features::shared::CustomerPhone;

use crate::config::Settings;

/// `customers`' subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Put tags on a customer (letters, digits, - and _; up to 32
    /// characters; case does not matter). A campaign's audience is chosen
    /// by tags.
    Tag {
        /// The customer (E.164, e.g. +919812345678).
        phone: String,
        /// The tags, e.g. wholesale delhi.
        #[arg(required = true, value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Take tags off a customer.
    Untag {
        /// The customer (E.164, e.g. +919812345678).
        phone: String,
        /// The tags.
        #[arg(required = true, value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Show a customer's tags, and whether the shop may send them offers
    /// and campaigns (opted out: of what, by whom, when).
    Show {
        /// The customer (E.164, e.g. +919812345678).
        phone: String,
    },
    /// Opt a customer out, as if they had written STOP (source: operator).
    /// Replies to their own messages and invoice reminders still go.
    OptOut {
        /// The customer (E.164, e.g. +919812345678).
        phone: String,
        /// Only offers and campaigns, not the shop's other automated
        /// messages.
        #[arg(long)]
        marketing_only: bool,
    },
    /// Opt a customer back in, as if they had written START, whatever
    /// opted them out.
    OptIn {
        /// The customer (E.164, e.g. +919812345678).
        phone: String,
    },
    /// Set an attribute of a customer, which rules read: `birthday` (a
    /// date, 1990-04-21) greets them on their birthday; others (`city`,
    /// …) are kept for the shop's own use.
    Set {
        /// The customer (E.164, e.g. +919812345678).
        phone: String,
        /// The attribute's name (letters, digits, _), e.g. birthday.
        name: String,
        /// Its value.
        value: String,
    },
}

fn phone(text: &str) -> anyhow::Result<CustomerPhone> {
    CustomerPhone::parse(text)
        .with_context(|| format!("{text:?} is not a phone number like +919812345678"))
}

fn tags(texts: &[String]) -> anyhow::Result<Vec<Tag>> {
    texts
        .iter()
        .map(|t| Tag::parse(t).map_err(anyhow::Error::from))
        .collect()
}

/// An attribute's name and value, checked.
fn attribute(name: &str, value: &str) -> anyhow::Result<(String, String)> {
    features::rules::domain::attribute(name, value)
        .map_err(|(part, why)| anyhow::anyhow!("the attribute's {part}: {why}"))
}

/// A time (ms since the epoch) as an RFC 3339 timestamp.
fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

/// What [`Consent`] means, in a line.
fn consent_line(consent: &Consent) -> String {
    match consent {
        Consent::Subscribed => "subscribed: may receive offers and campaigns".to_owned(),
        Consent::OptedOut(o) => {
            let what = match o.scope {
                OptOutScope::Marketing => "offers and campaigns",
                OptOutScope::All => "everything the shop starts (offers, campaigns, automations)",
            };
            format!(
                "opted out ({}) of {what}, by {} at {}; replies and invoice reminders still go",
                o.scope.as_str(),
                o.source,
                time(o.at_ms)
            )
        }
    }
}

/// Runs a `customers` subcommand.
///
/// # Errors
///
/// A malformed phone number or tag, or a storage failure.
pub async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    // Inputs are checked before anything is opened.
    let customer = match &command {
        Command::Tag { phone: p, .. }
        | Command::Untag { phone: p, .. }
        | Command::Show { phone: p }
        | Command::OptOut { phone: p, .. }
        | Command::OptIn { phone: p }
        | Command::Set { phone: p, .. } => phone(p)?,
    };
    if let Command::Set { name, value, .. } = &command {
        attribute(name, value)?;
    }
    let tags = match &command {
        Command::Tag { tags: t, .. } | Command::Untag { tags: t, .. } => tags(t)?,
        _ => Vec::new(),
    };
    super::with_services(settings, async |services| {
        let customers = &services.shop.customers;
        let who = customer.as_str().to_owned();
        match command {
            Command::Tag { .. } => {
                let shown = tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ");
                let added = customers.tag(TagCustomer { customer, tags }).await?;
                println!("{who}: tagged {shown} ({added} new)");
            }
            Command::Untag { .. } => {
                let shown = tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ");
                let removed = customers.untag(UntagCustomer { customer, tags }).await?;
                println!("{who}: untagged {shown} ({removed} removed)");
            }
            Command::Show { .. } => {
                let profile = customers.customer(GetCustomer { customer }).await?;
                let tags = if profile.tags.is_empty() {
                    "none".to_owned()
                } else {
                    profile
                        .tags
                        .iter()
                        .map(Tag::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let attributes = infra_shop::rules::DbRuleSubjects::new(services.db.clone())
                    .attributes(&profile.phone)
                    .await?;
                println!("{who}");
                println!("tags: {tags}");
                println!("consent: {}", consent_line(&profile.consent));
                for (name, value) in attributes {
                    println!("{name}: {value}");
                }
            }
            Command::OptOut { marketing_only, .. } => {
                let update = customers
                    .opt_out(OptOutCustomer {
                        customer,
                        scope: if marketing_only {
                            OptOutScope::Marketing
                        } else {
                            OptOutScope::All
                        },
                        source: ConsentSource::Operator,
                    })
                    .await?;
                let state = consent_line(&update.consent);
                if update.changed {
                    println!("{who}: {state}");
                } else {
                    println!("{who}: unchanged, already {state}");
                }
            }
            Command::Set { name, value, .. } => {
                let (name, value) = attribute(&name, &value)?;
                infra_shop::rules::DbRuleSubjects::new(services.db.clone())
                    .set_attribute(&customer, &name, &value, services.clock.now_ms())
                    .await?;
                println!("{who}: {name} = {value}");
            }
            Command::OptIn { .. } => {
                let update = customers.opt_in(OptInCustomer { customer }).await?;
                if update.changed {
                    println!("{who}: opted back in; may receive offers and campaigns");
                } else {
                    println!("{who}: unchanged, was not opted out");
                }
            }
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use features::customers::OptOut;

    #[test]
    fn consent_reads_as_a_sentence() {
        assert!(consent_line(&Consent::Subscribed).starts_with("subscribed"));
        let line = consent_line(&Consent::OptedOut(OptOut {
            scope: OptOutScope::Marketing,
            source: ConsentSource::Provider {
                code: "131050".to_owned(),
            },
            at_ms: 1_700_000_000_000,
        }));
        assert_eq!(
            line,
            "opted out (marketing) of offers and campaigns, by provider 131050 at 2023-11-14T22:13:20Z; replies and invoice reminders still go"
        );
    }

    #[test]
    fn inputs_are_checked() {
        assert!(phone("12").is_err());
        assert!(tags(&["ok".to_owned(), "not ok".to_owned()]).is_err());
        assert_eq!(tags(&["VIP".to_owned()]).unwrap()[0].as_str(), "vip");
    }
}
