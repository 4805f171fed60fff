//! Errors, one small enum per concern. Every variant says what was wrong and
//! names the offending part; none needs allocation to be raised on a hot path
//! except where it carries the text it reports.

use core::fmt;

#[cfg(feature = "alloc")]
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
}

#[cfg(feature = "alloc")]
impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SlotNotServed { slot } => write!(f, "hash slot {slot} is not served by any shard"),
            Self::Overlap { slot, first, second } => {
                write!(f, "slot {slot} is claimed by both {first} and {second}")
            }
            Self::Malformed { at, expected } => write!(f, "malformed reply at {at}: expected {expected}"),
            Self::BadRange { at, start, end } => {
                write!(f, "bad slot range at {at}: {start}..={end} (slots are 0..=16383)")
            }
            Self::NoPrimary { shard } => write!(f, "shard {shard} of the reply has slots but no primary"),
            Self::NoAddress { at } => write!(
                f,
                "node at {at} has no usable address (empty, \"?\" or null) and no answering node was given"
            ),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for TopologyError {}

/// A `MOVED`/`ASK` error text that cannot be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectError {
    /// The text is not `MOVED <slot> <host>:<port>` or `ASK <slot> <host>:<port>`.
    NotARedirect,
    /// The slot is not a number in 0..=16383.
    BadSlot,
    /// The endpoint has no `:port`, or the port is not a number in 1..=65535.
    BadEndpoint,
    /// The endpoint's host is empty or `?` and no answering node was given.
    UnknownHost,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotARedirect => "not a redirect: expected \"MOVED <slot> <host>:<port>\" or \"ASK <slot> <host>:<port>\"",
            Self::BadSlot => "bad slot in redirect: expected a number in 0..=16383",
            Self::BadEndpoint => "bad endpoint in redirect: expected <host>:<port> with a port in 1..=65535",
            Self::UnknownHost => "redirect names no host (empty or \"?\") and no answering node was given",
        })
    }
}

impl core::error::Error for RedirectError {}
