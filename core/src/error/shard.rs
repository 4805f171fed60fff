//! Why a sharded client refuses a command, before sending anything; and
//! the one error it raises after sending (a partial write or reply).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::{CommandError, TopologyError};

/// Where a transaction's command stands: its position among the commands
/// queued after MULTI, or `None` for WATCH and for commands run while
/// watching, before MULTI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The position (0-based) among the transaction's queued commands.
    pub position: Option<usize>,
    /// The command's name as messages show it (`SET`, `SCRIPT LOAD`).
    pub command: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "command {p} ({})", self.command),
            None => f.write_str(&self.command),
        }
    }
}

/// Why two commands of a transaction cannot run together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// Their keys are on different shards.
    Shards,
    /// Their keys are in two hash slots of one cluster shard: a cluster node
    /// runs a transaction within one slot.
    Slots(u16, u16),
    /// Strict tags: their keys do not share one hash tag.
    Tags,
}

impl Conflict {
    /// A stable lower-case name: `shards`, `slots` or `tags`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Conflict::Shards => "shards",
            Conflict::Slots(..) => "slots",
            Conflict::Tags => "tags",
        }
    }
}

/// Why a keyless command has no place to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeylessReason {
    /// Its tips name no request policy: no shard is its own.
    NoPolicy,
    /// Its tips ask for special handling (`request_policy:special` or
    /// `response_policy:special`, e.g. INFO, SCAN): the replies of several
    /// shards have no general combination.
    Special,
    /// A merged reply would hide which shard each part came from (SLOWLOG
    /// GET: its entries' ids are per server): see `docs/sharded-clients.md`,
    /// "Keyless commands".
    PerShard,
    /// A transaction without keys: no shard is its own.
    Transaction,
}

// Stable names, the same in every language (a binding's `reason`).
crate::names::named!(KeylessReason, "keyless reason", [
    NoPolicy => "no_policy",
    Special => "special",
    PerShard => "per_shard",
    Transaction => "transaction",
]);

/// What became of one send of a split or a fan-out, as the adapter saw it
/// ([`ShardRouter::partial`](crate::shard::ShardRouter::partial)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A reply that is not an error: the part was applied.
    Reply,
    /// An error reply: the shard answered and refused the part.
    ErrorReply,
    /// No reply (the connection was lost, refused or timed out): the part
    /// may or may not have been applied.
    NoReply,
}

// Stable names, the same in every language (what adapters hand the core).
crate::names::named!(Outcome, "outcome", [
    Reply => "reply",
    ErrorReply => "error_reply",
    NoReply => "no_reply",
]);

/// A transaction command given out of turn (the server's own errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionState {
    /// MULTI inside MULTI.
    NestedMulti,
    /// WATCH after MULTI.
    WatchInMulti,
    /// EXEC or DISCARD without MULTI.
    NoMulti,
}

/// Why a sharded client refuses a command, or what became of a split or
/// fan-out some of whose shards gave no reply ([`ShardError::Partial`]).
/// Every refusal happens before any byte is sent to any shard.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShardError {
    /// The keys of a command that cannot be split are on several shards
    /// (with a cluster placement: in several hash slots, `slots` the first
    /// two).
    CrossShard {
        /// The command as messages show it.
        command: String,
        /// The shards of its keys, by name, each once, in key order.
        shards: Vec<String>,
        /// The shards' indexes, in the order of `shards`.
        indexes: Vec<usize>,
        /// With a cluster placement, the slots of the first two keys that differ.
        slots: Option<(u16, u16)>,
    },
    /// Strict tags: a command that is not split has keys without one common
    /// hash tag; they share a shard today by placement alone.
    NotColocated {
        /// The command as messages show it.
        command: String,
        /// The shard its keys are on now, by name.
        shards: Vec<String>,
        /// The shards' indexes.
        indexes: Vec<usize>,
    },
    /// A transaction (or WATCH) whose commands cannot run on one shard.
    CrossShardTransaction {
        /// The command that fixed the transaction's shard.
        first: Origin,
        /// The command that cannot join it.
        other: Origin,
        /// The shards involved, by name, each once.
        shards: Vec<String>,
        /// The shards' indexes.
        indexes: Vec<usize>,
        /// What keeps them apart.
        conflict: Conflict,
    },
    /// A keyless command with no place to go: run it on a shard's own client.
    Keyless {
        /// The command as messages show it (`MULTI` for a transaction).
        command: String,
        /// Why.
        reason: KeylessReason,
    },
    /// A command the table cannot route, or that the server would refuse
    /// before running it (unknown, wrong arity), or a key no shard serves.
    Unroutable {
        /// The command as messages show it (empty for an empty command).
        command: String,
        /// What is wrong.
        cause: Unroutable,
    },
    /// MULTI, WATCH, EXEC or DISCARD out of turn.
    Transaction {
        /// The command as messages show it.
        command: String,
        /// What is out of turn.
        state: TransactionState,
    },
    /// A split or fanned-out command some of whose shards gave no reply
    /// while others did: the only [`ShardError`] raised after sending. The
    /// adapter attaches each failed shard's own error.
    Partial {
        /// The command as messages show it.
        command: String,
        /// Whether the command may change state (it is not flagged
        /// `readonly`): then the parts on `applied` took effect and the
        /// error is a partial write, else a partial reply.
        write: bool,
        /// The shards every part of which got a reply that is not an
        /// error, by name, in send order.
        applied: Vec<String>,
        /// Their indexes.
        applied_indexes: Vec<usize>,
        /// The other shards (an error reply or no reply), by name, in send
        /// order.
        failed: Vec<String>,
        /// Their indexes.
        failed_indexes: Vec<usize>,
        /// Those of `failed` that gave no reply at all: their parts may or
        /// may not have been applied.
        unanswered: Vec<String>,
    },
    /// A refused command of a pipeline or transaction: nothing of it was sent.
    InPipeline {
        /// The command's position (0-based) in the pipeline.
        position: usize,
        /// Why it was refused.
        error: Box<ShardError>,
    },
}

/// What makes a command unroutable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unroutable {
    /// The command table's verdict (unknown command, wrong arity...).
    Command(CommandError),
    /// A key's slot is served by no shard, or no policy rule matches it.
    Topology(TopologyError),
}

impl ShardError {
    /// A stable code for the kind of refusal, the same in every language.
    pub fn code(&self) -> &'static str {
        match self {
            Self::CrossShard { .. } => "ERR_KEYROUTE_CROSS_SHARD",
            Self::NotColocated { .. } => "ERR_KEYROUTE_NOT_COLOCATED",
            Self::CrossShardTransaction { .. } => "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION",
            Self::Keyless { .. } => "ERR_KEYROUTE_KEYLESS",
            Self::Unroutable { .. } => "ERR_KEYROUTE_UNROUTABLE",
            Self::Transaction { .. } => "ERR_KEYROUTE_TRANSACTION_STATE",
            Self::Partial { write: true, .. } => "ERR_KEYROUTE_PARTIAL_WRITE",
            Self::Partial { write: false, .. } => "ERR_KEYROUTE_PARTIAL_REPLY",
            Self::InPipeline { error, .. } => error.code(),
        }
    }

    /// The refusal itself, without its pipeline position.
    pub fn inner(&self) -> &ShardError {
        match self {
            Self::InPipeline { error, .. } => error.inner(),
            e => e,
        }
    }

    /// The position in the pipeline, if the refusal is one command's of a
    /// pipeline or transaction.
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::InPipeline { position, .. } => Some(*position),
            _ => None,
        }
    }

    /// The refused command as messages show it (empty for an empty command).
    pub fn command(&self) -> &str {
        match self {
            Self::CrossShard { command, .. }
            | Self::NotColocated { command, .. }
            | Self::Keyless { command, .. }
            | Self::Unroutable { command, .. }
            | Self::Transaction { command, .. }
            | Self::Partial { command, .. } => command,
            Self::CrossShardTransaction { other, .. } => &other.command,
            Self::InPipeline { error, .. } => error.command(),
        }
    }

    /// The shards involved, by name (empty when none is; the failed
    /// shards of a partial write or reply).
    pub fn shards(&self) -> &[String] {
        match self {
            Self::CrossShard { shards, .. }
            | Self::NotColocated { shards, .. }
            | Self::CrossShardTransaction { shards, .. }
            | Self::Partial { failed: shards, .. } => shards,
            Self::InPipeline { error, .. } => error.shards(),
            _ => &[],
        }
    }

    /// The shards involved, by index (in the order of [`shards`](Self::shards)).
    pub fn shard_indexes(&self) -> &[usize] {
        match self {
            Self::CrossShard { indexes, .. }
            | Self::NotColocated { indexes, .. }
            | Self::CrossShardTransaction { indexes, .. }
            | Self::Partial {
                failed_indexes: indexes,
                ..
            } => indexes,
            Self::InPipeline { error, .. } => error.shard_indexes(),
            _ => &[],
        }
    }

    /// A partial write's or reply's applied shards, by name and by index
    /// (empty for every other error).
    pub fn applied(&self) -> (&[String], &[usize]) {
        match self.inner() {
            Self::Partial {
                applied,
                applied_indexes,
                ..
            } => (applied, applied_indexes),
            _ => (&[], &[]),
        }
    }

    /// Whether this is a partial write: a command that may change state
    /// reached some shards and not others.
    pub fn is_partial_write(&self) -> bool {
        matches!(self.inner(), Self::Partial { write: true, .. })
    }

    /// This refusal as the refusal of command `position` of a pipeline.
    pub fn at(self, position: usize) -> ShardError {
        match self {
            e @ Self::InPipeline { .. } => e,
            e => Self::InPipeline {
                position,
                error: Box::new(e),
            },
        }
    }
}

/// `a, b, c`
struct List<'a>(&'a [String]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

const OWN_CLIENT: &str = "run it on a shard's own client (the sharded client's per-shard handles)";

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CrossShard {
                command,
                shards,
                slots: None,
                ..
            } => write!(
                f,
                "{command} has keys on several shards ({}) and cannot be split",
                List(shards)
            ),
            Self::CrossShard {
                command,
                shards,
                slots: Some((a, b)),
                ..
            } => write!(
                f,
                "{command} has keys in hash slots {a} and {b} (on {}) and cannot be split: \
                 a cluster node runs a command within one slot",
                List(shards)
            ),
            Self::NotColocated {
                command, shards, ..
            } => write!(
                f,
                "{command} is not split and its keys do not share one hash tag (strict tags): \
                 they are together on {} by placement alone",
                List(shards)
            ),
            Self::CrossShardTransaction {
                first,
                other,
                shards,
                conflict,
                ..
            } => {
                write!(f, "transaction {first} and {other} ")?;
                match conflict {
                    Conflict::Shards => write!(f, "touch shards {}", List(shards))?,
                    Conflict::Slots(a, b) => write!(
                        f,
                        "touch hash slots {a} and {b} of {} (a cluster transaction stays in one slot)",
                        List(shards)
                    )?,
                    Conflict::Tags => write!(
                        f,
                        "do not share one hash tag (strict tags; on {})",
                        List(shards)
                    )?,
                }
                f.write_str(
                    "; a transaction runs on one shard: a non-transactional pipeline can split them",
                )
            }
            Self::Keyless { command, reason } => match reason {
                KeylessReason::NoPolicy => {
                    write!(
                        f,
                        "{command} has no keys, so no shard is its own: {OWN_CLIENT}"
                    )
                }
                KeylessReason::Special => write!(
                    f,
                    "{command} has no keys and the replies of several shards have no general \
                     combination: {OWN_CLIENT}"
                ),
                KeylessReason::PerShard => write!(
                    f,
                    "{command} has no keys and a merged reply would hide which shard each entry \
                     came from: {OWN_CLIENT}"
                ),
                KeylessReason::Transaction => {
                    write!(f, "a transaction without keys has no shard: {OWN_CLIENT}")
                }
            },
            Self::Unroutable { command, cause } => {
                if command.is_empty() {
                    f.write_str("an empty command cannot be routed")
                } else {
                    match cause {
                        Unroutable::Command(e) => write!(f, "{command} cannot be routed: {e}"),
                        Unroutable::Topology(e) => write!(f, "{command} cannot be routed: {e}"),
                    }
                }
            }
            Self::Transaction { command, state } => match state {
                TransactionState::NestedMulti => f.write_str("MULTI calls can not be nested"),
                TransactionState::WatchInMulti => f.write_str("WATCH inside MULTI is not allowed"),
                TransactionState::NoMulti => write!(f, "{command} without MULTI"),
            },
            Self::Partial {
                command,
                write,
                applied,
                failed,
                unanswered,
                ..
            } => {
                let part = match unanswered.len() {
                    1 => "its part",
                    _ => "their parts",
                };
                if *write && !applied.is_empty() {
                    write!(
                        f,
                        "{command} was applied on {} but failed on {}",
                        List(applied),
                        List(failed)
                    )?;
                } else {
                    write!(f, "{command} failed on {}", List(failed))?;
                }
                write!(f, "; {} gave no reply", List(unanswered))?;
                if *write {
                    write!(f, " and may or may not have applied {part}")
                } else if applied.is_empty() {
                    Ok(())
                } else {
                    write!(
                        f,
                        ": the replies of {} alone would be partial",
                        List(applied)
                    )
                }
            }
            Self::InPipeline { position, error } => {
                write!(f, "command {position} of the pipeline: {error}")
            }
        }
    }
}

impl core::error::Error for ShardError {}
