//! The catalog's errors: [`ProductError`] (an invalid product field) and
//! [`CatalogError`] (a catalog service operation failed).

use super::import::{ImportError, RejectedRow};
use super::parse::ParseError;
use crate::shared::RepositoryError;

/// Why a product field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductError {
    /// The SKU is empty, too long or has characters other than letters,
    /// digits, `-` and `_`.
    #[error("invalid SKU {0:?}: use 1 to 32 letters, digits, '-' or '_'")]
    InvalidSku(String),
    /// The unit is not a single word.
    #[error("invalid unit {0:?}: use a single word such as bag, piece, kg")]
    InvalidUnit(String),
    /// The name is empty.
    #[error("the name is empty")]
    EmptyName,
    /// The name is longer than 80 characters.
    #[error("the name has {chars} characters, at most {max}")]
    NameTooLong {
        /// Its length.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The name has no letters or digits, so no customer could type it.
    #[error("the name {0:?} has no letters or digits")]
    NameHasNoWords(String),
    /// An alias is longer than 80 characters.
    #[error("the alias {0:?} is longer than 80 characters")]
    AliasTooLong(String),
    /// The price is below zero.
    #[error("the price cannot be negative")]
    NegativePrice,
}

/// A catalog service operation failed.
///
/// # Handling
///
/// [`CatalogError::is_user_error`] tells the cases to explain to the user
/// (the `Display` text is written for them) from
/// [`CatalogError::Unexpected`], which should be logged with its cause
/// chain and answered with a generic apology.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A product failed validation.
    #[error("invalid product: {0}")]
    InvalidProduct(#[from] ProductError),
    /// The CSV file cannot be imported at all.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The CSV file has no valid rows; nothing was changed.
    #[error("no valid rows to import ({} rejected)", rejected.len())]
    NothingToImport {
        /// Every row and why it was refused.
        rejected: Vec<RejectedRow>,
    },
    /// A replacing import (`replace: true`) had rejected rows; nothing was
    /// changed, because deactivating everything not in the file would also
    /// deactivate the products on the rejected rows.
    #[error("{} rows were rejected; fix them before replacing the catalog", rejected.len())]
    ReplaceWithRejectedRows {
        /// Every refused row and why.
        rejected: Vec<RejectedRow>,
    },
    /// The order message is too long or lists too many items.
    #[error(transparent)]
    Request(ParseError),
    /// Storage or another unexpected failure; see the source.
    #[error("unexpected catalog failure")]
    Unexpected(#[from] anyhow::Error),
}

impl CatalogError {
    /// Whether the error is the user's to fix (tell them) rather than ours
    /// (log and apologise).
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Unexpected(_))
    }
}

impl From<RepositoryError> for CatalogError {
    fn from(error: RepositoryError) -> Self {
        Self::Unexpected(anyhow::Error::new(error))
    }
}
