//! `GET /invoices/{number}.pdf?expires=…&signature=…`: an invoice's PDF at
//! a signed, expiring link (see [`crate::documents`]). A wrong or missing
//! signature is 403, an expired link 410, an unknown invoice 404; nothing
//! else is told.

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use features::invoices::InvoiceNumber;
use framework::clock::Clock;

use crate::documents::{Documents, LinkError};

/// The query of an invoice link.
#[derive(Debug, serde::Deserialize)]
pub struct LinkQuery {
    // Read as text: a malformed link is 403 like any other bad link, not
    // a query parse error.
    expires: Option<String>,
    signature: Option<String>,
}

/// What the route works with.
#[derive(Debug, Clone)]
pub struct InvoiceFiles {
    /// The documents and their links.
    pub documents: Documents,
    /// The time a link's expiry is checked against.
    pub clock: Clock,
}

/// `GET /invoices/{file}`: the PDF of a signed, unexpired link.
pub async fn invoice_pdf(
    State(InvoiceFiles { documents, clock }): State<InvoiceFiles>,
    UrlPath(file): UrlPath<String>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let Some(number) = file
        .strip_suffix(".pdf")
        .and_then(InvoiceNumber::parse)
        .filter(|n| format!("{n}.pdf") == file)
    else {
        return (StatusCode::NOT_FOUND, "no such invoice\n").into_response();
    };
    let expires = query.expires.and_then(|e| e.parse::<i64>().ok());
    let (Some(expires), Some(signature)) = (expires, query.signature) else {
        return (StatusCode::FORBIDDEN, "this link is not signed\n").into_response();
    };
    match documents
        .links
        .verify(number, expires, &signature, clock.now_ms())
    {
        Ok(()) => {}
        Err(LinkError::BadSignature | LinkError::BadKey) => {
            return (StatusCode::FORBIDDEN, "this link's signature is wrong\n").into_response();
        }
        Err(LinkError::Expired) => {
            return (
                StatusCode::GONE,
                "this link has expired; reply \"invoice INV-…\" on WhatsApp for a new one\n",
            )
                .into_response();
        }
    }
    let invoice = match documents.invoice(number).await {
        Ok(Some(invoice)) => invoice,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such invoice\n").into_response(),
        Err(e) => {
            tracing::error!(invoice = %number, error.message = %e, "cannot read an invoice for its link");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response();
        }
    };
    match documents.pdf(&invoice) {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{number}.pdf\""),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(invoice = %number, error.message = %e, "cannot render an invoice");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot render the invoice\n",
            )
                .into_response()
        }
    }
}
