//! [`DbMarketingConsent`]: whether a customer may get marketing messages,
//! from the opt-outs the database records.

use features::campaigns::MarketingConsent;
use features::shared::{CustomerPhone, RepositoryError};
use infra_sql::Database;
use infra_sql::consent::MarketingOptOuts;

use crate::products::repo_error;

/// Marketing consent from `marketing_opt_outs`; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbMarketingConsent {
    opt_outs: MarketingOptOuts,
}

impl DbMarketingConsent {
    /// The opt-outs in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self {
            opt_outs: MarketingOptOuts::new(db),
        }
    }
}

impl MarketingConsent for DbMarketingConsent {
    async fn may_receive_marketing(&self, phone: &CustomerPhone) -> Result<bool, RepositoryError> {
        Ok(!self
            .opt_outs
            .is_opted_out(phone.as_str())
            .await
            .map_err(repo_error)?)
    }
}
