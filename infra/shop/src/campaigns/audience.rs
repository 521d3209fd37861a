//! [`DbAudience`]: who matches a campaign's audience, from the shop's
//! customers (their tags in `customer_tags`, their orders) and the listed
//! numbers, each with their name and last order for personalising.

use std::collections::{HashMap, HashSet};

use features::campaigns::{Audience, AudienceSource, Recipient};
use features::orders::OrderStatus;
use features::shared::{CustomerPhone, OrderId, OrderNumber, RepositoryError};
use infra_sql::Database;
use infra_sql::schema::Customers;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};

use crate::products::repo_error;
use crate::schema::{CustomerTags, OrderLines, Orders};

/// Order statuses that count as having bought.
const BOUGHT: [OrderStatus; 3] = [
    OrderStatus::Confirmed,
    OrderStatus::Dispatched,
    OrderStatus::Delivered,
];

/// How many listed numbers one select looks up.
const LOOKUP_CHUNK: usize = 500;

/// The shop's customers as campaign audiences; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbAudience {
    db: Database,
}

impl DbAudience {
    /// The customers in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Customers (of `c`) with their name and last order id.
    pub(crate) fn customers() -> SelectStatement {
        let c = Alias::new("c");
        let o = Alias::new("o");
        let last_order = Query::select()
            .expr(Func::max(Expr::col((o.clone(), Orders::Id))))
            .from_as(Orders::Table, o.clone())
            .and_where(
                Expr::col((o.clone(), Orders::CustomerPhone)).equals((c.clone(), Customers::Phone)),
            )
            .and_where(Expr::col((o, Orders::Status)).is_in(BOUGHT.iter().map(|s| s.as_str())))
            .to_owned();
        Query::select()
            .expr_as(Expr::col((c.clone(), Customers::Phone)), "phone")
            .expr_as(Expr::col((c.clone(), Customers::ProfileName)), "name")
            .expr_as(
                Expr::SubQuery(None, Box::new(last_order.into())),
                "last_order",
            )
            .from_as(Customers::Table, c)
            .to_owned()
    }

    pub(crate) fn recipient_of(row: &sea_orm::QueryResult) -> Result<Recipient, RepositoryError> {
        let phone: String = row.try_get("", "phone").map_err(repo_error)?;
        let last: Option<i64> = row.try_get("", "last_order").map_err(repo_error)?;
        Ok(Recipient {
            phone: CustomerPhone::parse(&phone)
                .map_err(|e| RepositoryError::Corrupt(format!("customer {phone:?}: {e}")))?,
            name: row
                .try_get::<Option<String>>("", "name")
                .map_err(repo_error)?
                .filter(|n| !n.trim().is_empty()),
            last_order: last.map(|id| OrderNumber::from(OrderId::new(id)).to_string()),
        })
    }

    /// The shop's customers matching `audience`'s tags and past orders.
    async fn filtered(
        &self,
        audience: &Audience,
        now_ms: i64,
    ) -> Result<Vec<Recipient>, RepositoryError> {
        let c = Alias::new("c");
        let mut select = Self::customers();
        for tag in &audience.tags {
            let t = Alias::new("t");
            let tagged = Query::select()
                .expr(Expr::val(1))
                .from_as(CustomerTags::Table, t.clone())
                .and_where(
                    Expr::col((t.clone(), CustomerTags::Phone))
                        .equals((c.clone(), Customers::Phone)),
                )
                .and_where(Expr::col((t, CustomerTags::Tag)).eq(tag.to_lowercase()))
                .to_owned();
            select.and_where(Expr::exists(tagged));
        }
        if let Some(bought) = &audience.bought {
            let o = Alias::new("bo");
            let l = Alias::new("bl");
            let since = now_ms.saturating_sub(i64::from(bought.days).saturating_mul(86_400_000));
            let pattern = format!("%{}%", bought.product.trim().to_lowercase());
            let ordered = Query::select()
                .expr(Expr::val(1))
                .from_as(Orders::Table, o.clone())
                .join_as(
                    sea_orm::sea_query::JoinType::InnerJoin,
                    OrderLines::Table,
                    l.clone(),
                    Expr::col((l.clone(), OrderLines::OrderId)).equals((o.clone(), Orders::Id)),
                )
                .and_where(
                    Expr::col((o.clone(), Orders::CustomerPhone))
                        .equals((c.clone(), Customers::Phone)),
                )
                .and_where(
                    Expr::col((o.clone(), Orders::Status)).is_in(BOUGHT.iter().map(|s| s.as_str())),
                )
                .and_where(Expr::col((o, Orders::CreatedAtMs)).gte(since))
                .and_where(Func::lower(Expr::col((l, OrderLines::Name))).like(pattern))
                .to_owned();
            select.and_where(Expr::exists(ordered));
        }
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(Self::recipient_of).collect()
    }

    /// The listed numbers, with what the shop knows of each.
    async fn listed(&self, numbers: &[CustomerPhone]) -> Result<Vec<Recipient>, RepositoryError> {
        let mut known = HashMap::new();
        for chunk in numbers.chunks(LOOKUP_CHUNK) {
            let mut select = Self::customers();
            select.and_where(
                Expr::col((Alias::new("c"), Customers::Phone))
                    .is_in(chunk.iter().map(CustomerPhone::as_str)),
            );
            for row in self.db.all(&select).await.map_err(repo_error)? {
                let r = Self::recipient_of(&row)?;
                known.insert(r.phone.clone(), r);
            }
        }
        Ok(numbers
            .iter()
            .map(|n| {
                known
                    .remove(n)
                    .unwrap_or_else(|| Recipient::number(n.clone()))
            })
            .collect())
    }
}

impl AudienceSource for DbAudience {
    async fn resolve(
        &self,
        audience: &Audience,
        now_ms: i64,
    ) -> Result<Vec<Recipient>, RepositoryError> {
        let mut all = if audience.filters_customers() {
            self.filtered(audience, now_ms).await?
        } else {
            Vec::new()
        };
        all.extend(self.listed(&audience.numbers).await?);
        let mut seen = HashSet::new();
        all.retain(|r| seen.insert(r.phone.clone()));
        Ok(all)
    }

    async fn recipient(&self, phone: &CustomerPhone) -> Result<Recipient, RepositoryError> {
        Ok(self
            .listed(std::slice::from_ref(phone))
            .await?
            .pop()
            .unwrap_or_else(|| Recipient::number(phone.clone())))
    }
}
