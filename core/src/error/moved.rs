//! Errors of comparing two pool configurations (what a change moves).

use core::fmt;

/// The typed reasons a moved fraction cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MovedError {
    /// The configurations hash keys with different functions, so no hash
    /// value stands for the same keys in both: only a key list can say what
    /// moves ([`RingChange::moved_keys`](crate::plan::RingChange::moved_keys)).
    DifferentKeyHash {
        /// The old configuration's key hash.
        old: &'static str,
        /// The new configuration's key hash.
        new: &'static str,
    },
}

impl fmt::Display for MovedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DifferentKeyHash { old, new } => write!(
                f,
                "the key hash changes ({old} -> {new}): no hash value means the same keys in both \
                 configurations, so nearly every key moves; give the keys to see which"
            ),
        }
    }
}

impl core::error::Error for MovedError {}

impl MovedError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::DifferentKeyHash { .. } => "ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH",
        }
    }
}
