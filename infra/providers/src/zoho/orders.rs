//! Writing an order: `POST /crm/v8/{module}/upsert`, so a retried write
//! never creates a second record.

use serde_json::{Value, json};

use super::client::{ApiRequest, Reply, ZohoClient};
use super::error::ZohoError;
use super::token::TokenStore;
use super::wire;
use crate::transport::is_path_segment;

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpsertAction {
    /// A new record was created.
    Inserted,
    /// An existing record was updated.
    Updated,
}

/// The record an upsert wrote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Upserted {
    /// Zoho's record id.
    pub id: String,
    /// Whether it was created or updated.
    pub action: UpsertAction,
}

impl<S: TokenStore> ZohoClient<S> {
    /// Creates or updates one record of `module` (`Sales_Orders`, `Deals`,
    /// see [`OrdersModule`](super::OrdersModule)): the record whose
    /// `duplicate_check_field` has the same value is updated, else one is
    /// created. Sending it again (after a timeout, a crash) converges on the
    /// same record.
    ///
    /// `record` is the record's JSON object in Zoho's field names; it must
    /// hold `duplicate_check_field` (without it, every retry would create a
    /// record). When Zoho answers `DUPLICATE_DATA` (another unique field
    /// matched an existing record), that record is updated by id (`PUT
    /// /crm/v8/{module}/{id}`).
    ///
    /// # Errors
    ///
    /// [`ZohoError::Permanent`] for a record Zoho refuses (`INVALID_DATA`,
    /// `MANDATORY_NOT_FOUND`, `INVALID_MODULE`, …) or that is refused here
    /// (not an object, no value for `duplicate_check_field`, an unusable
    /// module name); the other kinds as the call fails. An
    /// [`UnknownOutcome`](ZohoError::UnknownOutcome) may be retried with
    /// the same record.
    pub async fn upsert_order(
        &self,
        module: &str,
        record: &Value,
        duplicate_check_field: &str,
    ) -> Result<Upserted, ZohoError> {
        if !is_path_segment(module) {
            return Err(refused(
                "INVALID_MODULE",
                format!("{module:?} is not a module's API name"),
            ));
        }
        let has_key = record
            .get(duplicate_check_field)
            .is_some_and(|v| !v.is_null() && v != "");
        if !record.is_object() || !has_key {
            return Err(refused(
                "MANDATORY_NOT_FOUND",
                format!(
                    "the record has no value for its duplicate-check field \
                     {duplicate_check_field:?}, so a retry could create it twice"
                ),
            ));
        }
        let reply = self
            .call(ApiRequest {
                method: reqwest::Method::POST,
                path: format!("/{module}/upsert"),
                query: Vec::new(),
                body: Some(json!({
                    "data": [record],
                    "duplicate_check_fields": [duplicate_check_field],
                })),
                write: true,
            })
            .await?;
        let element = first_element(&reply)?;
        if element.code == "DUPLICATE_DATA" {
            let Some(id) = element.duplicate_id().filter(|id| is_path_segment(id)) else {
                return Err(element_error(reply.status, &element));
            };
            tracing::info!(module, "zoho found a duplicate record: updating it by id");
            return self.update(module, id, record).await;
        }
        success(reply.status, &element, None)
    }

    /// `PUT /crm/v8/{module}/{id}`.
    async fn update(&self, module: &str, id: &str, record: &Value) -> Result<Upserted, ZohoError> {
        let reply = self
            .call(ApiRequest {
                method: reqwest::Method::PUT,
                path: format!("/{module}/{id}"),
                query: Vec::new(),
                body: Some(json!({ "data": [record] })),
                write: true,
            })
            .await?;
        let element = first_element(&reply)?;
        success(reply.status, &element, Some(UpsertAction::Updated))
    }
}

/// The result of the one record sent.
fn first_element(reply: &Reply) -> Result<wire::WriteElement, ZohoError> {
    let answer: Result<wire::WriteAnswer, _> = serde_json::from_slice(&reply.body);
    answer
        .ok()
        .and_then(|a| a.data.into_iter().next())
        .ok_or_else(|| ZohoError::UnknownOutcome {
            message: format!(
                "zoho answered the write with HTTP {} but no per-record result",
                reply.status
            ),
        })
}

/// A success element as the record written (`action` unless `known`), or
/// the element's error.
fn success(
    status: u16,
    element: &wire::WriteElement,
    known: Option<UpsertAction>,
) -> Result<Upserted, ZohoError> {
    let ok = element.status.eq_ignore_ascii_case("success") || element.code == "SUCCESS";
    let id = element.id().filter(|_| ok);
    let Some(id) = id else {
        return Err(element_error(status, element));
    };
    let action = known.unwrap_or(match element.action.as_deref() {
        Some("insert") => UpsertAction::Inserted,
        Some("update") => UpsertAction::Updated,
        _ if status == 201 => UpsertAction::Inserted,
        _ => UpsertAction::Updated,
    });
    Ok(Upserted {
        id: id.to_owned(),
        action,
    })
}

fn element_error(status: u16, element: &wire::WriteElement) -> ZohoError {
    let message = match element.api_name() {
        Some(field) => format!("{} (field {field})", element.message),
        None => element.message.clone(),
    };
    ZohoError::Permanent {
        status,
        code: if element.code.is_empty() {
            "UNKNOWN".to_owned()
        } else {
            element.code.clone()
        },
        message,
    }
}

/// Refused before sending.
fn refused(code: &str, message: String) -> ZohoError {
    ZohoError::Permanent {
        status: 400,
        code: code.to_owned(),
        message: format!("{message} (refused before sending)"),
    }
}
