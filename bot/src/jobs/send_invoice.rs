//! `send-invoice`: the invoice's PDF to its customer, as a document at a
//! signed link inside the 24-hour window, as the `invoice_ready` template
//! outside it, or as a file in a terminal chat.

use std::time::Duration;

use features::invoices::{InvoiceNumber, InvoiceStatus};
use features::shared::OrderNumber;
use framework::jobs::{Job, JobError};
use framework::reply::{MediaReply, Reply, TemplateHeader};
use framework::{BoxError, Provider};

use infra_sql::sender::Outgoing;

use super::channel::{choose_template, customer_locale, due_date, reach, send};
use super::worker::{by_kind, permanent};
use super::{JobDeps, Queue, ShopJob};

/// The template of an invoice sent outside the 24-hour window: body
/// `{{1}}` number, `{{2}}` total, `{{3}}` due date; on Meta the PDF is the
/// header document, on Twilio (no header parameters) its link is `{{4}}`.
/// In the customer's language where it is approved in it, the due date
/// written in that language ([`TemplateSids::choose`](super::TemplateSids::choose)).
pub const INVOICE_TEMPLATE: &str = "invoice_ready";

/// The payload of a `send-invoice` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendInvoice {
    /// The invoice's number in the shop's sequence.
    pub invoice: u64,
    /// What asked for it (`issued`, or the message that asked again): one
    /// send per request, however often the job runs.
    pub request: String,
}

/// Enqueues a `send-invoice` job for invoice `number`, once per `request`.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(queue: &Queue, number: InvoiceNumber, request: &str) -> Result<(), BoxError> {
    let payload = SendInvoice {
        invoice: number.seq(),
        request: request.to_owned(),
    };
    let dedup = format!("invoice:{}:{request}", number.seq());
    super::enqueue(queue, &payload, dedup, Duration::ZERO).await
}

impl ShopJob for SendInvoice {
    const QUEUE: &'static str = "send-invoice";

    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let number = InvoiceNumber::new(self.invoice);
        let invoice = deps
            .documents
            .invoice(number)
            .await
            .map_err(by_kind)?
            .ok_or_else(|| permanent(format!("no invoice {number}")))?;
        if let InvoiceStatus::Void { .. } = invoice.status() {
            tracing::info!(invoice = %number, "the invoice is void; not sent");
            return Ok(());
        }
        let to = reach(&deps, invoice.customer().as_str()).await?;
        let order = OrderNumber::from(invoice.order());
        let locale = customer_locale(&deps, invoice.customer()).await;
        let say = deps.texts.say(&locale);
        let summary = say.invoice_summary(
            number,
            order,
            invoice.total(),
            &due_date(&deps, &locale, &invoice),
        );
        let (outgoing, shown) = if to.provider == Provider::Local {
            // The terminal chat: the PDF is a file on this machine.
            let path = deps.documents.write_file(&invoice).await.map_err(by_kind)?;
            let path = path.display().to_string();
            (
                Outgoing::new(Reply::text(say.invoice_file(&summary, &path))),
                path,
            )
        } else {
            let url = deps.documents.links.url(number, deps.clock.now_ms());
            let filename = format!("{number}.pdf");
            let choice = choose_template(&deps, &to, INVOICE_TEMPLATE, &locale);
            let template = choice
                .template(INVOICE_TEMPLATE)
                .param(number.to_string())
                .param(invoice.total().to_string())
                .param(due_date(&deps, &choice.locale, &invoice));
            let template = if to.provider == Provider::Meta {
                template.with_header(TemplateHeader::Document {
                    url: url.clone(),
                    filename: filename.clone(),
                })
            } else {
                // Twilio content templates take no header parameters: the
                // link is variable 4 (the template's media URL or text).
                template.param(url.clone())
            };
            // The document only when it may go: one the provider refuses
            // must not stop the template.
            let outgoing = if to.free_form() {
                let document = Reply::Media(
                    MediaReply::document(url.clone(), filename)
                        .and_then(|m| m.with_caption(say.invoice_caption(&summary)))
                        .map_err(permanent)?,
                );
                Outgoing::new(document).or_template(template)
            } else {
                Outgoing::template(template)
            };
            (outgoing, url)
        };
        let key = format!("job:{}:{number}:{}", Self::QUEUE, self.request);
        let sent = send(
            &deps,
            &to,
            outgoing.with_key(key),
            "TWILIO_CONTENT_SID_INVOICE",
        )
        .await?;
        tracing::info!(
            invoice = %number,
            order = %order,
            // The link works for days: never logged whole.
            document = %crate::telemetry::redact_signatures(&shown),
            sent = ?sent,
            "invoice sent"
        );
        Ok(())
    }
}
