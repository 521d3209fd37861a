//! What the shop says about what follows an order: invoices and their
//! reminders (what the jobs send, and "my invoices"), consent (STOP,
//! START, "stop reminders"), and the pipeline's own notices.

use features::invoices::{Invoice, InvoiceNumber, InvoiceStatus};
use features::shared::{Money, OrderNumber};

use super::Say;

impl Say<'_> {
    /// "my invoices": each with its order, total, tax, due date and status.
    #[must_use]
    pub fn invoice_list(&self, invoices: &[Invoice], tz: &jiff::tz::TimeZone) -> String {
        if invoices.is_empty() {
            return self.get("no-invoices", &[]);
        }
        let mut out = self.get("invoices-title", &[]);
        for i in invoices {
            let tax = Money::new(i.cgst().minor() + i.sgst().minor(), i.total().currency());
            let status = match i.status() {
                InvoiceStatus::Issued => self.get(
                    "invoice-due",
                    &[("date", self.date(i.due_at_ms(), tz).into())],
                ),
                InvoiceStatus::Paid { .. } => self.get("invoice-paid", &[]),
                InvoiceStatus::Void { .. } => self.get("invoice-void-status", &[]),
            };
            out.push('\n');
            out.push_str(&self.get(
                "invoices-line",
                &[
                    ("number", i.number().to_string().into()),
                    ("order", OrderNumber::from(i.order()).to_string().into()),
                    ("total", self.money(i.total()).into()),
                    ("tax", self.money(tax).into()),
                    ("status", status.into()),
                ],
            ));
        }
        out
    }

    /// "invoice" without a number: the list, then how to ask for one.
    #[must_use]
    pub fn invoice_list_and_how_to_resend(&self, list: &str) -> String {
        format!("{list}\n{}", self.get("invoice-how-to-resend", &[]))
    }

    /// No such invoice for the customer's number.
    #[must_use]
    pub fn invoice_not_found(&self, number: InvoiceNumber) -> String {
        self.get(
            "invoice-not-found",
            &[("number", number.to_string().into())],
        )
    }

    /// The invoice asked for is void.
    #[must_use]
    pub fn invoice_void(&self, number: InvoiceNumber) -> String {
        self.get("invoice-void", &[("number", number.to_string().into())])
    }

    /// The invoice is on its way again.
    #[must_use]
    pub fn sending_invoice_again(&self, number: InvoiceNumber) -> String {
        self.get(
            "sending-invoice-again",
            &[("number", number.to_string().into())],
        )
    }

    /// An invoice in one line: number, order, total and due date (`due`,
    /// a [date](Self::date)).
    #[must_use]
    pub fn invoice_summary(
        &self,
        number: InvoiceNumber,
        order: OrderNumber,
        total: Money,
        due: &str,
    ) -> String {
        self.get(
            "invoice-summary",
            &[
                ("number", number.to_string().into()),
                ("order", order.to_string().into()),
                ("total", self.money(total).into()),
                ("due", due.into()),
            ],
        )
    }

    /// The invoice as a document's caption.
    #[must_use]
    pub fn invoice_caption(&self, summary: &str) -> String {
        self.get("invoice-caption", &[("summary", summary.into())])
    }

    /// The invoice in a terminal chat: the summary and where its PDF is.
    #[must_use]
    pub fn invoice_file(&self, summary: &str, path: &str) -> String {
        self.get(
            "invoice-file",
            &[("summary", summary.into()), ("path", path.into())],
        )
    }

    /// "stop reminders".
    #[must_use]
    pub fn reminders_stopped(&self) -> String {
        self.get("reminders-stopped", &[])
    }

    /// "start reminders".
    #[must_use]
    pub fn reminders_started(&self) -> String {
        self.get("reminders-started", &[])
    }

    /// A payment reminder inside the 24-hour window (`due`, a
    /// [date](Self::date)).
    #[must_use]
    pub fn payment_reminder(&self, number: InvoiceNumber, total: Money, due: &str) -> String {
        self.get(
            "payment-reminder",
            &[
                ("number", number.to_string().into()),
                ("total", self.money(total).into()),
                ("due", due.into()),
            ],
        )
    }

    /// The shop's own reminder inside the 24-hour window.
    #[must_use]
    pub fn shop_reminder(&self, text: &str) -> String {
        self.get("shop-reminder", &[("text", text.into())])
    }

    /// STOP (or another opt-out word): the one confirmation.
    #[must_use]
    pub fn opted_out(&self) -> String {
        self.get("opted-out", &[])
    }

    /// STOP again: nothing changed.
    #[must_use]
    pub fn already_opted_out(&self) -> String {
        self.get("already-opted-out", &[])
    }

    /// STOP with a cart open: it is discarded too.
    #[must_use]
    pub fn discarded_on_opt_out(&self) -> String {
        self.get("discarded-on-opt-out", &[])
    }

    /// CANCEL with no cart opts out; in case a placed order was meant.
    #[must_use]
    pub fn how_to_cancel_an_order(&self) -> String {
        self.get("how-to-cancel-an-order", &[])
    }

    /// START (or another opt-in word) after an opt-out.
    #[must_use]
    pub fn opted_in(&self) -> String {
        self.get("opted-in", &[])
    }

    /// UNSTOP (or a shop's own opt-in word) without an opt-out.
    #[must_use]
    pub fn already_opted_in(&self) -> String {
        self.get("already-opted-in", &[])
    }

    /// The apology for a turn that failed on our side (a store down, a
    /// bug).
    #[must_use]
    pub fn apology(&self) -> String {
        self.get("apology", &[])
    }

    /// The one notice a customer gets when writing faster than the rate
    /// limit; then silence until the window passes.
    #[must_use]
    pub fn slow_down(&self) -> String {
        self.get("slow-down", &[])
    }
}
