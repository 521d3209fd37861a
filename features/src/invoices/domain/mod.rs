//! The invoice: lines with GST, totals, due date, and its life cycle
//! (issued → paid, or issued → void).

use std::fmt;

use super::error::InvoiceError;
use crate::orders::Order;
use crate::shared::{Currency, CustomerPhone, Money, MoneyError, OrderId};

/// A GST rate in basis points (1800 = 18 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GstRate(u32);

impl GstRate {
    /// The rates India uses: 0, 0.25, 3, 5, 12, 18, 28 %; others are refused.
    const ALLOWED: [u32; 7] = [0, 25, 300, 500, 1200, 1800, 2800];

    /// A rate of `basis_points` (1800 = 18 %).
    ///
    /// # Errors
    ///
    /// [`InvoiceError::UnknownGstRate`] for a rate GST does not have.
    pub fn from_basis_points(basis_points: u32) -> Result<Self, InvoiceError> {
        if Self::ALLOWED.contains(&basis_points) {
            Ok(Self(basis_points))
        } else {
            Err(InvoiceError::UnknownGstRate(basis_points))
        }
    }

    /// The rate in basis points.
    #[must_use]
    pub const fn basis_points(self) -> u32 {
        self.0
    }
}

impl fmt::Display for GstRate {
    /// `18%`, `0.25%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        if frac == 0 {
            write!(f, "{whole}%")
        } else {
            write!(f, "{whole}.{frac:02}%")
        }
    }
}

impl std::str::FromStr for GstRate {
    type Err = InvoiceError;

    /// A rate in percent, with at most two decimals and an optional `%`:
    /// `18`, `0.25`, `5%`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || InvoiceError::BadGstRate(text.to_owned());
        let number = text.trim().trim_end_matches('%').trim_end();
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty()
            || frac.len() > 2
            || !whole
                .bytes()
                .chain(frac.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let basis_points = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        Self::from_basis_points(basis_points)
    }
}

impl<'de> serde::Deserialize<'de> for GstRate {
    /// A percentage as [`FromStr`](std::str::FromStr) reads it, written as
    /// text (`"18"`, `"5%"`) or as a number (`18`, `0.25`).
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        struct Percent;

        impl serde::de::Visitor<'_> for Percent {
            type Value = GstRate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a GST rate in percent, like 18 or 0.25")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<GstRate, E> {
                v.parse().map_err(E::custom)
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<GstRate, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<GstRate, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<GstRate, E> {
                self.visit_str(&v.to_string())
            }
        }

        deserializer.deserialize_any(Percent)
    }
}

/// Whether the catalog's prices include GST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceBasis {
    /// Prices include GST (what the customer was quoted is what they pay;
    /// the invoice shows the tax inside the total). The default.
    #[default]
    TaxInclusive,
    /// GST is added on top of the prices.
    TaxExclusive,
}

/// The shop's tax settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxSettings {
    /// The shop's GSTIN, printed on invoices.
    pub gstin: Option<String>,
    /// The rate of products without one of their own.
    pub default_rate: GstRate,
    /// Whether prices include GST.
    pub basis: PriceBasis,
    /// Days from issue to due date.
    pub payment_terms_days: u32,
}

impl Default for TaxSettings {
    /// No GSTIN, 18 %, prices include GST, 15 days to pay.
    fn default() -> Self {
        Self {
            gstin: None,
            default_rate: GstRate(1800),
            basis: PriceBasis::TaxInclusive,
            payment_terms_days: 15,
        }
    }
}

/// One line of an invoice, its tax worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    /// What was sold.
    pub description: String,
    /// How many, with the unit (`100 bags`).
    pub quantity: u32,
    /// The unit's name.
    pub unit: String,
    /// The price of one unit, as quoted.
    pub unit_price: Money,
    /// The line's GST rate.
    pub rate: GstRate,
    /// The value the tax is on.
    pub taxable: Money,
    /// Central GST (half the tax, rounded down).
    pub cgst: Money,
    /// State GST (the other half).
    pub sgst: Money,
    /// Taxable value plus tax.
    pub total: Money,
}

impl InvoiceLine {
    /// Works out a line's tax. Amounts are integer minor units; the tax is
    /// rounded half up once per line, and CGST + SGST always add up to it.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::Money`] when the amounts overflow.
    pub fn new(
        description: impl Into<String>,
        quantity: u32,
        unit: impl Into<String>,
        unit_price: Money,
        rate: GstRate,
        basis: PriceBasis,
    ) -> Result<Self, InvoiceError> {
        let gross = unit_price.checked_mul(quantity)?;
        let currency = gross.currency();
        let amount = i128::from(gross.minor());
        let bp = i128::from(rate.basis_points());
        let (taxable, tax) = match basis {
            PriceBasis::TaxInclusive => {
                let taxable = div_round(amount * 10_000, 10_000 + bp);
                (taxable, amount - taxable)
            }
            PriceBasis::TaxExclusive => (amount, div_round(amount * bp, 10_000)),
        };
        let money = |v: i128| -> Result<Money, InvoiceError> {
            i64::try_from(v)
                .map(|minor| Money::new(minor, currency))
                .map_err(|_| InvoiceError::Money(MoneyError::Overflow))
        };
        let cgst = tax / 2;
        Ok(Self {
            description: description.into(),
            quantity,
            unit: unit.into(),
            unit_price,
            rate,
            taxable: money(taxable)?,
            cgst: money(cgst)?,
            sgst: money(tax - cgst)?,
            total: money(taxable + tax)?,
        })
    }
}

/// `n / d` rounded half up, for non-negative `n` and positive `d`.
fn div_round(n: i128, d: i128) -> i128 {
    (n * 2 + d) / (d * 2)
}

/// An invoice number: `INV-` and the shop's sequence, zero-padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNumber(u64);

impl InvoiceNumber {
    /// The invoice number `seq` (from 1) of a shop's sequence.
    #[must_use]
    pub const fn new(seq: u64) -> Self {
        Self(seq)
    }

    /// The sequence number.
    #[must_use]
    pub const fn seq(self) -> u64 {
        self.0
    }

    /// Reads `INV-00042`, `inv 42`, `invoice 42` (case and spaces do not
    /// matter).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.trim().to_ascii_lowercase();
        let rest = ["invoice", "inv"]
            .iter()
            .find_map(|p| lower.strip_prefix(p))?
            .trim_start_matches([' ', '-', '#', ':', '.', '_']);
        if rest.is_empty() || rest.len() > 19 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let seq: u64 = rest.parse().ok()?;
        (seq > 0).then_some(Self(seq))
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INV-{:05}", self.0)
    }
}

/// Where an invoice stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceStatus {
    /// Issued, not paid yet.
    Issued,
    /// Paid, with the payment's reference.
    Paid {
        /// The payment's reference (UPI transaction id, cheque number, …).
        reference: String,
        /// When (ms since the epoch).
        paid_at_ms: i64,
    },
    /// Cancelled, with the reason.
    Void {
        /// Why.
        reason: String,
    },
}

impl InvoiceStatus {
    /// `issued`, `paid` or `void`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Paid { .. } => "paid",
            Self::Void { .. } => "void",
        }
    }
}

/// Who an invoice is made out to: the customer's registration when it was
/// issued (their GSTIN makes it a B2B invoice). Kept with the invoice: a
/// later change of the customer's details does not rewrite it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Buyer {
    /// The customer's name.
    pub name: String,
    /// Their business, if they buy for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<String>,
    /// Their GSTIN, if they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gstin: Option<String>,
    /// Their delivery address.
    pub address: String,
}

/// An invoice for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    number: InvoiceNumber,
    order: OrderId,
    customer: CustomerPhone,
    currency: Currency,
    lines: Vec<InvoiceLine>,
    gstin: Option<String>,
    buyer: Option<Buyer>,
    issued_at_ms: i64,
    due_at_ms: i64,
    status: InvoiceStatus,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Invoice {
    /// Issues invoice `number` for a confirmed `order` at `now_ms`: one
    /// line per order line, each at `rate_of(sku)` or the shop's default
    /// rate, due after the shop's payment terms.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::OrderNotConfirmed`] for a draft or cancelled order,
    /// [`InvoiceError::Empty`], [`InvoiceError::Money`].
    pub fn generate_from_order(
        number: InvoiceNumber,
        order: &Order,
        settings: &TaxSettings,
        rate_of: impl Fn(&str) -> Option<GstRate>,
        now_ms: i64,
    ) -> Result<Self, InvoiceError> {
        use crate::orders::OrderStatus;
        let id = order.id().map_or(0, OrderId::get);
        if !matches!(
            order.status(),
            OrderStatus::Confirmed | OrderStatus::Dispatched | OrderStatus::Delivered
        ) || id == 0
        {
            return Err(InvoiceError::OrderNotConfirmed(OrderId::new(id)));
        }
        if order.lines().is_empty() {
            return Err(InvoiceError::Empty);
        }
        let lines = order
            .lines()
            .iter()
            .map(|l| {
                InvoiceLine::new(
                    l.name(),
                    l.quantity(),
                    l.unit().as_str(),
                    l.unit_price(),
                    rate_of(l.sku().as_str()).unwrap_or(settings.default_rate),
                    settings.basis,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            number,
            order: OrderId::new(id),
            customer: order.customer().clone(),
            currency: order.currency(),
            lines,
            gstin: settings.gstin.clone(),
            buyer: None,
            issued_at_ms: now_ms,
            due_at_ms: now_ms.saturating_add(i64::from(settings.payment_terms_days) * DAY_MS),
            status: InvoiceStatus::Issued,
        })
    }

    /// An invoice as stored (for repositories); no rule is checked.
    #[allow(clippy::too_many_arguments)]
    #[must_use]
    pub fn restore(
        number: InvoiceNumber,
        order: OrderId,
        customer: CustomerPhone,
        currency: Currency,
        lines: Vec<InvoiceLine>,
        gstin: Option<String>,
        issued_at_ms: i64,
        due_at_ms: i64,
        status: InvoiceStatus,
    ) -> Self {
        Self {
            number,
            order,
            customer,
            currency,
            lines,
            gstin,
            buyer: None,
            issued_at_ms,
            due_at_ms,
            status,
        }
    }

    /// The invoice made out to `buyer` (the customer's registration).
    #[must_use]
    pub fn with_buyer(mut self, buyer: Option<Buyer>) -> Self {
        self.buyer = buyer;
        self
    }

    /// Who it is made out to, if the customer had registered.
    #[must_use]
    pub fn buyer(&self) -> Option<&Buyer> {
        self.buyer.as_ref()
    }

    /// The currency of its amounts.
    #[must_use]
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Marks it paid.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::AlreadyPaid`], [`InvoiceError::IsVoid`],
    /// [`InvoiceError::MissingReference`].
    pub fn mark_as_paid(&mut self, reference: &str, now_ms: i64) -> Result<(), InvoiceError> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(InvoiceError::MissingReference);
        }
        self.leave_issued(InvoiceStatus::Paid {
            reference: reference.to_owned(),
            paid_at_ms: now_ms,
        })
    }

    /// Moves an issued invoice to `next`; paid and void are final.
    fn leave_issued(&mut self, next: InvoiceStatus) -> Result<(), InvoiceError> {
        match self.status {
            InvoiceStatus::Issued => {
                self.status = next;
                Ok(())
            }
            InvoiceStatus::Paid { .. } => Err(InvoiceError::AlreadyPaid(self.number)),
            InvoiceStatus::Void { .. } => Err(InvoiceError::IsVoid(self.number)),
        }
    }

    /// Voids it (a paid invoice cannot be voided: that is a refund).
    ///
    /// # Errors
    ///
    /// [`InvoiceError::AlreadyPaid`], [`InvoiceError::IsVoid`].
    pub fn void(&mut self, reason: &str) -> Result<(), InvoiceError> {
        self.leave_issued(InvoiceStatus::Void {
            reason: reason.trim().to_owned(),
        })
    }

    /// Whether a payment reminder for it should go out: issued, not paid,
    /// not void (checked when the reminder fires).
    #[must_use]
    pub fn awaits_payment(&self) -> bool {
        self.status == InvoiceStatus::Issued
    }

    /// Its number.
    #[must_use]
    pub fn number(&self) -> InvoiceNumber {
        self.number
    }

    /// The order it bills.
    #[must_use]
    pub fn order(&self) -> OrderId {
        self.order
    }

    /// The customer.
    #[must_use]
    pub fn customer(&self) -> &CustomerPhone {
        &self.customer
    }

    /// Its lines.
    #[must_use]
    pub fn lines(&self) -> &[InvoiceLine] {
        &self.lines
    }

    /// The shop's GSTIN, if set.
    #[must_use]
    pub fn gstin(&self) -> Option<&str> {
        self.gstin.as_deref()
    }

    /// Issued at (ms since the epoch).
    #[must_use]
    pub fn issued_at_ms(&self) -> i64 {
        self.issued_at_ms
    }

    /// Due at (ms since the epoch).
    #[must_use]
    pub fn due_at_ms(&self) -> i64 {
        self.due_at_ms
    }

    /// Where it stands.
    #[must_use]
    pub fn status(&self) -> &InvoiceStatus {
        &self.status
    }

    fn sum(&self, part: impl Fn(&InvoiceLine) -> Money) -> Money {
        // Saturating: lines are checked one by one, their sum may still be
        // beyond i64 for absurd orders; never a panic or a wrap.
        let minor = self
            .lines
            .iter()
            .fold(0_i64, |acc, l| acc.saturating_add(part(l).minor()));
        Money::new(minor, self.currency)
    }

    /// The taxable value of all lines.
    #[must_use]
    pub fn taxable(&self) -> Money {
        self.sum(|l| l.taxable)
    }

    /// Central GST of all lines.
    #[must_use]
    pub fn cgst(&self) -> Money {
        self.sum(|l| l.cgst)
    }

    /// State GST of all lines.
    #[must_use]
    pub fn sgst(&self) -> Money {
        self.sum(|l| l.sgst)
    }

    /// What the customer pays.
    #[must_use]
    pub fn total(&self) -> Money {
        self.sum(|l| l.total)
    }
}

#[cfg(test)]
mod tests;
