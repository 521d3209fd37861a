//! [`ShopRuleEffects`]: what rules' actions change, in the caller's
//! transaction (a turn, a fan-out page).

use features::campaigns::Personalised;
use features::customers::{CustomerRepository as _, Tag};
use features::rules::{RuleEffects, Subject};
use features::shared::{CustomerPhone, RepositoryError};
use framework::clock::Clock;
use framework::reply::{Reply, Template};
use infra_shop::customers::DbCustomerRepository;
use infra_shop::rules::DbRuleSubjects;
use infra_sql::Database;
use infra_sql::sender::{Outgoing, SenderError};

use crate::jobs::JobDeps;

/// Tags, attributes and (from a job) proactive messages through the
/// outbox.
#[derive(Debug)]
pub struct ShopRuleEffects<'a> {
    customers: DbCustomerRepository,
    subjects: DbRuleSubjects,
    clock: Clock,
    jobs: Option<&'a JobDeps>,
}

impl<'a> ShopRuleEffects<'a> {
    /// Effects inside a turn: tags and attributes (a turn's messages are
    /// its replies).
    #[must_use]
    pub fn in_turn(db: &Database, clock: Clock) -> Self {
        Self {
            customers: DbCustomerRepository::new(db.clone()),
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
            subjects: DbRuleSubjects::new(deps.db.clone()),
            clock: deps.clock.clone(),
            jobs: Some(deps),
        }
    }
}

/// `message` as the outbox stores it for a proactive send (a template
/// the sender may fall back to when the window has closed).
pub(crate) fn outgoing(message: Personalised) -> Outgoing {
    match reply_of(message) {
        Reply::Template(template) => Outgoing::template(template),
        reply => Outgoing::new(reply),
    }
}

/// `message` as a reply.
pub(crate) fn reply_of(message: Personalised) -> Reply {
    match message {
        Personalised::Text(text) => Reply::text(text),
        Personalised::Template {
            name,
            language,
            content_sid,
            params,
        } => {
            let mut template = params
                .into_iter()
                .fold(Template::new(name, language), Template::param);
            if let Some(sid) = content_sid {
                template = template.with_content_sid(sid);
            }
            Reply::Template(template)
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
    ) -> Result<(), RepositoryError> {
        let Some(deps) = self.jobs else {
            return Err(RepositoryError::Corrupt(
                "a rule's message inside a turn is a reply, not a send".to_owned(),
            ));
        };
        let Some(reach) = crate::jobs::channel::reach_any(deps, &to.phone)
            .await
            .map_err(|e| RepositoryError::Backend(anyhow::anyhow!("{e}")))?
        else {
            tracing::info!(customer = %to.phone.as_str(), "rule: no channel to reach the customer");
            return Ok(());
        };
        match deps
            .sender
            .send_to(&reach, outgoing(message.clone()).with_key(key.to_owned()))
            .await
        {
            Ok(_) => Ok(()),
            // A configuration to fix, not a reason to hold up everyone
            // else's messages: said loudly, this customer's message skipped.
            Err(SenderError::TemplateNeedsContentSid { name }) => {
                tracing::warn!(template = %name, customer = %to.phone.as_str(), "rule: outside the 24-hour window Twilio needs the template's Content SID (content_sid in the rule); not sent");
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
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
