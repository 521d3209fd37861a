//! [`DbRuleSubjects`]: what a rule knows of the shop's customers (the
//! `customers` table: everyone who wrote), from their tags, their consent,
//! their `birthday` attribute and their last order; and their messages.

use std::collections::{BTreeMap, BTreeSet};

use features::customers::Tag;
use features::invoices::InvoiceNumber;
use features::rules::domain::BIRTHDAY;
use features::rules::{PastEvent, PastMessage, RuleEvent, RuleSubjects, Subject};
use features::shared::{CustomerPhone, OrderId, OrderNumber, RepositoryError};
use infra_sql::Database;
use infra_sql::messages::Direction;
use infra_sql::schema::{Customers, MarketingOptOuts, Messages};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Order, Query};

use crate::campaigns::DbAudience;
use crate::products::repo_error;
use crate::schema::{CustomerAttributes, CustomerTags, Invoices};

/// The shop's customers as rules see them; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbRuleSubjects {
    db: Database,
}

impl DbRuleSubjects {
    /// The customers in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Sets `customer`'s attribute `name` to `value` (in the caller's
    /// transaction when one runs).
    ///
    /// # Errors
    ///
    /// [`RepositoryError`] when storage fails.
    pub async fn set_attribute(
        &self,
        customer: &CustomerPhone,
        name: &str,
        value: &str,
        at_ms: i64,
    ) -> Result<(), RepositoryError> {
        let insert = Query::insert()
            .into_table(CustomerAttributes::Table)
            .columns([
                CustomerAttributes::Phone,
                CustomerAttributes::Name,
                CustomerAttributes::Value,
                CustomerAttributes::AtMs,
            ])
            .values([
                customer.as_str().into(),
                name.into(),
                value.into(),
                at_ms.into(),
            ])
            .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
            .on_conflict(
                OnConflict::columns([CustomerAttributes::Phone, CustomerAttributes::Name])
                    .update_columns([CustomerAttributes::Value, CustomerAttributes::AtMs])
                    .to_owned(),
            )
            .to_owned();
        self.db.exec(&insert).await.map_err(repo_error)?;
        Ok(())
    }

    /// `customer`'s attributes, by name.
    ///
    /// # Errors
    ///
    /// [`RepositoryError`] when storage fails.
    pub async fn attributes(
        &self,
        customer: &CustomerPhone,
    ) -> Result<BTreeMap<String, String>, RepositoryError> {
        let select = Query::select()
            .columns([CustomerAttributes::Name, CustomerAttributes::Value])
            .from(CustomerAttributes::Table)
            .and_where(Expr::col(CustomerAttributes::Phone).eq(customer.as_str()))
            .to_owned();
        let mut out = BTreeMap::new();
        for row in self.db.all(&select).await.map_err(repo_error)? {
            out.insert(
                row.try_get("", "name").map_err(repo_error)?,
                row.try_get("", "value").map_err(repo_error)?,
            );
        }
        Ok(out)
    }

    /// The subjects of these customers' rows (`customers` joined with their
    /// last order), with their tags, consent and birthday.
    async fn complete(
        &self,
        rows: Vec<sea_orm::QueryResult>,
    ) -> Result<Vec<Subject>, RepositoryError> {
        let mut subjects = Vec::with_capacity(rows.len());
        for row in &rows {
            let recipient = DbAudience::recipient_of(row)?;
            let mut subject = Subject::unknown(recipient.phone);
            subject.name = recipient.name;
            subject.last_order = recipient.last_order;
            subject.last_inbound_ms = row.try_get("", "last_inbound_ms").map_err(repo_error)?;
            subjects.push(subject);
        }
        if subjects.is_empty() {
            return Ok(subjects);
        }
        let phones: Vec<&str> = subjects.iter().map(|s| s.phone.as_str()).collect();
        let tags = Query::select()
            .columns([CustomerTags::Phone, CustomerTags::Tag])
            .from(CustomerTags::Table)
            .and_where(Expr::col(CustomerTags::Phone).is_in(phones.clone()))
            .to_owned();
        let mut tags_of: BTreeMap<String, Vec<Tag>> = BTreeMap::new();
        for row in self.db.all(&tags).await.map_err(repo_error)? {
            let phone: String = row.try_get("", "phone").map_err(repo_error)?;
            let tag: String = row.try_get("", "tag").map_err(repo_error)?;
            let tag = Tag::parse(&tag)
                .map_err(|e| RepositoryError::Corrupt(format!("tag of {phone:?}: {e}")))?;
            tags_of.entry(phone).or_default().push(tag);
        }
        let opted = Query::select()
            .column(MarketingOptOuts::Phone)
            .from(MarketingOptOuts::Table)
            .and_where(Expr::col(MarketingOptOuts::Phone).is_in(phones.clone()))
            .to_owned();
        let mut opted_out = BTreeSet::new();
        for row in self.db.all(&opted).await.map_err(repo_error)? {
            opted_out.insert(row.try_get::<String>("", "phone").map_err(repo_error)?);
        }
        let birthdays = Query::select()
            .columns([CustomerAttributes::Phone, CustomerAttributes::Value])
            .from(CustomerAttributes::Table)
            .and_where(Expr::col(CustomerAttributes::Phone).is_in(phones))
            .and_where(Expr::col(CustomerAttributes::Name).eq(BIRTHDAY))
            .to_owned();
        let mut birthday_of = BTreeMap::new();
        for row in self.db.all(&birthdays).await.map_err(repo_error)? {
            let phone: String = row.try_get("", "phone").map_err(repo_error)?;
            let value: String = row.try_get("", "value").map_err(repo_error)?;
            // A value that is not a date greets nobody (set by hand, say).
            if let Ok(date) = value.trim().parse() {
                birthday_of.insert(phone, date);
            }
        }
        for subject in &mut subjects {
            let phone = subject.phone.as_str().to_owned();
            subject.tags = tags_of.remove(&phone).unwrap_or_default();
            subject.marketing_ok = !opted_out.contains(&phone);
            subject.birthday = birthday_of.remove(&phone);
        }
        Ok(subjects)
    }

    fn customers() -> sea_orm::sea_query::SelectStatement {
        let mut select = DbAudience::customers();
        select.expr_as(
            Expr::col((Alias::new("c"), Customers::LastInboundMs)),
            "last_inbound_ms",
        );
        select
    }
}

impl RuleSubjects for DbRuleSubjects {
    async fn subject(&self, phone: &CustomerPhone) -> Result<Subject, RepositoryError> {
        let mut select = Self::customers();
        select.and_where(Expr::col((Alias::new("c"), Customers::Phone)).eq(phone.as_str()));
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        if rows.is_empty() {
            return Ok(Subject::unknown(phone.clone()));
        }
        Ok(self
            .complete(rows)
            .await?
            .pop()
            .unwrap_or_else(|| Subject::unknown(phone.clone())))
    }

    async fn subjects(
        &self,
        after: Option<&CustomerPhone>,
        limit: u32,
    ) -> Result<Vec<Subject>, RepositoryError> {
        let c = Alias::new("c");
        let mut select = Self::customers();
        if let Some(after) = after {
            select.and_where(Expr::col((c.clone(), Customers::Phone)).gt(after.as_str()));
        }
        select
            .order_by((c, Customers::Phone), Order::Asc)
            .limit(u64::from(limit));
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        self.complete(rows).await
    }

    async fn is_first_message(
        &self,
        phone: &CustomerPhone,
        message_id: &str,
    ) -> Result<bool, RepositoryError> {
        let select = Query::select()
            .column(Messages::ProviderMessageId)
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(Direction::In))
            .and_where(Expr::col(Messages::Customer).eq(phone.as_str()))
            .order_by(Messages::Id, Order::Asc)
            .limit(1)
            .to_owned();
        let first: Option<Option<String>> = match self.db.one(&select).await.map_err(repo_error)? {
            Some(row) => Some(row.try_get("", "provider_message_id").map_err(repo_error)?),
            None => None,
        };
        Ok(match first {
            None => true,
            Some(id) => id.as_deref() == Some(message_id),
        })
    }

    async fn events_since(
        &self,
        since_ms: i64,
        until_ms: i64,
        limit: u32,
    ) -> Result<Vec<PastEvent>, RepositoryError> {
        // Every confirmed order gets its invoice in the job that follows
        // the confirmation, which also fires the rules: the invoice's
        // issue is the confirmation as the rules saw it.
        let confirmed = Query::select()
            .columns([
                Invoices::OrderId,
                Invoices::CustomerPhone,
                Invoices::IssuedAtMs,
            ])
            .from(Invoices::Table)
            .and_where(Expr::col(Invoices::IssuedAtMs).gte(since_ms))
            .and_where(Expr::col(Invoices::IssuedAtMs).lte(until_ms))
            .order_by(Invoices::IssuedAtMs, Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        let mut events = Vec::new();
        for row in self.db.all(&confirmed).await.map_err(repo_error)? {
            let order: i64 = row.try_get("", "order_id").map_err(repo_error)?;
            let Some(customer) = phone_of(&row)? else {
                continue;
            };
            events.push(PastEvent {
                event: RuleEvent::OrderConfirmed,
                customer,
                occurrence: OrderNumber::from(OrderId::new(order)).to_string(),
                at_ms: row.try_get("", "issued_at_ms").map_err(repo_error)?,
            });
        }
        // Overdue: due in the period, and unpaid then (still, or paid
        // after the due date); a void invoice is nobody's debt.
        let overdue = Query::select()
            .columns([
                Invoices::NumberSeq,
                Invoices::CustomerPhone,
                Invoices::DueAtMs,
            ])
            .from(Invoices::Table)
            .and_where(Expr::col(Invoices::DueAtMs).gte(since_ms))
            .and_where(Expr::col(Invoices::DueAtMs).lte(until_ms))
            .and_where(
                Expr::col(Invoices::Status)
                    .eq("issued")
                    .or(Expr::col(Invoices::Status)
                        .eq("paid")
                        .and(Expr::col(Invoices::PaidAtMs).gt(Expr::col(Invoices::DueAtMs)))),
            )
            .order_by(Invoices::DueAtMs, Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        for row in self.db.all(&overdue).await.map_err(repo_error)? {
            let seq: i64 = row.try_get("", "number_seq").map_err(repo_error)?;
            let Some(customer) = phone_of(&row)? else {
                continue;
            };
            events.push(PastEvent {
                event: RuleEvent::InvoiceOverdue,
                customer,
                occurrence: InvoiceNumber::new(u64::try_from(seq).unwrap_or_default()).to_string(),
                at_ms: row.try_get("", "due_at_ms").map_err(repo_error)?,
            });
        }
        events.sort_by_key(|e| e.at_ms);
        events.truncate(limit as usize);
        Ok(events)
    }

    async fn messages_since(
        &self,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<PastMessage>, RepositoryError> {
        let select = Query::select()
            .columns([
                Messages::Id,
                Messages::ProviderMessageId,
                Messages::Customer,
                Messages::Body,
                Messages::CreatedAtMs,
            ])
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(Direction::In))
            .and_where(Expr::col(Messages::CreatedAtMs).gte(since_ms))
            .order_by(Messages::Id, Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        let mut out = Vec::with_capacity(rows.len());
        let mut firsts: BTreeMap<String, bool> = BTreeMap::new();
        for row in rows {
            let customer: String = row.try_get("", "customer").map_err(repo_error)?;
            let Ok(phone) = CustomerPhone::parse(&customer) else {
                continue;
            };
            let id: Option<String> = row.try_get("", "provider_message_id").map_err(repo_error)?;
            let id = id.unwrap_or_default();
            let first = match firsts.get(&customer) {
                Some(_) => false,
                None => {
                    let first = self.is_first_message(&phone, &id).await?;
                    firsts.insert(customer, first);
                    first
                }
            };
            out.push(PastMessage {
                id,
                customer: phone,
                text: row
                    .try_get::<Option<String>>("", "body")
                    .map_err(repo_error)?
                    .unwrap_or_default(),
                at_ms: row.try_get("", "created_at_ms").map_err(repo_error)?,
                first,
            });
        }
        Ok(out)
    }
}

/// The `customer_phone` of a row, or `None` for one that is not a number
/// (a row edited by hand: left out of a dry run).
fn phone_of(row: &sea_orm::QueryResult) -> Result<Option<CustomerPhone>, RepositoryError> {
    let phone: String = row.try_get("", "customer_phone").map_err(repo_error)?;
    Ok(CustomerPhone::parse(&phone).ok())
}
