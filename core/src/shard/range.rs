//! The planner's path for the common command: keys at a plain range of
//! positions (GET, SET, MGET, DEL, MSET...) placed by a pool.
//!
//! It answers only when its answer is the general planner's
//! ([`ShardRouter::plan_command`]): one shard, or a split of a command the
//! server marks splittable. Anything else (a cluster map, keys found by a
//! key procedure or key specs, no keys, a key the pool refuses, any
//! refusal) is left to the general planner, so every refusal and its
//! message has one source. The general planner lists each key's position
//! and place, then groups them part by part; this path places each key
//! into one list of shard numbers, counts each shard's keys, and fills
//! each part, sized exactly, with the reply order in the same pass (a
//! table from shard to part instead of a search).

use alloc::vec::Vec;

use super::{Part, Placement, Reduce, ShardRouter, Split, Step};
use crate::command::{merge_of, Command, Merge};

/// What the key-range path makes of a command, before any key but a
/// one-key command's is read.
enum Range<'a> {
    /// A one-key command's shard.
    One(usize),
    /// Keys at a range of positions, placed by this pool.
    Keys(&'a crate::partition::Pool),
}

impl ShardRouter {
    /// `argv`'s plan when its keys are positions `first, first + step, ...`
    /// of `cmd`'s legacy key range and a pool places them; `None` for
    /// anything the general planner must answer.
    #[inline(always)]
    pub(super) fn plan_range<A: AsRef<[u8]>>(&self, cmd: &Command, argv: &[A]) -> Option<Step> {
        match self.range_kind(cmd, argv)? {
            Range::One(shard) => Some(Step::One(shard)),
            Range::Keys(pool) => self.plan_range_keys(pool, cmd, argv),
        }
    }

    /// The shard of a one-key command (GET, SET, INCR...) this path
    /// answers, in the caller's loop: what [`plan_range`](Self::plan_range)
    /// answers as `Step::One`, and `None` for anything else.
    #[inline(always)]
    pub(super) fn plan_one<A: AsRef<[u8]>>(&self, cmd: &Command, argv: &[A]) -> Option<usize> {
        match self.range_kind(cmd, argv)? {
            Range::One(shard) => Some(shard),
            Range::Keys(_) => None,
        }
    }

    /// Whether this path answers `argv`: a one-key command with its
    /// shard, or a range of keys for [`plan_range_keys`](Self::plan_range_keys).
    #[inline(always)]
    fn range_kind<A: AsRef<[u8]>>(&self, cmd: &Command, argv: &[A]) -> Option<Range<'_>> {
        let Placement::Pool(pool) = &self.placement else {
            return None;
        };
        let (first, last, _) = cmd.legacy_range;
        if cmd.getkeys.is_some() || first < 1 || !cmd.arity_ok(argv.len()) {
            return None;
        }
        if first == last && (first as usize) < argv.len() {
            let key: &[u8] = argv[first as usize].as_ref();
            return if pool.may_refuse_keys() {
                pool.try_index_for(key).ok().map(Range::One)
            } else {
                Some(Range::One(pool.index_for(key)))
            };
        }
        Some(Range::Keys(pool))
    }

    /// [`plan_range`](Self::plan_range) for any range of keys, out of the
    /// callers' loops.
    #[inline(never)]
    fn plan_range_keys<A: AsRef<[u8]>>(
        &self,
        pool: &crate::partition::Pool,
        cmd: &Command,
        argv: &[A],
    ) -> Option<Step> {
        let (first, last, step) = cmd.legacy_range;
        let may_refuse = pool.may_refuse_keys();
        let place = |pos: usize| {
            let key: &[u8] = argv[pos].as_ref();
            if may_refuse {
                pool.try_index_for(key).ok()
            } else {
                Some(pool.index_for(key))
            }
        };
        // The key range as `getKeysFromCommand` reads it (with no keys, or
        // a range past the end: the general planner).
        let (first, step, argc) = (first as usize, step.max(1) as usize, argv.len());
        let last = if last < 0 {
            argc.checked_sub(last.unsigned_abs() as usize)?
        } else {
            last as usize
        };
        if last < first || first + (last - first) / step * step >= argc {
            return None;
        }
        let n = (last - first) / step + 1;
        let head = place(first)?;
        // The keys on the first key's shard, then each key's shard listed
        // from the first on another (keys together allocate nothing).
        let mut i = 1;
        while i < n && place(first + i * step)? == head {
            i += 1;
        }
        if i == n {
            if self.strict_tags
                && n > 1
                && merge_of(cmd).is_none()
                && !self.same_tag((0..n).map(|i| argv[first + i * step].as_ref()))
            {
                return None;
            }
            return Some(Step::One(head));
        }
        // Each key's shard, and per shard its keys counted as they are
        // placed (a shard counted from 0 gets its part), the parts' shards
        // in order of their first key.
        let mut shards: Vec<u32> = Vec::with_capacity(n);
        shards.resize(i, head as u32);
        let mut count = alloc::vec![0u32; self.len()];
        count[head] = i as u32;
        let mut part_shards: Vec<usize> = Vec::with_capacity(self.len().min(n));
        part_shards.push(head);
        let mut counted = |s: usize| {
            let c = &mut count[s];
            if *c == 0 {
                part_shards.push(s);
            }
            *c += 1;
            s as u32
        };
        if may_refuse {
            for i in i..n {
                shards.push(counted(place(first + i * step)?));
            }
        } else {
            // A pool that refuses no key: one `extend` of known length
            // (no capacity check or length stored per key).
            shards.extend((i..n).map(|i| counted(pool.index_for(argv[first + i * step].as_ref()))));
        }
        let merge = merge_of(cmd)?;
        // What the split checks before anything is sent (a key without
        // its value): the general planner's arity error.
        if (argc - first) % step != 0 {
            return None;
        }
        Some(Step::Split(split(
            &shards,
            &count,
            &part_shards,
            first,
            step,
            merge,
        )))
    }
}

/// The split of keys at positions `first, first + step, ...` on `shards`
/// (one per key), into parts in order of each part's first key: the
/// shards of `part_shards`, each with `count[shard]` keys.
///
/// A counting sort: with each shard's keys counted (as they were placed),
/// each part's keys get their span of the concatenated replies, and one
/// pass over the keys writes each key's place there (the reply order) and
/// its ordinal at that place. Each part's lists are then copied out of
/// that one list (pushing every key onto its part's lists, in turn, cost
/// three times as much).
fn split(
    shards: &[u32],
    count: &[u32],
    part_shards: &[usize],
    first: usize,
    step: usize,
    merge: Merge,
) -> Split {
    let shard_count = count.len();
    let mut next: Vec<u32> = alloc::vec![0; shard_count];
    let mut at = 0;
    for &s in part_shards {
        next[s] = at;
        at += count[s];
    }
    let mut ordinals = alloc::vec![0usize; shards.len()];
    let order: Vec<u32> = shards
        .iter()
        .enumerate()
        .map(|(ordinal, &s)| {
            let place = &mut next[s as usize];
            let at = *place;
            *place += 1;
            ordinals[at as usize] = ordinal;
            at
        })
        .collect();
    let mut parts: Vec<Part> = Vec::with_capacity(part_shards.len());
    let mut at = 0;
    for &s in part_shards {
        let keys = &ordinals[at..at + count[s] as usize];
        at += keys.len();
        let mut argv = Vec::with_capacity(1 + keys.len() * step);
        argv.push(0);
        if step == 1 {
            argv.extend(keys.iter().map(|&k| first + k));
        } else {
            for &k in keys {
                let pos = first + k * step;
                argv.extend(pos..pos + step);
            }
        }
        parts.push(Part {
            shard: s,
            argv,
            keys: keys.to_vec(),
        });
    }
    let reduce = match merge {
        Merge::ByKeyPosition => Reduce::Order(order),
        Merge::Sum => Reduce::Sum,
        _ => Reduce::AllSucceeded,
    };
    Split {
        parts,
        reduce,
        key_count: shards.len(),
    }
}
