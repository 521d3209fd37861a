//! [`ShopRuleEffects`]: what rules' actions change, in the caller's
//! transaction (a turn, a fan-out page).

use features::campaigns::Personalised;
use features::customers::{CustomerRepository as _, Tag};
use features::rules::{RuleEffects, SendOutcome, Subject, WebhookCall};
use features::shared::{CustomerPhone, RepositoryError};
use framework::clock::Clock;
use infra_shop::customers::DbCustomerRepository;
use infra_shop::rules::DbRuleSubjects;
use infra_sql::Database;
use infra_sql::sender::SenderError;

use crate::jobs::JobDeps;

/// Tags, attributes, webhook calls (asked of the job queue) and (from a
/// job) proactive messages through the outbox.
#[derive(Debug)]
pub struct ShopRuleEffects<'a> {
    customers: DbCustomerRepository,
    queue: crate::jobs::Queue,
    subjects: DbRuleSubjects,
    clock: Clock,
    jobs: Option<&'a JobDeps>,
}

impl<'a> ShopRuleEffects<'a> {
    /// Effects inside a turn: tags and attributes (a turn's messages are
    /// its replies).
    #[must_use]
    pub fn in_turn(db: &Database, clock: Clock, queue: crate::jobs::Queue) -> Self {
        Self {
            customers: DbCustomerRepository::new(db.clone()),
            queue,
            subjects: DbRuleSubjects::new(db.clone()),
            clock,
            jobs: None,
        }
    }

    /// Effects of a job: tags, attributes and messages through the
    /// outbox.
    #[must_use]
    pub fn in_job(deps: &'a JobDeps) -> Self {
        Self {
            customers: DbCustomerRepository::new(deps.db.clone()),
            queue: deps.queue.clone(),
            subjects: DbRuleSubjects::new(deps.db.clone()),
            clock: deps.clock.clone(),
            jobs: Some(deps),
        }
    }
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> RepositoryError {
    RepositoryError::backend(e)
}

impl RuleEffects for ShopRuleEffects<'_> {
    async fn send(
        &self,
        to: &Subject,
        message: &Personalised,
        key: &str,
    ) -> Result<SendOutcome, RepositoryError> {
        let Some(deps) = self.jobs else {
            return Err(RepositoryError::Corrupt(
                "a rule's message inside a turn is a reply, not a send".to_owned(),
            ));
        };
        let Some(reach) = crate::jobs::channel::reach_any(deps, &to.phone)
            .await
            .map_err(|e| RepositoryError::Backend(anyhow::anyhow!("{e}")))?
        else {
            return Ok(SendOutcome::NotSent(
                "no channel reaches them: they never wrote, and TWILIO_WHATSAPP_FROM is unset"
                    .to_owned(),
            ));
        };
        let outgoing = crate::jobs::channel::outgoing(message.clone()).with_key(key.to_owned());
        match deps.sender.send_to(&reach, outgoing).await {
            Ok(_) => Ok(SendOutcome::Stored),
            // A configuration to fix, or a window that closed since the
            // rule decided: that customer's run fails with the reason, the
            // others' messages go.
            Err(SenderError::TemplateNeedsContentSid { name }) => Ok(SendOutcome::NotSent(
                format!("Twilio needs the {name} template's Content SID (content_sid in the rule)"),
            )),
            Err(SenderError::WindowClosed { .. }) => Ok(SendOutcome::NotSent(
                "their 24-hour window closed and the rule has no template".to_owned(),
            )),
            Err(e) => Err(backend(e)),
        }
    }

    async fn webhook(&self, call: &WebhookCall) -> Result<(), RepositoryError> {
        crate::jobs::rule_webhook::enqueue(&self.queue, call)
            .await
            .map_err(|e| RepositoryError::Backend(anyhow::anyhow!("{e}")))
    }

    async fn tag(&self, customer: &CustomerPhone, tags: &[Tag]) -> Result<(), RepositoryError> {
        self.customers
            .add_tags(customer, tags, self.clock.now_ms())
            .await?;
        Ok(())
    }

    async fn untag(&self, customer: &CustomerPhone, tags: &[Tag]) -> Result<(), RepositoryError> {
        self.customers.remove_tags(customer, tags).await?;
        Ok(())
    }

    async fn set_attribute(
        &self,
        customer: &CustomerPhone,
        name: &str,
        value: &str,
    ) -> Result<(), RepositoryError> {
        self.subjects
            .set_attribute(customer, name, value, self.clock.now_ms())
            .await
    }
}
