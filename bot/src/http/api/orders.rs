//! `GET /api/orders` (every customer's orders, newest first, by status)
//! and `GET /api/orders/{number}`, through [`OrderService`](features::orders::OrderService).

use axum::Json;
use axum::extract::State;
use features::orders::{GetOrder, ListOrders, Order, OrderStatus};
use features::shared::{OrderId, OrderNumber};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use super::problem::{ApiError, Problem};
use super::{MoneyView, timestamp};
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatusView {
    /// Being put together.
    Draft,
    /// Accepted by the customer; its stock is taken.
    Confirmed,
    /// Called off.
    Cancelled,
    /// On its way.
    Dispatched,
    /// Handed over.
    Delivered,
}

impl From<OrderStatus> for OrderStatusView {
    fn from(status: OrderStatus) -> Self {
        match status {
            OrderStatus::Draft => Self::Draft,
            OrderStatus::Confirmed => Self::Confirmed,
            OrderStatus::Cancelled => Self::Cancelled,
            OrderStatus::Dispatched => Self::Dispatched,
            OrderStatus::Delivered => Self::Delivered,
        }
    }
}

impl From<OrderStatusView> for OrderStatus {
    fn from(status: OrderStatusView) -> Self {
        match status {
            OrderStatusView::Draft => Self::Draft,
            OrderStatusView::Confirmed => Self::Confirmed,
            OrderStatusView::Cancelled => Self::Cancelled,
            OrderStatusView::Dispatched => Self::Dispatched,
            OrderStatusView::Delivered => Self::Delivered,
        }
    }
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderView {
    /// The storage id.
    pub id: i64,
    /// The number the customer sees, e.g. `ORD-00042`.
    pub number: String,
    /// The customer (E.164).
    pub customer: String,
    /// Where it is in its life.
    pub status: OrderStatusView,
    /// The sum of its lines.
    pub total: MoneyView,
    /// Its lines, in order.
    pub lines: Vec<OrderLineView>,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
}

/// A line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderLineView {
    /// The product's SKU.
    pub sku: String,
    /// The product's name when ordered.
    pub name: String,
    /// The unit, e.g. `bag`.
    pub unit: String,
    /// How many units.
    pub quantity: u32,
    /// The price of one unit when ordered.
    pub unit_price: MoneyView,
    /// `quantity` × `unit_price`.
    pub total: MoneyView,
}

impl OrderView {
    fn of(order: &Order) -> Self {
        let id = order.id().map_or(0, OrderId::get);
        Self {
            id,
            number: OrderNumber::from(OrderId::new(id)).to_string(),
            customer: order.customer().as_str().to_owned(),
            status: order.status().into(),
            total: order.total().into(),
            lines: order
                .lines()
                .iter()
                .map(|l| OrderLineView {
                    sku: l.sku().as_str().to_owned(),
                    name: l.name().to_owned(),
                    unit: l.unit().as_str().to_owned(),
                    quantity: l.quantity(),
                    unit_price: l.unit_price().into(),
                    total: l.line_total().into(),
                })
                .collect(),
            created_at: timestamp(order.created_at_ms()),
        }
    }
}

/// The query of `GET /api/orders`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    /// Orders per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// Only orders in this status.
    #[param(inline)]
    pub status: Option<OrderStatusView>,
}

/// Every customer's orders, newest first.
#[utoipa::path(
    get,
    path = "/orders",
    tag = "orders",
    params(OrderListQuery),
    responses(
        (status = 200, description = "A page of orders, newest first", body = Page<OrderView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_orders(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<OrderListQuery>,
) -> Result<Json<Page<OrderView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    let orders = services
        .shop
        .orders
        .list_orders(ListOrders {
            status: query.status.map(Into::into),
            before: paging.before().map(OrderId::new),
            limit: paging.fetch(),
        })
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(paging.keyset(
        orders,
        |o| o.id().map_or(0, OrderId::get),
        |o| OrderView::of(&o),
    )))
}

/// One order.
#[utoipa::path(
    get,
    path = "/orders/{number}",
    tag = "orders",
    params(("number" = String, Path, description = "The order's number (`ORD-00042`) or id (`42`)", pattern = "^(ORD-)?0*[1-9][0-9]{0,17}$")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 400, description = "Not an order number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_order(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order_id = OrderNumber::parse(&number)
        .ok_or_else(|| ApiError::invalid("number", "not an order number like ORD-00042"))?;
    let order = services
        .shop
        .orders
        .get_order(GetOrder { order_id })
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::NotFound(format!("there is no order {number}")))?;
    Ok(Json(OrderView::of(&order)))
}
