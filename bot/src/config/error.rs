//! What can be wrong with the settings.

use super::Unknown;

/// Configuration problems, reported before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of names and values.
    #[error("the config file {path} is not valid: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file names settings that do not exist.
    #[error(
        "the config file {path} has unknown names: {} (`campanile --help` lists the settings)",
        list(unknown)
    )]
    UnknownNames {
        /// The file.
        path: String,
        /// Each unknown name, with the setting it is most like.
        unknown: Vec<Unknown>,
    },
    /// A value does not parse, or breaks a rule.
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value (secrets are never reported).
        value: String,
        /// Why.
        reason: String,
    },
    /// The settings could not be put together (not a value's fault).
    #[error("cannot load the settings: {0}")]
    Load(String),
}

fn list(unknown: &[Unknown]) -> String {
    unknown
        .iter()
        .map(Unknown::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
