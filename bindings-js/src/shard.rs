//! Sharded clients: the core's [`keyroute::shard`] router and session,
//! exposed as they are. Every decision (where a command goes, how replies
//! combine, what a transaction may touch, every refusal) is the core's.
//!
//! Methods take their argv the way every command method does
//! ([`crate::args`]) and answer with numbers: a shard, or a plan in the
//! result array. A refusal returns -1 and leaves the core's `ShardError`,
//! as JSON, for `takeError` ([`errors::shard`]); "nothing" (an `Option`'s
//! `None`) is -2.
//!
//! A plan in the result array:
//! - `[0, shard]`: the whole command on one shard;
//! - `[1, key_count, parts, (shard, n, argv position*, k, key ordinal*)*, reduce]`;
//! - `[2, n, shard*, reduce]`: the command on those shards;
//!
//! with `reduce` as `[code]` (the code is the rule's position in the
//! core's `Reduce`), `[0, n, order*]` for `Order`, `[9, pick]` for `Random`.
//! A pipeline: `[commands, plan*, (n, (command, part + 1, or 0: the whole
//! command)*) per shard, (n, (shard, index)*) per command]`.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use keyroute::shard::{Outcome, Pipeline, Reduce, Session, ShardError, ShardRouter, Step};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::args::{argv, fail, out_with};
use crate::cluster::Map;
use crate::errors;
use crate::pool::Pool;

/// The answer "nothing" (no shard).
const NONE: i32 = -2;

/// A reduce rule the wrapper does not know (a newer core than the wrapper).
const UNKNOWN_REDUCE: u32 = u32::MAX;

fn reduce(o: &mut Vec<u32>, r: &Reduce) {
    match r {
        Reduce::Order(order) => {
            o.extend([0, order.len() as u32]);
            o.extend_from_slice(order);
        }
        Reduce::Sum => o.push(1),
        Reduce::Min => o.push(2),
        Reduce::Max => o.push(3),
        Reduce::And => o.push(4),
        Reduce::Or => o.push(5),
        Reduce::AllSucceeded => o.push(6),
        Reduce::OneSucceeded => o.push(7),
        Reduce::Concat => o.push(8),
        Reduce::Random { pick } => o.extend([9, *pick]),
        _ => o.push(UNKNOWN_REDUCE),
    }
}

fn step(o: &mut Vec<u32>, s: &Step) {
    match s {
        Step::One(shard) => o.extend([0, *shard as u32]),
        Step::Split(split) => {
            o.extend([1, split.key_count as u32, split.parts.len() as u32]);
            for p in &split.parts {
                o.extend([p.shard as u32, p.argv.len() as u32]);
                o.extend(p.argv.iter().map(|&i| i as u32));
                o.push(p.keys.len() as u32);
                o.extend(p.keys.iter().map(|&k| k as u32));
            }
            reduce(o, &split.reduce);
        }
        Step::FanOut(f) => {
            o.extend([2, f.shards.len() as u32]);
            o.extend(f.shards.iter().map(|&s| s as u32));
            reduce(o, &f.reduce);
        }
    }
}

/// The argvs of a pipeline or transaction: `counts[i]` items each, in turn,
/// from the argv loaded for this call.
fn commands(counts: &[u32], staged: bool) -> Vec<&'static [&'static [u8]]> {
    let total: usize = counts.iter().map(|&c| c as usize).sum();
    let mut rest = argv(total.min(u32::MAX as usize) as u32, staged);
    let mut out = Vec::with_capacity(counts.len());
    for &c in counts {
        let (argv, tail) = rest.split_at((c as usize).min(rest.len()));
        out.push(argv);
        rest = tail;
    }
    out
}

fn refused(e: &ShardError) -> i32 {
    fail(errors::shard(e))
}

fn shard_or_refusal(r: Result<usize, ShardError>) -> i32 {
    r.map_or_else(|e| refused(&e), |s| s as i32)
}

fn maybe_shard(s: Option<usize>) -> i32 {
    s.map_or(NONE, |s| s as i32)
}

/// Places keys on shards and plans commands (the core's `ShardRouter`),
/// with the last pipeline's plan kept for its lists' allocations (the
/// core's `plan_pipeline_into`: a pipeline of 1000 GETs made 1000 reply
/// lists per plan).
#[wasm_bindgen(js_name = ShardRouter)]
pub struct Router(ShardRouter, RefCell<Pipeline>);

#[wasm_bindgen(js_class = ShardRouter)]
impl Router {
    /// Over a pool's servers (a copy of the pool as it is now).
    #[wasm_bindgen(js_name = forPool)]
    pub fn for_pool(pool: &Pool, strict_tags: bool, seed: u32) -> Router {
        Router(
            ShardRouter::for_pool(pool.inner.clone())
                .with_strict_tags(strict_tags)
                .with_seed(seed),
            RefCell::default(),
        )
    }

    /// Over a cluster map as it is now: shard `i` is the primary `primaries[i]`.
    #[wasm_bindgen(js_name = forCluster)]
    pub fn for_cluster(
        map: &Map,
        primaries: Vec<String>,
        strict_tags: bool,
        seed: u32,
    ) -> Result<Router, JsValue> {
        match ShardRouter::for_cluster(&map.map, &primaries) {
            Ok(r) => Ok(Router(
                r.with_strict_tags(strict_tags).with_seed(seed),
                RefCell::default(),
            )),
            Err(e) => Err(errors::js(errors::topology(&e))),
        }
    }

    /// Every shard's name, in shard order.
    #[wasm_bindgen(getter)]
    pub fn names(&self) -> Vec<String> {
        self.0.names().to_vec()
    }

    /// The shard of the key in `scratch[..len]`, or -1.
    #[wasm_bindgen(js_name = shardOfScratch)]
    pub fn shard_of_scratch(&self, len: u32) -> i32 {
        self.shard(crate::scratch::key(len as usize))
    }

    /// The shard of a key too large for the scratch buffer, or -1.
    #[wasm_bindgen(js_name = shardOf)]
    pub fn shard_of(&self, key: &[u8]) -> i32 {
        self.shard(key)
    }

    fn shard(&self, key: &[u8]) -> i32 {
        match self.0.shard_of(key) {
            Ok(s) => s as i32,
            Err(e) => fail(errors::topology(&e)),
        }
    }

    /// The plan of the argv, into the result array (see the module docs).
    pub fn plan(&self, argc: u32, staged: bool) -> i32 {
        match self.0.plan(argv(argc, staged)) {
            Ok(s) => out_with(|o| step(o, &s)),
            Err(e) => refused(&e),
        }
    }

    /// What the argv, split or fanned out, amounts to when some sends got no
    /// reply: `outcomes` per send in plan order, 0 a reply, 1 an error
    /// reply, 2 no reply. The core's partial write or reply as the error
    /// (-1, `takeError`), or -2: every send, or none, got a reply.
    pub fn partial(&self, argc: u32, staged: bool, outcomes: &[u8]) -> i32 {
        let argv = argv(argc, staged);
        let step = match self.0.plan(argv) {
            Ok(s) => s,
            Err(e) => return refused(&e),
        };
        let outcomes: Vec<Outcome> = outcomes
            .iter()
            .map(|&o| match o {
                0 => Outcome::Reply,
                1 => Outcome::ErrorReply,
                _ => Outcome::NoReply,
            })
            .collect();
        match self.0.partial(argv, &step, &outcomes) {
            Some(e) => refused(&e),
            None => NONE,
        }
    }

    /// The plan of a pipeline of `counts.len()` commands, `counts[i]`
    /// arguments each, loaded back to back; into the result array.
    #[wasm_bindgen(js_name = planPipeline)]
    pub fn plan_pipeline(&self, counts: &[u32], staged: bool) -> i32 {
        let commands = commands(counts, staged);
        // A re-entered call (none can happen on one thread) plans afresh.
        let mut kept = self.1.try_borrow_mut().ok();
        let mut fresh = Pipeline::default();
        let p = kept.as_deref_mut().unwrap_or(&mut fresh);
        match self.0.plan_pipeline_into(&commands, p) {
            Ok(()) => out_with(|o| {
                o.push(p.steps.len() as u32);
                for s in &p.steps {
                    step(o, s);
                }
                for batch in &p.batches {
                    o.push(batch.len() as u32);
                    for send in batch {
                        o.extend([send.command as u32, send.part.map_or(0, |p| p as u32 + 1)]);
                    }
                }
                for at in &p.replies {
                    o.push(at.len() as u32);
                    for &(shard, index) in at {
                        o.extend([shard as u32, index as u32]);
                    }
                }
            }),
            Err(e) => refused(&e),
        }
    }
}

/// MULTI / EXEC / WATCH state of one sharded connection (the core's
/// `Session`). Few exports, each taking the operation as a number: every
/// export costs the module its own glue.
#[wasm_bindgen(js_name = ShardSession)]
#[derive(Default)]
pub struct ShardSession(Session);

#[wasm_bindgen(js_class = ShardSession)]
impl ShardSession {
    /// No transaction, nothing watched.
    #[wasm_bindgen(constructor)]
    pub fn new() -> ShardSession {
        ShardSession::default()
    }

    /// A command's keys joining the session: `op` 0 WATCH (the whole
    /// argv), 1 a command run at once while watching, 2 a command queued
    /// in the transaction. Returns the shard (0 when queued), or -1.
    pub fn join(&mut self, op: u32, router: &Router, argc: u32, staged: bool) -> i32 {
        let argv = argv(argc, staged);
        let r = &router.0;
        shard_or_refusal(match op {
            0 => self.0.watch(r, argv),
            1 => self.0.while_watching(r, argv),
            _ => self.0.queue(r, argv).map(|()| 0),
        })
    }

    /// `op` 0 UNWATCH, 1 MULTI, 2 EXEC, 3 DISCARD (a reset): the shard to
    /// send to, -2 (nothing to send), or -1; MULTI answers 0.
    pub fn control(&mut self, op: u32) -> i32 {
        match op {
            0 => maybe_shard(self.0.unwatch()),
            1 => self.0.multi().map_or_else(|e| refused(&e), |()| 0),
            2 => self.0.exec().map_or_else(|e| refused(&e), maybe_shard),
            _ => maybe_shard(self.0.reset()),
        }
    }

    /// A whole MULTI..EXEC block (commands loaded as for `planPipeline`):
    /// its shard, -2 (nothing to send), or -1 (the state left as it was).
    pub fn transaction(&mut self, router: &Router, counts: &[u32], staged: bool) -> i32 {
        match self.0.transaction(&router.0, &commands(counts, staged)) {
            Ok(s) => maybe_shard(s),
            Err(e) => refused(&e),
        }
    }

    /// The state into the result array: `[pinned shard or 2^32 - 1,
    /// watching, in MULTI, queued]`.
    pub fn state(&self) -> i32 {
        let s = &self.0;
        out_with(|o| {
            o.extend([
                s.pinned().map_or(u32::MAX, |p| p as u32),
                s.watching() as u32,
                s.in_multi() as u32,
                s.queued() as u32,
            ])
        })
    }
}
