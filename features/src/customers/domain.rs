//! A customer's [`Tag`]s and [`Consent`]: the value objects and the rules
//! of opting out and back in.

use std::fmt;

use crate::shared::CustomerPhone;

/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;

/// A label an operator puts on customers ("wholesale", "delhi",
/// "diwali-2026"), to choose a campaign's audience.
///
/// Lower-case; 1 to [`MAX_TAG_CHARS`] characters, each an ASCII letter,
/// a digit, `-` or `_` (so a tag is typed the same on any keyboard and
/// needs no quoting on a command line or in a URL). [`Tag::parse`] trims and lower-cases, so "  Wholesale " and
/// "wholesale" are the same tag.
///
/// ```
/// use features::customers::Tag;
///
/// assert_eq!(Tag::parse(" Wholesale ")?.as_str(), "wholesale");
/// assert!(Tag::parse("two words").is_err());
/// # Ok::<(), features::customers::TagError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

/// Why a text is not a [`Tag`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// Nothing but spaces.
    #[error("a tag cannot be empty")]
    Empty,
    /// Longer than [`MAX_TAG_CHARS`].
    #[error("tag {0:?} is longer than {MAX_TAG_CHARS} characters")]
    TooLong(String),
    /// A character other than an ASCII letter, a digit, `-` or `_`.
    #[error("tag {tag:?} has {found:?}: use letters, digits, - and _ only")]
    BadCharacter {
        /// The tag as written.
        tag: String,
        /// The first character not allowed.
        found: char,
    },
}

impl Tag {
    /// The tag `text` names, trimmed and lower-cased.
    ///
    /// # Errors
    ///
    /// [`TagError`] when it is empty, too long, or has a character other
    /// than a letter, a digit, `-` or `_`.
    pub fn parse(text: &str) -> Result<Self, TagError> {
        let tag = text.trim().to_lowercase();
        if tag.is_empty() {
            return Err(TagError::Empty);
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(TagError::TooLong(text.trim().to_owned()));
        }
        if let Some(found) = tag
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(TagError::BadCharacter {
                tag: text.trim().to_owned(),
                found,
            });
        }
        Ok(Self(tag))
    }

    /// The tag.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Tag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What a customer opted out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OptOutScope {
    /// Offers and campaigns (Meta's 131050, a "no promotions" choice).
    /// Replies and service messages (invoices, reminders) still go.
    Marketing,
    /// Everything the shop starts: campaigns and automations (the STOP
    /// keyword). Replies to the customer's own messages, and invoice
    /// reminders unless they also said "stop reminders", still go: they
    /// are not marketing.
    All,
}

impl OptOutScope {
    /// `marketing` or `all`, as stored and shown.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Marketing => "marketing",
            Self::All => "all",
        }
    }

    /// The scope `text` names (`marketing` or `all`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "marketing" => Some(Self::Marketing),
            "all" => Some(Self::All),
            _ => None,
        }
    }
}

/// Who opted the customer out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConsentSource {
    /// The customer wrote an opt-out keyword (the word, upper-cased).
    Keyword(String),
    /// The provider reported it, with its error code (Meta 131050).
    Provider {
        /// The provider's code.
        code: String,
    },
    /// An operator, from the command line or the API.
    Operator,
}

impl ConsentSource {
    /// `keyword`, `provider` or `operator`, as stored.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Keyword(_) => "keyword",
            Self::Provider { .. } => "provider",
            Self::Operator => "operator",
        }
    }
}

impl fmt::Display for ConsentSource {
    /// `keyword STOP`, `provider 131050`, `operator`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keyword(word) => write!(f, "keyword {word}"),
            Self::Provider { code } => write!(f, "provider {code}"),
            Self::Operator => f.write_str("operator"),
        }
    }
}

/// A recorded opt-out: what, who, when.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OptOut {
    /// What the customer opted out of.
    pub scope: OptOutScope,
    /// Who opted them out.
    pub source: ConsentSource,
    /// When (ms since the epoch, from the injected clock).
    pub at_ms: i64,
}

/// Whether the shop may message a customer first.
///
/// No record means [`Consent::Subscribed`]: the customer wrote to the shop
/// (WhatsApp's opt-in) and never asked to stop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Consent {
    /// Never opted out, or opted back in.
    #[default]
    Subscribed,
    /// Opted out.
    OptedOut(OptOut),
}

/// What an opt-out or opt-in did: whether it changed the customer's
/// consent, and the consent now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConsentUpdate {
    /// Whether it changed anything (a second STOP does not).
    pub changed: bool,
    /// The consent now.
    pub consent: Consent,
}

impl Consent {
    /// Whether a campaign or another marketing message may go: not when
    /// opted out of marketing or of everything.
    #[must_use]
    pub fn may_receive_marketing(&self) -> bool {
        matches!(self, Self::Subscribed)
    }

    /// Whether an automation the shop starts (not a reply, not an invoice
    /// reminder) may go: not after STOP ([`OptOutScope::All`]).
    #[must_use]
    pub fn may_receive_automated(&self) -> bool {
        !matches!(
            self,
            Self::OptedOut(OptOut {
                scope: OptOutScope::All,
                ..
            })
        )
    }

    /// The opt-out, if any.
    #[must_use]
    pub fn opt_out(&self) -> Option<&OptOut> {
        match self {
            Self::Subscribed => None,
            Self::OptedOut(o) => Some(o),
        }
    }

    /// This consent after an opt-out of `scope`. An opt-out as wide or
    /// wider already recorded stays as it was (its source and time are
    /// the first ones); a marketing opt-out widens to [`OptOutScope::All`].
    #[must_use]
    pub fn opted_out(self, wanted: OptOut) -> ConsentUpdate {
        match self {
            Self::OptedOut(current) if current.scope >= wanted.scope => ConsentUpdate {
                changed: false,
                consent: Self::OptedOut(current),
            },
            _ => ConsentUpdate {
                changed: true,
                consent: Self::OptedOut(wanted),
            },
        }
    }

    /// This consent after an opt-in (START): subscribed, whatever the
    /// scope and source of the opt-out (a provider's opt-out too: the
    /// customer asked; should WhatsApp still refuse, its next report
    /// records it again).
    #[must_use]
    pub fn opted_in(self) -> ConsentUpdate {
        ConsentUpdate {
            changed: self != Self::Subscribed,
            consent: Self::Subscribed,
        }
    }
}

/// A customer as the operator sees them: tags and consent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerProfile {
    /// Who.
    pub phone: CustomerPhone,
    /// Their tags, in order.
    pub tags: Vec<Tag>,
    /// Whether the shop may message them first.
    pub consent: Consent,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(scope: OptOutScope, at_ms: i64) -> OptOut {
        OptOut {
            scope,
            source: ConsentSource::Keyword("STOP".to_owned()),
            at_ms,
        }
    }

    #[test]
    fn tags_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            Tag::parse("  Diwali-2026 ").unwrap().as_str(),
            "diwali-2026"
        );
        assert_eq!(Tag::parse("big_buyer").unwrap().as_str(), "big_buyer");
        assert!(Tag::parse("दिल्ली").is_err(), "ASCII only");
        assert_eq!(
            Tag::parse("x".repeat(32).as_str()).unwrap().as_str().len(),
            32
        );
        assert_eq!(Tag::parse("  "), Err(TagError::Empty));
        assert!(matches!(
            Tag::parse(&"x".repeat(33)),
            Err(TagError::TooLong(_))
        ));
        assert_eq!(
            Tag::parse("a b"),
            Err(TagError::BadCharacter {
                tag: "a b".to_owned(),
                found: ' '
            })
        );
        assert!(Tag::parse("vip!").is_err());
        assert!(Tag::parse("a,b").is_err());
    }

    #[test]
    fn opting_out_keeps_the_first_record_and_only_widens() {
        let first = Consent::Subscribed.opted_out(out(OptOutScope::Marketing, 1));
        assert!(first.changed);
        assert!(!first.consent.may_receive_marketing());
        assert!(first.consent.may_receive_automated());

        let again = first
            .consent
            .clone()
            .opted_out(out(OptOutScope::Marketing, 2));
        assert!(!again.changed);
        assert_eq!(again.consent.opt_out().unwrap().at_ms, 1, "first time kept");

        let wider = again.consent.opted_out(out(OptOutScope::All, 3));
        assert!(wider.changed);
        assert!(!wider.consent.may_receive_automated());

        let narrower = wider
            .consent
            .clone()
            .opted_out(out(OptOutScope::Marketing, 4));
        assert!(!narrower.changed, "STOP is not narrowed by a 131050");
        assert_eq!(narrower.consent, wider.consent);
    }

    #[test]
    fn opting_in_clears_any_opt_out_once() {
        let out = Consent::OptedOut(out(OptOutScope::All, 1)).opted_in();
        assert!(out.changed);
        assert_eq!(out.consent, Consent::Subscribed);
        assert!(out.consent.may_receive_marketing());
        assert!(!Consent::Subscribed.opted_in().changed);
    }

    #[test]
    fn sources_and_scopes_read_well() {
        assert_eq!(
            ConsentSource::Keyword("STOP".into()).to_string(),
            "keyword STOP"
        );
        assert_eq!(
            ConsentSource::Provider {
                code: "131050".into()
            }
            .to_string(),
            "provider 131050"
        );
        assert_eq!(ConsentSource::Operator.kind(), "operator");
        for scope in [OptOutScope::Marketing, OptOutScope::All] {
            assert_eq!(OptOutScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(OptOutScope::parse("none"), None);
    }
}
