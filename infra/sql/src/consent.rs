//! Consent: customers who told WhatsApp to stop marketing messages.
//!
//! Meta reports it as error 131050 in a `failed` status ("user stopped
//! marketing messages"); [`DeliveryStatuses`](crate::messages::DeliveryStatuses)
//! records it here when such a report arrives, and campaigns ask
//! [`MarketingOptOuts::is_opted_out`] before sending. Service messages (replies,
//! invoices) are not affected.
//!
//! A bot may keep its own opt-outs in the same table, so that one record
//! says whether a customer may be sent marketing: the shop bot's migration
//! `m0011_customers_consent` (in `infra_shop`) adds a `scope` and a
//! `source` column whose defaults (`marketing`, `provider`) describe the
//! rows written here, and its STOP keyword writes rows of scope `all`. A
//! report for a customer who has a row already changes nothing.

use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict, Query};

use crate::schema::MarketingOptOuts as Table;
use crate::{Database, DbError, corrupt};

/// Meta's "user stopped marketing messages" error.
pub const STOPPED_MARKETING: &str = "131050";

/// Why a marketing message was not sent: its customer opted out of
/// marketing after it was stored (the `error` of such a `failed` row).
pub const OPTED_OUT_UNSENT: &str = "not sent: the customer opted out of marketing";

/// The customers who stopped marketing messages; cheap to clone.
#[derive(Debug, Clone)]
pub struct MarketingOptOuts {
    db: Database,
}

impl MarketingOptOuts {
    /// The opt-outs in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Records that `phone` (E.164) stopped marketing messages, and why;
    /// `true` when it is new (a repeated report changes nothing).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn opt_out(&self, phone: &str, reason: &str) -> Result<bool, DbError> {
        let insert = Query::insert()
            .into_table(Table::Table)
            .columns([Table::Phone, Table::AtMs, Table::Reason])
            .values([phone.into(), self.db.now_ms().into(), reason.into()])
            .map_err(|e| corrupt("marketing_opt_outs", e))?
            .on_conflict(OnConflict::column(Table::Phone).do_nothing().to_owned())
            .to_owned();
        Ok(self.db.exec(&insert).await? > 0)
    }

    /// Whether `phone` stopped marketing messages.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn is_opted_out(&self, phone: &str) -> Result<bool, DbError> {
        let select = Query::select()
            .column(Table::Phone)
            .from(Table::Table)
            .and_where(Expr::col(Table::Phone).eq(phone))
            .to_owned();
        Ok(self.db.one(&select).await?.is_some())
    }
}
