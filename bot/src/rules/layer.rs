//! [`RulesLayer`]: the message rules, run inside each turn, between the
//! menu layer (a typed "2" is already a choice) and the shop
//! conversation.
//!
//! A rule that fires answers with its replies before the shop's; one that
//! stops processing answers alone, and the conversation does not see the
//! message. Their tags and attributes join the turn's transaction, so they
//! commit with its replies and its `handled` mark, or not at all; each
//! run is logged once per rule and message. A single consent word (STOP,
//! START, …) never reaches the rules: the shop records it.

use std::sync::Arc;

use features::customers::ConsentKeywords;
use features::rules::RunMessageRules;
use features::shared::CustomerPhone;
use framework::clock::Clock;
use framework::reply::Reply;
use framework::{BoxError, InboundMessage, Outcome, Response};
use infra_sql::Database;
use tower::{Layer, Service};

use crate::step::{StepService, TurnStep};

use super::ShopRuleEffects;
use crate::services::Rules;

/// Runs the message rules before the service it wraps.
#[derive(Debug, Clone)]
pub struct RulesLayer {
    rules: Arc<Rules>,
    consent_words: Arc<ConsentKeywords>,
    db: Database,
    clock: Clock,
    jobs: crate::jobs::Queue,
}

impl RulesLayer {
    /// The rules of `rules`, their effects written to `db` (jobs they ask
    /// for, a webhook's, to `jobs`); a message that is one of
    /// `consent_words` (STOP, START, …) goes to the shop alone.
    #[must_use]
    pub fn new(
        rules: Arc<Rules>,
        consent_words: Arc<ConsentKeywords>,
        db: Database,
        clock: Clock,
        jobs: crate::jobs::Queue,
    ) -> Self {
        Self {
            rules,
            consent_words,
            db,
            clock,
            jobs,
        }
    }
}

impl<S> Layer<S> for RulesLayer {
    type Service = RulesService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        StepService::new(self.clone(), inner)
    }
}

/// See [`RulesLayer`].
pub type RulesService<S> = StepService<RulesLayer, S>;

impl TurnStep for RulesLayer {
    async fn run<S>(&self, mut inner: S, msg: InboundMessage) -> Result<Response, BoxError>
    where
        S: Service<InboundMessage, Response = Response> + Send,
        S::Error: Into<BoxError>,
        S::Future: Send,
    {
        let layer = self;
        // STOP, START and their kin are the shop's: no rule may answer
        // them instead of recording the customer's choice.
        let consent = msg
            .text()
            .is_some_and(|t| layer.consent_words.classify(t).is_some());
        let Ok(customer) = CustomerPhone::parse(msg.key().customer().as_str()) else {
            return inner.call(msg).await.map_err(Into::into);
        };
        if consent {
            return inner.call(msg).await.map_err(Into::into);
        }
        let effects = ShopRuleEffects::in_turn(&layer.db, layer.clock.clone(), layer.jobs.clone());
        let outcome = layer
            .rules
            .on_message(
                RunMessageRules {
                    message_id: msg.id().as_str().to_owned(),
                    customer,
                    name: msg.profile_name().map(str::to_owned),
                    text: msg.text().unwrap_or_default().to_owned(),
                },
                &effects,
            )
            .await?;
        if !outcome.fired.is_empty() {
            tracing::info!(rules = ?outcome.fired, stop = outcome.stop, "rules fired");
        }
        let replies: Vec<Reply> = outcome
            .replies
            .into_iter()
            .map(crate::jobs::channel::reply_of)
            .collect();
        if outcome.stop {
            return Ok(Response::from_replies(replies));
        }
        let response = inner.call(msg).await.map_err(Into::into)?;
        if replies.is_empty() {
            return Ok(response);
        }
        Ok(match response.outcome() {
            Outcome::Handled | Outcome::Ignored => {
                Response::from_replies(replies.into_iter().chain(response.into_replies()))
            }
            _ => {
                let mut response = response;
                for reply in replies {
                    response.push(reply);
                }
                response
            }
        })
    }
}
