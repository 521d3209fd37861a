//! Support: a customer's question that is not an order ("what are your
//! opening hours", "do you deliver to Pune") answered from the shop's FAQ
//! first, then, where configured, by a language model confined to the FAQ
//! and checked by a guard. Model trouble never reaches the customer as an
//! error: they get the FAQ's best answer or the offer of a person.
//!
//! # Flow
//!
//! [`SupportService::answer`] takes an [`AskSupport`] (the question and
//! the customer's language) and returns a [`SupportAnswer`] with its
//! [`Reason`]:
//!
//! 1. A message without words (emoji, `??`) → [`SupportAnswer::Unsure`]
//!    ([`Reason::NoQuestion`]).
//! 2. The FAQ's best entry scores at or above the `answer`
//!    [threshold](Thresholds) (0.7) → [`SupportAnswer::Faq`]
//!    ([`Reason::FaqMatch`]); the model is not asked.
//! 3. Otherwise, with a [`LanguageModel`] configured, it is asked once:
//!    the system prompt names the shop, confines the model to questions
//!    about it and to the FAQ entries given (the best matches, then the
//!    others in file order, 6 in all by default; each in the customer's
//!    language where it has one), and asks for one JSON object
//!    `{"answer": "...", "sources": ["faq-id", ...], "on_topic": true}` in
//!    the customer's language. The **guard** accepts the reply only if it
//!    is that object (alone, or in one Markdown code fence), `on_topic` is
//!    `true`, the answer is not empty and at most
//!    [`SupportConfig::max_answer_chars`] (700) long, and it names at least
//!    one source, every one an id of an entry it was given →
//!    [`SupportAnswer::Model`].
//! 4. Anything else (no model, the model down, slow, behind an open
//!    breaker, refusing; a reply in prose, off topic, empty, too long,
//!    without sources or with an unknown one) falls back: the FAQ's best
//!    entry if it scores at or above the `maybe` threshold (0.5) →
//!    [`SupportAnswer::Faq`], else [`SupportAnswer::Unsure`] (offer a
//!    person), with the reason ([`Reason::NoModel`],
//!    [`Reason::ModelFailed`], [`Reason::Rejected`]). Model failures are
//!    logged (`tracing`, warn), refusals by the guard too (info).
//!
//! # The FAQ file
//!
//! TOML: one `[[faq]]` table per entry, with an `id` (lower-case letters,
//! digits, `-`, `_`) and a table per language, keyed by its tag (`en`,
//! `hi`, `mr`, `en-IN`), each with `questions` (the ways customers ask, at
//! least one) and `answer`. Every entry has at least one language; ids are
//! unique; other keys are refused. Mistakes are named by field:
//! `faq[2].hi.answer: empty` (entries count from 0).
//!
//! ```toml
//! [[faq]]
//! id = "opening-hours"
//! [faq.en]
//! questions = ["What are your opening hours?", "When are you open?"]
//! answer = "We're open Monday to Saturday, 9 am to 7 pm."
//! [faq.hi]
//! questions = ["दुकान कब खुलती है?", "आपका समय क्या है?"]
//! answer = "हम सोमवार से शनिवार, सुबह 9 से शाम 7 बजे तक खुले हैं।"
//! ```
//!
//! # Matching
//!
//! BM25 over every question of every entry in every language, scored 0 to
//! 1: mostly the share of the question's (BM25-weighted) words found in
//! the customer's message, partly the share of the message's words found
//! in the question (an F2 score), an entry scoring its best question; see
//! [`matching`] for words and scores. Questions in every language are
//! searched, so a customer writing in another language than their own (or
//! Hindi in Latin letters, when the FAQ lists such phrasings) still finds
//! the entry; the answer is given in the customer's language where the
//! entry has it, else in the language of the question that matched.
//!
//! # Example
//!
//! ```
//! use features::support::{AskSupport, Faq, Language, Reason, SupportAnswer, SupportConfig, SupportService};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let faq = Faq::from_toml(r#"
//! [[faq]]
//! id = "opening-hours"
//! [faq.en]
//! questions = ["What are your opening hours?", "When are you open?"]
//! answer = "We're open Monday to Saturday, 9 am to 7 pm."
//! [faq.hi]
//! questions = ["दुकान कब खुलती है?"]
//! answer = "हम सोमवार से शनिवार, सुबह 9 से शाम 7 बजे तक खुले हैं।"
//! "#)?;
//! let service = SupportService::new(faq, SupportConfig::default().with_shop_name("Sharma Hardware"));
//!
//! let hindi = Language::parse("hi")?;
//! let answer = service.answer(AskSupport { question: "दुकान कब खुलती है".to_owned(), language: hindi }).await;
//! assert_eq!(answer.text(), Some("हम सोमवार से शनिवार, सुबह 9 से शाम 7 बजे तक खुले हैं।"));
//! assert_eq!(answer.reason(), Reason::FaqMatch);
//!
//! // No model configured, nothing close: offer a person.
//! let english = Language::parse("en")?;
//! let answer = service.answer(AskSupport { question: "Is the cement grade 53?".to_owned(), language: english }).await;
//! assert!(matches!(answer, SupportAnswer::Unsure { reason: Reason::NoModel, .. }));
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - [`domain`]: [`Faq`] (read with [`Faq::from_toml`], searched with
//!   [`Faq::best`] and [`Faq::top`]), [`FaqEntry`], [`FaqId`],
//!   [`Language`], [`Thresholds`], [`FaqHit`]; [`spec`]: the file and
//!   its checks; [`matching`]: words and scores.
//! - [`queries`]: [`AskSupport`], answered with a [`SupportAnswer`] and its
//!   [`Reason`]. The responder changes nothing: no commands.
//! - [`ports`]: [`LanguageModel`] (with [`ModelRequest`], [`Role`]) and
//!   [`NoModel`]; `infra_providers::llm::ChatClient` implements it for
//!   OpenAI-compatible chat-completions APIs (feature `support` there).
//! - [`service`]: [`SupportService`] and its [`SupportConfig`].
//! - [`error`]: [`SupportError`] (the FAQ file, tags, thresholds) and
//!   [`ModelError`] (what a model call fails with).

pub mod domain;
pub mod error;
pub mod matching;
pub mod ports;
pub mod queries;
pub mod service;
pub mod spec;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use domain::{Faq, FaqEntry, FaqHit, FaqId, Language, Localized, Thresholds};
pub use error::{ModelError, SupportError};
pub use ports::{LanguageModel, ModelRequest, NoModel, Role};
pub use queries::{AskSupport, ModelFailure, Reason, Rejection, SupportAnswer};
pub use service::{SupportConfig, SupportService};
