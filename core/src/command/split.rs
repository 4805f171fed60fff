//! Splitting multi-key commands (MGET, MSET, DEL, EXISTS, UNLINK, TOUCH) into
//! one command per slot, and putting the replies back together.

use alloc::vec;
use alloc::vec::Vec;

use super::route::ResponsePolicy;
use super::CommandTable;
use crate::cluster::{ReadFrom, SlotMap};
use crate::error::{CommandError, TopologyError};

/// One per-slot sub-command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitPart {
    /// The slot all its keys hash to.
    pub slot: u16,
    /// The sub-command, as indexes into the original argv (index 0 is the
    /// command name; each key is followed by its values, e.g. MSET's).
    pub argv: Vec<usize>,
    /// For each key of the part, in order, its ordinal among the original
    /// command's keys (0 for the first key).
    pub keys: Vec<usize>,
}

/// One part of a [`GroupSplit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPart {
    /// The group all its keys are in.
    pub group: u32,
    /// The sub-command, as indexes into the original argv.
    pub argv: Vec<usize>,
    /// For each key of the part, its ordinal among the original keys.
    pub keys: Vec<usize>,
}

/// A command broken into one part per group of keys
/// ([`CommandTable::split_by`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSplit {
    /// The parts, in order of each group's first key.
    pub parts: Vec<GroupPart>,
    /// How to assemble the replies.
    pub merge: Merge,
    /// The number of keys of the original command.
    pub key_count: usize,
}

/// How to assemble the original reply from the parts' replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Merge {
    /// Each part replies an array with one element per key (MGET): element
    /// `i` of part `p` goes to position `parts[p].keys[i]` of the result.
    ByKeyPosition,
    /// Integer replies are added up (DEL, EXISTS, UNLINK, TOUCH).
    Sum,
    /// Every part must reply OK; the result is OK (MSET).
    AllOk,
    /// The command was not split: its single reply is the result.
    Single,
}

impl Merge {
    /// A stable lower-case name: `by_key_position`, `sum`, `all_ok` or `single`.
    pub fn as_str(self) -> &'static str {
        match self {
            Merge::ByKeyPosition => "by_key_position",
            Merge::Sum => "sum",
            Merge::AllOk => "all_ok",
            Merge::Single => "single",
        }
    }
}

/// A command broken into per-slot parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The parts, in order of each slot's first key.
    pub parts: Vec<SplitPart>,
    /// How to assemble the replies.
    pub merge: Merge,
    /// The number of keys of the original command.
    pub key_count: usize,
}

impl Split {
    /// Groups the parts by the node serving their slot: `(node index into
    /// map.nodes(), indexes into parts)`, in order of first appearance. Each
    /// part stays a separate command (one node refuses keys of two slots
    /// in one command); send a node's parts in one pipeline.
    pub fn by_node(
        &self,
        map: &SlotMap,
        read_from: ReadFrom<'_>,
    ) -> Result<Vec<(usize, Vec<usize>)>, TopologyError> {
        let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, p) in self.parts.iter().enumerate() {
            let (node, _) = map.node_for_slot(p.slot, read_from)?;
            match out.iter_mut().find(|(n, _)| *n == node) {
                Some((_, parts)) => parts.push(i),
                None => out.push((node, vec![i])),
            }
        }
        Ok(out)
    }
}

/// How the parts of `cmd` would be merged, if it may be split at all: the
/// server marks it `request_policy:multi_shard`, its keys are a plain range
/// to the end (with their values, step 1 or 2), and its reply combines by
/// position, sum or all-OK. MSETNX, marked multi-shard with `agg_min`, is
/// not: its all-or-nothing promise would not survive a split.
pub(crate) fn merge_of(cmd: &super::Command) -> Option<Merge> {
    let (first, last, step) = cmd.legacy_range;
    let plain_range = cmd.getkeys.is_none() && last == -1 && first >= 1 && (1..=2).contains(&step);
    if cmd.request_policy() != Some("multi_shard") || !plain_range {
        return None;
    }
    match cmd.response_policy().and_then(ResponsePolicy::from_tip) {
        Some(ResponsePolicy::AggSum) => Some(Merge::Sum),
        Some(ResponsePolicy::AllSucceeded) => Some(Merge::AllOk),
        None => Some(Merge::ByKeyPosition),
        Some(_) => None,
    }
}

impl CommandTable {
    /// How the replies of `argv` would be put back together if its keys were
    /// split across slots or shards, or `None` when the command cannot be
    /// split (MSETNX, RENAME, EVAL...): its keys must stay together.
    pub fn split_merge<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<Option<Merge>, CommandError> {
        Ok(merge_of(self.lookup(argv)?))
    }

    /// Breaks a multi-key command into one command per slot.
    ///
    /// A command whose keys share a slot (or that has none) comes back whole,
    /// as one part. Keys in several slots are split only for commands the
    /// server marks `request_policy:multi_shard` (MGET, MSET, DEL, EXISTS,
    /// UNLINK, TOUCH); any other command, such as MSETNX whose all-or-nothing
    /// promise a split would break, is refused with
    /// [`CommandError::NotSplittable`].
    pub fn split<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<Split, CommandError> {
        let g = self.split_by(argv, |key, pos| self.slot_of(key, pos).map(u32::from))?;
        Ok(Split {
            parts: g
                .parts
                .into_iter()
                .map(|p| SplitPart {
                    slot: p.group as u16,
                    argv: p.argv,
                    keys: p.keys,
                })
                .collect(),
            merge: g.merge,
            key_count: g.key_count,
        })
    }

    /// [`split`](Self::split) by any grouping of keys, e.g. the shard a
    /// client-side sharding scheme puts each key on: `group(key, argv
    /// position)` names each key's group; keys of one group stay in one part.
    pub fn split_by<A, F>(&self, argv: &[A], mut group: F) -> Result<GroupSplit, CommandError>
    where
        A: AsRef<[u8]>,
        F: FnMut(&[u8], usize) -> Result<u32, CommandError>,
    {
        let cmd = self.lookup(argv)?;
        let keys = self.placed_keys(argv)?;
        let groups: Vec<u32> = keys
            .iter()
            .map(|k| group(argv[k.pos].as_ref(), k.pos))
            .collect::<Result<_, _>>()?;
        if groups.windows(2).all(|w| w[0] == w[1]) {
            return Ok(GroupSplit {
                parts: vec![GroupPart {
                    group: groups.first().copied().unwrap_or(0),
                    argv: (0..argv.len()).collect(),
                    keys: (0..keys.len()).collect(),
                }],
                merge: Merge::Single,
                key_count: keys.len(),
            });
        }
        let merge = merge_of(cmd).ok_or_else(|| CommandError::NotSplittable {
            command: cmd.name.as_ref().into(),
        })?;
        let parts = self.split_places(argv, cmd, &keys, |i| groups[i])?;
        Ok(GroupSplit {
            parts,
            merge,
            key_count: keys.len(),
        })
    }

    /// The parts of splittable `cmd` whose `keys` (its placed keys) are in
    /// the groups `group(key ordinal)` names, in order of each group's first
    /// key. The server checks the shape of a key range with values (MSET's
    /// pairs) before running anything, so a split must too: a key left
    /// without its value is the server's arity error, and nothing is sent.
    pub(crate) fn split_places<A, G>(
        &self,
        argv: &[A],
        cmd: &super::Command,
        keys: &[super::KeyRef],
        mut group: G,
    ) -> Result<Vec<GroupPart>, CommandError>
    where
        A: AsRef<[u8]>,
        G: FnMut(usize) -> u32,
    {
        let (first, _, step) = cmd.legacy_range;
        let step = step.max(1) as usize;
        let first = first.max(1) as usize;
        if argv.len() < first || (argv.len() - first) % step != 0 {
            return Err(CommandError::WrongArity {
                command: cmd.name.as_ref().into(),
            });
        }
        // One pass. The j-th part's lists are allocated when its first key
        // is seen, for 2/j of the keys left (all of them for the first
        // two): keys spread over the parts about evenly never grow them,
        // and all the lists together hold at most 2 ln(parts) + 2 times
        // the keys (growing them from nothing, or a first pass to size
        // them, cost more than the split itself on 1000-key MGETs).
        let mut parts: Vec<GroupPart> = Vec::new();
        for (ordinal, k) in keys.iter().enumerate() {
            let g = group(ordinal);
            let i = match parts.iter().position(|p| p.group == g) {
                Some(i) => i,
                None => {
                    let left = keys.len() - ordinal;
                    let left = (2 * left).div_ceil(parts.len() + 1).min(left);
                    let mut argv = Vec::with_capacity(1 + left * step);
                    argv.push(0);
                    parts.push(GroupPart {
                        group: g,
                        argv,
                        keys: Vec::with_capacity(left),
                    });
                    parts.len() - 1
                }
            };
            let part = &mut parts[i];
            if step == 1 {
                part.argv.push(k.pos);
            } else {
                part.argv.extend(k.pos..k.pos + step);
            }
            part.keys.push(ordinal);
        }
        Ok(parts)
    }
}
