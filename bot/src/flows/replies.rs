//! What the bot says, in one place.

use std::fmt::Write as _;

use features::catalog::{QuantitySpec, Quote, QuoteProblem};
use features::orders::{Order, OrderSummary};
use features::shared::OrderNumber;

/// The greeting: what the bot can do.
pub const GREETING: &str = "Welcome to the Campanile shop! I can take your order right here.\n\n\
• To order, send products and quantities, e.g. \"Cement x 100\" or \"2 bags cement, 5 steel rods and 10 bricks\".\n\
• \"my orders\" shows your recent orders.\n\
• \"cancel order ORD-00012\" cancels an order that hasn't been dispatched.";

/// A summary's closing line, by how the provider shows choices.
pub fn how_to_confirm(numbered: bool) -> &'static str {
    if numbered {
        "Reply 1 or \"confirm\" to place the order, 2 or \"cancel\" to discard it. To change it, just send the new order."
    } else {
        "Tap Confirm to place the order, Edit to change it, or Cancel to discard it."
    }
}

/// "100 bags".
pub fn quantity(q: u32, unit: &features::catalog::Unit) -> String {
    format!("{q} {}", unit.plural(u64::from(q)))
}

/// The order summary: one line per product, then the total.
pub fn summary(quote: &Quote) -> String {
    let mut out = String::from("Your order summary:\n");
    for line in quote.lines() {
        let _ = writeln!(
            out,
            "• {}: {} × {} = {}",
            line.name,
            quantity(line.quantity, &line.unit),
            line.unit_price,
            line.line_total()
        );
    }
    let _ = write!(out, "Total: {}", quote.total());
    out
}

fn spec(q: &QuantitySpec) -> String {
    match q {
        QuantitySpec::Amount(n) => n.to_string(),
        _ => String::new(),
    }
}

/// One sentence per problem of a quote.
pub fn problems(quote: &Quote) -> String {
    let mut out = String::new();
    for problem in quote.problems() {
        let line = match problem {
            QuoteProblem::NotFound {
                phrase,
                suggestions,
            } if suggestions.is_empty() => {
                format!("I couldn't find \"{phrase}\" in our catalog.")
            }
            QuoteProblem::NotFound {
                phrase,
                suggestions,
            } => format!(
                "I couldn't find \"{phrase}\". Did you mean {}?",
                or_list(suggestions)
            ),
            QuoteProblem::Ambiguous {
                phrase,
                options,
                quantity,
            } => format!(
                "\"{phrase}\"{} could be {}. Which one?",
                match spec(quantity) {
                    q if q.is_empty() => String::new(),
                    q => format!(" (x {q})"),
                },
                or_list(&options.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>())
            ),
            QuoteProblem::MissingQuantity { product, unit } => format!(
                "How many {} of {product}? Send it with the quantity, e.g. \"{product} x 10\".",
                unit.plural(2)
            ),
            QuoteProblem::ZeroQuantity { product } => {
                format!("The quantity of {product} can't be zero.")
            }
            QuoteProblem::NegativeQuantity { product } => {
                format!("The quantity of {product} can't be negative.")
            }
            QuoteProblem::FractionalQuantity { product } => {
                format!("{product} is sold in whole units; please send a whole number.")
            }
            QuoteProblem::TooMany { product, max } => format!(
                "That's more {product} than we take in one order over WhatsApp (at most {max}). For bulk orders, please call the shop."
            ),
            QuoteProblem::OutOfStock { product, available } if *available == 0 => {
                format!("Sorry, {product} is out of stock right now.")
            }
            QuoteProblem::OutOfStock { product, available } => {
                format!("Sorry, we only have {available} of {product} in stock right now.")
            }
            QuoteProblem::NotUnderstood => NOT_UNDERSTOOD.to_owned(),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

/// When a message holds no order we can read.
pub const NOT_UNDERSTOOD: &str = "Sorry, I didn't understand that. To order, send products with quantities, e.g. \"Cement x 100\". Say \"menu\" for help.";

/// After problems: how to go on.
pub const TRY_AGAIN: &str = "Please send the order again, e.g. \"Cement x 100, 10 bricks\".";

fn or_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The confirmation of a placed order.
pub fn confirmed(order: &Order) -> String {
    let number = order
        .number()
        .map_or_else(|| "(pending)".to_owned(), |n| n.to_string());
    format!(
        "✅ Order confirmed! Your order number is {number}.\nTotal: {}.\nYour invoice is being prepared: say \"my invoices\" to see it, \"my orders\" for the order.",
        order.total()
    )
}

/// "22 Nov 2026": the calendar day of `ms` (milliseconds since the epoch)
/// in the shop's time zone `tz`.
pub(crate) fn date(ms: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .strftime("%-d %b %Y")
        .to_string()
}

/// The customer's recent orders.
pub fn order_list(orders: &[OrderSummary], tz: &jiff::tz::TimeZone) -> String {
    if orders.is_empty() {
        return "You have no orders yet. Send one like \"Cement x 100\".".to_owned();
    }
    let mut out = String::from("Your recent orders:\n");
    for o in orders {
        let items = if o.items == 1 {
            "1 item".to_owned()
        } else {
            format!("{} items", o.items)
        };
        let _ = writeln!(
            out,
            "• {}: {}, {} ({items}), {}",
            o.number,
            o.status.as_str(),
            o.total,
            date(o.created_at_ms, tz)
        );
    }
    out.push_str("To cancel one, say \"cancel order <number>\".");
    out
}

/// "my invoices": each with its order, total, tax, due date and status.
pub fn invoice_list(invoices: &[features::invoices::Invoice], tz: &jiff::tz::TimeZone) -> String {
    use features::invoices::InvoiceStatus;
    if invoices.is_empty() {
        return "You have no invoices yet. An invoice is made when an order is confirmed."
            .to_owned();
    }
    let mut out = String::from("Your invoices:\n");
    for i in invoices {
        let tax =
            features::shared::Money::new(i.cgst().minor() + i.sgst().minor(), i.total().currency());
        let status = match i.status() {
            InvoiceStatus::Issued => format!("due {}", date(i.due_at_ms(), tz)),
            InvoiceStatus::Paid { .. } => "paid".to_owned(),
            InvoiceStatus::Void { .. } => "void".to_owned(),
        };
        let _ = writeln!(
            out,
            "• {} for {}: {} (incl. GST {tax}), {status}",
            i.number(),
            features::shared::OrderNumber::from(i.order()),
            i.total(),
        );
    }
    out.trim_end().to_owned()
}

/// `ORD-00042` for a number the customer typed, when it parses.
pub fn shown_number(id: features::shared::OrderId) -> String {
    OrderNumber::from(id).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_like_people_write_them() {
        let utc = jiff::tz::TimeZone::UTC;
        let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
        // 2026-11-22T12:00:00Z
        assert_eq!(date(1_795_348_800_000, &utc), "22 Nov 2026");
        assert_eq!(date(0, &utc), "1 Jan 1970");
        // 2026-11-22T20:00:00Z is already the 23rd in India.
        assert_eq!(date(1_795_377_600_000, &kolkata), "23 Nov 2026");
        assert_eq!(date(1_795_377_600_000, &utc), "22 Nov 2026");
    }

    #[test]
    fn alternatives_read_as_a_sentence() {
        assert_eq!(or_list(&["a".to_owned()]), "\"a\"");
        assert_eq!(
            or_list(&["a".to_owned(), "b".to_owned(), "c".to_owned()]),
            "\"a\", \"b\" or \"c\""
        );
    }
}
