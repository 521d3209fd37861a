//! [`DbInvoiceRepository`]: invoices and their lines; the shop's invoice
//! counter (`shops.invoice_seq`) is taken in the same transaction as the
//! invoice is stored, so numbers have no gaps and no duplicates: a failed
//! store rolls the counter back, and the counter's row lock makes
//! concurrent issuers take turns. `invoices.order_id` is unique: one
//! invoice per order, whatever the number of workers.

use features::invoices::{
    GstRate, Invoice, InvoiceError, InvoiceLine, InvoiceNumber, InvoiceRepository, InvoiceStatus,
};
use features::shared::{Currency, CustomerPhone, Money, OrderId, RepositoryError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, QueryResult};

use crate::products::repo_error;
use crate::schema::{InvoiceLines, Invoices, Orders, Shops};
use infra_sql::Database;

/// The shop every invoice belongs to (one shop per deployment for now).
const SHOP: i64 = 1;

/// An invoice's columns as read back (the insert adds the shop and the
/// total; the select, the id).
const STORED: [Invoices; 12] = [
    Invoices::NumberSeq,
    Invoices::OrderId,
    Invoices::CustomerPhone,
    Invoices::Currency,
    Invoices::Gstin,
    Invoices::IssuedAtMs,
    Invoices::DueAtMs,
    Invoices::Status,
    Invoices::PaidReference,
    Invoices::PaidAtMs,
    Invoices::VoidReason,
    Invoices::Buyer,
];

/// Invoices in the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbInvoiceRepository {
    db: Database,
}

impl DbInvoiceRepository {
    /// Invoices in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    fn select() -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .columns([Invoices::Id].into_iter().chain(STORED))
            .from(Invoices::Table)
            .to_owned()
    }

    async fn load(&self, rows: Vec<QueryResult>) -> Result<Vec<Invoice>, RepositoryError> {
        let mut invoices = Vec::with_capacity(rows.len());
        for row in &rows {
            invoices.push(self.restore(row).await?);
        }
        Ok(invoices)
    }

    async fn restore(&self, row: &QueryResult) -> Result<Invoice, RepositoryError> {
        let get_i = |c: &str| row.try_get::<i64>("", c).map_err(repo_error);
        let get_s = |c: &str| row.try_get::<String>("", c).map_err(repo_error);
        let get_o = |c: &str| row.try_get::<Option<String>>("", c).map_err(repo_error);
        let id = get_i("id")?;
        let corrupt = |what: String| RepositoryError::Corrupt(format!("invoice {id}: {what}"));
        let currency = Currency::parse(&get_s("currency")?).map_err(|e| corrupt(e.to_string()))?;
        let status = match get_s("status")?.as_str() {
            "issued" => InvoiceStatus::Issued,
            "paid" => InvoiceStatus::Paid {
                reference: get_o("paid_reference")?.unwrap_or_default(),
                paid_at_ms: row
                    .try_get::<Option<i64>>("", "paid_at_ms")
                    .map_err(repo_error)?
                    .unwrap_or_default(),
            },
            "void" => InvoiceStatus::Void {
                reason: get_o("void_reason")?.unwrap_or_default(),
            },
            other => return Err(corrupt(format!("status {other:?}"))),
        };
        let select = Query::select()
            .columns([
                InvoiceLines::Description,
                InvoiceLines::Quantity,
                InvoiceLines::Unit,
                InvoiceLines::UnitPriceMinor,
                InvoiceLines::RateBp,
                InvoiceLines::TaxableMinor,
                InvoiceLines::CgstMinor,
                InvoiceLines::SgstMinor,
                InvoiceLines::TotalMinor,
            ])
            .from(InvoiceLines::Table)
            .and_where(Expr::col(InvoiceLines::InvoiceId).eq(id))
            .order_by(InvoiceLines::Position, Order::Asc)
            .to_owned();
        let mut lines = Vec::new();
        for l in self.db.all(&select).await.map_err(repo_error)? {
            let int = |c: &str| l.try_get::<i64>("", c).map_err(repo_error);
            let money = |c: &str| int(c).map(|v| Money::new(v, currency));
            let rate = u32::try_from(int("rate_bp")?).map_err(|e| corrupt(e.to_string()))?;
            lines.push(InvoiceLine {
                description: l.try_get("", "description").map_err(repo_error)?,
                quantity: u32::try_from(int("quantity")?).map_err(|e| corrupt(e.to_string()))?,
                unit: l.try_get("", "unit").map_err(repo_error)?,
                unit_price: money("unit_price_minor")?,
                rate: GstRate::from_basis_points(rate).map_err(|e| corrupt(e.to_string()))?,
                taxable: money("taxable_minor")?,
                cgst: money("cgst_minor")?,
                sgst: money("sgst_minor")?,
                total: money("total_minor")?,
            });
        }
        let buyer = get_o("buyer")?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| corrupt(format!("buyer: {e}")))?;
        Ok(Invoice::restore(
            InvoiceNumber::new(
                u64::try_from(get_i("number_seq")?).map_err(|e| corrupt(e.to_string()))?,
            ),
            OrderId::new(get_i("order_id")?),
            CustomerPhone::parse(&get_s("customer_phone")?).map_err(|e| corrupt(e.to_string()))?,
            currency,
            lines,
            get_o("gstin")?,
            get_i("issued_at_ms")?,
            get_i("due_at_ms")?,
            status,
        )
        .with_buyer(buyer))
    }

    async fn invoice_of(&self, order: OrderId) -> Result<Option<Invoice>, RepositoryError> {
        let select = Self::select()
            .and_where(Expr::col(Invoices::OrderId).eq(order.get()))
            .to_owned();
        match self.db.one(&select).await.map_err(repo_error)? {
            Some(row) => Ok(Some(self.restore(&row).await?)),
            None => Ok(None),
        }
    }
}

impl InvoiceRepository for DbInvoiceRepository {
    async fn issue_for_order<F>(&self, order: OrderId, make: F) -> Result<Invoice, InvoiceError>
    where
        F: FnOnce(InvoiceNumber) -> Result<Invoice, InvoiceError> + Send,
    {
        if let Some(existing) = self.invoice_of(order).await? {
            return Ok(existing);
        }
        let backend = self.db.backend();
        let txn = self.db.begin().await.map_err(repo_error)?;
        // The order must still be confirmed; the no-op update locks its row
        // until this commits, so a cancellation waits for the invoice (and
        // then voids it) instead of slipping in between.
        let still_confirmed = Query::update()
            .table(Orders::Table)
            .value(Orders::Status, Expr::col(Orders::Status))
            .and_where(Expr::col(Orders::Id).eq(order.get()))
            .and_where(Expr::col(Orders::Status).is_in(["confirmed", "dispatched", "delivered"]))
            .to_owned();
        if txn
            .execute_raw(backend.build(&still_confirmed))
            .await
            .map_err(repo_error)?
            .rows_affected()
            != 1
        {
            return Err(InvoiceError::OrderNotConfirmed(order));
        }
        // The counter's row lock makes concurrent issuers take turns; the
        // rollback of a failed issue gives the number back.
        let take = Query::update()
            .table(Shops::Table)
            .value(Shops::InvoiceSeq, Expr::col(Shops::InvoiceSeq).add(1))
            .and_where(Expr::col(Shops::Id).eq(SHOP))
            .returning_col(Shops::InvoiceSeq)
            .to_owned();
        let row = txn
            .query_one_raw(backend.build(&take))
            .await
            .map_err(repo_error)?
            .ok_or_else(|| RepositoryError::Corrupt(format!("shop {SHOP} does not exist")))?;
        let seq: i64 = row.try_get("", "invoice_seq").map_err(repo_error)?;
        let number = InvoiceNumber::new(u64::try_from(seq).unwrap_or_default());
        let invoice = make(number)?;
        let (status, reference, paid_at, reason) = match invoice.status() {
            InvoiceStatus::Issued => ("issued", None, None, None),
            InvoiceStatus::Paid {
                reference,
                paid_at_ms,
            } => ("paid", Some(reference.clone()), Some(*paid_at_ms), None),
            InvoiceStatus::Void { reason } => ("void", None, None, Some(reason.clone())),
        };
        let buyer = invoice
            .buyer()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| RepositoryError::Corrupt(format!("invoice buyer: {e}")))?;
        let insert = Query::insert()
            .into_table(Invoices::Table)
            .columns(
                [Invoices::ShopId]
                    .into_iter()
                    .chain(STORED)
                    .chain([Invoices::TotalMinor]),
            )
            .values([
                SHOP.into(),
                seq.into(),
                order.get().into(),
                invoice.customer().as_str().into(),
                invoice.currency().code().into(),
                invoice.gstin().map(str::to_owned).into(),
                invoice.issued_at_ms().into(),
                invoice.due_at_ms().into(),
                status.into(),
                reference.into(),
                paid_at.into(),
                reason.into(),
                buyer.into(),
                invoice.total().minor().into(),
            ])
            .map_err(repo_error)?
            .on_conflict(
                OnConflict::column(Invoices::OrderId)
                    .do_nothing()
                    .to_owned(),
            )
            .returning_col(Invoices::Id)
            .to_owned();
        let Some(row) = txn
            .query_one_raw(backend.build(&insert))
            .await
            .map_err(repo_error)?
        else {
            // Another worker issued this order's invoice meanwhile: give
            // the number back (rollback) and hand over theirs.
            drop(txn);
            return self.invoice_of(order).await?.ok_or_else(|| {
                RepositoryError::Corrupt(format!(
                    "order {} conflicted but has no invoice",
                    order.get()
                ))
                .into()
            });
        };
        let id: i64 = row.try_get("", "id").map_err(repo_error)?;
        for (position, line) in invoice.lines().iter().enumerate() {
            let insert = Query::insert()
                .into_table(InvoiceLines::Table)
                .columns([
                    InvoiceLines::InvoiceId,
                    InvoiceLines::Position,
                    InvoiceLines::Description,
                    InvoiceLines::Quantity,
                    InvoiceLines::Unit,
                    InvoiceLines::UnitPriceMinor,
                    InvoiceLines::RateBp,
                    InvoiceLines::TaxableMinor,
                    InvoiceLines::CgstMinor,
                    InvoiceLines::SgstMinor,
                    InvoiceLines::TotalMinor,
                ])
                .values([
                    id.into(),
                    i32::try_from(position).unwrap_or(i32::MAX).into(),
                    line.description.clone().into(),
                    i64::from(line.quantity).into(),
                    line.unit.clone().into(),
                    line.unit_price.minor().into(),
                    i64::from(line.rate.basis_points()).into(),
                    line.taxable.minor().into(),
                    line.cgst.minor().into(),
                    line.sgst.minor().into(),
                    line.total.minor().into(),
                ])
                .map_err(repo_error)?
                .to_owned();
            txn.execute_raw(backend.build(&insert))
                .await
                .map_err(repo_error)?;
        }
        txn.commit().await.map_err(repo_error)?;
        Ok(invoice)
    }

    async fn for_order(&self, order: OrderId) -> Result<Option<Invoice>, RepositoryError> {
        self.invoice_of(order).await
    }

    async fn save_status(&self, invoice: &Invoice) -> Result<bool, RepositoryError> {
        let mut update = Query::update()
            .table(Invoices::Table)
            .value(Invoices::Status, invoice.status().as_str())
            .and_where(Expr::col(Invoices::ShopId).eq(SHOP))
            .and_where(
                Expr::col(Invoices::NumberSeq)
                    .eq(i64::try_from(invoice.number().seq()).unwrap_or(-1)),
            )
            .and_where(Expr::col(Invoices::Status).eq("issued"))
            .to_owned();
        match invoice.status() {
            InvoiceStatus::Issued => return Ok(false),
            InvoiceStatus::Paid {
                reference,
                paid_at_ms,
            } => {
                update
                    .value(Invoices::PaidReference, reference.clone())
                    .value(Invoices::PaidAtMs, *paid_at_ms);
            }
            InvoiceStatus::Void { reason } => {
                update.value(Invoices::VoidReason, reason.clone());
            }
        }
        Ok(self.db.exec(&update).await.map_err(repo_error)? == 1)
    }

    async fn by_number(&self, number: InvoiceNumber) -> Result<Option<Invoice>, RepositoryError> {
        let select = Self::select()
            .and_where(Expr::col(Invoices::ShopId).eq(SHOP))
            .and_where(Expr::col(Invoices::NumberSeq).eq(i64::try_from(number.seq()).unwrap_or(-1)))
            .to_owned();
        match self.db.one(&select).await.map_err(repo_error)? {
            Some(row) => Ok(Some(self.restore(&row).await?)),
            None => Ok(None),
        }
    }

    async fn for_customer(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> Result<Vec<Invoice>, RepositoryError> {
        let select = Self::select()
            .and_where(Expr::col(Invoices::CustomerPhone).eq(customer.as_str()))
            .order_by(Invoices::IssuedAtMs, Order::Desc)
            .order_by(Invoices::Id, Order::Desc)
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        self.load(rows).await
    }

    async fn list(
        &self,
        before: Option<InvoiceNumber>,
        limit: u32,
    ) -> Result<Vec<Invoice>, RepositoryError> {
        let mut select = Self::select()
            .and_where(Expr::col(Invoices::ShopId).eq(SHOP))
            .order_by(Invoices::NumberSeq, Order::Desc)
            .limit(u64::from(limit))
            .to_owned();
        if let Some(before) = before {
            select.and_where(
                Expr::col(Invoices::NumberSeq).lt(i64::try_from(before.seq()).unwrap_or(i64::MAX)),
            );
        }
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        self.load(rows).await
    }
}
