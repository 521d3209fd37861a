//! Value objects shared by every feature: [`Money`] and [`Currency`],
//! [`CustomerPhone`], [`Gstin`], order identifiers, the [`RepositoryError`] that
//! every port returns, and [`Now`], the injected time.
//!
//! Each type validates on construction (`parse`/`new`), so a value that exists
//! is valid: the rest of the domain never re-checks a phone number or a
//! currency code.
//!
//! # Example
//!
//! ```
//! use features::shared::{Currency, CustomerPhone, Money, OrderId, OrderNumber};
//!
//! let price = Money::parse_major("1,25,000", Currency::INR).unwrap();
//! assert_eq!(price.to_string(), "₹1,25,000");
//!
//! let phone = CustomerPhone::parse("whatsapp:+91 98765 43210").unwrap();
//! assert_eq!(phone.as_str(), "+919876543210");
//!
//! let number = OrderNumber::from(OrderId::new(42));
//! assert_eq!(number.to_string(), "ORD-00042");
//! assert_eq!(OrderNumber::parse("#42"), Some(OrderId::new(42)));
//! ```

pub mod error;
pub mod gstin;
pub mod ids;
pub mod language;
pub mod money;
pub mod now;
pub mod phone;

pub use error::RepositoryError;
pub use gstin::{Gstin, GstinError};
pub use ids::{OrderId, OrderNumber};
pub use language::{Language, LanguageError};
pub use money::{Currency, CurrencyError, Money, MoneyError};
pub use now::Now;
pub use phone::{CustomerPhone, PhoneError};
