//! Client-side sharding for the `redis` crate, made correct.
//!
//! [`Sharded`] wraps one connection per shard (any `redis::ConnectionLike`,
//! or `redis::aio::ConnectionLike` with the `aio` feature: a
//! `MultiplexedConnection`, a `ConnectionManager`, a pooled connection) and
//! is itself a connection: every command is routed by keyroute's command
//! table to the shard its keys live on under a [`Pool`]'s placement scheme.
//!
//! - MGET, MSET, DEL, EXISTS, UNLINK and TOUCH over several shards are split
//!   per shard and their replies put back together (MGET in the caller's
//!   order, counts summed, MSET's OK only if every shard said OK).
//! - Anything else whose keys span shards (MSETNX, RENAME, SMOVE, EVAL with
//!   keys...) is refused before a byte is sent, naming the command and the
//!   shards.
//! - Pipelines are split per shard and reassembled in order; transactions
//!   (`redis::pipe().atomic()`) run only when every command is on one shard.
//! - WATCH goes to its keys' shard and pins the next transaction to it
//!   (`redis::transaction` works when its keys share a shard); UNWATCH goes
//!   to the watched shard, and answers OK without I/O when nothing is watched.
//! - Keyless commands follow the command's own tips: `request_policy`
//!   `all_shards`/`all_nodes` run on every shard, the replies combined by the
//!   `response_policy` (DBSIZE and SLOWLOG LEN summed, WAIT the least, PING,
//!   FLUSHALL, CONFIG SET and SCRIPT LOAD every shard OK, SCRIPT EXISTS
//!   element-wise AND, KEYS concatenated, RANDOMKEY a random shard's key);
//!   anything else keyless (INFO, SCAN, TIME, SLOWLOG GET...) is refused:
//!   use [`Sharded::shard`] for a shard's own connection.
//! - [`Sharded::strict_tags`] requires a shared hash tag, not just a shared
//!   shard, for whatever must stay together.
//! - A shard that gives no reply: a split or fan-out that other shards
//!   answered fails with the core's partial write or reply
//!   ([`PartialError`], inside an `Io` `RedisError`); every shard's
//!   commands are sent whatever another shard does, and
//!   [`Sharded::exec_pipeline`] gives each pipeline position's result.
//!
//! ```no_run
//! use keyroute::partition::{Pool, Scheme};
//! use keyroute_redis::Sharded;
//!
//! let servers = ["127.0.0.1:6379:1 a", "127.0.0.1:6380:1 b"];
//! let pool = Pool::new(Scheme::TwemproxyKetama, servers)?;
//! let conns = ["redis://127.0.0.1:6379", "redis://127.0.0.1:6380"]
//!     .map(|url| redis::Client::open(url).unwrap().get_connection().unwrap());
//! let mut sharded = Sharded::new(pool, conns.into_iter().collect())?;
//! let _: () = redis::cmd("MSET").arg("k1").arg(1).arg("k2").arg(2).query(&mut sharded)?;
//! let values: Vec<i64> = redis::cmd("MGET").arg("k1").arg("k2").query(&mut sharded)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod exec;
mod fault;
mod route;

/// The README's Rust examples (the core's and this crate's), compiled and
/// run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// This crate's own README (its crates.io page), as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;

/// The `keyroute` crate's README (its crates.io page), as doctests here,
/// where the repository is at hand (the core's own doctests run without it).
#[cfg(doctest)]
#[doc = include_str!("../../core/README.md")]
struct CoreReadmeDoctests;

#[cfg(feature = "aio")]
mod aio;

pub use fault::PartialError;
pub use keyroute::partition::Pool;
pub use keyroute::shard::ShardError;

use keyroute::command::CommandTable;
use keyroute::shard::{Session, ShardRouter};
use redis::{ErrorKind, RedisError};

/// Connections to the shards of a [`Pool`], routed as one. Every decision
/// (where a command goes, how a split's replies go back together, what a
/// transaction may touch, every refusal and its message) is the core's
/// [`keyroute::shard`]; this crate converts and does the I/O.
pub struct Sharded<C> {
    router: ShardRouter,
    conns: Vec<C>,
    /// WATCH / MULTI state of the connection.
    session: Session,
    /// Allocations kept from one command to the next.
    reuse: Reuse,
}

/// Lists the adapter fills on every command, kept (empty) between
/// commands so that their allocations are made once: the same work done by
/// hand allocates a list per shard, and a list per command or per key on
/// top of that made the adapter slower than it (bench `mget`).
#[derive(Default)]
struct Reuse {
    /// The bytes of a split's part.
    part: Vec<u8>,
    /// A command's arguments (always empty here: they borrow the caller's
    /// command while it runs).
    argv: Vec<&'static [u8]>,
    /// A command's keys, for the router.
    keys: Vec<keyroute::command::KeyRef>,
    /// A pipeline's arguments, every command's in one list (always empty here).
    args: Vec<&'static [u8]>,
    /// A pipeline's commands: their bytes and their arguments in `args`.
    commands: Vec<(core::ops::Range<usize>, core::ops::Range<usize>)>,
    /// A pipeline's commands' arguments (always empty here).
    argvs: Vec<&'static [&'static [u8]]>,
    /// A pipeline's plan.
    pipeline: keyroute::shard::Pipeline,
    /// The bytes sent to each shard in a pipeline.
    batches: Vec<Vec<u8>>,
    /// The sub-pipeline sent to each shard (async), emptied after use.
    #[cfg(feature = "aio")]
    subs: Vec<redis::Pipeline>,
    /// Where each command's arguments end in `args` (async pipelines).
    #[cfg(feature = "aio")]
    ends: Vec<usize>,
}

impl<C> Sharded<C> {
    /// One connection per server of `pool`, in the pool's order.
    pub fn new(pool: Pool, conns: Vec<C>) -> Result<Self, RedisError> {
        if conns.len() != pool.servers().len() {
            return Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "keyroute: one connection per server",
                format!(
                    "the pool has {} servers, {} connections were given",
                    pool.servers().len(),
                    conns.len()
                ),
            )));
        }
        Ok(Sharded {
            router: ShardRouter::for_pool(pool),
            conns,
            session: Session::new(),
            reuse: Reuse::default(),
        })
    }

    /// Strict colocation: a command that cannot be split (RENAME, SMOVE,
    /// SINTERSTORE, EVAL with keys...) and every transaction run only when
    /// all their keys carry the same hash tag under the pool's scheme, or are
    /// the same key ([`Pool::same_tag`], redis-rb's rule). Without it, keys
    /// that land on one shard by chance are accepted, and code can come to
    /// rely on a placement that adding a server breaks.
    pub fn strict_tags(mut self, on: bool) -> Self {
        self.router = self.router.with_strict_tags(on);
        self
    }

    /// The command table used for routing (extend it with module commands).
    pub fn table_mut(&mut self) -> &mut CommandTable {
        self.router.table_mut()
    }

    /// The router that makes every decision.
    pub fn router(&self) -> &ShardRouter {
        &self.router
    }

    /// The pool that places keys.
    pub fn pool(&self) -> &Pool {
        self.router.pool().expect("built from a pool")
    }

    /// The index of the shard holding `key`, and its connection.
    pub fn shard_for(&mut self, key: &[u8]) -> (usize, &mut C) {
        let i = self.pool().index_for(key);
        (i, &mut self.conns[i])
    }

    /// The name of the shard holding `key`: its server's alias, else the
    /// server as written (the name the Python and JS adapters give it).
    pub fn shard_name_for(&self, key: &[u8]) -> &str {
        self.shard_name(self.pool().index_for(key))
    }

    /// The name of shard `index` (alias, else the server as written).
    pub fn shard_name(&self, index: usize) -> &str {
        self.router.name(index)
    }

    /// A shard's own connection, for keyless commands and anything the
    /// router cannot check (WATCH on one shard, admin commands).
    pub fn shard(&mut self, index: usize) -> Option<&mut C> {
        self.conns.get_mut(index)
    }

    /// Every shard's connection, in the pool's order.
    pub fn shards(&mut self) -> &mut [C] {
        &mut self.conns
    }
}

/// Why the adapter refused a command before sending it. The `RedisError` it
/// returns has kind `Client`, the core's stable code ([`ShardError::code`])
/// as its description, and the core's message naming the command and the
/// shards as its detail.
pub mod codes {
    /// Keys on several shards (or cluster slots), in a command that cannot be split.
    pub const CROSS_SHARD: &str = "ERR_KEYROUTE_CROSS_SHARD";
    /// Strict tags: keys of a command that is not split without one common tag.
    pub const NOT_COLOCATED: &str = "ERR_KEYROUTE_NOT_COLOCATED";
    /// A transaction whose commands are on several shards.
    pub const CROSS_SHARD_TRANSACTION: &str = "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION";
    /// A keyless command the command's tips send nowhere.
    pub const KEYLESS: &str = "ERR_KEYROUTE_KEYLESS";
    /// A command the table does not know, or the server would refuse.
    pub const UNROUTABLE: &str = "ERR_KEYROUTE_UNROUTABLE";
    /// MULTI, WATCH, EXEC or DISCARD out of turn.
    pub const TRANSACTION_STATE: &str = "ERR_KEYROUTE_TRANSACTION_STATE";

    /// The refusal's code, when `e` is one of this crate's refusals.
    pub fn of(e: &redis::RedisError) -> Option<&'static str> {
        let text = e.to_string();
        [
            CROSS_SHARD_TRANSACTION,
            CROSS_SHARD,
            NOT_COLOCATED,
            KEYLESS,
            UNROUTABLE,
            TRANSACTION_STATE,
        ]
        .into_iter()
        .find(|c| {
            text.strip_prefix(c)
                .is_some_and(|rest| !rest.starts_with(|ch: char| ch == '_' || ch.is_alphanumeric()))
        })
    }
}
