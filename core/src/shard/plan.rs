//! Planning one command, or a whole pipeline, before any I/O.

use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use super::{
    command_name, KeylessReason, Outcome, Place, Placement, ShardError, ShardRouter, Unroutable,
};
use crate::command::CommandFlags;
use crate::command::{placed_keys_of, Command, KeyRef, Merge, ResponsePolicy};

/// Where one command goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The whole command, as given, on this shard.
    One(usize),
    /// One sub-command per part, the replies put back together by `reduce`.
    Split(Split),
    /// The command, as given, on every shard, the replies combined.
    FanOut(FanOut),
}

/// A command broken into parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The parts, in the order of each part's first key.
    pub parts: Vec<Part>,
    /// How the parts' replies (in part order) become the command's reply.
    pub reduce: Reduce,
    /// How many keys the command has.
    pub key_count: usize,
}

/// One sub-command of a split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The shard it goes to (a cluster map may give one shard several
    /// parts, one per slot).
    pub shard: usize,
    /// The sub-command as positions in the original argv, the command name
    /// (position 0) first.
    pub argv: Vec<usize>,
    /// The ordinals, among the command's keys, of this part's keys.
    pub keys: Vec<usize>,
}

/// A keyless command sent to every shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanOut {
    /// The shards, in shard order (every shard).
    pub shards: Vec<usize>,
    /// How the replies (in the order of `shards`) become the command's reply.
    pub reduce: Reduce,
}

/// How the replies of a split or a fan-out become one reply: data each
/// adapter applies to its own reply type.
///
/// Errors first: under every rule but [`OneSucceeded`](Self::OneSucceeded),
/// the first error reply (in part or shard order) is the result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reduce {
    /// The replies are arrays (MGET's parts): concatenated in order, element
    /// `order[i]` of the concatenation is element `i` of the result, so the
    /// result is in the caller's key order, duplicates repeated.
    Order(Vec<u32>),
    /// The sum of integer replies (`agg_sum`; DEL, EXISTS, DBSIZE, SLOWLOG
    /// LEN); arrays of integers element by element.
    Sum,
    /// The least integer reply (`agg_min`: WAIT, WAITAOF), arrays element
    /// by element.
    Min,
    /// The greatest integer reply (`agg_max`), arrays element by element.
    Max,
    /// 1 when every integer reply is non-zero, else 0 (`agg_logical_and`:
    /// SCRIPT EXISTS), arrays element by element; booleans stay booleans.
    And,
    /// 1 when any integer reply is non-zero (`agg_logical_or`), likewise.
    Or,
    /// Every reply must succeed; the result is the first (`all_succeeded`:
    /// MSET, PING, FLUSHALL, CONFIG SET, SCRIPT LOAD).
    AllSucceeded,
    /// The first reply that is not an error; the first error only when
    /// every reply is one (`one_succeeded`: SCRIPT KILL, FUNCTION KILL).
    OneSucceeded,
    /// Array replies concatenated in shard order (a request policy without
    /// a response policy: KEYS).
    Concat,
    /// One of the replies that are not nil, chosen at random: the
    /// `pick`-th modulo their count (nil when all are). RANDOMKEY: a random
    /// key of a random non-empty shard, never a list.
    Random {
        /// A random number drawn when the command was planned.
        pick: u32,
    },
}

impl Reduce {
    /// A stable lower-case name: `order`, `sum`, `min`, `max`, `and`, `or`,
    /// `all_succeeded`, `one_succeeded`, `concat` or `random`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Reduce::Order(_) => "order",
            Reduce::Sum => "sum",
            Reduce::Min => "min",
            Reduce::Max => "max",
            Reduce::And => "and",
            Reduce::Or => "or",
            Reduce::AllSucceeded => "all_succeeded",
            Reduce::OneSucceeded => "one_succeeded",
            Reduce::Concat => "concat",
            Reduce::Random { .. } => "random",
        }
    }

    /// The rule named `name` ([`as_str`](Self::as_str)), for the rules that
    /// carry no data: `None` for `order` and `random` and for any other
    /// name.
    pub fn from_name(name: &str) -> Option<Reduce> {
        [
            Reduce::Sum,
            Reduce::Min,
            Reduce::Max,
            Reduce::And,
            Reduce::Or,
            Reduce::AllSucceeded,
            Reduce::OneSucceeded,
            Reduce::Concat,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
    }
}

impl Step {
    /// The rule that makes one reply of several, `None` for [`Step::One`].
    pub fn reduce(&self) -> Option<&Reduce> {
        match self {
            Step::One(_) => None,
            Step::Split(s) => Some(&s.reduce),
            Step::FanOut(f) => Some(&f.reduce),
        }
    }

    /// What to send: `(shard, part)` in reply order, `part` indexing
    /// [`Split::parts`] (`None`: the command as given).
    pub fn sends(&self) -> impl Iterator<Item = (usize, Option<usize>)> + '_ {
        let (one, parts, fan): (Option<usize>, &[Part], &[usize]) = match self {
            Step::One(s) => (Some(*s), &[], &[]),
            Step::Split(s) => (None, &s.parts, &[]),
            Step::FanOut(f) => (None, &[], &f.shards),
        };
        one.map(|s| (s, None))
            .into_iter()
            .chain(parts.iter().enumerate().map(|(i, p)| (p.shard, Some(i))))
            .chain(fan.iter().map(|&s| (s, None)))
    }
}

/// One command to send in a pipeline: which command, and which part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Send {
    /// The command's position in the pipeline.
    pub command: usize,
    /// The part of its split ([`Split::parts`]), `None` for the command as given.
    pub part: Option<usize>,
}

/// A pipeline planned before any I/O.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pipeline {
    /// Each command's step.
    pub steps: Vec<Step>,
    /// Per shard, what to send to it, in order (empty for a shard with nothing).
    pub batches: Vec<Vec<Send>>,
    /// Per command, where its replies are, in the order its step's reduce
    /// rule takes them: `(shard, index among that shard's replies)`.
    pub replies: Vec<Vec<(usize, usize)>>,
}

/// What a keyless command does, from its tips (and the one decision of the
/// core where the documented default would change a reply's shape).
fn keyless(cmd: &Command, pick: &AtomicU32) -> Result<Reduce, KeylessReason> {
    let everywhere = matches!(cmd.request_policy(), Some("all_shards" | "all_nodes"));
    if !everywhere {
        return Err(match cmd.request_policy() {
            Some("special") => KeylessReason::Special,
            _ => KeylessReason::NoPolicy,
        });
    }
    match cmd.response_policy() {
        Some(tip) => match ResponsePolicy::from_tip(tip) {
            Some(ResponsePolicy::AggSum) => Ok(Reduce::Sum),
            Some(ResponsePolicy::AggMin) => Ok(Reduce::Min),
            Some(ResponsePolicy::AggMax) => Ok(Reduce::Max),
            Some(ResponsePolicy::AggLogicalAnd) => Ok(Reduce::And),
            Some(ResponsePolicy::AggLogicalOr) => Ok(Reduce::Or),
            Some(ResponsePolicy::AllSucceeded) => Ok(Reduce::AllSucceeded),
            Some(ResponsePolicy::OneSucceeded) => Ok(Reduce::OneSucceeded),
            _ => Err(KeylessReason::Special),
        },
        // No response policy: the documented default concatenates the
        // replies (KEYS). Where that changes the reply's shape, the core
        // decides (docs/sharded-clients.md, "Keyless commands").
        None => match cmd.name.as_ref() {
            "randomkey" => Ok(Reduce::Random {
                pick: next_random(pick),
            }),
            "slowlog|get" => Err(KeylessReason::PerShard),
            _ => Ok(Reduce::Concat),
        },
    }
}

/// The first key's place, and every key's place when they are not all in
/// its group (most commands have one key, or keys in one group: then
/// nothing is allocated).
#[inline(always)]
fn places_of(
    keys: &[KeyRef],
    mut place: impl FnMut(usize) -> Result<Place, ShardError>,
) -> Result<(Place, Vec<Place>), ShardError> {
    // One call of `place` in the code, so that it is inlined.
    let mut head = Place { shard: 0, group: 0 };
    let mut places: Vec<Place> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let p = place(k.pos)?;
        if i == 0 {
            head = p;
            continue;
        }
        if places.is_empty() {
            if p.group == head.group {
                continue;
            }
            places.reserve(keys.len());
            places.extend(core::iter::repeat_n(head, i));
        }
        places.push(p);
    }
    Ok((head, places))
}

/// Whether `a` and `b` are the same bytes: compared in place, as command
/// names are short (a call to `memcmp` cost more than the comparison).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// A cheap, well-mixed sequence (a Weyl step through SplitMix32's
/// finaliser): RANDOMKEY's choice need not be cryptographic, only spread.
fn next_random(state: &AtomicU32) -> u32 {
    let mut z = state
        .fetch_add(0x9e37_79b9, Ordering::Relaxed)
        .wrapping_add(0x9e37_79b9);
    z = (z ^ (z >> 16)).wrapping_mul(0x85eb_ca6b);
    z = (z ^ (z >> 13)).wrapping_mul(0xc2b2_ae35);
    z ^ (z >> 16)
}

impl ShardRouter {
    /// [`place_at`](Self::place_at) for a key the pool refused, out of the
    /// planner's loop.
    #[cold]
    #[inline(never)]
    fn place_refused<A: AsRef<[u8]>>(&self, argv: &[A], pos: usize) -> Result<Place, ShardError> {
        self.place_at(argv, pos)
    }

    /// Where `argv` goes, or why it cannot go anywhere.
    pub fn plan<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<Step, ShardError> {
        self.plan_with(argv, &mut Vec::new())
    }

    /// [`plan`](Self::plan) with `keys` as the planner's list of key
    /// positions (its contents on return unspecified): a caller
    /// planning many commands reuses one list, and planning a command
    /// whose keys share a shard allocates nothing.
    pub fn plan_with<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
        keys: &mut Vec<KeyRef>,
    ) -> Result<Step, ShardError> {
        let cmd = self
            .table
            .lookup(argv)
            .map_err(|e| self.unroutable(argv, Unroutable::Command(e)))?;
        self.plan_command(cmd, argv, keys)
    }

    /// [`plan_with`](Self::plan_with) for `argv`'s command `cmd`, already
    /// looked up: keys at a plain range placed by a pool by their own
    /// path (`range.rs`), anything else by [`plan_keys`](Self::plan_keys).
    #[inline(always)]
    pub(super) fn plan_command<A: AsRef<[u8]>>(
        &self,
        cmd: &Command,
        argv: &[A],
        keys: &mut Vec<KeyRef>,
    ) -> Result<Step, ShardError> {
        match self.plan_range(cmd, argv) {
            Some(step) => Ok(step),
            None => self.plan_keys(cmd, argv, keys),
        }
    }

    /// The general planner: every command, every placement, every refusal.
    #[inline(never)]
    pub(super) fn plan_keys<A: AsRef<[u8]>>(
        &self,
        cmd: &Command,
        argv: &[A],
        keys: &mut Vec<KeyRef>,
    ) -> Result<Step, ShardError> {
        placed_keys_of(cmd, argv, keys)
            .map_err(|e| self.unroutable(argv, Unroutable::Command(e)))?;
        let keys = &*keys;
        if keys.is_empty() {
            return match keyless(cmd, &self.random) {
                Ok(reduce) => Ok(Step::FanOut(FanOut {
                    shards: (0..self.len()).collect(),
                    reduce,
                })),
                Err(reason) => Err(ShardError::Keyless {
                    command: command_name(&self.table, argv),
                    reason,
                }),
            };
        }
        let (head, places) = match &self.placement {
            // A pool's keys by the pool alone, in a loop of their own (each
            // key's group is its shard, as `place` gives it); a key it
            // refuses is refused by `place_at`, as any other.
            Placement::Pool(pool) => {
                let may_refuse = pool.may_refuse_keys();
                places_of(keys, |pos| {
                    let key = argv[pos].as_ref();
                    let shard = if may_refuse {
                        match pool.try_index_for(key) {
                            Ok(shard) => shard,
                            Err(_) => return self.place_refused(argv, pos),
                        }
                    } else {
                        pool.index_for(key)
                    };
                    Ok(Place {
                        shard,
                        group: shard as u32,
                    })
                })
            }
            Placement::Slots { .. } => places_of(keys, |pos| self.place_at(argv, pos)),
        }?;
        if places.is_empty() {
            // Together: only strict tags look further, and only at a
            // command of several keys that is not split.
            if self.strict_tags
                && keys.len() > 1
                && crate::command::merge_of(cmd).is_none()
                && !self.same_tag(keys.iter().map(|k| argv[k.pos].as_ref()))
            {
                let (shards, indexes) = self.shard_list([head.shard]);
                return Err(ShardError::NotColocated {
                    command: command_name(&self.table, argv),
                    shards,
                    indexes,
                });
            }
            return Ok(Step::One(head.shard));
        }
        let Some(merge) = crate::command::merge_of(cmd) else {
            let (shards, indexes) = self.shard_list(places.iter().map(|p| p.shard));
            let slots = self.is_cluster().then(|| {
                let other = places
                    .iter()
                    .find(|p| p.group != head.group)
                    .map_or(head.group, |p| p.group);
                (head.group as u16, other as u16)
            });
            return Err(ShardError::CrossShard {
                command: command_name(&self.table, argv),
                shards,
                indexes,
                slots,
            });
        };
        let split = self
            .table
            .split_places(argv, cmd, keys, |i| places[i].group)
            .map_err(|e| self.unroutable(argv, Unroutable::Command(e)))?;
        let mut parts: Vec<Part> = Vec::with_capacity(split.len());
        for p in split {
            let shard = places[p.keys[0]].shard;
            parts.push(Part {
                shard,
                argv: p.argv,
                keys: p.keys,
            });
        }
        let reduce = match merge {
            Merge::ByKeyPosition => {
                let mut order = vec![0u32; keys.len()];
                let mut at = 0u32;
                for p in &parts {
                    for &k in &p.keys {
                        order[k] = at;
                        at += 1;
                    }
                }
                Reduce::Order(order)
            }
            Merge::Sum => Reduce::Sum,
            _ => Reduce::AllSucceeded,
        };
        Ok(Step::Split(Split {
            parts,
            reduce,
            key_count: keys.len(),
        }))
    }

    /// What a split or fanned-out `argv` (planned as `step`) amounts to when
    /// some of its sends got no reply: `outcomes` holds, per send in the
    /// order of [`Step::sends`], what the adapter saw (a send it has no
    /// outcome for counts as unanswered).
    ///
    /// `None` when every send got a reply (the reduce rule applies), when
    /// none did (the first send's own error is the command's error: nothing
    /// is known to have been applied), and for [`Step::One`]. Otherwise
    /// [`ShardError::Partial`]: a partial write unless the command is
    /// flagged `readonly` (an unknown command counts as a write), naming
    /// the shards every send of which was applied and the others
    /// (`docs/sharded-clients.md`, "Faults").
    pub fn partial<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
        step: &Step,
        outcomes: &[Outcome],
    ) -> Option<ShardError> {
        if matches!(step, Step::One(_)) {
            return None;
        }
        let outcome = |i: usize| outcomes.get(i).copied().unwrap_or(Outcome::NoReply);
        let count = step.sends().count();
        let unanswered = (0..count)
            .filter(|&i| outcome(i) == Outcome::NoReply)
            .count();
        if unanswered == 0 || unanswered == count {
            return None;
        }
        // Per shard, in send order: (shard, every send applied, one unanswered).
        let mut shards: Vec<(usize, bool, bool)> = Vec::new();
        for (i, (shard, _)) in step.sends().enumerate() {
            let o = outcome(i);
            let at = match shards.iter().position(|s| s.0 == shard) {
                Some(at) => at,
                None => {
                    shards.push((shard, true, false));
                    shards.len() - 1
                }
            };
            shards[at].1 &= o == Outcome::Reply;
            shards[at].2 |= o == Outcome::NoReply;
        }
        let names = |keep: &dyn Fn(&(usize, bool, bool)) -> bool| {
            let indexes: Vec<usize> = shards.iter().filter(|s| keep(s)).map(|s| s.0).collect();
            let names = indexes.iter().map(|&i| self.names[i].clone()).collect();
            (names, indexes)
        };
        let (applied, applied_indexes) = names(&|s| s.1);
        let (failed, failed_indexes) = names(&|s| !s.1);
        let (unanswered, _) = names(&|s| s.2);
        let write = !self
            .table
            .lookup(argv)
            .is_ok_and(|c| c.flags.contains(CommandFlags::READONLY));
        Some(ShardError::Partial {
            command: command_name(&self.table, argv),
            write,
            applied,
            applied_indexes,
            failed,
            failed_indexes,
            unanswered,
        })
    }

    /// Plans every command of a non-transactional pipeline: the whole
    /// pipeline is refused (nothing sent) when any command is, the refusal
    /// naming its position.
    pub fn plan_pipeline<A, C>(&self, commands: &[C]) -> Result<Pipeline, ShardError>
    where
        A: AsRef<[u8]>,
        C: AsRef<[A]>,
    {
        let mut p = Pipeline::default();
        self.plan_pipeline_into(commands, &mut p)?;
        Ok(p)
    }

    /// [`plan_pipeline`](Self::plan_pipeline) into `out`, whose lists
    /// (replaced whole) keep their allocations from one pipeline to the
    /// next: a client that plans pipeline after pipeline reuses one
    /// [`Pipeline`]. On a refusal `out` is left empty, as
    /// `Pipeline::default()`.
    pub fn plan_pipeline_into<A, C>(
        &self,
        commands: &[C],
        out: &mut Pipeline,
    ) -> Result<(), ShardError>
    where
        A: AsRef<[u8]>,
        C: AsRef<[A]>,
    {
        let Pipeline {
            steps,
            batches,
            replies,
        } = out;
        // Each step replaces the one of the last pipeline at its place (one
        // pass over the list, not a pass to drop them and one to write).
        steps.truncate(commands.len());
        steps.reserve(commands.len() - steps.len());
        batches.truncate(self.len());
        batches.iter_mut().for_each(Vec::clear);
        batches.resize_with(self.len(), Vec::new);
        // Each command's list of reply places is kept too.
        replies.truncate(commands.len());
        replies.iter_mut().for_each(Vec::clear);
        replies.resize_with(commands.len(), Vec::new);
        let mut keys = Vec::new();
        // The command of the one before, when its name alone decides it: a
        // pipeline of one command repeated looks its name up once.
        let mut last: Option<(&[u8], &Command)> = None;
        for (i, argv) in commands.iter().enumerate() {
            let argv = argv.as_ref();
            let cmd = match (last, argv.first()) {
                (Some((name, cmd)), Some(given)) if same_bytes(given.as_ref(), name) => Ok(cmd),
                _ => {
                    let found = self.table.lookup(argv);
                    if let Ok(cmd) = found {
                        last = match argv.first() {
                            // Not a container's subcommand (whose container
                            // would resolve another by argv[1]), nor a
                            // container named alone.
                            Some(given)
                                if cmd.subcommands.is_empty()
                                    && cmd.name.as_bytes().eq_ignore_ascii_case(given.as_ref()) =>
                            {
                                Some((given.as_ref(), cmd))
                            }
                            _ => None,
                        };
                    }
                    found
                }
            };
            // A one-key command (most of a pipeline): its shard straight
            // into the plan, no `Step` moved through a result, and a step
            // of the last pipeline that was one shard too overwritten in
            // place (no drop of it).
            if let Ok(cmd) = cmd {
                if let Some(shard) = self.plan_one(cmd, argv) {
                    let batch = &mut batches[shard];
                    batch.push(Send {
                        command: i,
                        part: None,
                    });
                    replies[i].push((shard, batch.len() - 1));
                    match steps.get_mut(i) {
                        Some(Step::One(old)) => *old = shard,
                        Some(old) => *old = Step::One(shard),
                        None => steps.push(Step::One(shard)),
                    }
                    continue;
                }
            }
            let planned = match cmd {
                Ok(cmd) => self.plan_command(cmd, argv, &mut keys),
                Err(e) => Err(self.unroutable(argv, Unroutable::Command(e))),
            };
            let step = match planned {
                Ok(step) => step,
                Err(e) => {
                    steps.clear();
                    batches.clear();
                    replies.clear();
                    return Err(e.at(i));
                }
            };
            let at = &mut replies[i];
            if let Step::One(shard) = step {
                // Most commands of a pipeline: one send, no iterator.
                let batch = &mut batches[shard];
                batch.push(Send {
                    command: i,
                    part: None,
                });
                at.push((shard, batch.len() - 1));
            } else {
                at.reserve(match &step {
                    Step::One(_) => 1,
                    Step::Split(s) => s.parts.len(),
                    Step::FanOut(f) => f.shards.len(),
                });
                at.extend(step.sends().map(|(shard, part)| {
                    let batch = &mut batches[shard];
                    batch.push(Send { command: i, part });
                    (shard, batch.len() - 1)
                }));
            }
            match steps.get_mut(i) {
                Some(old) => *old = step,
                None => steps.push(step),
            }
        }
        Ok(())
    }
}
