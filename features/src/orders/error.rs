//! [`OrderError`]: why an order operation failed.

use super::domain::OrderStatus;
use super::ports::TransitionError;
use crate::catalog::{ParseError, Sku};
use crate::shared::RepositoryError;

/// Why an order operation failed.
///
/// # Handling
///
/// [`OrderError::is_user_error`] separates what to tell the customer (the
/// `Display` text is written for them) from what to log with its cause
/// chain and answer with a generic apology ([`OrderError::Unexpected`],
/// [`OrderError::CurrencyMismatch`]).
///
/// [`OrderService::place_order`](super::OrderService::place_order) refuses
/// with a user error and orders nothing (no draft is left behind):
/// [`OrderError::StockChanged`] (say which product and how many are left),
/// [`OrderError::Request`] (the message can no longer be read), or the
/// errors of creating and confirming ([`OrderError::EmptyOrder`],
/// [`OrderError::InvalidQuantity`], ...). Anything else is unexpected.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The order has no lines.
    #[error("the order has no items")]
    EmptyOrder,
    /// A quantity is zero, or so large the total does not fit.
    #[error("invalid quantity")]
    InvalidQuantity,
    /// A line is priced in another currency than the order (a bug in the
    /// caller, not the customer's doing).
    #[error("the item's currency differs from the order's")]
    CurrencyMismatch,
    /// The order's status does not allow this.
    #[error("the order is {from}; it cannot become {to}")]
    InvalidTransition {
        /// Current status.
        from: OrderStatus,
        /// Status the operation needs to reach (or, for edits, to be in).
        to: OrderStatus,
    },
    /// The order was dispatched or delivered.
    #[error("the order is already {status}, so it can no longer be cancelled")]
    CannotCancel {
        /// Current status.
        status: OrderStatus,
    },
    /// The order was cancelled before.
    #[error("the order is already cancelled")]
    AlreadyCancelled,
    /// No such order for this customer.
    #[error("order not found")]
    NotFound,
    /// Not enough stock to confirm.
    #[error("only {available} of {sku} left in stock")]
    OutOfStock {
        /// The product short of stock.
        sku: Sku,
        /// Units in stock.
        available: u32,
    },
    /// Not enough of `product` in stock to place the order now: the stock
    /// changed since the customer saw the summary. Nothing was ordered.
    #[error("only {available} of {product} left in stock")]
    StockChanged {
        /// The product's name.
        product: String,
        /// Units in stock now.
        available: u32,
    },
    /// The order message, priced again to place the order, can no longer
    /// be read (too long, too many items).
    #[error(transparent)]
    Request(ParseError),
    /// The order changed at the same time (another message or an admin);
    /// trying again will see the new state.
    #[error("the order changed meanwhile; please try again")]
    Conflict,
    /// Storage or another unexpected failure; see the source.
    #[error("unexpected order failure")]
    Unexpected(#[from] anyhow::Error),
}

impl OrderError {
    /// Whether the customer should be told (`true`), rather than the error
    /// logged and apologised for (`false`).
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Unexpected(_) | Self::CurrencyMismatch)
    }
}

impl From<RepositoryError> for OrderError {
    fn from(error: RepositoryError) -> Self {
        Self::Unexpected(anyhow::Error::new(error))
    }
}

impl From<TransitionError> for OrderError {
    fn from(error: TransitionError) -> Self {
        match error {
            TransitionError::Conflict => Self::Conflict,
            TransitionError::OutOfStock { sku, available } => Self::OutOfStock { sku, available },
            TransitionError::Backend(e) => e.into(),
        }
    }
}
