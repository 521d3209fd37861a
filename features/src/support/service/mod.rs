//! [`SupportService`]: the FAQ first, a language model second, and the
//! guard between the model and the customer. The only place with support
//! business logic; the prompt is in `prompt.rs`, the guard in `guard.rs`.

mod guard;
mod prompt;

use super::domain::{Faq, FaqEntry, FaqHit, FaqId};
use super::matching::has_words;
use super::ports::{LanguageModel, NoModel};
use super::queries::{AskSupport, ModelFailure, Reason, SupportAnswer};

/// How the responder asks the model and checks its answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SupportConfig {
    shop_name: String,
    context_entries: usize,
    max_answer_chars: usize,
}

impl Default for SupportConfig {
    /// The shop called "the shop", 6 FAQ entries as context, answers of at
    /// most 700 characters.
    fn default() -> Self {
        Self {
            shop_name: "the shop".to_owned(),
            context_entries: 6,
            max_answer_chars: 700,
        }
    }
}

impl SupportConfig {
    /// The shop's name, as the model is told it (`Sharma Hardware`). Blank
    /// keeps "the shop".
    #[must_use]
    pub fn with_shop_name(mut self, name: impl Into<String>) -> Self {
        let name: String = name.into();
        if !name.trim().is_empty() {
            self.shop_name = name.trim().to_owned();
        }
        self
    }

    /// How many FAQ entries the model is given (at least 1): the best
    /// matches, then the others in file order (so a small FAQ is given
    /// whole, and a question in words the FAQ does not use still has
    /// context).
    #[must_use]
    pub fn with_context_entries(mut self, n: usize) -> Self {
        self.context_entries = n.max(1);
        self
    }

    /// The longest answer from the model, in characters (at least 1;
    /// WhatsApp takes 4,096). Longer ones are refused.
    #[must_use]
    pub fn with_max_answer_chars(mut self, n: usize) -> Self {
        self.max_answer_chars = n.max(1);
        self
    }

    /// The shop's name.
    #[must_use]
    pub fn shop_name(&self) -> &str {
        &self.shop_name
    }

    /// FAQ entries given to the model.
    #[must_use]
    pub fn context_entries(&self) -> usize {
        self.context_entries
    }

    /// The longest answer accepted from the model.
    #[must_use]
    pub fn max_answer_chars(&self) -> usize {
        self.max_answer_chars
    }
}

/// Answers customers' questions from an FAQ and, where configured, a
/// [`LanguageModel`]. See the [module docs](super) for the flow.
#[derive(Debug, Clone)]
pub struct SupportService<M = NoModel> {
    faq: Faq,
    model: Option<M>,
    config: SupportConfig,
}

impl SupportService<NoModel> {
    /// Answers from `faq` alone (add a model with
    /// [`with_model`](Self::with_model)).
    #[must_use]
    pub fn new(faq: Faq, config: SupportConfig) -> Self {
        Self {
            faq,
            model: None,
            config,
        }
    }
}

impl<M> SupportService<M>
where
    M: LanguageModel,
{
    /// The same responder asking `model` (or none: `None`) when the FAQ
    /// alone does not answer.
    #[must_use]
    pub fn with_model<N: LanguageModel>(self, model: impl Into<Option<N>>) -> SupportService<N> {
        SupportService {
            faq: self.faq,
            model: model.into(),
            config: self.config,
        }
    }

    /// The FAQ.
    #[must_use]
    pub fn faq(&self) -> &Faq {
        &self.faq
    }

    /// Whether a model is asked.
    #[must_use]
    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// The answer to a customer's question; never an error (see the
    /// [module docs](super)).
    pub async fn answer(&self, query: AskSupport) -> SupportAnswer {
        let AskSupport { question, language } = query;
        if !has_words(&question) {
            return SupportAnswer::Unsure {
                best_guess: None,
                reason: Reason::NoQuestion,
            };
        }
        let thresholds = self.faq.thresholds();
        let ranked = self
            .faq
            .top(&question, &language, self.config.context_entries);
        if let Some(best) = ranked.first()
            && best.score >= thresholds.answer()
        {
            return SupportAnswer::Faq {
                hit: best.clone(),
                reason: Reason::FaqMatch,
            };
        }
        let best = ranked.first().cloned();
        let Some(model) = &self.model else {
            return self.fallback(best, Reason::NoModel);
        };

        let context = self.context(&ranked);
        let ids: Vec<&FaqId> = context.iter().map(|e| e.id()).collect();
        let request = prompt::request(
            &self.config.shop_name,
            &language,
            self.config.max_answer_chars,
            &context,
            &question,
        );
        let reply = match model.complete(request).await {
            Ok(reply) => reply,
            Err(e) => {
                let reason = Reason::ModelFailed(ModelFailure::from(&e));
                tracing::warn!(
                    error.message = %e,
                    error.cause_chain = ?e,
                    reason = reason.as_str(),
                    "support: the language model did not answer; the FAQ's best answer or a person instead"
                );
                return self.fallback(best, reason);
            }
        };
        match guard::check(&reply, &ids, self.config.max_answer_chars) {
            Ok(checked) => {
                tracing::debug!(
                    sources = ?checked.sources,
                    "support: the language model answered"
                );
                SupportAnswer::Model {
                    text: checked.text,
                    sources: checked.sources,
                }
            }
            Err(rejection) => {
                let reason = Reason::Rejected(rejection);
                tracing::info!(
                    reason = reason.as_str(),
                    reply.chars = reply.chars().count(),
                    "support: the guard refused the language model's answer"
                );
                self.fallback(best, reason)
            }
        }
    }

    /// The FAQ's best answer if it reaches the `maybe` threshold, else a
    /// person.
    fn fallback(&self, best: Option<FaqHit>, reason: Reason) -> SupportAnswer {
        match best {
            Some(hit) if hit.score >= self.faq.thresholds().maybe() => {
                SupportAnswer::Faq { hit, reason }
            }
            best_guess => SupportAnswer::Unsure { best_guess, reason },
        }
    }

    /// The entries the model is given: the ranked ones, then the others in
    /// file order, up to `context_entries`.
    fn context(&self, ranked: &[FaqHit]) -> Vec<&FaqEntry> {
        let n = self.config.context_entries;
        let mut context: Vec<&FaqEntry> = ranked
            .iter()
            .filter_map(|hit| self.faq.get(&hit.id))
            .take(n)
            .collect();
        for entry in self.faq.entries() {
            if context.len() >= n {
                break;
            }
            if !context.iter().any(|e| e.id() == entry.id()) {
                context.push(entry);
            }
        }
        context
    }
}
