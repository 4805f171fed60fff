//! What a sharded client does with each command, decided once for every
//! language.
//!
//! A [`ShardRouter`] places keys on shards, by a client-side
//! [`Pool`] (a shard is a server of the pool) or by a
//! cluster [`SlotMap`] (a shard is the primary serving a slot), and plans
//! each command before any I/O ([`ShardRouter::plan`]):
//!
//! - keys on one shard: [`Step::One`];
//! - keys on several shards, a command the server marks splittable (MGET,
//!   MSET, DEL, EXISTS, UNLINK, TOUCH): [`Step::Split`], one part per shard
//!   (per slot with a cluster map), with the [`Reduce`] rule that puts the
//!   replies back together;
//! - no keys: what the command's own tips say ([`Step::FanOut`] to every
//!   shard, replies combined by the response policy), or a refusal;
//! - anything else: a typed [`ShardError`].
//!
//! A [`Session`] carries MULTI/EXEC/WATCH state: which shard a transaction
//! is pinned to and when a command cannot join it. The adapters (redis-py,
//! ioredis, node-redis, the `redis` crate) ask the router and the session
//! and only convert types and do I/O. The rules are written out in
//! `docs/sharded-clients.md`.
//!
//! ```
//! use keyroute::partition::{Pool, Scheme};
//! use keyroute::shard::{Reduce, ShardRouter, Step};
//!
//! let pool = Pool::new(Scheme::TwemproxyKetama, ["10.0.0.1:6379:1 a", "10.0.0.2:6379:1 b"]).unwrap();
//! let router = ShardRouter::for_pool(pool);
//! let Step::FanOut(f) = router.plan(&["DBSIZE"]).unwrap() else { panic!() };
//! assert_eq!(f.reduce, Reduce::Sum); // response_policy:agg_sum
//! assert!(router.plan(&["TIME"]).is_err()); // keyless, no request policy
//! ```

// Refusals are the cold path and carry what the messages name (two
// commands, the shards); boxing them would only complicate every match.
#![allow(clippy::result_large_err)]

mod placing;
mod plan;
mod range;
mod reduce;
mod session;
#[cfg(test)]
mod tests;

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

pub use self::placing::Placing;
pub use self::plan::{FanOut, Part, Pipeline, Reduce, Send, Split, Step};
pub use self::reduce::Reply;
pub use self::session::Session;
use crate::cluster::SlotMap;
use crate::command::CommandTable;
use crate::error::{CommandError, TopologyError};
pub use crate::error::{
    Conflict, KeylessReason, Origin, Outcome, ShardError, TransactionState, Unroutable,
};
use crate::partition::Pool;
use crate::policy::HashPolicy;
use crate::slot::SLOT_COUNT;

/// Marks a slot no shard serves.
const UNSERVED: u32 = u32::MAX;

/// How keys are placed on shards.
#[derive(Debug, Clone)]
enum Placement {
    /// A pool's servers, in its order.
    Pool(Pool),
    /// A cluster map frozen when the router was made: the shard of each slot.
    Slots {
        policy: HashPolicy,
        slot_shard: Vec<u32>,
    },
}

/// The commands that drive a connection's transaction state rather than
/// go to a shard of their own: an adapter that sees every command of a
/// connection hands these to its [`Session`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Control {
    /// `WATCH key...`: [`Session::watch`].
    Watch,
    /// `UNWATCH`: [`Session::unwatch`].
    Unwatch,
    /// `MULTI`: [`Session::multi`].
    Multi,
    /// `EXEC`: [`Session::exec`].
    Exec,
    /// `DISCARD`: [`Session::reset`].
    Discard,
}

impl Control {
    /// The transaction command `argv` is, if it is one (any case).
    pub fn of<A: AsRef<[u8]>>(argv: &[A]) -> Option<Control> {
        let name = argv.first()?.as_ref();
        [
            (&b"watch"[..], Control::Watch),
            (b"unwatch", Control::Unwatch),
            (b"multi", Control::Multi),
            (b"exec", Control::Exec),
            (b"discard", Control::Discard),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, c)| c)
    }
}

/// Where one key goes: its shard and its group. A command's keys stay in one
/// part when they share a group: a pool groups by shard; a cluster map by
/// slot (a cluster node refuses keys of two slots in one command or one
/// transaction, even when it serves both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    /// The shard's index.
    pub shard: usize,
    /// The key's group: its shard with a pool, its slot with a cluster map.
    pub group: u32,
}

/// Places keys on shards and plans commands for a sharded client.
#[derive(Debug)]
pub struct ShardRouter {
    placement: Placement,
    table: CommandTable,
    strict_tags: bool,
    names: Vec<String>,
    /// RANDOMKEY's choices ([`Reduce::Random`]).
    random: AtomicU32,
}

impl Clone for ShardRouter {
    fn clone(&self) -> Self {
        ShardRouter {
            placement: self.placement.clone(),
            table: self.table.clone(),
            strict_tags: self.strict_tags,
            names: self.names.clone(),
            random: AtomicU32::new(self.random.load(Ordering::Relaxed)),
        }
    }
}

impl ShardRouter {
    /// A router over a pool's servers: shard `i` is server `i`, named by its
    /// alias, else by the server as written.
    pub fn for_pool(pool: Pool) -> Self {
        let names = pool
            .servers()
            .iter()
            .map(|s| s.alias().unwrap_or_else(|| s.written()).to_string())
            .collect();
        ShardRouter {
            placement: Placement::Pool(pool),
            table: CommandTable::builtin(),
            strict_tags: false,
            names,
            random: AtomicU32::new(0),
        }
    }

    /// A router over a cluster map: shard `i` is the primary at
    /// `primaries[i]` (`host:port`, any ASCII case), and a key goes to the
    /// primary serving its slot as the map stands now. Every primary of the
    /// map must be named once, and nothing else.
    pub fn for_cluster<S: AsRef<str>>(
        map: &SlotMap,
        primaries: &[S],
    ) -> Result<Self, TopologyError> {
        let addr = |s: &crate::cluster::Shard| map.nodes()[s.primary].addr().to_string();
        let mut cluster_to_shard = Vec::with_capacity(map.shards().len());
        for s in map.shards() {
            let a = addr(s);
            match primaries
                .iter()
                .position(|p| p.as_ref().eq_ignore_ascii_case(&a))
            {
                Some(i) => cluster_to_shard.push(i as u32),
                None => {
                    return Err(TopologyError::PrimaryMismatch {
                        name: a,
                        in_map: true,
                    })
                }
            }
        }
        for p in primaries {
            let p = p.as_ref();
            if !map.shards().iter().any(|s| addr(s).eq_ignore_ascii_case(p)) {
                return Err(TopologyError::PrimaryMismatch {
                    name: p.to_string(),
                    in_map: false,
                });
            }
        }
        let slot_shard = (0..SLOT_COUNT)
            .map(|slot| {
                map.shard_of_slot(slot)
                    .map_or(UNSERVED, |c| cluster_to_shard[c])
            })
            .collect();
        Ok(ShardRouter {
            placement: Placement::Slots {
                policy: map.policy().clone(),
                slot_shard,
            },
            table: CommandTable::builtin(),
            strict_tags: false,
            names: primaries.iter().map(|p| p.as_ref().to_string()).collect(),
            random: AtomicU32::new(0),
        })
    }

    /// Strict colocation: a command that is not split, and every
    /// transaction, runs only when all its keys carry one hash tag by the
    /// rule placement itself hashes, or are one key repeated
    /// ([`Pool::same_tag`], redis-rb's rule), not merely when they share a
    /// shard today.
    pub fn with_strict_tags(mut self, on: bool) -> Self {
        self.strict_tags = on;
        self
    }

    /// The router with another command table (module commands added).
    pub fn with_table(mut self, table: CommandTable) -> Self {
        self.table = table;
        self
    }

    /// Seeds RANDOMKEY's choices ([`Reduce::Random`]): the same seed gives
    /// the same sequence of picks.
    pub fn with_seed(self, seed: u32) -> Self {
        self.random.store(seed, Ordering::Relaxed);
        self
    }

    /// Whether strict colocation is on.
    pub fn strict_tags(&self) -> bool {
        self.strict_tags
    }

    /// The command table commands are routed by.
    pub fn table(&self) -> &CommandTable {
        &self.table
    }

    /// The command table, to add module commands.
    pub fn table_mut(&mut self) -> &mut CommandTable {
        &mut self.table
    }

    /// The pool, when the router places keys by one.
    pub fn pool(&self) -> Option<&Pool> {
        match &self.placement {
            Placement::Pool(p) => Some(p),
            Placement::Slots { .. } => None,
        }
    }

    /// Whether keys are placed by a cluster map (groups are slots).
    pub fn is_cluster(&self) -> bool {
        matches!(self.placement, Placement::Slots { .. })
    }

    /// How many shards there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is no shard (never, for a router that could be built).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every shard's name, in shard order: a pool server's alias, else the
    /// server as written; a cluster primary's `host:port` as given.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The name of shard `index`.
    pub fn name(&self, index: usize) -> &str {
        &self.names[index]
    }

    /// Where `key` goes.
    #[inline]
    pub fn place(&self, key: &[u8]) -> Result<Place, TopologyError> {
        match &self.placement {
            Placement::Pool(pool) => {
                let shard = pool.try_index_for(key).map_err(|e| match e {
                    crate::error::PartitionError::NoServerForKey { scheme, reason } => {
                        TopologyError::NoServerForKey {
                            scheme,
                            reason,
                            position: 0,
                        }
                    }
                    // try_index_for refuses nothing else.
                    _ => TopologyError::NoServerForKey {
                        scheme: pool.scheme().name(),
                        reason: "the library refuses it",
                        position: 0,
                    },
                })?;
                Ok(Place {
                    shard,
                    group: shard as u32,
                })
            }
            Placement::Slots { policy, slot_shard } => {
                let slot = policy
                    .key_slot(key)
                    .map_err(|_| TopologyError::NoRuleMatched { position: 0 })?;
                match slot_shard[slot as usize] {
                    UNSERVED => Err(TopologyError::SlotNotServed { slot }),
                    s => Ok(Place {
                        shard: s as usize,
                        group: u32::from(slot),
                    }),
                }
            }
        }
    }

    /// The shard holding `key`.
    #[inline]
    pub fn shard_of(&self, key: &[u8]) -> Result<usize, TopologyError> {
        self.place(key).map(|p| p.shard)
    }

    /// The tag `key` carries under the placement's own rule: the bytes
    /// hashed in place of the whole key, or `None` when it is hashed whole.
    pub fn key_tag<'k>(&self, key: &'k [u8]) -> Option<&'k [u8]> {
        match &self.placement {
            Placement::Pool(pool) => pool.key_tag(key),
            Placement::Slots { policy, .. } => match policy.hash_input(key) {
                Ok(t) if t.len() < key.len() => Some(t),
                _ => None,
            },
        }
    }

    /// Whether `keys` are together by construction: they all carry one tag
    /// by the placement's own rule, or are all one key.
    pub fn same_tag<'a, I>(&self, keys: I) -> bool
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        match &self.placement {
            Placement::Pool(pool) => pool.same_tag(keys),
            Placement::Slots { .. } => {
                let mut keys = keys.into_iter();
                let Some(first) = keys.next() else {
                    return true;
                };
                let tag = self.key_tag(first);
                let (mut tags_equal, mut keys_equal) = (tag.is_some(), true);
                for k in keys {
                    tags_equal &= tag.is_some() && self.key_tag(k) == tag;
                    keys_equal &= k == first;
                }
                tags_equal || keys_equal
            }
        }
    }

    /// The keys that place `argv` ([`CommandTable::placed_keys`]) with
    /// their places, in the server's key order: `(argv position, place)`.
    pub fn key_places<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
    ) -> Result<Vec<(usize, Place)>, ShardError> {
        let keys = self
            .table
            .placed_keys(argv)
            .map_err(|e| self.unroutable(argv, Unroutable::Command(e)))?;
        keys.iter()
            .map(|k| self.place_at(argv, k.pos).map(|p| (k.pos, p)))
            .collect()
    }

    /// The place of the key at `argv[pos]`, or the command's refusal.
    #[inline]
    fn place_at<A: AsRef<[u8]>>(&self, argv: &[A], pos: usize) -> Result<Place, ShardError> {
        match self.place(argv[pos].as_ref()) {
            Ok(p) => Ok(p),
            Err(e) => Err(self.refused_at(argv, pos, e)),
        }
    }

    /// The command's refusal for the key at `argv[pos]` (kept out of line:
    /// every planner that places keys inlines `place_at`).
    #[cold]
    #[inline(never)]
    fn refused_at<A: AsRef<[u8]>>(&self, argv: &[A], pos: usize, e: TopologyError) -> ShardError {
        let e = match e {
            TopologyError::NoRuleMatched { .. } => TopologyError::NoRuleMatched { position: pos },
            TopologyError::NoServerForKey { scheme, reason, .. } => TopologyError::NoServerForKey {
                scheme,
                reason,
                position: pos,
            },
            e => e,
        };
        self.unroutable(argv, Unroutable::Topology(e))
    }

    /// The command's name as messages show it: upper case, a container's
    /// subcommand included (`SCRIPT LOAD`), as given when the table does
    /// not know it.
    pub fn command_name<A: AsRef<[u8]>>(&self, argv: &[A]) -> String {
        command_name(&self.table, argv)
    }

    fn unroutable<A: AsRef<[u8]>>(&self, argv: &[A], cause: Unroutable) -> ShardError {
        ShardError::Unroutable {
            command: self.command_name(argv),
            cause,
        }
    }

    /// Each shard of `indexes` once, in order, with its name.
    fn shard_list(&self, indexes: impl IntoIterator<Item = usize>) -> (Vec<String>, Vec<usize>) {
        let mut seen: Vec<usize> = Vec::new();
        for i in indexes {
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
        (seen.iter().map(|&i| self.names[i].clone()).collect(), seen)
    }
}

/// See [`ShardRouter::command_name`].
pub(crate) fn command_name<A: AsRef<[u8]>>(table: &CommandTable, argv: &[A]) -> String {
    let upper = |b: &[u8]| String::from_utf8_lossy(b).to_ascii_uppercase();
    let Some(first) = argv.first() else {
        return String::new();
    };
    match table.lookup(argv) {
        Ok(cmd) => cmd.name.replace('|', " ").to_ascii_uppercase(),
        Err(CommandError::UnknownSubcommand { .. }) => {
            let mut s = upper(first.as_ref());
            s.push(' ');
            s.push_str(&upper(argv[1].as_ref()));
            s
        }
        Err(_) => upper(first.as_ref()),
    }
}
