//! [`DbCustomerRepository`]: customers' tags (`customer_tags`) and their
//! consent, kept in `infra_sql`'s `marketing_opt_outs`, the one consent
//! record: a Meta 131050 report recorded there by
//! [`DeliveryStatuses`](infra_sql::messages::DeliveryStatuses) reads back
//! as a marketing opt-out with source `provider` and code `131050`.

use std::collections::BTreeMap;

use features::customers::{
    ConsentSource, CustomerDetails, CustomerPage, CustomerRepository, Language, OptOut,
    OptOutScope, Page, Registration, Tag, TagMatch,
};
use features::shared::Gstin;
use features::shared::{CustomerPhone, RepositoryError};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, OnConflict, Order, Query};

use crate::products::repo_error;
use crate::schema::{CustomerDetails as Details, CustomerTags, MarketingOptOuts};
use infra_sql::Database;

/// Customers' tags and consent in the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbCustomerRepository {
    db: Database,
}

impl DbCustomerRepository {
    /// Customers in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A stored consent or tag that no longer validates (no phone number in
/// the error: errors are logged).
fn corrupt(what: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(format!("a customer's stored consent or tags: {what}"))
}

/// The `source` and `reason` columns of a source.
fn source_columns(source: &ConsentSource) -> (&'static str, String) {
    let reason = match source {
        ConsentSource::Keyword(word) => word.clone(),
        ConsentSource::Provider { code } => code.clone(),
        ConsentSource::Operator => "operator".to_owned(),
    };
    (source.kind(), reason)
}

/// The source the `source` and `reason` columns say. A provider's reason
/// is a [`failure_text`](infra_sql::messages::failure_text): its code,
/// then its message.
fn source_of(kind: &str, reason: String) -> Option<ConsentSource> {
    match kind {
        "keyword" => Some(ConsentSource::Keyword(reason)),
        "provider" => Some(ConsentSource::Provider {
            code: infra_sql::messages::failure_code(&reason)
                .map_or(reason.as_str(), |(code, _)| code)
                .to_owned(),
        }),
        "operator" => Some(ConsentSource::Operator),
        _ => None,
    }
}

fn tag_values(tags: &[Tag]) -> Vec<sea_orm::Value> {
    tags.iter().map(|t| t.as_str().into()).collect()
}

impl DbCustomerRepository {
    /// Inserts the customer's row with `values` for `columns`, or updates
    /// those columns of the row they have.
    async fn upsert_details(
        &self,
        customer: &CustomerPhone,
        columns: &[Details],
        values: Vec<sea_orm::Value>,
        at_ms: i64,
    ) -> Result<(), RepositoryError> {
        let mut all = vec![Details::Phone, Details::UpdatedAtMs];
        all.extend_from_slice(columns);
        let mut row: Vec<sea_orm::sea_query::SimpleExpr> =
            vec![customer.as_str().into(), at_ms.into()];
        row.extend(values.into_iter().map(Into::into));
        let mut update = vec![Details::UpdatedAtMs];
        update.extend_from_slice(columns);
        let insert = Query::insert()
            .into_table(Details::Table)
            .columns(all)
            .values(row)
            .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
            .on_conflict(
                OnConflict::column(Details::Phone)
                    .update_columns(update)
                    .to_owned(),
            )
            .to_owned();
        self.db.exec(&insert).await.map_err(repo_error)?;
        Ok(())
    }
}

/// A stored detail that no longer validates (no phone number in the
/// error: errors are logged).
fn details_corrupt(what: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(format!("a customer's stored details: {what}"))
}

impl CustomerRepository for DbCustomerRepository {
    async fn details(&self, customer: &CustomerPhone) -> Result<CustomerDetails, RepositoryError> {
        let select = Query::select()
            .columns([
                Details::Language,
                Details::LanguageOfferedAtMs,
                Details::Name,
                Details::Business,
                Details::Gstin,
                Details::Address,
                Details::RegisteredAtMs,
            ])
            .from(Details::Table)
            .and_where(Expr::col(Details::Phone).eq(customer.as_str()))
            .to_owned();
        let Some(row) = self.db.one(&select).await.map_err(repo_error)? else {
            return Ok(CustomerDetails::default());
        };
        let text = |c: &str| row.try_get::<Option<String>>("", c).map_err(repo_error);
        let ms = |c: &str| row.try_get::<Option<i64>>("", c).map_err(repo_error);
        let language = text("language")?
            .map(|tag| Language::parse(&tag).map_err(details_corrupt))
            .transpose()?;
        let registered_at_ms = ms("registered_at_ms")?;
        let registration = match (registered_at_ms, text("name")?, text("address")?) {
            (Some(_), Some(name), Some(address)) => {
                let gstin = text("gstin")?
                    .map(|g| Gstin::parse(&g).map_err(details_corrupt))
                    .transpose()?;
                Some(
                    Registration::new(&name, text("business")?.as_deref(), gstin, &address)
                        .map_err(details_corrupt)?,
                )
            }
            _ => None,
        };
        Ok(CustomerDetails {
            language,
            language_offered_at_ms: ms("language_offered_at_ms")?,
            registration,
            registered_at_ms,
        })
    }

    async fn set_language(
        &self,
        customer: &CustomerPhone,
        language: &Language,
        at_ms: i64,
    ) -> Result<(), RepositoryError> {
        self.upsert_details(
            customer,
            &[Details::Language],
            vec![language.as_str().into()],
            at_ms,
        )
        .await
    }

    async fn offer_language(
        &self,
        customer: &CustomerPhone,
        at_ms: i64,
    ) -> Result<bool, RepositoryError> {
        // Insert the row marked, or mark a row not marked yet: one
        // statement each, so two instances racing see one `true`.
        let insert = Query::insert()
            .into_table(Details::Table)
            .columns([
                Details::Phone,
                Details::LanguageOfferedAtMs,
                Details::UpdatedAtMs,
            ])
            .values([customer.as_str().into(), at_ms.into(), at_ms.into()])
            .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
            .on_conflict(OnConflict::column(Details::Phone).do_nothing().to_owned())
            .to_owned();
        if self.db.exec(&insert).await.map_err(repo_error)? > 0 {
            return Ok(true);
        }
        let update = Query::update()
            .table(Details::Table)
            .values([
                (Details::LanguageOfferedAtMs, at_ms.into()),
                (Details::UpdatedAtMs, at_ms.into()),
            ])
            .and_where(Expr::col(Details::Phone).eq(customer.as_str()))
            .and_where(Expr::col(Details::LanguageOfferedAtMs).is_null())
            .to_owned();
        Ok(self.db.exec(&update).await.map_err(repo_error)? > 0)
    }

    async fn save_registration(
        &self,
        customer: &CustomerPhone,
        registration: &Registration,
        at_ms: i64,
    ) -> Result<(), RepositoryError> {
        self.upsert_details(
            customer,
            &[
                Details::Name,
                Details::Business,
                Details::Gstin,
                Details::Address,
                Details::RegisteredAtMs,
            ],
            vec![
                registration.name.as_str().into(),
                registration.business.clone().into(),
                registration
                    .gstin
                    .as_ref()
                    .map(|g| g.as_str().to_owned())
                    .into(),
                registration.address.as_str().into(),
                at_ms.into(),
            ],
            at_ms,
        )
        .await
    }

    async fn opt_out(&self, customer: &CustomerPhone) -> Result<Option<OptOut>, RepositoryError> {
        let mut found = self.opt_outs_of(std::slice::from_ref(customer)).await?;
        Ok(found.remove(customer))
    }

    async fn opt_outs_of(
        &self,
        customers: &[CustomerPhone],
    ) -> Result<BTreeMap<CustomerPhone, OptOut>, RepositoryError> {
        let select = Query::select()
            .columns([
                MarketingOptOuts::Phone,
                MarketingOptOuts::AtMs,
                MarketingOptOuts::Reason,
                MarketingOptOuts::Scope,
                MarketingOptOuts::Source,
            ])
            .from(MarketingOptOuts::Table)
            .and_where(
                Expr::col(MarketingOptOuts::Phone)
                    .is_in(customers.iter().map(CustomerPhone::as_str)),
            )
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        let mut found = BTreeMap::new();
        for row in rows {
            let text = |c: &str| row.try_get::<String>("", c).map_err(repo_error);
            let phone = text("phone")?;
            let customer = CustomerPhone::parse(&phone)
                .map_err(|_| corrupt("an opt-out's phone is not a number"))?;
            let scope = text("scope")?;
            let scope =
                OptOutScope::parse(&scope).ok_or_else(|| corrupt(format!("scope {scope:?}")))?;
            let kind = text("source")?;
            let source = source_of(&kind, text("reason")?)
                .ok_or_else(|| corrupt(format!("source {kind:?}")))?;
            let at_ms = row.try_get("", "at_ms").map_err(repo_error)?;
            found.insert(
                customer,
                OptOut {
                    scope,
                    source,
                    at_ms,
                },
            );
        }
        Ok(found)
    }

    async fn save_opt_out(
        &self,
        customer: &CustomerPhone,
        opt_out: &OptOut,
    ) -> Result<(), RepositoryError> {
        let (source, reason) = source_columns(&opt_out.source);
        let insert = Query::insert()
            .into_table(MarketingOptOuts::Table)
            .columns([
                MarketingOptOuts::Phone,
                MarketingOptOuts::AtMs,
                MarketingOptOuts::Reason,
                MarketingOptOuts::Scope,
                MarketingOptOuts::Source,
            ])
            .values([
                customer.as_str().into(),
                opt_out.at_ms.into(),
                reason.into(),
                opt_out.scope.as_str().into(),
                source.into(),
            ])
            .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
            .on_conflict(
                OnConflict::column(MarketingOptOuts::Phone)
                    .update_columns([
                        MarketingOptOuts::AtMs,
                        MarketingOptOuts::Reason,
                        MarketingOptOuts::Scope,
                        MarketingOptOuts::Source,
                    ])
                    .to_owned(),
            )
            .to_owned();
        self.db.exec(&insert).await.map_err(repo_error)?;
        // Every scope covers marketing: the customer's campaign and
        // automation messages still waiting to go never do.
        let outbox = infra_sql::messages::OutboxQueue::new(self.db.clone());
        for keys in [crate::campaigns::CAMPAIGN_KEYS, features::rules::KEY_PREFIX] {
            outbox
                .withdraw_customer_keyed(
                    customer.as_str(),
                    keys,
                    infra_sql::consent::OPTED_OUT_UNSENT,
                )
                .await
                .map_err(repo_error)?;
        }
        Ok(())
    }

    async fn clear_opt_out(&self, customer: &CustomerPhone) -> Result<bool, RepositoryError> {
        let delete = Query::delete()
            .from_table(MarketingOptOuts::Table)
            .and_where(Expr::col(MarketingOptOuts::Phone).eq(customer.as_str()))
            .to_owned();
        Ok(self.db.exec(&delete).await.map_err(repo_error)? > 0)
    }

    async fn add_tags(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
        at_ms: i64,
    ) -> Result<u64, RepositoryError> {
        if tags.is_empty() {
            return Ok(0);
        }
        let mut insert = Query::insert()
            .into_table(CustomerTags::Table)
            .columns([CustomerTags::Phone, CustomerTags::Tag, CustomerTags::AtMs])
            .on_conflict(
                OnConflict::columns([CustomerTags::Phone, CustomerTags::Tag])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        for tag in tags {
            insert
                .values([customer.as_str().into(), tag.as_str().into(), at_ms.into()])
                .map_err(|e| RepositoryError::Corrupt(e.to_string()))?;
        }
        self.db.exec(&insert).await.map_err(repo_error)
    }

    async fn remove_tags(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
    ) -> Result<u64, RepositoryError> {
        if tags.is_empty() {
            return Ok(0);
        }
        let delete = Query::delete()
            .from_table(CustomerTags::Table)
            .and_where(Expr::col(CustomerTags::Phone).eq(customer.as_str()))
            .and_where(Expr::col(CustomerTags::Tag).is_in(tag_values(tags)))
            .to_owned();
        self.db.exec(&delete).await.map_err(repo_error)
    }

    async fn tags(&self, customer: &CustomerPhone) -> Result<Vec<Tag>, RepositoryError> {
        let mut found = self.tags_of(std::slice::from_ref(customer)).await?;
        Ok(found.remove(customer).unwrap_or_default())
    }

    async fn tags_of(
        &self,
        customers: &[CustomerPhone],
    ) -> Result<BTreeMap<CustomerPhone, Vec<Tag>>, RepositoryError> {
        let select = Query::select()
            .columns([CustomerTags::Phone, CustomerTags::Tag])
            .from(CustomerTags::Table)
            .and_where(
                Expr::col(CustomerTags::Phone).is_in(customers.iter().map(CustomerPhone::as_str)),
            )
            .order_by(CustomerTags::Phone, Order::Asc)
            .order_by(CustomerTags::Tag, Order::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        let mut found: BTreeMap<CustomerPhone, Vec<Tag>> = BTreeMap::new();
        for row in rows {
            let phone: String = row.try_get("", "phone").map_err(repo_error)?;
            let customer = CustomerPhone::parse(&phone)
                .map_err(|_| corrupt("a tagged phone is not a number"))?;
            let text: String = row.try_get("", "tag").map_err(repo_error)?;
            let tag = Tag::parse(&text).map_err(corrupt)?;
            found.entry(customer).or_default().push(tag);
        }
        Ok(found)
    }

    async fn with_tags(
        &self,
        tags: &[Tag],
        matching: TagMatch,
        page: &Page,
    ) -> Result<CustomerPage, RepositoryError> {
        let limit = page.clamped_limit();
        let mut select = Query::select()
            .column(CustomerTags::Phone)
            .from(CustomerTags::Table)
            .and_where(Expr::col(CustomerTags::Tag).is_in(tag_values(tags)))
            .group_by_col(CustomerTags::Phone)
            .order_by(CustomerTags::Phone, Order::Asc)
            .limit(u64::from(limit) + 1)
            .to_owned();
        if let Some(after) = &page.after {
            select.and_where(Expr::col(CustomerTags::Phone).gt(after.as_str()));
        }
        if matching == TagMatch::All {
            let wanted =
                i64::try_from(tags.len()).map_err(|e| RepositoryError::Corrupt(e.to_string()))?;
            select.and_having(Expr::expr(Func::count(Expr::col(CustomerTags::Tag))).eq(wanted));
        }
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        let mut customers = rows
            .iter()
            .map(|row| {
                let text: String = row.try_get("", "phone").map_err(repo_error)?;
                CustomerPhone::parse(&text)
                    .map_err(|e| RepositoryError::Corrupt(format!("customer_tags {text:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let more = customers.len() > limit as usize;
        customers.truncate(limit as usize);
        let next = more.then(|| Page {
            after: customers.last().cloned(),
            limit: page.limit,
        });
        Ok(CustomerPage { customers, next })
    }
}
