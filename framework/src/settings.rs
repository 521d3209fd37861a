//! Settings as data: each adapter's settings are a serde struct whose
//! fields are read from variables named once, on the field.
//!
//! [`settings!`](crate::settings!) declares such a struct. Each field carries
//! its doc comment (what it does and its default), then `#[var("NAME")]`,
//! the name the environment and the config file use; the macro derives
//! `Deserialize` with that name and `#[serde(default)]` (the struct
//! implements `Default` with the documented defaults), and lists every
//! variable with its doc comment in [`Variables::VARIABLES`], which
//! `campanile --help` prints and the loader checks names against.
//!
//! Libraries do not read the environment: a bot loads these structs (the
//! shop bot with the `config` crate, see `bot::config`) and hands them down;
//! the infra crates declare theirs with this macro.
//!
//! # Example
//!
//! ```
//! use framework::settings::Variables as _;
//!
//! framework::settings! {
//!     /// How the example connects.
//!     #[derive(Debug, Clone, PartialEq, Eq)]
//!     pub struct ExampleSettings {
//!         /// Where the service is [default: http://127.0.0.1:9000].
//!         #[var("EXAMPLE_BASE")]
//!         pub base: String,
//!         /// Its password [default: none].
//!         #[var("EXAMPLE_PASSWORD", secret)]
//!         pub password: Option<String>,
//!     }
//! }
//!
//! impl Default for ExampleSettings {
//!     fn default() -> Self {
//!         Self { base: "http://127.0.0.1:9000".to_owned(), password: None }
//!     }
//! }
//!
//! let names: Vec<_> = ExampleSettings::VARIABLES.iter().map(|v| v.name).collect();
//! assert_eq!(names, ["EXAMPLE_BASE", "EXAMPLE_PASSWORD"]);
//! assert!(ExampleSettings::VARIABLES[1].secret);
//! assert_eq!(ExampleSettings::VARIABLES[0].help(), "Where the service is [default: http://127.0.0.1:9000].");
//! ```
//!
//! # Flags
//!
//! After the name, `#[var]` takes flags:
//!
//! - `secret`: the value is never shown (errors say `<hidden>`); its field
//!   should be a [`secrecy::SecretString`] or a [`SecretUrl`], whose `Debug`
//!   hides it too.
//! - `keep_empty`: an empty value means something (else an empty variable
//!   is the same as an unset one).

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};

/// One setting: the name the environment and the config file give it, and
/// what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The name, e.g. `TWILIO_API_BASE`.
    pub name: &'static str,
    /// The field's doc comment: what it does and its default.
    pub doc: &'static str,
    /// Its value is never shown.
    pub secret: bool,
    /// An empty value is a value, not the same as unset.
    pub keep_empty: bool,
}

impl Variable {
    /// A variable `name` documented by `doc`; used by
    /// [`settings!`](crate::settings!).
    #[must_use]
    pub const fn new(name: &'static str, doc: &'static str) -> Self {
        Self {
            name,
            doc,
            secret: false,
            keep_empty: false,
        }
    }

    /// Marks the value secret (the `secret` flag).
    #[must_use]
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Keeps an empty value (the `keep_empty` flag).
    #[must_use]
    pub const fn keep_empty(mut self) -> Self {
        self.keep_empty = true;
        self
    }

    /// The doc comment as one line of text.
    #[must_use]
    pub fn help(&self) -> String {
        self.doc.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// A settings struct declared with [`settings!`](crate::settings!): the
/// variables its fields are read from.
pub trait Variables {
    /// Every field's variable, in declaration order.
    const VARIABLES: &'static [Variable];
}

/// Declares a settings struct: `Deserialize` from the flat names given by
/// `#[var("NAME")]`, `#[serde(default)]`, and [`Variables`]. See the
/// [module docs](mod@crate::settings).
///
/// Every field needs a doc comment (it is the `--help` text) before its
/// `#[var]`; other field attributes (`#[serde(with = …)]`) follow it. The
/// struct must implement `Default`.
#[macro_export]
macro_rules! settings {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                #[var($var:literal $(, $flag:ident)* $(,)?)]
                $(#[$field_attr:meta])*
                $field_vis:vis $field:ident : $ty:ty
            ),+ $(,)?
        }
    ) => {
        $(#[$attr])*
        #[derive($crate::settings::__serde::Deserialize)]
        #[serde(crate = "framework::settings::__serde", default)]
        $vis struct $name {
            $(
                $(#[doc = $doc])+
                #[doc = ""]
                #[doc = concat!("Read from `", $var, "`.")]
                #[serde(rename = $var)]
                $(#[$field_attr])*
                $field_vis $field: $ty,
            )+
        }

        impl $crate::settings::Variables for $name {
            const VARIABLES: &'static [$crate::settings::Variable] = &[
                $(
                    $crate::settings::Variable::new($var, concat!($($doc, " "),+))
                        $(.$flag())*
                ),+
            ];
        }
    };
}

/// serde, for [`settings!`](crate::settings!)'s expansion in crates that do
/// not depend on it themselves.
#[doc(hidden)]
pub use serde as __serde;

/// A URL that may carry a password (`postgres://user:password@host/db`):
/// its `Debug` shows it with the credentials replaced by `***`, and it is
/// zeroed when dropped.
///
/// ```
/// use framework::settings::SecretUrl;
///
/// let url = SecretUrl::new("postgres://shop:hunter2@db:5432/shop");
/// assert_eq!(url.expose(), "postgres://shop:hunter2@db:5432/shop");
/// assert_eq!(format!("{url:?}"), r#""postgres://shop:***@db:5432/shop""#);
/// ```
#[derive(Clone, serde::Deserialize)]
#[serde(from = "String")]
pub struct SecretUrl(SecretString);

impl SecretUrl {
    /// The URL `url`.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self(SecretString::from(url.into()))
    }

    /// The URL itself, password included: for connecting, never for logs.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with its password (or, without a user name, all of its user
    /// information) replaced by `***`, for logs.
    #[must_use]
    pub fn redacted(&self) -> String {
        let url = self.expose();
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.to_owned();
        };
        // The last `@` ends the user information; a stray `@` further on
        // hides more than needed, never less.
        match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) if !user.is_empty() => format!("{scheme}://{user}:***@{host}"),
                _ => format!("{scheme}://***@{host}"),
            },
            None => url.to_owned(),
        }
    }
}

impl From<String> for SecretUrl {
    fn from(url: String) -> Self {
        Self::new(url)
    }
}

impl From<&str> for SecretUrl {
    fn from(url: &str) -> Self {
        Self::new(url)
    }
}

impl PartialEq for SecretUrl {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretUrl {}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.redacted(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_hide_their_credentials() {
        for (url, shown) in [
            (
                "sqlite://campanile.db?mode=rwc",
                "sqlite://campanile.db?mode=rwc",
            ),
            ("postgres://u:pw@db/x", "postgres://u:***@db/x"),
            ("postgres://u@db/x", "postgres://***@db/x"),
            (
                "redis://:pw@127.0.0.1:6379/0",
                "redis://***@127.0.0.1:6379/0",
            ),
            ("redis://u:p@ss@host", "redis://u:***@host"),
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
        ] {
            let url = SecretUrl::new(url);
            assert_eq!(url.redacted(), shown);
            assert_eq!(format!("{url:?}"), format!("{shown:?}"));
        }
    }
}
