//! What the shop says, in one language: the conversation's answers about
//! quotes and orders, button titles (here), and what follows an order —
//! invoices, reminders, consent — (`account.rs`). Each method picks its
//! message and formats the facts it shows (numbers, amounts, dates in the
//! shop's time zone) for the language.

use std::fmt::Write as _;

use features::catalog::{CatalogError, ParseError, QuantitySpec, Quote, QuoteProblem, Unit};
use features::invoices::InvoiceNumber;
use features::orders::{Order, OrderError, OrderStatus, OrderSummary};
use features::shared::{Money, OrderNumber};
use fluent_bundle::FluentValue;
use framework::locale::Locale;

use super::Texts;

mod account;

/// The shop's texts in one language: see [`Texts::say`].
#[derive(Debug, Clone)]
pub struct Say<'a> {
    texts: &'a Texts,
    locale: Locale,
}

/// A button or list title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Title {
    /// Confirm the order in review.
    Confirm,
    /// Change the order in review.
    Edit,
    /// Discard the order in review.
    Cancel,
    /// Open the list of products to pick from.
    Choose,
}

fn count(n: impl TryInto<u64>) -> u64 {
    n.try_into().unwrap_or(u64::MAX)
}

impl<'a> Say<'a> {
    pub(super) fn new(texts: &'a Texts, locale: &Locale) -> Self {
        Self {
            texts,
            locale: locale.clone(),
        }
    }

    /// The locale asked for (not resolved: `en-IN` stays `en-IN`, so its
    /// numbers are grouped the Indian way).
    #[must_use]
    pub fn locale(&self) -> &Locale {
        &self.locale
    }

    fn get(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.texts.get(&self.locale, id, args)
    }

    fn money(&self, money: Money) -> String {
        self.texts.money(&self.locale, money)
    }

    fn number(&self, n: impl TryInto<u64>) -> String {
        self.texts.number(&self.locale, count(n))
    }

    /// A day in the shop's time zone `tz`, as the language writes it.
    #[must_use]
    pub fn date(&self, ms: i64, tz: &jiff::tz::TimeZone) -> String {
        self.texts.date(&self.locale, ms, tz)
    }

    /// The greeting with the customer's profile name, and a reminder of an
    /// order waiting for confirmation.
    #[must_use]
    pub fn greeting(&self, name: Option<&str>, order_waiting: bool) -> String {
        let mut out = match name {
            Some(name) => format!("{} ", self.get("greeting-hello", &[("name", name.into())])),
            None => String::new(),
        };
        out.push_str(&self.get("greeting", &[]));
        if order_waiting {
            out.push_str("\n\n");
            out.push_str(&self.get("order-waiting", &[]));
        }
        out
    }

    /// A button or list title.
    #[must_use]
    pub fn title(&self, title: Title) -> String {
        self.get(
            match title {
                Title::Confirm => "button-confirm",
                Title::Edit => "button-edit",
                Title::Cancel => "button-cancel",
                Title::Choose => "button-choose",
            },
            &[],
        )
    }

    /// The question over the buttons when the summary is too long for a
    /// button message's body and goes first as text.
    #[must_use]
    pub fn place_this_order(&self) -> String {
        self.get("place-this-order", &[])
    }

    /// A summary's closing line, by how the provider shows choices.
    #[must_use]
    pub fn how_to_confirm(&self, numbered: bool) -> String {
        if numbered {
            self.get("how-to-confirm-numbered", &[])
        } else {
            self.get("how-to-confirm-buttons", &[])
        }
    }

    /// "100 bags".
    #[must_use]
    pub fn quantity(&self, quantity: u32, unit: &Unit) -> String {
        self.get(
            "quantity",
            &[
                ("quantity", self.number(quantity).into()),
                ("unit", unit.plural(u64::from(quantity)).into()),
            ],
        )
    }

    /// The order summary: one line per product, then the total.
    #[must_use]
    pub fn summary(&self, quote: &Quote) -> String {
        let mut out = self.get("summary-title", &[]);
        out.push('\n');
        for line in quote.lines() {
            out.push_str(&self.get(
                "summary-line",
                &[
                    ("product", line.name.as_str().into()),
                    ("quantity", self.quantity(line.quantity, &line.unit).into()),
                    ("price", self.money(line.unit_price).into()),
                    ("total", self.money(line.line_total()).into()),
                ],
            ));
            out.push('\n');
        }
        out.push_str(&self.get(
            "summary-total",
            &[("total", self.money(quote.total()).into())],
        ));
        out
    }

    /// One sentence per problem of a quote, a line each.
    #[must_use]
    pub fn problems(&self, quote: &Quote) -> String {
        let lines: Vec<String> = quote.problems().iter().map(|p| self.problem(p)).collect();
        lines.join("\n")
    }

    fn problem(&self, problem: &QuoteProblem) -> String {
        let product = |product: &str| ("product", FluentValue::from(product.to_owned()));
        match problem {
            QuoteProblem::NotFound {
                phrase,
                suggestions,
            } if suggestions.is_empty() => {
                self.get("problem-not-found", &[("phrase", phrase.as_str().into())])
            }
            QuoteProblem::NotFound {
                phrase,
                suggestions,
            } => self.get(
                "problem-not-found-suggest",
                &[
                    ("phrase", phrase.as_str().into()),
                    ("suggestions", self.or_list(suggestions).into()),
                ],
            ),
            QuoteProblem::Ambiguous {
                phrase,
                options,
                quantity,
            } => {
                let names: Vec<String> = options.iter().map(|(_, n)| n.clone()).collect();
                let mut args = vec![
                    ("phrase", FluentValue::from(phrase.as_str())),
                    ("options", self.or_list(&names).into()),
                ];
                match quantity {
                    QuantitySpec::Amount(n) => {
                        args.push(("quantity", self.number(*n).into()));
                        self.get("problem-ambiguous-quantity", &args)
                    }
                    _ => self.get("problem-ambiguous", &args),
                }
            }
            QuoteProblem::MissingQuantity { product: p, unit } => self.get(
                "problem-missing-quantity",
                &[product(p), ("units", unit.plural(2).into())],
            ),
            QuoteProblem::ZeroQuantity { product: p } => {
                self.get("problem-zero-quantity", &[product(p)])
            }
            QuoteProblem::NegativeQuantity { product: p } => {
                self.get("problem-negative-quantity", &[product(p)])
            }
            QuoteProblem::FractionalQuantity { product: p } => {
                self.get("problem-fractional-quantity", &[product(p)])
            }
            QuoteProblem::TooMany { product: p, max } => self.get(
                "problem-too-many",
                &[product(p), ("max", self.number(*max).into())],
            ),
            QuoteProblem::OutOfStock {
                product: p,
                available: 0,
            } => self.get("problem-out-of-stock", &[product(p)]),
            QuoteProblem::OutOfStock {
                product: p,
                available,
            } => self.get(
                "problem-low-stock",
                &[product(p), ("available", self.number(*available).into())],
            ),
            QuoteProblem::NotUnderstood => self.not_understood(),
        }
    }

    /// `"a", "b" or "c"`.
    fn or_list(&self, items: &[String]) -> String {
        let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
        match quoted.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => self.get(
                "list-or",
                &[
                    ("init", init.join(", ").into()),
                    ("last", last.as_str().into()),
                ],
            ),
        }
    }

    /// When a message holds no order we can read.
    #[must_use]
    pub fn not_understood(&self) -> String {
        self.get("not-understood", &[])
    }

    /// After problems: how to go on.
    #[must_use]
    pub fn try_again(&self) -> String {
        self.get("try-again", &[])
    }

    /// An order message the catalog refused, in words for the customer.
    #[must_use]
    pub fn catalog_problem(&self, error: &CatalogError) -> String {
        match error {
            CatalogError::Request(e) => self.request_problem(e),
            // The catalog's own operations (imports): not said to customers.
            e => e.to_string(),
        }
    }

    /// An order message too long or with too many items.
    #[must_use]
    pub fn request_problem(&self, error: &ParseError) -> String {
        match error {
            ParseError::Nothing => self.get("request-nothing", &[]),
            ParseError::TooLong { chars, max } => self.get(
                "request-too-long",
                &[
                    ("chars", self.number(*chars).into()),
                    ("max", self.number(*max).into()),
                ],
            ),
            ParseError::TooManyItems { max } => self.get(
                "request-too-many-items",
                &[("max", self.number(*max).into())],
            ),
        }
    }

    /// Why an order could not be placed or changed, in words for the
    /// customer (an unexpected failure is never shown: the apology is).
    #[must_use]
    pub fn order_problem(&self, error: &OrderError) -> String {
        match error {
            OrderError::EmptyOrder => self.get("order-error-empty", &[]),
            OrderError::InvalidQuantity => self.get("order-error-invalid-quantity", &[]),
            OrderError::InvalidTransition { from, to } => self.get(
                "order-error-transition",
                &[
                    ("from", self.order_status(*from).into()),
                    ("to", self.order_status(*to).into()),
                ],
            ),
            OrderError::CannotCancel { status } => self.get(
                "order-error-cannot-cancel",
                &[("status", self.order_status(*status).into())],
            ),
            OrderError::AlreadyCancelled => self.get("order-error-already-cancelled", &[]),
            OrderError::NotFound => self.get("order-error-not-found", &[]),
            OrderError::OutOfStock { sku, available } => self.get(
                "order-error-out-of-stock",
                &[
                    ("sku", sku.as_str().into()),
                    ("available", self.number(*available).into()),
                ],
            ),
            OrderError::StockChanged { product, available } => self.get(
                "order-error-out-of-stock",
                &[
                    ("sku", product.as_str().into()),
                    ("available", self.number(*available).into()),
                ],
            ),
            OrderError::Request(e) => self.request_problem(e),
            OrderError::Conflict => self.get("order-error-conflict", &[]),
            e => e.to_string(),
        }
    }

    /// A problem the customer can fix (a request too long, too many
    /// items), then how to go on.
    #[must_use]
    pub fn fix_and_try_again(&self, problem: &str) -> String {
        self.get("fix-and-try-again", &[("problem", problem.into())])
    }

    /// When a message holds no text to read an order from.
    #[must_use]
    pub fn text_only(&self) -> String {
        self.get("text-only", &[])
    }

    /// Problems left an earlier cart as it was: say so (a paragraph of its
    /// own, to follow the problems).
    #[must_use]
    pub fn earlier_order_waiting(&self, total: Money) -> String {
        format!(
            "\n\n{}",
            self.get(
                "earlier-order-waiting",
                &[("total", self.money(total).into())]
            )
        )
    }

    /// The cart was discarded.
    #[must_use]
    pub fn discarded(&self) -> String {
        self.get("discarded", &[])
    }

    /// "cancel" with no cart.
    #[must_use]
    pub fn nothing_to_discard(&self) -> String {
        self.get("nothing-to-discard", &[])
    }

    /// "edit" with no cart.
    #[must_use]
    pub fn nothing_to_edit(&self) -> String {
        self.get("nothing-to-edit", &[])
    }

    /// "edit" with a cart.
    #[must_use]
    pub fn send_the_correction(&self) -> String {
        self.get("send-the-correction", &[])
    }

    /// "confirm" with no cart.
    #[must_use]
    pub fn nothing_to_confirm(&self) -> String {
        self.get("nothing-to-confirm", &[])
    }

    /// The stock of a product fell below the cart's quantity since the
    /// summary.
    #[must_use]
    pub fn out_of_stock_now(&self, available: u32, product: &str) -> String {
        self.get(
            "out-of-stock-now",
            &[
                ("available", self.number(available).into()),
                ("product", product.into()),
            ],
        )
    }

    /// The order was refused for a reason the customer can act on.
    #[must_use]
    pub fn cannot_place(&self, reason: &str) -> String {
        self.get("cannot-place", &[("reason", reason.into())])
    }

    /// "cancel order" without a number, and no cart open.
    #[must_use]
    pub fn which_order(&self) -> String {
        self.get("which-order", &[])
    }

    /// A placed order was cancelled, and its invoice voided if it had one.
    #[must_use]
    pub fn order_cancelled(&self, number: OrderNumber, voided: Option<InvoiceNumber>) -> String {
        match voided {
            Some(invoice) => self.get(
                "order-cancelled-voided",
                &[
                    ("number", number.to_string().into()),
                    ("invoice", invoice.to_string().into()),
                ],
            ),
            None => self.get("order-cancelled", &[("number", number.to_string().into())]),
        }
    }

    /// No such order among the customer's.
    #[must_use]
    pub fn order_not_found(&self, number: OrderNumber) -> String {
        self.get("order-not-found", &[("number", number.to_string().into())])
    }

    /// Cancelled before.
    #[must_use]
    pub fn order_already_cancelled(&self, number: OrderNumber) -> String {
        self.get(
            "order-already-cancelled",
            &[("number", number.to_string().into())],
        )
    }

    /// Too far along to cancel by chat.
    #[must_use]
    pub fn order_cannot_be_cancelled(&self, number: OrderNumber, status: OrderStatus) -> String {
        self.get(
            "order-cannot-be-cancelled",
            &[
                ("number", number.to_string().into()),
                ("status", self.order_status(status).into()),
            ],
        )
    }

    /// An order's status in words.
    #[must_use]
    pub fn order_status(&self, status: OrderStatus) -> String {
        self.get("order-status", &[("status", status.as_str().into())])
    }

    /// The confirmation of a placed order.
    #[must_use]
    pub fn confirmed(&self, order: &Order) -> String {
        let number = order
            .number()
            .map_or_else(|| self.get("order-number-pending", &[]), |n| n.to_string());
        self.get(
            "order-confirmed",
            &[
                ("number", number.into()),
                ("total", self.money(order.total()).into()),
            ],
        )
    }

    /// The customer's recent orders.
    #[must_use]
    pub fn order_list(&self, orders: &[OrderSummary], tz: &jiff::tz::TimeZone) -> String {
        if orders.is_empty() {
            return self.get("no-orders", &[]);
        }
        let mut out = self.get("orders-title", &[]);
        out.push('\n');
        for o in orders {
            let items = self.get(
                "order-items",
                &[
                    ("count", count(o.items).into()),
                    ("items", self.number(o.items).into()),
                ],
            );
            let _ = writeln!(
                out,
                "{}",
                self.get(
                    "orders-line",
                    &[
                        ("number", o.number.to_string().into()),
                        ("status", self.order_status(o.status).into()),
                        ("total", self.money(o.total).into()),
                        ("items", items.into()),
                        ("date", self.date(o.created_at_ms, tz).into()),
                    ],
                )
            );
        }
        out.push_str(&self.get("orders-how-to-cancel", &[]));
        out
    }
}
