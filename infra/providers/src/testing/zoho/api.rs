//! The fake's CRM API: `/crm/v8/…` answers, as Zoho words them.

use std::sync::Mutex;
use std::time::Duration;

use axum::http::Method;
use serde_json::{Map, Value, json};

use super::{Data, ZohoFailure};
use crate::testing::{Answer, lock};

/// The modules the fake serves (less the disabled ones).
const MODULES: [&str; 6] = [
    "Products",
    "Sales_Orders",
    "Deals",
    "Contacts",
    "Accounts",
    "Leads",
];

/// An answer, how long to hold it, and whether it carries
/// `X-API-CREDITS-REMAINING: 0`.
pub(super) struct Reply {
    pub(super) answer: Answer,
    pub(super) delay: Option<Duration>,
    pub(super) credits_exhausted: bool,
}

impl From<Answer> for Reply {
    fn from(answer: Answer) -> Self {
        Self {
            answer,
            delay: None,
            credits_exhausted: false,
        }
    }
}

/// Zoho's error envelope.
pub(super) fn error(status: u16, code: &str, message: &str, details: Value) -> Answer {
    Answer::json(
        status,
        &json!({ "code": code, "details": details, "message": message, "status": "error" }),
    )
}

pub(super) fn answer(
    data: &Mutex<Data>,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    body: Option<&Value>,
    authorization: Option<&str>,
) -> Reply {
    let mut data = lock(data);
    let Some(rest) = path.strip_prefix("/crm/v8/") else {
        return error(
            404,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
            json!({}),
        )
        .into();
    };
    let token = authorization.and_then(|h| h.strip_prefix("Zoho-oauthtoken "));
    let Some(token) = token else {
        return error(
            401,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!({}),
        )
        .into();
    };
    if !data.tokens.contains(token.trim()) {
        return error(401, "INVALID_TOKEN", "invalid oauth token", json!({})).into();
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let module = segments.first().copied().unwrap_or_default();
    if !MODULES.contains(&module) || data.disabled.contains(module) {
        return error(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({ "resource_path_index": 0 }),
        )
        .into();
    }
    let mut delay = None;
    let mut duplicate = false;
    match data.failures.pop_front() {
        None => {}
        Some(ZohoFailure::ServerError) => {
            return error(500, "INTERNAL_ERROR", "Internal Server Error", json!({})).into();
        }
        Some(ZohoFailure::TooManyRequests) => {
            return error(429, "TOO_MANY_REQUESTS", "too many requests", json!({})).into();
        }
        Some(ZohoFailure::CreditsExhausted) => {
            return Reply {
                answer: error(429, "TOO_MANY_REQUESTS", "too many requests", json!({})),
                delay: None,
                credits_exhausted: true,
            };
        }
        Some(ZohoFailure::InvalidToken) => {
            return error(401, "INVALID_TOKEN", "invalid oauth token", json!({})).into();
        }
        Some(ZohoFailure::Raw { status, body }) => {
            return Answer {
                status,
                body,
                retry_after: None,
                www_authenticate: None,
                dropped: false,
            }
            .into();
        }
        Some(ZohoFailure::DuplicateData) => duplicate = true,
        Some(ZohoFailure::Hang(d)) => delay = Some(d),
    }
    let answer = match (method, segments.as_slice()) {
        (&Method::GET, [_]) => super::list::list(&mut data, module, query),
        (&Method::POST, [_, "upsert"]) => upsert(&mut data, module, body, duplicate),
        (&Method::PUT, [_, id]) => update(&mut data, module, id, body),
        _ => error(
            404,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
            json!({}),
        ),
    };
    Reply {
        answer,
        delay,
        credits_exhausted: false,
    }
}

/// The field a module requires.
fn mandatory(module: &str) -> Option<&'static str> {
    match module {
        "Sales_Orders" => Some("Subject"),
        "Deals" => Some("Deal_Name"),
        "Products" => Some("Product_Name"),
        "Contacts" | "Leads" => Some("Last_Name"),
        "Accounts" => Some("Account_Name"),
        _ => None,
    }
}

fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

fn success(id: &str, action: Option<&str>, duplicate_field: Option<&str>) -> Value {
    let user = json!({ "name": "Fake User", "id": "5725767000000411001" });
    let mut element = json!({
        "code": "SUCCESS",
        "details": {
            "Modified_Time": now(), "Modified_By": user, "Created_Time": now(),
            "id": id, "Created_By": user,
        },
        "message": if action == Some("insert") { "record added" } else { "record updated" },
        "status": "success",
    });
    if let (Some(action), Some(object)) = (action, element.as_object_mut()) {
        object.insert("action".to_owned(), json!(action));
        object.insert("duplicate_field".to_owned(), json!(duplicate_field));
    }
    element
}

fn element_error(code: &str, message: &str, details: Value) -> Value {
    json!({ "code": code, "details": details, "message": message, "status": "error" })
}

/// The write's HTTP status: 201 all inserted, 200 all written, 207 mixed,
/// 400 none.
fn write_answer(elements: Vec<Value>) -> Answer {
    let ok = elements.iter().filter(|e| e["status"] == "success").count();
    let inserted = elements.iter().filter(|e| e["action"] == "insert").count();
    let status = match ok {
        0 => 400,
        n if n < elements.len() => 207,
        n if inserted == n => 201,
        _ => 200,
    };
    Answer::json(status, &json!({ "data": elements }))
}

/// The body's `data` array (1 to 100 records), or the error answer.
fn records(body: Option<&Value>) -> Result<Vec<Value>, Answer> {
    match body.and_then(|b| b.get("data")).and_then(Value::as_array) {
        Some(data) if (1..=100).contains(&data.len()) => Ok(data.clone()),
        Some(_) => Err(error(
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({ "limit": 100 }),
        )),
        None => Err(error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({ "param": "data" }),
        )),
    }
}

/// `POST /crm/v8/{module}/upsert`.
fn upsert(data: &mut Data, module: &str, body: Option<&Value>, mut duplicate: bool) -> Answer {
    let records = match records(body) {
        Ok(records) => records,
        Err(answer) => return answer,
    };
    let keys: Vec<String> = body
        .and_then(|b| b.get("duplicate_check_fields"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut elements = Vec::new();
    for (i, record) in records.into_iter().enumerate() {
        let Some(fields) = record.as_object() else {
            elements.push(element_error(
                "INVALID_DATA",
                "invalid data",
                json!({ "json_path": format!("$.data[{i}]") }),
            ));
            continue;
        };
        if let Some(field) = mandatory(module).filter(|f| fields.get(*f).is_none_or(Value::is_null))
        {
            elements.push(element_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({ "api_name": field, "json_path": format!("$.data[{i}].{field}") }),
            ));
            continue;
        }
        let stored = data.records.entry(module.to_owned()).or_default();
        let matching = keys.iter().find_map(|key| {
            let value = fields.get(key).filter(|v| !v.is_null())?;
            let at = stored.iter().position(|r| r.get(key) == Some(value))?;
            Some((key.clone(), at))
        });
        if std::mem::take(&mut duplicate) {
            let target = matching
                .as_ref()
                .map(|(_, at)| *at)
                .or(stored.len().checked_sub(1));
            if let Some(id) = target
                .and_then(|at| stored.get(at))
                .and_then(|r| r.get("id"))
                .cloned()
            {
                let field = keys.first().cloned().unwrap_or_else(|| "id".to_owned());
                elements.push(element_error("DUPLICATE_DATA", "duplicate data", json!({
                    "api_name": field, "json_path": format!("$.data[{i}].{field}"),
                    "duplicate_record": { "module": { "api_name": module, "id": "5725767000000002175" }, "id": id, "Owner": { "name": "Fake User", "id": "5725767000000411001" } },
                })));
                continue;
            }
        }
        match matching.and_then(|(key, at)| Some((key, stored.get_mut(at)?))) {
            Some((key, existing)) => {
                merge(existing, fields);
                let id = existing["id"].as_str().unwrap_or_default().to_owned();
                elements.push(success(&id, Some("update"), Some(&key)));
            }
            None => {
                let id = data.id();
                let mut record = fields.clone();
                record.insert("id".to_owned(), json!(id));
                data.records
                    .entry(module.to_owned())
                    .or_default()
                    .push(Value::Object(record));
                elements.push(success(&id, Some("insert"), None));
            }
        }
    }
    write_answer(elements)
}

/// `PUT /crm/v8/{module}/{id}`.
fn update(data: &mut Data, module: &str, id: &str, body: Option<&Value>) -> Answer {
    let records = match records(body) {
        Ok(records) => records,
        Err(answer) => return answer,
    };
    let stored = data.records.entry(module.to_owned()).or_default();
    let existing = stored.iter_mut().find(|r| r["id"] == id);
    let (Some(existing), Some(fields)) = (existing, records.first().and_then(Value::as_object))
    else {
        return write_answer(vec![element_error(
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({ "api_name": "id", "json_path": "$.data[0].id" }),
        )]);
    };
    merge(existing, fields);
    write_answer(vec![success(id, None, None)])
}

fn merge(existing: &mut Value, fields: &Map<String, Value>) {
    if let Some(object) = existing.as_object_mut() {
        for (name, value) in fields {
            if name != "id" {
                object.insert(name.clone(), value.clone());
            }
        }
    }
}
