//! Languages, support answers and handoff: the customers' default
//! language, the FAQ file, and how long a handoff waits with nobody
//! writing. (The language model's settings are
//! [`LlmSettings`](infra_providers::llm::LlmSettings).)

use std::path::PathBuf;
use std::time::Duration;

framework::settings! {
    /// Languages, the FAQ and handoffs.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SupportSettings {
        /// The language of customers who have not chosen one, a tag among
        /// the bundled ones (bot/locales: en, hi) [default: en].
        #[var("CAMPANILE_LANGUAGE")]
        pub language: String,
        /// The FAQ the support responder answers from (TOML: `[[faq]]`
        /// entries with questions and an answer per language) [default: the
        /// demo shop's, docs/examples/faq.toml].
        #[var("CAMPANILE_FAQ")]
        pub faq: Option<PathBuf>,
        /// A conversation handed to a person goes back to the bot after this
        /// long with nobody writing, e.g. 30m or 2h [default: 30m].
        #[var("CAMPANILE_HANDOFF_IDLE")]
        #[serde(with = "humantime_serde")]
        pub handoff_idle: Duration,
        /// Offer a new customer the choice of language on their first
        /// message (its answer follows their pick); `false`: only when they
        /// say "language" [default: true].
        #[var("CAMPANILE_LANGUAGE_ON_FIRST_CONTACT")]
        pub language_on_first_contact: bool,
        /// Ask a customer without a profile for it (the profile form)
        /// before their first order; `false`: only when they say "register"
        /// [default: true].
        #[var("CAMPANILE_PROFILE_BEFORE_FIRST_ORDER")]
        pub profile_before_first_order: bool,
    }
}

impl Default for SupportSettings {
    /// English, the demo FAQ, 30 minutes; the language offered on first
    /// contact and the profile asked before a first order.
    fn default() -> Self {
        Self {
            language: "en".to_owned(),
            faq: None,
            handoff_idle: Duration::from_secs(30 * 60),
            language_on_first_contact: true,
            profile_before_first_order: true,
        }
    }
}

/// The demo shop's FAQ, used when `CAMPANILE_FAQ` names none.
pub const DEMO_FAQ: &str = include_str!("../../../docs/examples/faq.toml");

impl SupportSettings {
    /// The FAQ's text: the file `CAMPANILE_FAQ` names, or the demo's.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn faq_text(&self) -> std::io::Result<String> {
        match &self.faq {
            Some(path) => std::fs::read_to_string(path),
            None => Ok(DEMO_FAQ.to_owned()),
        }
    }
}
