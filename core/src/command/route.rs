//! Where a command goes, from its keys and its request/response policy tips.

use super::CommandTable;
use crate::error::CommandError;

/// Where to send a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// The node serving this slot.
    Slot(u16),
    /// Any node: the command has no keys and no request policy.
    AnyNode,
    /// Every primary (`request_policy:all_shards`).
    AllPrimaries,
    /// Every node, replicas included (`request_policy:all_nodes`).
    AllNodes,
    /// Keys span several slots and the command may be split per slot
    /// (`request_policy:multi_shard`, where a split keeps the command's
    /// meaning; not MSETNX): see [`CommandTable::split`].
    MultiShard,
    /// The command needs its own handling (`request_policy:special`).
    Special,
}

/// How to combine the replies of a command sent to several nodes
/// (the `response_policy` tip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponsePolicy {
    /// Any one successful reply; an error only when all fail.
    OneSucceeded,
    /// The replies must all succeed; the reply is any of them.
    AllSucceeded,
    /// Logical AND of integer replies.
    AggLogicalAnd,
    /// Logical OR of integer replies.
    AggLogicalOr,
    /// Minimum of integer replies.
    AggMin,
    /// Maximum of integer replies.
    AggMax,
    /// Sum of integer replies.
    AggSum,
    /// The command needs its own aggregation.
    Special,
}

impl Route {
    /// A stable lower-case name: `slot`, `any_node`, `all_primaries`,
    /// `all_nodes`, `multi_shard` or `special`.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Slot(_) => "slot",
            Route::AnyNode => "any_node",
            Route::AllPrimaries => "all_primaries",
            Route::AllNodes => "all_nodes",
            Route::MultiShard => "multi_shard",
            Route::Special => "special",
        }
    }
}

impl ResponsePolicy {
    /// The tip's own name, e.g. `agg_sum`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OneSucceeded => "one_succeeded",
            Self::AllSucceeded => "all_succeeded",
            Self::AggLogicalAnd => "agg_logical_and",
            Self::AggLogicalOr => "agg_logical_or",
            Self::AggMin => "agg_min",
            Self::AggMax => "agg_max",
            Self::AggSum => "agg_sum",
            Self::Special => "special",
        }
    }

    /// Parses a tip value such as `agg_sum`.
    pub fn from_tip(tip: &str) -> Option<Self> {
        Some(match tip {
            "one_succeeded" => Self::OneSucceeded,
            "all_succeeded" => Self::AllSucceeded,
            "agg_logical_and" => Self::AggLogicalAnd,
            "agg_logical_or" => Self::AggLogicalOr,
            "agg_min" => Self::AggMin,
            "agg_max" => Self::AggMax,
            "agg_sum" => Self::AggSum,
            "special" => Self::Special,
            _ => return None,
        })
    }
}

/// A route and, when the command may reach several nodes, how to combine replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoutePlan {
    /// Where to send it.
    pub target: Route,
    /// How to combine replies from several nodes (`None`: the command's
    /// tips name no policy; clients then use the reply as is, or for
    /// keyless fan-outs, the server's documented default).
    pub response: Option<ResponsePolicy>,
}

impl CommandTable {
    /// Where `argv` goes: the slot of its keys; several slots when the
    /// command may be split; or, for keyless commands, what its request
    /// policy tip says. Keys in several slots of a command that cannot be
    /// split give the server's `CROSSSLOT` as an error.
    pub fn route<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<RoutePlan, CommandError> {
        let cmd = self.lookup(argv)?;
        let keys = self.placed_keys(argv)?;
        let policy = cmd.request_policy();
        let response = cmd.response_policy().and_then(ResponsePolicy::from_tip);
        let target = match self.same_slot(argv, &keys) {
            Ok(Some(slot)) => Route::Slot(slot),
            Ok(None) => match policy {
                Some("all_nodes") => Route::AllNodes,
                Some("all_shards") => Route::AllPrimaries,
                Some("special") => Route::Special,
                _ => Route::AnyNode,
            },
            Err(CommandError::CrossSlot { .. }) if super::split::merge_of(cmd).is_some() => {
                Route::MultiShard
            }
            Err(e) => return Err(e),
        };
        Ok(RoutePlan { target, response })
    }
}
