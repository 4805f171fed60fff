//! The core's shard module for Python: `ShardRouter` (where each command of
//! a sharded client goes, or its refusal), `ShardSplit` and `PipelinePlan`
//! (the plans) and `Reduce` (the core's rules, applied to Python replies),
//! `ShardSession` (MULTI / EXEC / WATCH state), and the refusals as exception
//! classes. Every decision is the core's; this module converts.

mod error;
mod plan;
mod reduce;
mod session;

use std::borrow::Cow;
use std::hash::{BuildHasher, RandomState};

use keyroute::shard::{Outcome, Step};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::argv::{commands, Argv};
use crate::cluster::SlotMap;
use crate::command::CommandTable;
use crate::errors::{command_error, obj, topology_error};
use crate::pool::Pool;

pub(crate) use self::error::shard_error;
pub(crate) use self::plan::{PipelinePlan, ShardSplit};
pub(crate) use self::session::ShardSession;

/// The bytes of argument `p`, for an error that names it.
fn arg(bytes: &[Cow<'_, [u8]>], p: usize) -> Vec<u8> {
    bytes.get(p).map(|b| b.to_vec()).unwrap_or_default()
}

/// Places keys on shards and plans commands for a sharded client.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct ShardRouter {
    pub(crate) inner: keyroute::shard::ShardRouter,
}

impl ShardRouter {
    /// `argv` as a `ShardSplit`, one part when it goes whole to one shard.
    pub(crate) fn split_of(
        router: &keyroute::shard::ShardRouter,
        argv: &Bound<'_, PyAny>,
    ) -> PyResult<ShardSplit> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        let err = |e| shard_error(py, e, &|p| arg(&bytes, p));
        let step = router.plan(&bytes).map_err(err)?;
        let key_count = match step {
            Step::One(_) => router.key_places(&bytes).map_err(err)?.len(),
            _ => 0,
        };
        ShardSplit::new(py, step, args.items(), key_count)
    }
}

#[pymethods]
impl ShardRouter {
    /// A router over `placement`: a `Pool` (shard `i` is server `i`, named
    /// by its alias, else the server as written) or a cluster `SlotMap`
    /// (then `primaries` names each shard `host:port`, and a key goes to
    /// the primary serving its slot as the map stands now). `table`: the
    /// command table (built-in by default); `strict_tags`: a command that is
    /// not split, and every transaction, needs keys sharing one hash tag;
    /// `seed`: RANDOMKEY's choices (random by default).
    #[new]
    #[pyo3(signature = (placement, /, *, primaries = None, table = None, strict_tags = false, seed = None))]
    fn new(
        placement: &Bound<'_, PyAny>,
        primaries: Option<Vec<String>>,
        table: Option<PyRef<'_, CommandTable>>,
        strict_tags: bool,
        seed: Option<u32>,
    ) -> PyResult<Self> {
        let py = placement.py();
        let router = if let Ok(pool) = placement.cast::<Pool>() {
            if primaries.is_some() {
                return Err(PyTypeError::new_err(
                    "primaries= is for a cluster map, not a Pool",
                ));
            }
            keyroute::shard::ShardRouter::for_pool(pool.get().inner.clone())
        } else if let Ok(map) = placement.cast::<SlotMap>() {
            let Some(primaries) = primaries else {
                return Err(PyTypeError::new_err(
                    "a cluster map needs primaries=: the \"host:port\" of each shard, in order",
                ));
            };
            keyroute::shard::ShardRouter::for_cluster(map.borrow().inner(), &primaries)
                .map_err(|e| topology_error(py, e))?
        } else {
            return Err(PyTypeError::new_err(format!(
                "ShardRouter places keys by a Pool or a SlotMap, not {}",
                placement.get_type().name()?
            )));
        };
        let router = match table {
            Some(t) => router.with_table(t.table().clone()),
            None => router,
        };
        let seed = seed.unwrap_or_else(|| RandomState::new().hash_one(0u8) as u32);
        Ok(ShardRouter {
            inner: router.with_strict_tags(strict_tags).with_seed(seed),
        })
    }

    /// Where `argv` goes: the shard index when the whole command goes to
    /// one shard, else a `ShardSplit` (split per shard, or sent to every
    /// shard). Raises a `ShardingError` subclass when it cannot go anywhere.
    #[pyo3(signature = (argv, /))]
    fn plan<'py>(&self, argv: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        match self.inner.plan(&bytes) {
            Ok(Step::One(s)) => Ok(obj(py, s)),
            Ok(step) => Ok(Bound::new(py, ShardSplit::new(py, step, args.items(), 0)?)?.into_any()),
            Err(e) => Err(shard_error(py, e, &|p| arg(&bytes, p))),
        }
    }

    /// `plan`, under its former name.
    #[pyo3(signature = (argv, /))]
    fn route<'py>(&self, argv: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        self.plan(argv)
    }

    /// `argv` as a `ShardSplit`: one part per shard, or one part (`kind`
    /// `"one"`) when the whole command goes to one shard.
    #[pyo3(signature = (argv, /))]
    fn split(&self, argv: &Bound<'_, PyAny>) -> PyResult<ShardSplit> {
        Self::split_of(&self.inner, argv)
    }

    /// Plans every command of a non-transactional pipeline; the whole
    /// pipeline is refused (the refusal's `position` names the command)
    /// when any command is.
    #[pyo3(signature = (commands, /))]
    fn plan_pipeline(&self, commands: &Bound<'_, PyAny>) -> PyResult<PipelinePlan> {
        let py = commands.py();
        let commands = self::commands(commands)?;
        let bytes = commands
            .iter()
            .enumerate()
            .map(|(i, c)| c.bytes(&format!("commands[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        let plan = self.inner.plan_pipeline(&bytes).map_err(|e| {
            let at = e.position().and_then(|p| bytes.get(p));
            shard_error(py, e, &|p| at.map_or_else(Vec::new, |a| arg(a, p)))
        })?;
        let steps = plan
            .steps
            .iter()
            .zip(&commands)
            .map(|(step, c)| match step {
                Step::One(s) => Ok(obj(py, *s)),
                step => Ok(
                    Bound::new(py, ShardSplit::new(py, step.clone(), c.items(), 0)?)?.into_any(),
                ),
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PipelinePlan::new(plan, PyList::new(py, steps)?.unbind()))
    }

    /// What `argv`, sent as `split` (from `plan`), amounts to when some
    /// sends got no reply: `outcomes` holds per send, in the order of
    /// `split.shards`, `"reply"`, `"error_reply"` or `"no_reply"`. Returns
    /// the `PartialWriteError` or `PartialReplyError` to raise (its `errors`
    /// an empty dict, for the caller's per-shard errors), or `None` when
    /// every send, or none, got a reply.
    #[pyo3(signature = (argv, split, outcomes, /))]
    fn partial<'py>(
        &self,
        argv: &Bound<'py, PyAny>,
        split: PyRef<'py, ShardSplit>,
        outcomes: Vec<String>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        let outcomes = outcomes
            .iter()
            .map(|o| o.parse::<Outcome>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let step = split.step();
        let sends = step.sends().count();
        if outcomes.len() != sends {
            return Err(PyValueError::new_err(format!(
                "outcomes has {} entries for {sends} sends",
                outcomes.len()
            )));
        }
        Ok(self.inner.partial(&bytes, step, &outcomes).map(|e| {
            shard_error(py, e, &|p| arg(&bytes, p))
                .into_value(py)
                .into_bound(py)
                .into_any()
        }))
    }

    /// The keys that place `argv` (`CommandTable.placed_keys`: the routing
    /// keys, or the key-spec keys of a command such as MSETEX that the
    /// server routes without them), as bytes, in key order.
    #[pyo3(signature = (argv, /))]
    fn placed_keys<'py>(&self, argv: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        let keys = self
            .inner
            .table()
            .placed_keys(&bytes)
            .map_err(|e| command_error(py, e, &|_, p| arg(&bytes, p)))?;
        Ok(keys
            .iter()
            .map(|k| args.bytes_object(k.pos, &bytes[k.pos]))
            .collect())
    }

    /// `(shard, group)` of every key of `argv`, in key order; the group is
    /// the key's slot with a cluster map (a cluster node runs a command, or
    /// a transaction, only within one slot), its shard with a pool.
    #[pyo3(signature = (argv, /))]
    fn key_places(&self, argv: &Bound<'_, PyAny>) -> PyResult<Vec<(usize, u32)>> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        match self.inner.key_places(&bytes) {
            Ok(places) => Ok(places.iter().map(|(_, p)| (p.shard, p.group)).collect()),
            Err(e) => Err(shard_error(py, e, &|p| arg(&bytes, p))),
        }
    }

    /// The shard of every key of `argv`, in the server's key order (an
    /// empty list for a keyless command).
    #[pyo3(signature = (argv, /))]
    fn key_shards(&self, argv: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
        Ok(self
            .key_places(argv)?
            .into_iter()
            .map(|(shard, _)| shard)
            .collect())
    }

    /// The shard of one key.
    #[pyo3(signature = (key, /))]
    fn index_for(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        crate::key::with_key(key, |k| self.inner.shard_of(k))?
            .map_err(|e| topology_error(key.py(), e))
    }

    /// Whether `keys` are together by construction: they share one hash
    /// tag by the rule placement hashes, or are all one key.
    #[pyo3(signature = (keys, /))]
    fn same_tag(&self, keys: &Bound<'_, PyAny>) -> PyResult<bool> {
        let args = Argv::new(keys, "keys")?;
        let bytes = args.bytes("keys")?;
        Ok(self.inner.same_tag(bytes.iter().map(|b| b.as_ref())))
    }

    /// Every shard's name, in shard order: a pool server's alias, else the
    /// server as written; a cluster primary's `host:port` as given.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner.names().to_vec()
    }

    /// Whether `strict_tags` is on.
    #[getter]
    fn strict_tags(&self) -> bool {
        self.inner.strict_tags()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        let kind = if self.inner.is_cluster() {
            "cluster"
        } else {
            "pool"
        };
        format!("<ShardRouter {kind}, {} shards>", self.inner.len())
    }
}

/// Registers the classes and the errors.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ShardRouter>()?;
    m.add_class::<ShardSplit>()?;
    m.add_class::<PipelinePlan>()?;
    m.add_class::<reduce::PyReduce>()?;
    m.add_class::<ShardSession>()?;
    Ok(())
}
