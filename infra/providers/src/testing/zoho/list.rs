//! The fake's record listing: `GET /crm/v8/{module}`, paged as Zoho pages.

use serde_json::{Map, Value, json};

use super::Data;
use super::api::error;
use crate::testing::{Answer, unique_hex};

/// How far `page` reaches.
const DISCRETE_LIMIT: usize = 2_000;

/// `GET /crm/v8/{module}`: `page` up to 2,000 records, then `page_token`.
pub(super) fn list(data: &mut Data, module: &str, query: &[(String, String)]) -> Answer {
    let param = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(fields) = param("fields") else {
        return error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({ "param": "fields" }),
        );
    };
    let per_page: usize = param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(200);
    if !(1..=200).contains(&per_page) {
        return error(
            400,
            "INVALID_DATA",
            "invalid data",
            json!({ "param": "per_page" }),
        );
    }
    let offset = match (param("page"), param("page_token")) {
        (Some(_), Some(_)) => {
            return error(
                400,
                "INVALID_DATA",
                "page and page_token cannot be given together",
                json!({ "param": "page_token" }),
            );
        }
        (_, Some(token)) => match data.page_tokens.get(token) {
            Some(offset) => *offset,
            None => {
                return error(
                    400,
                    "INVALID_DATA",
                    "invalid page token",
                    json!({ "param": "page_token" }),
                );
            }
        },
        (page, None) => {
            let page: usize = page.and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
            if page * per_page > DISCRETE_LIMIT {
                return error(
                    400,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "Cannot fetch more than 2000 records. Please use the page_token param to fetch more records",
                    json!({ "limit": DISCRETE_LIMIT }),
                );
            }
            (page - 1) * per_page
        }
    };
    let records = data.records.get(module).cloned().unwrap_or_default();
    let page: Vec<Value> = records
        .iter()
        .skip(offset)
        .take(per_page)
        .map(|r| only(r, fields))
        .collect();
    if page.is_empty() {
        return Answer {
            status: 204,
            body: String::new(),
            retry_after: None,
            www_authenticate: None,
            dropped: false,
        };
    }
    let more = offset + per_page < records.len();
    let next = more.then(|| {
        let token = unique_hex();
        data.page_tokens.insert(token.clone(), offset + per_page);
        token
    });
    Answer::json(
        200,
        &json!({
            "data": page,
            "info": {
                "per_page": per_page,
                "next_page_token": next,
                "count": page.len(),
                "sort_by": "id",
                "page": offset / per_page + 1,
                "previous_page_token": null,
                "page_token_expiry": null,
                "sort_order": "desc",
                "more_records": more,
            },
        }),
    )
}

/// A record with only `id` and the comma-separated `fields`.
fn only(record: &Value, fields: &str) -> Value {
    let mut out = Map::new();
    for name in std::iter::once("id").chain(fields.split(',')) {
        if let Some(value) = record.get(name.trim()) {
            out.insert(name.trim().to_owned(), value.clone());
        }
    }
    Value::Object(out)
}
