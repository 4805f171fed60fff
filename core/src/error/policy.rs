//! Errors of hashing policies: one that cannot be built, or has no rule for
//! a key.

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::string::String;

/// No rule of a hashing policy matches the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoRuleMatched;

impl fmt::Display for NoRuleMatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no rule of the hashing policy matches the key")
    }
}

impl core::error::Error for NoRuleMatched {}

/// A hashing policy that cannot be built.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// A policy needs at least one rule.
    NoRules,
    /// More rules than allowed.
    TooManyRules {
        /// The limit.
        max: usize,
    },
    /// A rule longer than allowed.
    RuleTooLong {
        /// Index of the rule.
        rule: usize,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A rule without a named group `tag`.
    NoTagGroup {
        /// Index of the rule.
        rule: usize,
    },
    /// A rule the engine cannot compile (bad syntax, too large).
    Unsupported {
        /// Index of the rule.
        rule: usize,
        /// Why.
        reason: String,
    },
    /// A construct that PCRE2, the engine of Redis Software's policies,
    /// reads in a way this engine does not reproduce (possessive
    /// quantifiers, atomic groups, look-around, backreferences, `$`, `\Z`,
    /// and the others listed in `docs/policies.md`): keys would hash
    /// differently, so the rule is refused.
    DiffersFromPcre {
        /// Index of the rule.
        rule: usize,
        /// Byte offset of the construct in the rule.
        offset: usize,
        /// The construct, and what PCRE2 makes of it.
        construct: &'static str,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRules => f.write_str("a hashing policy needs at least one rule"),
            Self::TooManyRules { max } => write!(f, "a hashing policy has at most {max} rules"),
            Self::RuleTooLong { rule, len, max } => {
                write!(
                    f,
                    "rule {rule} is {len} characters long; at most {max} are allowed"
                )
            }
            Self::NoTagGroup { rule } => {
                write!(f, "rule {rule} has no named group `tag`, e.g. (?<tag>...)")
            }
            Self::Unsupported { rule, reason } => write!(f, "rule {rule} cannot be used: {reason}"),
            Self::DiffersFromPcre {
                rule,
                offset,
                construct,
            } => write!(
                f,
                "rule {rule} cannot be used: {construct} at offset {offset}; PCRE2 reads it \
                 differently than this engine can, so keys would not hash as Redis Software \
                 hashes them"
            ),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for PolicyError {}

#[cfg(feature = "alloc")]
impl PolicyError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoRules => "ERR_KEYROUTE_POLICY_NO_RULES",
            Self::TooManyRules { .. } => "ERR_KEYROUTE_POLICY_TOO_MANY_RULES",
            Self::RuleTooLong { .. } => "ERR_KEYROUTE_POLICY_RULE_TOO_LONG",
            Self::NoTagGroup { .. } => "ERR_KEYROUTE_POLICY_NO_TAG_GROUP",
            Self::Unsupported { .. } => "ERR_KEYROUTE_POLICY_UNSUPPORTED",
            Self::DiffersFromPcre { .. } => "ERR_KEYROUTE_POLICY_NOT_PCRE",
        }
    }
}

impl NoRuleMatched {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        "ERR_KEYROUTE_NO_RULE_MATCHED"
    }
}
