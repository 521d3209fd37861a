//! `/api/customers`: a customer's tags and consent (opt-out state, with
//! its scope, source and time), customers by tag, and the operator's
//! changes (tags, opt-out, opt-in), through
//! [`CustomerService`](features::customers::CustomerService).

use axum::Json;
use axum::extract::State;
use features::customers::{
    Consent, ConsentSource, CustomerError, CustomerProfile, CustomersWithTags, GetCustomer,
    OptInCustomer, OptOutCustomer, OptOutScope, Page as CustomerPageQuery, Tag, TagCustomer,
    TagMatch, UntagCustomer,
};
use features::shared::CustomerPhone;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use super::problem::{ApiError, FieldError, Problem};
use super::timestamp;
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_customers))
        .routes(routes!(get_customer))
        .routes(routes!(change_tags))
        .routes(routes!(opt_out))
        .routes(routes!(opt_in))
}

/// A customer's consent: subscribed, or opted out of something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ConsentView {
    /// `subscribed` or `opted_out`.
    pub state: String,
    /// Opted out: of `marketing` or `all` the shop starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Opted out: by `keyword`, `provider` or `operator`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The keyword written, or the provider's error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Opted out: when (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl ConsentView {
    fn of(consent: &Consent) -> Self {
        match consent {
            Consent::Subscribed => Self {
                state: "subscribed".to_owned(),
                scope: None,
                source: None,
                detail: None,
                at: None,
            },
            Consent::OptedOut(out) => Self {
                state: "opted_out".to_owned(),
                scope: Some(out.scope.as_str().to_owned()),
                source: Some(out.source.kind().to_owned()),
                detail: match &out.source {
                    ConsentSource::Keyword(word) => Some(word.clone()),
                    ConsentSource::Provider { code } => Some(code.clone()),
                    ConsentSource::Operator => None,
                },
                at: Some(timestamp(out.at_ms)),
            },
        }
    }
}

/// A customer: tags and consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CustomerView {
    /// Their number.
    pub phone: String,
    /// Their tags.
    pub tags: Vec<String>,
    /// Whether the shop may message them first.
    pub consent: ConsentView,
}

impl CustomerView {
    fn of(profile: &CustomerProfile) -> Self {
        Self {
            phone: profile.phone.as_str().to_owned(),
            tags: profile.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            consent: ConsentView::of(&profile.consent),
        }
    }
}

/// The query of `GET /api/customers`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Tags, comma-separated: customers with every one of them.
    pub tags: String,
    /// Customers per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// Tags to add and to take off.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsRequest {
    /// Tags to add.
    #[serde(default)]
    pub add: Vec<String>,
    /// Tags to take off.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// What an operator opts a customer out of.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptOutRequest {
    /// `marketing` (offers and campaigns) or `all` [default: all].
    #[serde(default)]
    pub scope: Option<String>,
}

fn phone(text: &str) -> Result<CustomerPhone, ApiError> {
    CustomerPhone::parse(text).map_err(|e| ApiError::invalid("phone", e.to_string()))
}

fn tags(field: &str, texts: &[String], errors: &mut Vec<FieldError>) -> Vec<Tag> {
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match Tag::parse(t) {
            Ok(tag) => Some(tag),
            Err(e) => {
                errors.push(FieldError::new(format!("{field}[{i}]"), e.to_string()));
                None
            }
        })
        .collect()
}

fn customer_error(e: CustomerError) -> ApiError {
    if e.is_user_error() {
        ApiError::invalid("tags", e.to_string())
    } else {
        ApiError::internal(e)
    }
}

async fn profile(services: &Services, customer: CustomerPhone) -> Result<CustomerView, ApiError> {
    let profile = services
        .shop
        .customers
        .customer(GetCustomer { customer })
        .await
        .map_err(customer_error)?;
    Ok(CustomerView::of(&profile))
}

/// Customers with every one of some tags, by number.
#[utoipa::path(
    get,
    path = "/customers",
    tag = "customers",
    params(CustomerListQuery),
    responses(
        (status = 200, description = "A page of customers, by number", body = Page<CustomerView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_customers(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<CustomerListQuery>,
) -> Result<Json<Page<CustomerView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    let mut errors = Vec::new();
    let texts: Vec<String> = query
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let wanted = tags("tags", &texts, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    if wanted.is_empty() {
        return Err(ApiError::invalid("tags", "name at least one tag"));
    }
    let after =
        match paging.after {
            None => None,
            Some(digits) => Some(CustomerPhone::parse(&format!("+{digits}")).map_err(|_| {
                ApiError::invalid("cursor", "not a cursor: pass a page's next_cursor")
            })?),
        };
    let found = services
        .shop
        .customers
        .find_customers(CustomersWithTags {
            tags: wanted,
            matching: TagMatch::All,
            page: CustomerPageQuery {
                after,
                limit: paging.fetch(),
            },
        })
        .await
        .map_err(customer_error)?;
    let views: Vec<CustomerView> = services
        .shop
        .customers
        .customers(found.customers)
        .await
        .map_err(customer_error)?
        .iter()
        .map(CustomerView::of)
        .collect();
    Ok(Json(paging.keyset(
        views,
        |v| v.phone.trim_start_matches('+').parse().unwrap_or(i64::MAX),
        |v| v,
    )))
}

/// A customer's tags and consent.
#[utoipa::path(
    get,
    path = "/customers/{phone}",
    tag = "customers",
    params(("phone" = String, Path, description = "The customer's number (E.164)", pattern = "^\\+[1-9][0-9]{6,14}$")),
    responses(
        (status = 200, description = "The customer's tags and consent", body = CustomerView),
        (status = 400, description = "Not a phone number", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_customer(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<CustomerView>, ApiError> {
    Ok(Json(profile(&services, phone(&number)?).await?))
}

/// Adds and takes off tags.
#[utoipa::path(
    post,
    path = "/customers/{phone}/tags",
    tag = "customers",
    params(("phone" = String, Path, description = "The customer's number (E.164)", pattern = "^\\+[1-9][0-9]{6,14}$")),
    request_body(content = TagsRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The customer, tagged", body = CustomerView),
        (status = 400, description = "A bad number or tag, named", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_tags(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
    ApiJson(request): ApiJson<TagsRequest>,
) -> Result<Json<CustomerView>, ApiError> {
    let customer = phone(&number)?;
    let mut errors = Vec::new();
    let add = tags("add", &request.add, &mut errors);
    let remove = tags("remove", &request.remove, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let customers = &services.shop.customers;
    if !add.is_empty() {
        customers
            .tag(TagCustomer {
                customer: customer.clone(),
                tags: add,
            })
            .await
            .map_err(customer_error)?;
    }
    if !remove.is_empty() {
        customers
            .untag(UntagCustomer {
                customer: customer.clone(),
                tags: remove,
            })
            .await
            .map_err(customer_error)?;
    }
    Ok(Json(profile(&services, customer).await?))
}

/// Opts a customer out (source: operator).
#[utoipa::path(
    post,
    path = "/customers/{phone}/opt-out",
    tag = "customers",
    params(("phone" = String, Path, description = "The customer's number (E.164)", pattern = "^\\+[1-9][0-9]{6,14}$")),
    request_body(content = OptOutRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The customer, opted out", body = CustomerView),
        (status = 400, description = "A bad number or scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn opt_out(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
    ApiJson(request): ApiJson<OptOutRequest>,
) -> Result<Json<CustomerView>, ApiError> {
    let customer = phone(&number)?;
    let scope = match request.scope.as_deref() {
        None => OptOutScope::All,
        Some(text) => OptOutScope::parse(text)
            .ok_or_else(|| ApiError::invalid("scope", "marketing or all"))?,
    };
    services
        .shop
        .customers
        .opt_out(OptOutCustomer {
            customer: customer.clone(),
            scope,
            source: ConsentSource::Operator,
        })
        .await
        .map_err(customer_error)?;
    Ok(Json(profile(&services, customer).await?))
}

/// Opts a customer back in.
#[utoipa::path(
    post,
    path = "/customers/{phone}/opt-in",
    tag = "customers",
    params(("phone" = String, Path, description = "The customer's number (E.164)", pattern = "^\\+[1-9][0-9]{6,14}$")),
    responses(
        (status = 200, description = "The customer, subscribed", body = CustomerView),
        (status = 400, description = "Not a phone number", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn opt_in(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<CustomerView>, ApiError> {
    let customer = phone(&number)?;
    services
        .shop
        .customers
        .opt_in(OptInCustomer {
            customer: customer.clone(),
        })
        .await
        .map_err(customer_error)?;
    Ok(Json(profile(&services, customer).await?))
}
