//! Zoho's JSON, as it comes over the wire. These types never leave the
//! module: the client turns them into [`Product`](super::Product),
//! [`Upserted`](super::Upserted) and [`ZohoError`](super::ZohoError).

use serde::Deserialize;
use serde_json::Value;

/// The accounts server's answer to a refresh: a token, or (with HTTP 200)
/// an error such as `{"error":"Access Denied"}` or
/// `{"error":"invalid_client"}`.
#[derive(Debug, Deserialize)]
pub(super) struct TokenAnswer {
    pub(super) access_token: Option<String>,
    /// Seconds; 3600 when absent.
    pub(super) expires_in: Option<u64>,
    pub(super) error: Option<String>,
    pub(super) error_description: Option<String>,
}

/// The error envelope of the CRM API:
/// `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ApiError {
    #[serde(default)]
    pub(super) code: Option<String>,
    #[serde(default)]
    pub(super) message: Option<String>,
    #[serde(default)]
    pub(super) details: Value,
}

/// One page of `GET /crm/v8/{module}`.
#[derive(Debug, Deserialize)]
pub(super) struct RecordsPage {
    #[serde(default)]
    pub(super) data: Vec<ProductRecord>,
    #[serde(default)]
    pub(super) info: PageInfo,
}

/// A page's `info`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageInfo {
    #[serde(default)]
    pub(super) more_records: bool,
    #[serde(default)]
    pub(super) next_page_token: Option<String>,
}

/// A product record with the fields we ask for.
#[derive(Debug, Deserialize)]
pub(super) struct ProductRecord {
    pub(super) id: String,
    #[serde(rename = "Product_Name", default)]
    pub(super) product_name: Option<String>,
    #[serde(rename = "Product_Code", default)]
    pub(super) product_code: Option<String>,
    #[serde(rename = "Unit_Price", default)]
    pub(super) unit_price: Option<serde_json::Number>,
    #[serde(rename = "Qty_in_Stock", default)]
    pub(super) qty_in_stock: Option<f64>,
    #[serde(rename = "Product_Active", default)]
    pub(super) product_active: Option<bool>,
}

/// The answer of a write (insert, update, upsert): one element per record,
/// in order, each a success or an error (HTTP 201, 200, 207 or 400).
#[derive(Debug, Deserialize)]
pub(super) struct WriteAnswer {
    pub(super) data: Vec<WriteElement>,
}

/// One record's result:
/// `{"code":"SUCCESS","status":"success","message":"record added","action":"insert","duplicate_field":null,"details":{"id":"…",…}}`
/// or `{"code":"DUPLICATE_DATA","status":"error","details":{"duplicate_record":{"id":"…"},"api_name":"…","json_path":"…"},…}`.
#[derive(Debug, Deserialize)]
pub(super) struct WriteElement {
    #[serde(default)]
    pub(super) code: String,
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) message: String,
    #[serde(default)]
    pub(super) action: Option<String>,
    #[serde(default)]
    pub(super) details: Value,
}

impl WriteElement {
    /// `details.id` (a success).
    pub(super) fn id(&self) -> Option<&str> {
        self.details.get("id").and_then(Value::as_str)
    }

    /// `details.duplicate_record.id` (a `DUPLICATE_DATA` error).
    pub(super) fn duplicate_id(&self) -> Option<&str> {
        self.details
            .pointer("/duplicate_record/id")
            .and_then(Value::as_str)
    }

    /// `details.api_name`: the field an error is about.
    pub(super) fn api_name(&self) -> Option<&str> {
        self.details.get("api_name").and_then(Value::as_str)
    }
}

/// A decimal as Zoho sends it (`10.5`, `1999`) in hundredths, without
/// going through a float; `None` for more than two decimals, exponents or
/// values out of range.
pub(super) fn hundredths(number: &serde_json::Number) -> Option<i64> {
    let text = number.to_string();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let fraction = fraction.trim_end_matches('0');
    if whole.is_empty()
        || fraction.len() > 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    let value = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_read_exactly() {
        let read = |json: &str| hundredths(&serde_json::from_str(json).unwrap());
        assert_eq!(read("10.5"), Some(1050));
        assert_eq!(read("19.99"), Some(1999));
        assert_eq!(read("1999"), Some(199_900));
        assert_eq!(read("0.1"), Some(10));
        assert_eq!(read("-2.25"), Some(-225));
        assert_eq!(read("2.0"), Some(200));
        assert_eq!(read("2.125"), None);
        assert_eq!(read("1e300"), None);
    }

    #[test]
    fn write_elements_read_ids() {
        let answer: WriteAnswer = serde_json::from_str(
            r#"{"data":[
                {"code":"SUCCESS","status":"success","message":"record added","action":"insert","duplicate_field":null,"details":{"id":"42"}},
                {"code":"DUPLICATE_DATA","status":"error","message":"duplicate data","details":{"api_name":"Subject","json_path":"$.data[1].Subject","duplicate_record":{"id":"7","Owner":{"id":"1"}}}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(answer.data[0].id(), Some("42"));
        assert_eq!(answer.data[1].duplicate_id(), Some("7"));
        assert_eq!(answer.data[1].api_name(), Some("Subject"));
    }
}
