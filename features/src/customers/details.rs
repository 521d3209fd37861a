//! What a customer tells the shop about themselves: the language they read
//! ([`Language`]) and, once registered, their [`Registration`] (name,
//! business, GSTIN, delivery address).

use crate::shared::Gstin;
pub use crate::shared::Language;

/// The most characters of a name, a business name or an address.
pub const MAX_DETAIL_CHARS: usize = 200;

/// Why a text is not a [`Registration`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DetailsError {
    /// A required detail left empty.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// A detail over [`MAX_DETAIL_CHARS`].
    #[error("{0} is longer than {MAX_DETAIL_CHARS} characters")]
    TooLong(&'static str),
}

/// The customer's profile, as the register form collects it. The GSTIN
/// goes on their invoices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Registration {
    /// Their name.
    pub name: String,
    /// Their business, if they buy for one.
    pub business: Option<String>,
    /// Their business's GSTIN, if it has one.
    pub gstin: Option<Gstin>,
    /// Where orders are delivered.
    pub address: String,
}

impl Registration {
    /// Checks the details: name and address not empty, every text trimmed
    /// and at most [`MAX_DETAIL_CHARS`]; an empty business is none.
    ///
    /// # Errors
    ///
    /// [`DetailsError::Empty`], [`DetailsError::TooLong`], naming the field.
    pub fn new(
        name: &str,
        business: Option<&str>,
        gstin: Option<Gstin>,
        address: &str,
    ) -> Result<Self, DetailsError> {
        let required = |field: &'static str, text: &str| -> Result<String, DetailsError> {
            let text = text.trim();
            if text.is_empty() {
                return Err(DetailsError::Empty(field));
            }
            if text.chars().count() > MAX_DETAIL_CHARS {
                return Err(DetailsError::TooLong(field));
            }
            Ok(text.to_owned())
        };
        let business = match business.map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(required("business", text)?),
        };
        Ok(Self {
            name: required("name", name)?,
            business,
            gstin,
            address: required("address", address)?,
        })
    }
}

/// What the shop knows of a customer's language and registration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CustomerDetails {
    /// The language they chose, if they did.
    pub language: Option<Language>,
    /// When they were first offered the choice of language (milliseconds
    /// since the epoch), if they were.
    pub language_offered_at_ms: Option<i64>,
    /// Their profile, once they registered.
    pub registration: Option<Registration>,
    /// When they last registered.
    pub registered_at_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_is_trimmed_and_needs_a_name_and_an_address() {
        let r = Registration::new(" Asha ", Some("  "), None, " 12 MG Road, Pune ").unwrap();
        assert_eq!(
            (r.name.as_str(), r.business, r.address.as_str()),
            ("Asha", None, "12 MG Road, Pune")
        );
        assert_eq!(
            Registration::new(" ", None, None, "x"),
            Err(DetailsError::Empty("name"))
        );
        assert_eq!(
            Registration::new("a", None, None, &"x".repeat(201)),
            Err(DetailsError::TooLong("address"))
        );
    }
}
