//! Errors of a cluster map: a topology reply that cannot be read, or a map
//! that cannot answer.

use core::fmt;

use alloc::string::String;

/// A cluster topology that cannot be built or cannot answer.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopologyError {
    /// No shard serves this slot, as the server's
    /// `CLUSTERDOWN Hash slot not served`.
    SlotNotServed {
        /// The slot nobody serves.
        slot: u16,
    },
    /// Two shards claim the same slot.
    Overlap {
        /// The first slot claimed twice.
        slot: u16,
        /// `host:port` of the primary that claimed it first.
        first: String,
        /// `host:port` of the primary that claimed it again.
        second: String,
    },
    /// The reply does not have the shape of the command's reply.
    Malformed {
        /// Where in the reply, e.g. `CLUSTER SLOTS[2][1]`.
        at: String,
        /// What was expected there.
        expected: &'static str,
    },
    /// A slot number outside 0..=16383, or a range that ends before it starts.
    BadRange {
        /// Where in the reply.
        at: String,
        /// First slot as given.
        start: i64,
        /// Last slot as given.
        end: i64,
    },
    /// A shard in a `CLUSTER SHARDS` reply with slots but no primary.
    NoPrimary {
        /// Index of the shard in the reply.
        shard: usize,
    },
    /// A node has no usable address and no answering node was given to stand in.
    NoAddress {
        /// Where in the reply.
        at: String,
    },
    /// The map's hashing policy has no rule matching the key.
    NoRuleMatched {
        /// Position of the key in the caller's list (0 for a single key).
        position: usize,
    },
    /// The shards given for a cluster map and the map's primaries differ.
    PrimaryMismatch {
        /// The primary (`host:port`) named on one side only.
        name: String,
        /// Whether it is a primary of the map (and no shard was given for
        /// it), or a shard given that the map does not have as a primary.
        in_map: bool,
    },
    /// More shards than a map holds (`CLUSTER SHARDS` entries, or primaries
    /// in `CLUSTER SLOTS`).
    TooManyShards {
        /// The limit, [`crate::cluster::MAX_SHARDS`].
        max: usize,
    },
    /// The pool's library has no server for the key
    /// ([`PartitionError::NoServerForKey`]).
    NoServerForKey {
        /// The pool's scheme.
        scheme: &'static str,
        /// Why: what the library does with the key instead.
        reason: &'static str,
        /// Position of the key in the caller's list (0 for a single key).
        position: usize,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SlotNotServed { slot } => write!(f, "hash slot {slot} is not served by any shard"),
            Self::Overlap { slot, first, second } if first == second => {
                write!(f, "slot {slot} is claimed twice by {first}")
            }
            Self::Overlap { slot, first, second } => {
                write!(f, "slot {slot} is claimed by both {first} and {second}")
            }
            Self::Malformed { at, expected } => write!(f, "malformed reply at {at}: expected {expected}"),
            Self::BadRange { at, start, end } => {
                write!(f, "bad slot range at {at}: {start}..={end} (slots are 0..=16383)")
            }
            Self::NoPrimary { shard } => write!(f, "shard {shard} of the reply has slots but no primary"),
            Self::NoRuleMatched { position } => {
                write!(f, "key {position}: no rule of the hashing policy matches it")
            }
            Self::NoServerForKey {
                scheme,
                reason,
                position,
            } => write!(f, "key {position}: {scheme} has no server for it: {reason}"),
            Self::PrimaryMismatch { name, in_map: true } => {
                write!(f, "the cluster's primary {name} is not among the shards given: give a client for every primary")
            }
            Self::PrimaryMismatch { name, in_map: false } => {
                write!(f, "{name} is not a primary of the cluster map: give the primaries as host:port")
            }
            Self::NoAddress { at } => write!(
                f,
                "node at {at} has no usable address (empty, \"?\" or null) and no answering node was given"
            ),
            Self::TooManyShards { max } => {
                write!(f, "more than {max} shards: a cluster map holds at most {max}")
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for TopologyError {}

#[cfg(feature = "alloc")]
impl TopologyError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::SlotNotServed { .. } => "ERR_KEYROUTE_SLOT_NOT_SERVED",
            Self::Overlap { .. } => "ERR_KEYROUTE_OVERLAP",
            Self::Malformed { .. } => "ERR_KEYROUTE_MALFORMED_REPLY",
            Self::BadRange { .. } => "ERR_KEYROUTE_BAD_RANGE",
            Self::NoPrimary { .. } => "ERR_KEYROUTE_NO_PRIMARY",
            Self::NoAddress { .. } => "ERR_KEYROUTE_NO_ADDRESS",
            Self::NoRuleMatched { .. } => "ERR_KEYROUTE_NO_RULE_MATCHED",
            Self::PrimaryMismatch { .. } => "ERR_KEYROUTE_PRIMARY_MISMATCH",
            Self::TooManyShards { .. } => "ERR_KEYROUTE_TOO_MANY_SHARDS",
            Self::NoServerForKey { .. } => "ERR_KEYROUTE_NO_SERVER_FOR_KEY",
        }
    }
}
