//! Everything the shop says to its customers, in one place: the
//! conversation's answers, button titles, and the messages the background
//! jobs send (invoices, reminders). Handlers and jobs hold no customer text
//! of their own, so a translation is this one file.
//!
//! Texts are constants, or functions of the facts they show (numbers,
//! totals, dates in the shop's time zone).

use std::fmt::{Display, Write as _};

use features::catalog::{QuantitySpec, Quote, QuoteProblem};
use features::invoices::InvoiceNumber;
use features::orders::{Order, OrderSummary};
use features::shared::{Money, OrderNumber};

/// The greeting: what the bot can do.
pub const GREETING: &str = "Welcome to the Campanile shop! I can take your order right here.\n\n\
• To order, send products and quantities, e.g. \"Cement x 100\" or \"2 bags cement, 5 steel rods and 10 bricks\".\n\
• \"my orders\" shows your recent orders.\n\
• \"cancel order ORD-00012\" cancels an order that hasn't been dispatched.";

/// The greeting with the customer's profile name, and a reminder of an order
/// waiting for confirmation.
#[must_use]
pub fn greeting(name: Option<&str>, order_waiting: bool) -> String {
    let hello = name.map_or_else(String::new, |n| format!("Hi {n}! "));
    let pending = if order_waiting {
        "\n\nYou have an order waiting: reply \"confirm\" to place it or \"cancel\" to discard it."
    } else {
        ""
    };
    format!("{hello}{GREETING}{pending}")
}

/// Button and list titles.
pub mod titles {
    /// Confirm the order in review.
    pub const CONFIRM: &str = "Confirm";
    /// Change the order in review.
    pub const EDIT: &str = "Edit";
    /// Discard the order in review.
    pub const CANCEL: &str = "Cancel";
    /// Open the list of products to pick from.
    pub const CHOOSE: &str = "Choose";
}

/// The question over the buttons when the summary is too long for a button
/// message's body and goes first as text.
pub const PLACE_THIS_ORDER: &str = "Place this order?";

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

/// The apology for a turn that failed on our side (a store down, a bug).
pub const APOLOGY: &str = "Sorry, something went wrong on our side. Please try again in a moment.";

/// The one notice a customer gets when writing faster than the rate limit
/// (30 messages a minute); then silence until the window passes.
pub const SLOW_DOWN: &str =
    "You're sending messages faster than I can answer. Please wait a moment and try again.";

/// When a message holds no order we can read.
pub const NOT_UNDERSTOOD: &str = "Sorry, I didn't understand that. To order, send products with quantities, e.g. \"Cement x 100\". Say \"menu\" for help.";

/// After problems: how to go on.
pub const TRY_AGAIN: &str = "Please send the order again, e.g. \"Cement x 100, 10 bricks\".";

/// A problem the customer can fix (a request too long, too many items),
/// then how to go on.
#[must_use]
pub fn fix_and_try_again(problem: &dyn Display) -> String {
    format!("{problem}. {TRY_AGAIN}")
}

/// When a message holds no text to read an order from.
pub const TEXT_ONLY: &str =
    "I can read orders sent as text, e.g. \"Cement x 100\". Say \"menu\" for help.";

/// Problems left an earlier cart as it was: say so.
#[must_use]
pub fn earlier_order_waiting(total: Money) -> String {
    format!(
        "\n\nYour earlier order ({total}) is still waiting: reply \"confirm\" to place it or \"cancel\" to discard it."
    )
}

/// The cart was discarded.
pub const DISCARDED: &str =
    "Okay, I've discarded that order; nothing was placed. Send a new one any time.";

/// "cancel" with no cart.
pub const NOTHING_TO_DISCARD: &str = "There's nothing to cancel right now. To cancel a placed order, say \"cancel order\" and its number, e.g. \"cancel order ORD-00012\".";

/// "edit" with no cart.
pub const NOTHING_TO_EDIT: &str = "There's no order to change. Send one like \"Cement x 100\".";

/// "edit" with a cart.
pub const SEND_THE_CORRECTION: &str = "Sure, send the corrected order (e.g. \"Cement x 120, 10 bricks\") and I'll update the summary.";

/// "confirm" with no cart.
pub const NOTHING_TO_CONFIRM: &str =
    "There's no order waiting for confirmation. Send one like \"Cement x 100\".";

/// The stock of a product fell below the cart's quantity since the summary.
#[must_use]
pub fn out_of_stock_now(available: impl Display, product: &str) -> String {
    format!(
        "Sorry, we only have {available} of {product} in stock now, so I couldn't place the order. {TRY_AGAIN}"
    )
}

/// The order was refused for a reason the customer can act on.
#[must_use]
pub fn cannot_place(reason: &dyn Display) -> String {
    format!("I couldn't place that order: {reason}. {TRY_AGAIN}")
}

/// "cancel order" without a number, and no cart open.
pub const WHICH_ORDER: &str = "Which order? Say \"cancel order\" with its number, e.g. \"cancel order ORD-00012\". \"my orders\" lists them.";

/// A placed order was cancelled, and its invoice voided if it had one.
#[must_use]
pub fn order_cancelled(number: &str, voided: Option<InvoiceNumber>) -> String {
    match voided {
        Some(invoice) => format!("Order {number} is cancelled, and its invoice {invoice} is void."),
        None => format!("Order {number} is cancelled."),
    }
}

/// No such order among the customer's.
#[must_use]
pub fn order_not_found(number: &str) -> String {
    format!("I couldn't find order {number} among your orders. \"my orders\" lists them.")
}

/// Cancelled before.
#[must_use]
pub fn order_already_cancelled(number: &str) -> String {
    format!("Order {number} was already cancelled.")
}

/// Too far along to cancel by chat.
#[must_use]
pub fn order_cannot_be_cancelled(number: &str, status: &str) -> String {
    format!(
        "Order {number} is already {status}, so it can't be cancelled here. Please call the shop."
    )
}

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

/// "invoice" without a number: the list, then how to ask for one.
#[must_use]
pub fn invoice_list_and_how_to_resend(list: &str) -> String {
    format!(
        "{list}\nTo get one again, say \"invoice\" with its number, e.g. \"invoice INV-00001\"."
    )
}

/// No such invoice for the customer's number.
#[must_use]
pub fn invoice_not_found(number: InvoiceNumber) -> String {
    format!("I can't find invoice {number} for your number. \"my invoices\" lists yours.")
}

/// The invoice asked for is void.
#[must_use]
pub fn invoice_void(number: InvoiceNumber) -> String {
    format!("Invoice {number} is void (its order was cancelled).")
}

/// The invoice is on its way again.
#[must_use]
pub fn sending_invoice_again(number: InvoiceNumber) -> String {
    format!("Sending invoice {number} again, one moment.")
}

/// An invoice in one line: number, order, total and due date.
#[must_use]
pub fn invoice_summary(
    number: InvoiceNumber,
    order: OrderNumber,
    total: Money,
    due: &str,
) -> String {
    format!("Invoice {number} for order {order}: {total}, due {due}.")
}

/// The invoice as a document's caption.
#[must_use]
pub fn invoice_caption(summary: &str) -> String {
    format!("🧾 {summary}")
}

/// The invoice in a terminal chat: the summary and where its PDF is.
#[must_use]
pub fn invoice_file(summary: &str, path: &str) -> String {
    format!("🧾 {summary}\nPDF: {path}")
}

/// STOP (or another opt-out word): the one confirmation.
pub const OPTED_OUT: &str = "You won't get offers or campaign messages from us any more. Reply START to opt back in. You can still order and ask here as usual.";

/// STOP again: nothing changed.
pub const ALREADY_OPTED_OUT: &str =
    "You're already opted out of offers and campaign messages. Reply START to opt back in.";

/// STOP with a cart open: it is discarded too.
pub const DISCARDED_ON_OPT_OUT: &str = "I've discarded the order in progress; nothing was placed.";

/// CANCEL with no cart opts out; in case a placed order was meant.
pub const HOW_TO_CANCEL_AN_ORDER: &str = "To cancel a placed order instead, say \"cancel order\" and its number, e.g. \"cancel order ORD-00012\".";

/// START (or another opt-in word) after an opt-out.
pub const OPTED_IN: &str =
    "Welcome back! You'll get our offers and news again. Reply STOP any time to opt out.";

/// UNSTOP (or a shop's own opt-in word) without an opt-out.
pub const ALREADY_OPTED_IN: &str =
    "You're already getting our offers and news. Reply STOP any time to opt out.";

/// "stop reminders".
pub const REMINDERS_STOPPED: &str =
    "Okay, no more reminders. Say \"start reminders\" if you want them again.";

/// "start reminders".
pub const REMINDERS_STARTED: &str = "Reminders are on: I'll remind you before an invoice is due.";

/// A payment reminder inside the 24-hour window.
#[must_use]
pub fn payment_reminder(number: InvoiceNumber, total: Money, due: &str) -> String {
    format!(
        "⏰ A reminder: invoice {number} ({total}) is due {due}. Reply \"invoice {number}\" for the PDF, or \"stop reminders\" to get no more reminders."
    )
}

/// The shop's own reminder inside the 24-hour window.
#[must_use]
pub fn shop_reminder(text: &str) -> String {
    format!("⏰ {text}")
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
