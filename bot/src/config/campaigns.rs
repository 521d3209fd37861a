//! Campaigns: how fast and how wide they go.

use features::campaigns::{MessagingLimits, RateCard};

framework::settings! {
    /// Campaign pacing: the messaging limit and the batch size.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CampaignSettings {
        /// Distinct customers a business number may send templates to per
        /// rolling 24 hours (WhatsApp's messaging limit of its tier): `250`,
        /// or per number `+14155238886=1000`, comma-separated; a campaign
        /// that reaches it waits for the window to roll [default: 250].
        #[var("CAMPANILE_MESSAGING_LIMIT")]
        #[serde(deserialize_with = "limits")]
        pub messaging_limit: MessagingLimits,
        /// Recipients a campaign hands to the outbox at a time; the next
        /// batch waits until the outbox holds less than a batch of it, so
        /// a pause stops sends within two batches at most [default: 50].
        #[var("CAMPANILE_CAMPAIGN_BATCH")]
        pub batch: u32,
        /// Prices per delivered message, for a campaign's cost: an optional
        /// currency, then `category=price` entries, each for every country
        /// or, after `@`, for numbers with that calling code (the longest
        /// code that matches wins): `INR: marketing=2.2,marketing@91=0.86`
        /// (USD when no currency is given); unset, delivered messages are
        /// counted by category, not priced [default: none].
        #[var("CAMPANILE_RATE_CARD")]
        #[serde(deserialize_with = "rate_card")]
        pub rate_card: RateCard,
    }
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            messaging_limit: MessagingLimits::default(),
            batch: 50,
            rate_card: RateCard::default(),
        }
    }
}

fn limits<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<MessagingLimits, D::Error> {
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let text = String::deserialize(deserializer)?;
    MessagingLimits::parse(&text).map_err(D::Error::custom)
}

fn rate_card<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<RateCard, D::Error> {
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let text = String::deserialize(deserializer)?;
    RateCard::parse(&text).map_err(D::Error::custom)
}
