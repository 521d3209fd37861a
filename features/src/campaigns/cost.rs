//! What a campaign cost: each delivered message that the provider reported
//! as charged, priced from the operator's [`RateCard`] by its category and
//! the recipient's country calling code; free messages (a `free_…` pricing
//! type) and messages no rate covers are counted, not priced.
//!
//! Providers report how a message is billed, not its price (Meta's
//! `pricing` object: category and type; Twilio's status callbacks carry
//! none), so the price comes from the card. A message is booked when it is
//! delivered (a `read` counts), as WhatsApp charges.
//!
//! ```
//! use features::campaigns::{BilledSend, RateCard};
//! use features::shared::CustomerPhone;
//!
//! let card = RateCard::parse("USD: marketing=0.025, marketing@91=0.0107")?;
//! let india = CustomerPhone::parse("+919800000001").unwrap();
//! let us = CustomerPhone::parse("+14155550100").unwrap();
//! let cost = card.book(&[
//!     BilledSend { phone: india, category: "marketing".into(), charged: true },
//!     BilledSend { phone: us, category: "marketing".into(), charged: true },
//! ]);
//! assert_eq!(cost.total.to_string(), "0.0357");
//! assert_eq!(cost.by_category["marketing"].charged, 2);
//! # Ok::<(), String>(())
//! ```

use std::collections::BTreeMap;
use std::str::FromStr as _;

use rust_decimal::Decimal;

use crate::shared::CustomerPhone;

/// One delivered message of a campaign and how the provider bills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledSend {
    /// Whom it went to.
    pub phone: CustomerPhone,
    /// The provider's category (`marketing`, `utility`, …).
    pub category: String,
    /// Whether the provider charges it.
    pub charged: bool,
}

/// One price: a category's, for every country or for one calling code.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rate {
    category: String,
    /// The recipient's number without `+` starts with these digits; `None`
    /// for every country.
    prefix: Option<String>,
    price: Decimal,
}

/// The operator's prices per delivered message, by category and by the
/// recipient's country calling code (the longest matching code wins, then
/// the category's price for every country).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCard {
    currency: String,
    rates: Vec<Rate>,
}

impl Default for RateCard {
    /// No prices (every charged message counts as unpriced), in USD.
    fn default() -> Self {
        Self {
            currency: "USD".to_owned(),
            rates: Vec::new(),
        }
    }
}

impl RateCard {
    /// Reads an optional currency and a colon (USD without), then
    /// `category=price` (every country) and `category@code=price` (numbers
    /// starting with that calling code) entries, comma-separated, prices
    /// per message: `INR: marketing=2.2, marketing@91=0.86`.
    ///
    /// # Errors
    ///
    /// A message naming the entry that is not `category[@code]=price`, has
    /// a code that is not digits, a price that is not a non-negative
    /// decimal, or repeats an earlier entry; or a currency that is not
    /// three letters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (currency, text) = match text.split_once(':') {
            Some((currency, rest)) if !currency.contains('=') => (currency.trim(), rest),
            _ => ("USD", text),
        };
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(format!(
                "`{currency}`: a currency is a three-letter code (USD, INR, EUR)"
            ));
        }
        let mut rates: Vec<Rate> = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((key, price)) = entry.split_once('=') else {
                return Err(format!(
                    "`{entry}` is not `category=price` or `category@code=price`"
                ));
            };
            let (category, prefix) = match key.split_once('@') {
                Some((category, code)) => {
                    let code = code.trim().trim_start_matches('+');
                    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!(
                            "`{entry}`: a country calling code is digits (91, 1, 44)"
                        ));
                    }
                    (category.trim(), Some(code.to_owned()))
                }
                None => (key.trim(), None),
            };
            if category.is_empty() {
                return Err(format!("`{entry}` names no category"));
            }
            let price = Decimal::from_str(price.trim())
                .ok()
                .filter(|p| !p.is_sign_negative())
                .ok_or_else(|| format!("`{entry}`: a price is a decimal number, 0 or more"))?;
            let category = category.to_lowercase();
            if rates
                .iter()
                .any(|r| r.category == category && r.prefix == prefix)
            {
                return Err(format!("`{entry}` is priced twice"));
            }
            rates.push(Rate {
                category,
                prefix,
                price,
            });
        }
        Ok(Self {
            currency: currency.to_uppercase(),
            rates,
        })
    }

    /// The currency of its prices.
    #[must_use]
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The price of a `category` message to `phone`: the longest calling
    /// code that `phone` starts with, else the category's price for every
    /// country; `None` when the card has neither.
    #[must_use]
    pub fn price(&self, category: &str, phone: &CustomerPhone) -> Option<Decimal> {
        let digits = phone.as_str().trim_start_matches('+');
        self.rates
            .iter()
            .filter(|r| r.category.eq_ignore_ascii_case(category))
            .filter(|r| r.prefix.as_deref().is_none_or(|p| digits.starts_with(p)))
            .max_by_key(|r| r.prefix.as_deref().map_or(0, str::len))
            .map(|r| r.price)
    }

    /// Books `sends` (each a delivered message): by category, how many were
    /// charged and free, what the charged ones cost, and how many charged
    /// ones the card has no price for.
    #[must_use]
    pub fn book(&self, sends: &[BilledSend]) -> CampaignCost {
        let mut cost = CampaignCost {
            currency: self.currency.clone(),
            ..CampaignCost::default()
        };
        for send in sends {
            let line = cost.by_category.entry(send.category.clone()).or_default();
            if !send.charged {
                line.free += 1;
                continue;
            }
            line.charged += 1;
            match self.price(&send.category, &send.phone) {
                Some(price) => {
                    line.amount += price;
                    cost.total += price;
                }
                None => {
                    line.unpriced += 1;
                    cost.unpriced += 1;
                }
            }
        }
        cost
    }
}

/// A campaign's cost: its delivered messages, by the provider's category.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignCost {
    /// The currency of the amounts (the rate card's).
    pub currency: String,
    /// By category.
    pub by_category: BTreeMap<String, CategoryCost>,
    /// What all priced messages cost.
    pub total: Decimal,
    /// Charged messages the rate card has no price for (not in `total`).
    pub unpriced: u64,
}

/// The delivered messages of one category.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CategoryCost {
    /// Reported charged.
    pub charged: u64,
    /// Reported free (a `free_…` pricing type).
    pub free: u64,
    /// What the charged ones that the card prices cost.
    pub amount: Decimal,
    /// Charged ones the card has no price for.
    pub unpriced: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn send(phone: &str, category: &str, charged: bool) -> BilledSend {
        BilledSend {
            phone: CustomerPhone::parse(phone).unwrap(),
            category: category.to_owned(),
            charged,
        }
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn the_longest_calling_code_wins_then_the_category_price() {
        let card = RateCard::parse(
            "usd: marketing=0.025, marketing@91=0.0107, marketing@+9198=0.01, utility@1=0.004",
        )
        .unwrap();
        let phone = |p: &str| CustomerPhone::parse(p).unwrap();
        assert_eq!(card.currency(), "USD");
        assert_eq!(
            card.price("marketing", &phone("+919800000001")),
            Some(dec("0.01"))
        );
        assert_eq!(
            card.price("marketing", &phone("+919100000001")),
            Some(dec("0.0107"))
        );
        assert_eq!(
            card.price("MARKETING", &phone("+447700900001")),
            Some(dec("0.025"))
        );
        assert_eq!(
            card.price("utility", &phone("+14155550100")),
            Some(dec("0.004"))
        );
        assert_eq!(card.price("utility", &phone("+447700900001")), None);
        assert_eq!(card.price("authentication", &phone("+14155550100")), None);
    }

    #[test]
    fn booking_counts_free_and_unpriced_apart_from_the_amount() {
        let card = RateCard::parse("INR:marketing@91=0.86").unwrap();
        let cost = card.book(&[
            send("+919800000001", "marketing", true),
            send("+919800000002", "marketing", true),
            send("+919800000003", "service", false),
            send("+447700900001", "marketing", true),
            send("+919800000004", "utility", true),
        ]);
        assert_eq!(cost.currency, "INR");
        assert_eq!(cost.total, dec("1.72"));
        assert_eq!(cost.unpriced, 2);
        let marketing = &cost.by_category["marketing"];
        assert_eq!(
            (marketing.charged, marketing.free, marketing.unpriced),
            (3, 0, 1)
        );
        assert_eq!(marketing.amount, dec("1.72"));
        let service = &cost.by_category["service"];
        assert_eq!(
            (service.charged, service.free, service.amount),
            (0, 1, Decimal::ZERO)
        );
        assert_eq!(cost.by_category["utility"].unpriced, 1);
    }

    #[test]
    fn bad_entries_are_named() {
        for (text, names) in [
            ("marketing", "`marketing` is not"),
            ("marketing=cheap", "`marketing=cheap`: a price"),
            ("marketing=-1", "`marketing=-1`: a price"),
            (
                "marketing@IN=0.01",
                "`marketing@IN=0.01`: a country calling code",
            ),
            ("=0.01", "`=0.01` names no category"),
            ("marketing=1,Marketing=2", "`Marketing=2` is priced twice"),
            ("dollars: marketing=1", "`dollars`: a currency"),
        ] {
            let error = RateCard::parse(text).unwrap_err();
            assert!(error.contains(names), "{text}: {error}");
        }
        assert_eq!(RateCard::parse(" ").unwrap(), RateCard::default());
        assert_eq!(RateCard::parse("usd:").unwrap(), RateCard::default());
        assert_eq!(
            RateCard::parse("EUR: utility=0.01").unwrap().currency(),
            "EUR"
        );
    }
}
