//! [`OrderRepository`] in the database: orders with their lines, an
//! idempotency key per order (a unique column), and status changes that move
//! stock in the same transaction.

use features::catalog::{Sku, Unit};
use features::orders::{Order, OrderLine, OrderRepository, OrderStatus, TransitionError};
use features::shared::{Currency, CustomerPhone, Money, OrderId, RepositoryError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order as SortOrder, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult};

use crate::products::repo_error;
use crate::schema::{OrderLines, Orders, Products};
use infra_sql::Database;

/// Orders in a [`Database`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbOrderRepository {
    db: Database,
}

impl DbOrderRepository {
    /// Orders in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    async fn load(&self, rows: Vec<QueryResult>) -> Result<Vec<Order>, RepositoryError> {
        let mut orders = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("", "id").map_err(repo_error)?;
            let lines = self.lines(id).await?;
            orders.push(order_from_row(row, lines)?);
        }
        Ok(orders)
    }

    async fn lines(&self, order_id: i64) -> Result<Vec<OrderLine>, RepositoryError> {
        let select = Query::select()
            .columns([
                OrderLines::Sku,
                OrderLines::Name,
                OrderLines::Unit,
                OrderLines::Quantity,
                OrderLines::UnitPriceMinor,
            ])
            .expr_as(Expr::col((Orders::Table, Orders::Currency)), "currency")
            .from(OrderLines::Table)
            .inner_join(
                Orders::Table,
                Expr::col((Orders::Table, Orders::Id))
                    .equals((OrderLines::Table, OrderLines::OrderId)),
            )
            .and_where(Expr::col((OrderLines::Table, OrderLines::OrderId)).eq(order_id))
            .order_by(OrderLines::Position, SortOrder::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(line_from_row).collect()
    }

    fn order_select() -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .columns([
                Orders::Id,
                Orders::CustomerPhone,
                Orders::Currency,
                Orders::Status,
                Orders::CreatedAtMs,
            ])
            .from(Orders::Table)
            .to_owned()
    }
}

fn corrupt(what: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(what.to_string())
}

fn line_from_row(row: &QueryResult) -> Result<OrderLine, RepositoryError> {
    let s = |col: &str| row.try_get::<String>("", col).map_err(repo_error);
    let sku = s("sku")?;
    let quantity: i64 = row.try_get("", "quantity").map_err(repo_error)?;
    let price: i64 = row.try_get("", "unit_price_minor").map_err(repo_error)?;
    let currency = Currency::parse(&s("currency")?).map_err(corrupt)?;
    OrderLine::new(
        Sku::parse(&sku).map_err(|e| corrupt(format!("order line {sku:?}: {e}")))?,
        s("name")?,
        Unit::parse(&s("unit")?).map_err(|e| corrupt(format!("order line {sku}: {e}")))?,
        u32::try_from(quantity).map_err(|e| corrupt(format!("order line {sku}: {e}")))?,
        Money::new(price, currency),
    )
    .map_err(|e| corrupt(format!("order line {sku}: {e}")))
}

fn order_from_row(row: &QueryResult, lines: Vec<OrderLine>) -> Result<Order, RepositoryError> {
    let s = |col: &str| row.try_get::<String>("", col).map_err(repo_error);
    let id: i64 = row.try_get("", "id").map_err(repo_error)?;
    let created: i64 = row.try_get("", "created_at_ms").map_err(repo_error)?;
    let status = s("status")?;
    Ok(Order::restore(
        OrderId::new(id),
        CustomerPhone::parse(&s("customer_phone")?)
            .map_err(|e| corrupt(format!("order {id}: {e}")))?,
        Currency::parse(&s("currency")?).map_err(|e| corrupt(format!("order {id}: {e}")))?,
        OrderStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("order {id}: status {status:?}")))?,
        lines,
        created,
    ))
}

async fn exec<S>(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    stmt: &S,
) -> Result<u64, RepositoryError>
where
    S: sea_orm::StatementBuilder,
{
    Ok(txn
        .execute_raw(backend.build(stmt))
        .await
        .map_err(repo_error)?
        .rows_affected())
}

/// Takes `quantity` of `sku` from tracked stock, or says how much there is.
async fn take_stock(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    sku: &Sku,
    quantity: u32,
) -> Result<(), TransitionError> {
    let q = i64::from(quantity);
    let take = Query::update()
        .table(Products::Table)
        .value(Products::Stock, Expr::col(Products::Stock).sub(q))
        .and_where(Expr::col(Products::Sku).eq(sku.as_str()))
        .and_where(Expr::col(Products::Stock).is_not_null())
        .and_where(Expr::col(Products::Stock).gte(q))
        .to_owned();
    if exec(txn, backend, &take).await? == 1 {
        return Ok(());
    }
    let select = Query::select()
        .column(Products::Stock)
        .from(Products::Table)
        .and_where(Expr::col(Products::Sku).eq(sku.as_str()))
        .to_owned();
    let row = txn
        .query_one_raw(backend.build(&select))
        .await
        .map_err(repo_error)?;
    let stock: Option<i64> = match row {
        Some(row) => row.try_get("", "stock").map_err(repo_error)?,
        None => None, // no such product any more: nothing to track
    };
    match stock {
        None => Ok(()),
        Some(available) => Err(TransitionError::OutOfStock {
            sku: sku.clone(),
            available: u32::try_from(std::cmp::max(available, 0)).unwrap_or(u32::MAX),
        }),
    }
}

async fn return_stock(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    sku: &Sku,
    quantity: u32,
) -> Result<(), RepositoryError> {
    let put = Query::update()
        .table(Products::Table)
        .value(
            Products::Stock,
            Expr::col(Products::Stock).add(i64::from(quantity)),
        )
        .and_where(Expr::col(Products::Sku).eq(sku.as_str()))
        .and_where(Expr::col(Products::Stock).is_not_null())
        .to_owned();
    exec(txn, backend, &put).await?;
    Ok(())
}

impl OrderRepository for DbOrderRepository {
    async fn insert(&self, order: &Order, idempotency_key: &str) -> Result<Order, RepositoryError> {
        if let Some(id) = order.id() {
            return Err(corrupt(format!(
                "order {} is stored already; insert takes new orders only",
                id.get()
            )));
        }
        let backend = self.db.backend();
        let now = self.db.now_ms();
        let txn = self.db.begin().await.map_err(repo_error)?;
        let insert = Query::insert()
            .into_table(Orders::Table)
            .columns([
                Orders::ShopId,
                Orders::CustomerPhone,
                Orders::Currency,
                Orders::Status,
                Orders::TotalMinor,
                Orders::IdempotencyKey,
                Orders::CreatedAtMs,
                Orders::UpdatedAtMs,
            ])
            .values([
                1_i64.into(),
                order.customer().as_str().into(),
                order.currency().code().into(),
                order.status().as_str().into(),
                order.total().minor().into(),
                idempotency_key.into(),
                order.created_at_ms().into(),
                now.into(),
            ])
            .map_err(repo_error)?
            .on_conflict(
                OnConflict::column(Orders::IdempotencyKey)
                    .do_nothing()
                    .to_owned(),
            )
            .returning_col(Orders::Id)
            .to_owned();
        let created = txn
            .query_one_raw(backend.build(&insert))
            .await
            .map_err(repo_error)?;
        let id: i64 = match created {
            Some(row) => row.try_get("", "id").map_err(repo_error)?,
            None => {
                // The key was used: this is a replay. Hand back that order.
                let select = Query::select()
                    .column(Orders::Id)
                    .from(Orders::Table)
                    .and_where(Expr::col(Orders::IdempotencyKey).eq(idempotency_key))
                    .to_owned();
                let row = txn
                    .query_one_raw(backend.build(&select))
                    .await
                    .map_err(repo_error)?
                    .ok_or_else(|| corrupt("idempotency key conflicted but no order holds it"))?;
                let existing: i64 = row.try_get("", "id").map_err(repo_error)?;
                txn.commit().await.map_err(repo_error)?;
                return self
                    .get(OrderId::new(existing))
                    .await?
                    .ok_or_else(|| corrupt(format!("order {existing} vanished")));
            }
        };
        for (position, line) in order.lines().iter().enumerate() {
            let insert = Query::insert()
                .into_table(OrderLines::Table)
                .columns([
                    OrderLines::OrderId,
                    OrderLines::Position,
                    OrderLines::Sku,
                    OrderLines::Name,
                    OrderLines::Unit,
                    OrderLines::Quantity,
                    OrderLines::UnitPriceMinor,
                ])
                .values([
                    id.into(),
                    i32::try_from(position).unwrap_or(i32::MAX).into(),
                    line.sku().as_str().into(),
                    line.name().into(),
                    line.unit().as_str().into(),
                    i64::from(line.quantity()).into(),
                    line.unit_price().minor().into(),
                ])
                .map_err(repo_error)?
                .to_owned();
            exec(&txn, backend, &insert).await?;
        }
        txn.commit().await.map_err(repo_error)?;
        Ok(order.clone().with_id(OrderId::new(id)))
    }

    async fn get(&self, id: OrderId) -> Result<Option<Order>, RepositoryError> {
        let select = Self::order_select()
            .and_where(Expr::col(Orders::Id).eq(id.get()))
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        Ok(self.load(rows).await?.pop())
    }

    async fn list_for_customer(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> Result<Vec<Order>, RepositoryError> {
        let select = Self::order_select()
            .and_where(Expr::col(Orders::CustomerPhone).eq(customer.as_str()))
            .order_by(Orders::CreatedAtMs, SortOrder::Desc)
            .order_by(Orders::Id, SortOrder::Desc)
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        self.load(rows).await
    }

    async fn list(
        &self,
        status: Option<OrderStatus>,
        before: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<Order>, RepositoryError> {
        let mut select = Self::order_select()
            .order_by(Orders::Id, SortOrder::Desc)
            .limit(u64::from(limit))
            .to_owned();
        if let Some(status) = status {
            select.and_where(Expr::col(Orders::Status).eq(status.as_str()));
        }
        if let Some(before) = before {
            select.and_where(Expr::col(Orders::Id).lt(before.get()));
        }
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        self.load(rows).await
    }

    async fn transition(&self, order: &Order, from: OrderStatus) -> Result<(), TransitionError> {
        let Some(id) = order.id() else {
            return Err(TransitionError::Backend(corrupt(
                "an order must be stored before its status changes",
            )));
        };
        let to = order.status();
        let backend = self.db.backend();
        let txn = self.db.begin().await.map_err(repo_error)?;
        let update = Query::update()
            .table(Orders::Table)
            .value(Orders::Status, to.as_str())
            .value(Orders::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Orders::Id).eq(id.get()))
            .and_where(Expr::col(Orders::Status).eq(from.as_str()))
            .to_owned();
        if exec(&txn, backend, &update).await? != 1 {
            // Dropping the transaction rolls it back.
            return Err(TransitionError::Conflict);
        }
        // Product rows are locked in one global order (by SKU), so two
        // orders of the same products in different orders cannot deadlock.
        let mut lines: Vec<_> = order.lines().iter().collect();
        lines.sort_by(|a, b| a.sku().as_str().cmp(b.sku().as_str()));
        match (from, to) {
            (OrderStatus::Draft, OrderStatus::Confirmed) => {
                for line in &lines {
                    take_stock(&txn, backend, line.sku(), line.quantity()).await?;
                }
            }
            (OrderStatus::Confirmed, OrderStatus::Cancelled) => {
                for line in &lines {
                    return_stock(&txn, backend, line.sku(), line.quantity()).await?;
                }
            }
            _ => {}
        }
        txn.commit().await.map_err(repo_error)?;
        Ok(())
    }
}
