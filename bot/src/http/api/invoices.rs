//! `GET /api/invoices`, `GET /api/invoices/{number}` and
//! `POST /api/invoices/{number}/paid`, through
//! [`InvoiceService`](features::invoices::InvoiceService).

use axum::Json;
use axum::extract::State;
use features::invoices::{
    GetInvoice, Invoice, InvoiceError, InvoiceNumber, InvoiceStatus, ListInvoices, RecordPayment,
};
use features::shared::OrderNumber;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use super::problem::{ApiError, Problem};
use super::{MoneyView, timestamp};
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_invoices))
        .routes(routes!(get_invoice))
        .routes(routes!(mark_paid))
}

/// Where an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceStatusView {
    /// Issued, not paid yet.
    Issued,
    /// Paid.
    Paid,
    /// Cancelled with its order.
    Void,
}

/// An invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvoiceView {
    /// Its number, e.g. `INV-00001`.
    pub number: String,
    /// The order it bills, e.g. `ORD-00042`.
    pub order: String,
    /// The customer billed (E.164).
    pub customer: String,
    /// Where it stands.
    pub status: InvoiceStatusView,
    /// Paid: the payment's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_reference: Option<String>,
    /// Paid: when (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    /// Void: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void_reason: Option<String>,
    /// When it was issued (RFC 3339, UTC).
    pub issued_at: String,
    /// When payment is due (RFC 3339, UTC).
    pub due_at: String,
    /// Before tax.
    pub taxable: MoneyView,
    /// Central GST.
    pub cgst: MoneyView,
    /// State GST.
    pub sgst: MoneyView,
    /// What the customer pays.
    pub total: MoneyView,
    /// Its lines, in order.
    pub lines: Vec<InvoiceLineView>,
}

/// A line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvoiceLineView {
    /// What was sold.
    pub description: String,
    /// How many units.
    pub quantity: u32,
    /// The unit, e.g. `bag`.
    pub unit: String,
    /// The GST rate in basis points (1800 = 18 %).
    pub rate_bp: u32,
    /// Before tax.
    pub taxable: MoneyView,
    /// With tax.
    pub total: MoneyView,
}

impl InvoiceView {
    fn of(invoice: &Invoice) -> Self {
        let (status, paid_reference, paid_at, void_reason) = match invoice.status() {
            InvoiceStatus::Issued => (InvoiceStatusView::Issued, None, None, None),
            InvoiceStatus::Paid {
                reference,
                paid_at_ms,
            } => (
                InvoiceStatusView::Paid,
                Some(reference.clone()),
                Some(timestamp(*paid_at_ms)),
                None,
            ),
            InvoiceStatus::Void { reason } => {
                (InvoiceStatusView::Void, None, None, Some(reason.clone()))
            }
        };
        Self {
            number: invoice.number().to_string(),
            order: OrderNumber::from(invoice.order()).to_string(),
            customer: invoice.customer().as_str().to_owned(),
            status,
            paid_reference,
            paid_at,
            void_reason,
            issued_at: timestamp(invoice.issued_at_ms()),
            due_at: timestamp(invoice.due_at_ms()),
            taxable: invoice.taxable().into(),
            cgst: invoice.cgst().into(),
            sgst: invoice.sgst().into(),
            total: invoice.total().into(),
            lines: invoice
                .lines()
                .iter()
                .map(|l| InvoiceLineView {
                    description: l.description.clone(),
                    quantity: l.quantity,
                    unit: l.unit.clone(),
                    rate_bp: l.rate.basis_points(),
                    taxable: l.taxable.into(),
                    total: l.total.into(),
                })
                .collect(),
        }
    }
}

/// The query of `GET /api/invoices`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceListQuery {
    /// Invoices per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// A payment, for `POST /api/invoices/{number}/paid`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// The payment's reference (UTR, cheque number); not blank.
    pub reference: String,
}

fn invoice_number(text: &str) -> Result<InvoiceNumber, ApiError> {
    InvoiceNumber::parse(text)
        .ok_or_else(|| ApiError::invalid("number", "not an invoice number like INV-00001"))
}

/// Every customer's invoices, newest first.
#[utoipa::path(
    get,
    path = "/invoices",
    tag = "invoices",
    params(InvoiceListQuery),
    responses(
        (status = 200, description = "A page of invoices, newest first", body = Page<InvoiceView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_invoices(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<InvoiceListQuery>,
) -> Result<Json<Page<InvoiceView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    let invoices = services
        .invoices
        .list_invoices(ListInvoices {
            before: paging.after.map(InvoiceNumber::new),
            limit: paging.fetch(),
        })
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(paging.keyset(
        invoices,
        |i| i64::try_from(i.number().seq()).unwrap_or(i64::MAX),
        |i| InvoiceView::of(&i),
    )))
}

/// One invoice.
#[utoipa::path(
    get,
    path = "/invoices/{number}",
    tag = "invoices",
    params(("number" = String, Path, description = "The invoice's number, e.g. `INV-00001`", pattern = "^INV-0*[1-9][0-9]{0,17}$")),
    responses(
        (status = 200, description = "The invoice", body = InvoiceView),
        (status = 400, description = "Not an invoice number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invoice", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_invoice(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<InvoiceView>, ApiError> {
    let number = invoice_number(&number)?;
    let invoice = services
        .invoices
        .get_invoice(GetInvoice { number })
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no invoice {number}")))?;
    Ok(Json(InvoiceView::of(&invoice)))
}

/// Records that an invoice was paid; its reminders are then not sent.
#[utoipa::path(
    post,
    path = "/invoices/{number}/paid",
    tag = "invoices",
    params(("number" = String, Path, description = "The invoice's number, e.g. `INV-00001`", pattern = "^INV-0*[1-9][0-9]{0,17}$")),
    request_body(content = PaymentRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The invoice, paid", body = InvoiceView),
        (status = 400, description = "A bad number or reference", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invoice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already paid, or void", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn mark_paid(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
    ApiJson(payment): ApiJson<PaymentRequest>,
) -> Result<Json<InvoiceView>, ApiError> {
    let number = invoice_number(&number)?;
    let paid = services
        .invoices
        .record_payment(RecordPayment {
            number,
            reference: payment.reference,
        })
        .await
        .map_err(|e| match e {
            InvoiceError::MissingReference => ApiError::invalid("reference", e.to_string()),
            InvoiceError::AlreadyPaid(_) | InvoiceError::IsVoid(_) => {
                ApiError::Conflict(e.to_string())
            }
            other => ApiError::internal(other),
        })?
        .ok_or_else(|| ApiError::NotFound(format!("there is no invoice {number}")))?;
    Ok(Json(InvoiceView::of(&paid)))
}
