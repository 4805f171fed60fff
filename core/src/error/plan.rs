//! Errors of resharding plans.

use core::fmt;

use alloc::string::String;
use alloc::vec::Vec;

/// A resharding input that cannot be planned.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// No nodes at all.
    NoNodes,
    /// The same node id twice.
    DuplicateNode {
        /// The id.
        id: String,
    },
    /// A weight, drain or target for a node the input does not have.
    UnknownNode {
        /// The id.
        id: String,
    },
    /// A slot range outside 0..=16383 or backwards.
    BadRange {
        /// The node.
        id: String,
        /// First slot.
        start: u32,
        /// Last slot.
        end: u32,
    },
    /// A weight that is not a non-negative integer, decimal or fraction.
    BadWeight {
        /// The text given.
        text: String,
    },
    /// Weights whose common denominator overflows.
    WeightsTooPrecise,
    /// Every weight is zero.
    AllWeightsZero,
    /// Two nodes claim a slot.
    Overlap {
        /// The slot.
        slot: u16,
        /// One node.
        first: String,
        /// The other node.
        second: String,
    },
    /// Slots nobody serves.
    Uncovered {
        /// The unserved ranges.
        ranges: Vec<(u16, u16)>,
    },
    /// Slots in the middle of a migration (importing or migrating).
    OpenSlots {
        /// The open slots.
        slots: Vec<u16>,
    },
    /// Explicit targets that cannot add up to 16384.
    Infeasible,
    /// Per-slot statistics of the wrong length.
    BadSlotStats {
        /// The length given.
        len: usize,
    },
    /// A primary without a node id (needed to name it in the plan).
    NoNodeId {
        /// Its address.
        addr: String,
    },
    /// A `CLUSTER NODES` line that cannot be read.
    BadNodesLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A node id that is not 40 lowercase hexadecimal characters, as the
    /// server makes them.
    BadNodeId {
        /// The id as given.
        id: String,
    },
    /// A node address that is not `host:port` (an IPv4 or IPv6 address or a
    /// host name, a port in 1..=65535).
    BadAddress {
        /// The node.
        id: String,
        /// The address as given.
        addr: String,
    },
    /// A script that needs the address of a node given without one (the
    /// legacy script names every node's).
    NoAddress {
        /// The node.
        id: String,
    },
    /// A load source that is not `keys`, `memory`, `slot-stats` or
    /// `slot-stats:<statistic>`.
    BadLoadBy {
        /// The name given.
        given: String,
    },
    /// A sample size for a load other than memory, or a memory sample
    /// outside 1..=1000 keys per slot.
    BadSample {
        /// The sample size given.
        sample: u32,
    },
    /// A slot's load above 2^53 - 1, or a total above 2^62.
    LoadTooLarge {
        /// The slot, when one slot's load is too large.
        slot: Option<u16>,
    },
    /// A load file that is not a JSON object of slot numbers to integers.
    BadLoadFile {
        /// Byte offset of the problem.
        offset: usize,
        /// What was expected there.
        expected: String,
    },
    /// A reply to a load measurement that cannot be read, or an error reply.
    BadLoadReply {
        /// The node asked (`host:port`).
        node: String,
        /// The command.
        command: String,
        /// What is wrong.
        reason: String,
    },
    /// An explicit slot-count target in a load plan, where the load decides
    /// the counts.
    TargetWithLoad {
        /// The node given a target.
        id: String,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoNodes => f.write_str("no nodes to plan for"),
            Self::DuplicateNode { id } => write!(f, "node {id} is given twice"),
            Self::UnknownNode { id } => write!(f, "unknown node id {id}"),
            Self::BadRange { id, start, end } => {
                write!(f, "node {id}: bad slot range {start}-{end}")
            }
            Self::BadWeight { text } => {
                write!(
                    f,
                    "bad weight {text:?}: expected a non-negative integer, decimal or fraction"
                )
            }
            Self::WeightsTooPrecise => {
                f.write_str("weights too precise: their common denominator overflows")
            }
            Self::AllWeightsZero => {
                f.write_str("every weight is zero: no node could hold the slots")
            }
            Self::Overlap {
                slot,
                first,
                second,
            } => write!(f, "slot {slot} is held by both {first} and {second}"),
            Self::Uncovered { ranges } => {
                f.write_str("slots served by no node:")?;
                for (a, b) in ranges.iter().take(10) {
                    write!(f, " {a}-{b}")?;
                }
                Ok(())
            }
            Self::OpenSlots { slots } => {
                f.write_str("slots in the middle of a migration (finish or fix them first):")?;
                for s in slots.iter().take(20) {
                    write!(f, " {s}")?;
                }
                Ok(())
            }
            Self::Infeasible => f.write_str("the targets cannot add up to 16384 slots"),
            Self::BadSlotStats { len } => {
                write!(f, "per-slot statistics need 16384 entries, got {len}")
            }
            Self::NoNodeId { addr } => write!(f, "primary {addr} has no node id"),
            Self::BadNodesLine { line, reason } => write!(f, "CLUSTER NODES line {line}: {reason}"),
            Self::BadNodeId { id } => write!(
                f,
                "node id {id:?} is not 40 lowercase hexadecimal characters, as the server makes them"
            ),
            Self::BadAddress { id, addr } => write!(
                f,
                "node {id}: address {addr:?} is not host:port (an IP address or host name, a port in \
                 1..=65535)"
            ),
            Self::NoAddress { id } => write!(
                f,
                "node {id} has no address, which the legacy script needs for every node: give it as \
                 id=host:port"
            ),
            Self::BadLoadBy { given } => write!(
                f,
                "unknown load {given:?}: expected \"keys\", \"memory\", \"slot-stats\" or \
                 \"slot-stats:<key-count|cpu-usec|network-bytes-in|network-bytes-out|memory-bytes>\""
            ),
            Self::BadSample { sample } => write!(
                f,
                "sample {sample}: a memory load samples 1 to 1000 keys per slot; other loads take \
                 no sample"
            ),
            Self::LoadTooLarge { slot: Some(s) } => {
                write!(f, "slot {s}: a load above 2^53 - 1")
            }
            Self::LoadTooLarge { slot: None } => f.write_str("a total load above 2^62"),
            Self::BadLoadFile { offset, expected } => {
                write!(f, "load file, byte {offset}: expected {expected}")
            }
            Self::BadLoadReply {
                node,
                command,
                reason,
            } => {
                if node.is_empty() {
                    write!(f, "load measurement: {reason}")
                } else {
                    write!(f, "{node}: {command}: {reason}")
                }
            }
            Self::TargetWithLoad { id } => write!(
                f,
                "node {id} has a slot-count target, but a load plan sets slot counts by load: \
                 give weights instead"
            ),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for PlanError {}

#[cfg(feature = "alloc")]
impl PlanError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoNodes => "ERR_KEYROUTE_PLAN_NO_NODES",
            Self::DuplicateNode { .. } => "ERR_KEYROUTE_PLAN_DUPLICATE_NODE",
            Self::UnknownNode { .. } => "ERR_KEYROUTE_PLAN_UNKNOWN_NODE",
            Self::BadRange { .. } => "ERR_KEYROUTE_PLAN_BAD_RANGE",
            Self::BadWeight { .. } => "ERR_KEYROUTE_PLAN_BAD_WEIGHT",
            Self::WeightsTooPrecise => "ERR_KEYROUTE_PLAN_WEIGHTS_TOO_PRECISE",
            Self::AllWeightsZero => "ERR_KEYROUTE_PLAN_ALL_WEIGHTS_ZERO",
            Self::Overlap { .. } => "ERR_KEYROUTE_PLAN_OVERLAP",
            Self::Uncovered { .. } => "ERR_KEYROUTE_PLAN_UNCOVERED",
            Self::OpenSlots { .. } => "ERR_KEYROUTE_PLAN_OPEN_SLOTS",
            Self::Infeasible => "ERR_KEYROUTE_PLAN_INFEASIBLE",
            Self::BadSlotStats { .. } => "ERR_KEYROUTE_PLAN_BAD_SLOT_STATS",
            Self::NoNodeId { .. } => "ERR_KEYROUTE_PLAN_NO_NODE_ID",
            Self::BadNodesLine { .. } => "ERR_KEYROUTE_PLAN_BAD_NODES_LINE",
            Self::BadNodeId { .. } => "ERR_KEYROUTE_PLAN_BAD_NODE_ID",
            Self::BadAddress { .. } => "ERR_KEYROUTE_PLAN_BAD_ADDRESS",
            Self::NoAddress { .. } => "ERR_KEYROUTE_PLAN_NO_ADDRESS",
            Self::BadLoadBy { .. } => "ERR_KEYROUTE_PLAN_BAD_LOAD_BY",
            Self::BadSample { .. } => "ERR_KEYROUTE_PLAN_BAD_SAMPLE",
            Self::LoadTooLarge { .. } => "ERR_KEYROUTE_PLAN_LOAD_TOO_LARGE",
            Self::BadLoadFile { .. } => "ERR_KEYROUTE_PLAN_BAD_LOAD_FILE",
            Self::BadLoadReply { .. } => "ERR_KEYROUTE_PLAN_BAD_LOAD_REPLY",
            Self::TargetWithLoad { .. } => "ERR_KEYROUTE_PLAN_TARGET_WITH_LOAD",
        }
    }
}
