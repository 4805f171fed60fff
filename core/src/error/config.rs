//! Errors of nutcracker (twemproxy) configurations.

use core::fmt;

use alloc::string::String;

use super::PartitionError;

/// A nutcracker (twemproxy) YAML configuration that cannot be read, or a pool
/// in it that cannot be routed. Every variant names the pool and the field.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Text that is not the YAML subset nutcracker reads (a mapping of pools,
    /// each a mapping of `key: value` and one `servers:` sequence).
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong there.
        problem: &'static str,
    },
    /// The document has no pools.
    NoPools,
    /// The pool asked for is not in the document.
    UnknownPool {
        /// The name asked for.
        pool: String,
    },
    /// No pool was named and the document has several.
    PoolNotChosen {
        /// How many pools the document has.
        pools: usize,
    },
    /// Two pools with the same name.
    DuplicatePool {
        /// The name given twice.
        pool: String,
    },
    /// A directive nutcracker does not know.
    UnknownField {
        /// The pool.
        pool: String,
        /// The directive.
        field: String,
    },
    /// A directive given twice in one pool.
    DuplicateField {
        /// The pool.
        pool: String,
        /// The directive.
        field: String,
    },
    /// A directive nutcracker requires is missing (`listen`, `servers`).
    MissingField {
        /// The pool.
        pool: String,
        /// The directive.
        field: &'static str,
    },
    /// A directive whose value is not what nutcracker accepts (a boolean that
    /// is not `true`/`false`, a number that is not one, a list for a scalar).
    BadValue {
        /// The pool.
        pool: String,
        /// The directive.
        field: &'static str,
        /// The value as written.
        value: String,
    },
    /// A directive whose value cannot be routed: an unknown hash or
    /// distribution, `random`, a bad `hash_tag`, a bad or duplicate server,
    /// an empty server list, a zero weight.
    Field {
        /// The pool.
        pool: String,
        /// The directive.
        field: &'static str,
        /// What is wrong with it.
        error: PartitionError,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { line, problem } => write!(f, "nutcracker config line {line}: {problem}"),
            Self::NoPools => f.write_str("nutcracker config has no pools"),
            Self::UnknownPool { pool } => write!(f, "nutcracker config has no pool {pool:?}"),
            Self::PoolNotChosen { pools } => {
                write!(
                    f,
                    "nutcracker config has {pools} pools: name the one to use"
                )
            }
            Self::DuplicatePool { pool } => {
                write!(f, "nutcracker config defines pool {pool:?} twice")
            }
            Self::UnknownField { pool, field } => {
                write!(f, "pool {pool:?}: unknown directive {field:?}")
            }
            Self::DuplicateField { pool, field } => {
                write!(f, "pool {pool:?}: directive {field:?} given twice")
            }
            Self::MissingField { pool, field } => {
                write!(f, "pool {pool:?}: directive {field:?} is missing")
            }
            Self::BadValue { pool, field, value } => {
                write!(f, "pool {pool:?}, {field}: invalid value {value:?}")
            }
            Self::Field { pool, field, error } => write!(f, "pool {pool:?}, {field}: {error}"),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Field { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(feature = "alloc")]
impl ConfigError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "ERR_KEYROUTE_CONFIG_SYNTAX",
            Self::NoPools => "ERR_KEYROUTE_CONFIG_NO_POOLS",
            Self::UnknownPool { .. } => "ERR_KEYROUTE_CONFIG_UNKNOWN_POOL",
            Self::PoolNotChosen { .. } => "ERR_KEYROUTE_CONFIG_POOL_NOT_CHOSEN",
            Self::DuplicatePool { .. } => "ERR_KEYROUTE_CONFIG_DUPLICATE_POOL",
            Self::UnknownField { .. } => "ERR_KEYROUTE_CONFIG_UNKNOWN_FIELD",
            Self::DuplicateField { .. } => "ERR_KEYROUTE_CONFIG_DUPLICATE_FIELD",
            Self::MissingField { .. } => "ERR_KEYROUTE_CONFIG_MISSING_FIELD",
            Self::BadValue { .. } => "ERR_KEYROUTE_CONFIG_BAD_VALUE",
            Self::Field { .. } => "ERR_KEYROUTE_CONFIG_FIELD",
        }
    }
}
