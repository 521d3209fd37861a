//! Where settings come from: the file, the environment and the command
//! line as layers of name → value, each over the one before; and names that
//! are no setting.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::{ConfigError, HIDDEN, Settings};

/// A name that is no setting, and the setting it is most like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The name.
    pub name: String,
    /// The known name most like it.
    pub closest: &'static str,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (did you mean {}?)", self.name, self.closest)
    }
}

impl Unknown {
    pub(super) fn new(name: &str) -> Self {
        let closest = Settings::variables()
            .map(|v| (strsim::normalized_damerau_levenshtein(name, v.name), v.name))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map_or("", |(_, known)| known);
        Self {
            name: name.to_owned(),
            closest,
        }
    }
}

/// The `CAMPANILE_*` names among `names` that are no setting, each with the
/// setting it is most like: the bot warns about them at start (an unknown
/// variable is ignored, and usually a typo).
pub fn unknown_variables<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Unknown> {
    names
        .into_iter()
        .filter(|name| name.starts_with("CAMPANILE_") && Settings::variable(name).is_none())
        .map(Unknown::new)
        .collect()
}

/// One source of settings: name → value, as the environment gives them.
#[derive(Clone)]
pub(super) struct Layer {
    /// Where the values come from (`config` keeps it with each value).
    origin: String,
    pub(super) values: BTreeMap<&'static str, String>,
}

impl Layer {
    /// The settings among `pairs` (other names are left out); values are
    /// trimmed, and an empty one is left out unless its variable keeps it.
    pub(super) fn new<K: AsRef<str>, V: AsRef<str>>(
        origin: impl Into<String>,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let values = pairs
            .into_iter()
            .filter_map(|(name, value)| {
                let variable = Settings::variable(name.as_ref())?;
                let value = value.as_ref().trim();
                (variable.keep_empty || !value.is_empty())
                    .then(|| (variable.name, value.to_owned()))
            })
            .collect();
        Self {
            origin: origin.into(),
            values,
        }
    }
}

impl fmt::Debug for Layer {
    /// Names only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layer")
            .field("origin", &self.origin)
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ::config::Source for Layer {
    fn clone_into_box(&self) -> Box<dyn ::config::Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<::config::Map<String, ::config::Value>, ::config::ConfigError> {
        Ok(self
            .values
            .iter()
            .map(|(name, value)| {
                let value = ::config::Value::new(Some(&self.origin), value.clone());
                ((*name).to_owned(), value)
            })
            .collect())
    }
}

/// Reads a config file: TOML with the names of the environment, each a
/// string, a number or a boolean.
pub(super) fn read_file(path: &Path) -> Result<Layer, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    let unknown: Vec<Unknown> = table
        .keys()
        .filter(|name| Settings::variable(name).is_none())
        .map(|name| Unknown::new(name))
        .collect();
    if !unknown.is_empty() {
        return Err(ConfigError::UnknownNames {
            path: shown,
            unknown,
        });
    }
    let mut pairs = Vec::with_capacity(table.len());
    for (name, value) in table {
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError::File {
                    path: shown,
                    reason: format!(
                        "{name} must be a string, a number or a boolean, not {}",
                        other.type_str()
                    ),
                });
            }
        };
        pairs.push((name, value));
    }
    Ok(Layer::new(format!("the config file {shown}"), pairs))
}

/// A value that does not deserialize, as [`ConfigError::Invalid`] naming
/// the variable and the value that won (never a secret's).
pub(super) fn from_config_error(e: &::config::ConfigError, layers: &[Layer]) -> ConfigError {
    let (key, reason) = match e {
        ::config::ConfigError::Type {
            key: Some(key),
            expected,
            ..
        } => (key, format!("expected {expected}")),
        ::config::ConfigError::At {
            error,
            key: Some(key),
            ..
        } => (key, reason(&error.to_string())),
        _ => return ConfigError::Load(e.to_string()),
    };
    let Some(variable) = Settings::variable(key) else {
        return ConfigError::Load(e.to_string());
    };
    let value = if variable.secret {
        HIDDEN.to_owned()
    } else {
        layers
            .iter()
            .rev()
            .find_map(|layer| layer.values.get(variable.name))
            .cloned()
            .unwrap_or_default()
    };
    ConfigError::Invalid {
        name: variable.name,
        value,
        reason,
    }
}

/// serde's `invalid value: string "soon", expected a duration` without the
/// value, which the error shows already, and with examples of a duration.
fn reason(message: &str) -> String {
    match message.split_once(", expected ") {
        Some((found, "a duration")) if found.starts_with("invalid value: ") => {
            "expected a duration like 90s, 30m, 24h or 7d".to_owned()
        }
        Some((found, expected))
            if found.starts_with("invalid value: ") || found.starts_with("invalid type: ") =>
        {
            format!("expected {expected}")
        }
        _ => message.to_owned(),
    }
}
