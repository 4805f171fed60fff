//! Per-shard splitting for sharded clients: `ShardRouter` places every key
//! of a command on a shard (a `Pool` server, or the primary of a cluster
//! slot) and splits the command with the core's `CommandTable::split_by`;
//! `ShardSplit` is its answer. `Pool.split` is the one-call form.

use keyroute::command::{GroupSplit, Merge};
use keyroute::error::CommandError as CoreCommandError;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::argv::Argv;
use crate::cluster::SlotMap;
use crate::command::CommandTable;
use crate::errors::{command_error, obj, with_attrs, NotSplittableError};
use crate::pool::Pool;

type Table = keyroute::command::CommandTable;

pyo3::create_exception!(
    keyroute,
    NotColocatedError,
    NotSplittableError,
    "strict_tags: the keys of a command that is not split do not share one hash tag."
);

/// How keys are placed on shards.
enum Placement {
    /// A pool's servers, in its order.
    Pool { pool: keyroute::partition::Pool },
    /// A cluster map frozen at construction: the shard of every slot.
    Slots {
        policy: keyroute::HashPolicy,
        slot_shard: Vec<u32>,
    },
}

const UNSERVED: u32 = u32::MAX;

/// A command broken into one part per shard, and how to merge the replies.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct ShardSplit {
    /// The shard the whole command goes to; `None` when it is split or has
    /// no keys.
    #[pyo3(get)]
    shard: Option<usize>,
    /// Per part: its shard, argv positions and key ordinals.
    meta: Vec<(usize, Vec<usize>, Vec<usize>)>,
    /// Per part: `(shard, arguments)`, the arguments being the caller's own
    /// objects.
    commands: Py<PyList>,
    /// `"by_key_position"`, `"sum"`, `"all_ok"` or `"single"`.
    #[pyo3(get)]
    merge: &'static str,
    /// The number of keys of the command.
    #[pyo3(get)]
    key_count: usize,
}

#[pymethods]
impl ShardSplit {
    /// `(shard, argv positions, key ordinals)` per part, in order of each
    /// part's first key (a cluster has one part per slot, so a shard may
    /// have several): the part's arguments are the original arguments
    /// at those positions (the command name first).
    #[getter]
    fn parts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .meta
            .iter()
            .map(|(shard, argv, keys)| {
                PyTuple::new(
                    py,
                    [
                        obj(py, *shard),
                        PyList::new(py, argv)?.into_any(),
                        PyList::new(py, keys)?.into_any(),
                    ],
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    /// `(shard, arguments)` per part, in the order of `parts`: the
    /// sub-command to send, made of the caller's own argument objects.
    #[getter]
    fn commands<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        self.commands.bind(py).clone()
    }

    /// MGET's reply from the parts' replies (one sequence per part, in the
    /// order of `parts`): element `i` of part `p` at position
    /// `parts[p].keys[i]`.
    #[pyo3(signature = (replies, /))]
    fn gather<'py>(&self, replies: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let py = replies.py();
        let replies = crate::key::items_of(replies)?;
        if replies.len() != self.meta.len() {
            return Err(PyValueError::new_err(format!(
                "{} replies for {} parts",
                replies.len(),
                self.meta.len()
            )));
        }
        let mut out: Vec<Option<Bound<'py, PyAny>>> = vec![None; self.key_count];
        for ((_, _, keys), reply) in self.meta.iter().zip(replies) {
            let values = crate::key::items_of(&reply)?;
            if values.len() != keys.len() {
                return Err(PyValueError::new_err(format!(
                    "a part of {} keys answered {} values",
                    keys.len(),
                    values.len()
                )));
            }
            for (&k, v) in keys.iter().zip(values) {
                out[k] = Some(v);
            }
        }
        PyList::new(
            py,
            out.into_iter()
                .map(|v| v.unwrap_or_else(|| py.None().into_bound(py))),
        )
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ShardSplit(shard={}, merge='{}', key_count={}, parts={})",
            self.shard
                .map_or_else(|| "None".to_owned(), |s| s.to_string()),
            self.merge,
            self.key_count,
            self.parts(py)?.repr()?
        ))
    }
}

/// Keys of commands placed on shards, and commands split per shard.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct ShardRouter {
    placement: Placement,
    table: Table,
    shards: usize,
    strict_tags: bool,
}

fn merge_name(m: Merge) -> &'static str {
    match m {
        Merge::ByKeyPosition => "by_key_position",
        Merge::Sum => "sum",
        Merge::AllOk => "all_ok",
        _ => "single",
    }
}

/// Whether every key carries the same `{...}` tag (the Redis rule), or all
/// keys are one key.
fn same_brace_tag(keys: &[&[u8]]) -> bool {
    let Some(first) = keys.first() else {
        return true;
    };
    let tag_of = |k: &[u8]| {
        let t = keyroute::hash_tag(k);
        (t.len() < k.len()).then_some(t.to_vec())
    };
    let tag = tag_of(first);
    keys.iter().all(|k| k == first) || (tag.is_some() && keys.iter().all(|k| tag_of(k) == tag))
}

impl ShardRouter {
    /// `argv` as parts, one part when it is not split.
    pub(crate) fn split_whole(&self, argv: &Bound<'_, PyAny>) -> PyResult<ShardSplit> {
        match self.split_impl(argv, true)? {
            SplitAnswer::Split(s) => Ok(s),
            SplitAnswer::One(s) => Err(PyValueError::new_err(format!(
                "internal: shard {s} where parts were asked for"
            ))),
        }
    }

    pub(crate) fn for_pool(pool: &Pool, table: Table, strict_tags: bool) -> Self {
        ShardRouter {
            shards: pool.inner.servers().len(),
            placement: Placement::Pool {
                pool: pool.inner.clone(),
            },
            table,
            strict_tags,
        }
    }

    /// The group of one key for splitting: its shard for a pool, its slot
    /// for a cluster (a cluster node refuses keys of several slots in one
    /// command). `obj` is the Python argument it came from (the uhashring
    /// and pymemcache schemes hash `str(key)`).
    #[inline]
    fn group_of(&self, key: &[u8], obj: &Bound<'_, PyAny>, position: usize) -> PyResult<u32> {
        match &self.placement {
            // A Redis key is the bytes on the wire: `"k"` and `b"k"` are one
            // key and go to one shard, for every scheme (uhashring's
            // `str(b"k")` quirk, which `Pool.index_for` reproduces for
            // code that hands uhashring bytes objects, is not what a Redis
            // client sends).
            Placement::Pool { pool } => Ok(pool.index_for(key) as u32),
            Placement::Slots { policy, slot_shard } => {
                let slot = policy
                    .key_slot(key)
                    .map_err(|_| crate::more_errors::no_rule_matched(obj.py(), position))?;
                match slot_shard[slot as usize] {
                    UNSERVED => Err(crate::errors::topology_error(
                        obj.py(),
                        keyroute::error::TopologyError::SlotNotServed { slot },
                    )),
                    _ => Ok(u32::from(slot)),
                }
            }
        }
    }

    /// The shard of a group.
    #[inline]
    fn shard_of_group(&self, group: u32) -> usize {
        match &self.placement {
            Placement::Pool { .. } => group as usize,
            Placement::Slots { slot_shard, .. } => slot_shard[group as usize] as usize,
        }
    }

    /// The shard of one key.
    #[inline]
    fn shard_of(&self, key: &[u8], obj: &Bound<'_, PyAny>, position: usize) -> PyResult<u32> {
        self.group_of(key, obj, position)
            .map(|g| self.shard_of_group(g) as u32)
    }

    /// Strict colocation: one tag by the rule placement itself hashes (the
    /// pool's scheme: twemproxy's `hash_tag`, the `{...}` of Predis...; a
    /// scheme hashing whole keys has none), or one key repeated. A cluster
    /// map uses the Redis `{...}` rule.
    fn same_tag_bytes(&self, keys: &[&[u8]]) -> bool {
        match &self.placement {
            Placement::Pool { pool } => pool.same_tag(keys.iter().copied()),
            Placement::Slots { .. } => same_brace_tag(keys),
        }
    }

    fn split_impl(&self, argv: &Bound<'_, PyAny>, whole: bool) -> PyResult<SplitAnswer> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        let items = args.items();
        let mut failure: Option<PyErr> = None;
        let result = self.table.split_by(&bytes, |key, pos| {
            self.group_of(key, &items[pos], pos).map_err(|e| {
                failure.get_or_insert(e);
                CoreCommandError::NoRuleMatched { pos }
            })
        });
        if let Some(e) = failure {
            return Err(e);
        }
        let split: GroupSplit = match result {
            Ok(s) => s,
            Err(CoreCommandError::NotSplittable { command }) => {
                let shards = self.shards_of_keys(&bytes, items)?;
                let why = match self.placement {
                    Placement::Pool { .. } => Why::Shards,
                    Placement::Slots { .. } => Why::Slots,
                };
                return Err(refusal(
                    py,
                    NotSplittableError::new_err,
                    &command,
                    shards,
                    why,
                ));
            }
            Err(e) => return Err(command_error(py, e, &|_, p| bytes[p].to_vec())),
        };
        if split.merge == Merge::Single {
            if self.strict_tags && split.key_count >= 2 {
                self.check_strict(py, &bytes, items)?;
            }
            if split.key_count > 0 && !whole {
                return Ok(SplitAnswer::One(self.shard_of_group(split.parts[0].group)));
            }
        }
        let single = split.merge == Merge::Single && split.key_count > 0;
        let meta: Vec<(usize, Vec<usize>, Vec<usize>)> = split
            .parts
            .into_iter()
            .map(|p| (self.shard_of_group(p.group), p.argv, p.keys))
            .collect();
        let commands = meta
            .iter()
            .map(|(shard, argv, _)| {
                let args = PyTuple::new(py, argv.iter().map(|&i| &items[i]))?;
                PyTuple::new(py, [obj(py, *shard), args.into_any()])
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(SplitAnswer::Split(ShardSplit {
            shard: single.then(|| meta[0].0),
            meta,
            commands: PyList::new(py, commands)?.unbind(),
            merge: merge_name(split.merge),
            key_count: split.key_count,
        }))
    }

    /// The shard of every key of `argv` (routing mode), in key order.
    fn shards_of_keys(
        &self,
        bytes: &[std::borrow::Cow<'_, [u8]>],
        items: &[Bound<'_, PyAny>],
    ) -> PyResult<Vec<usize>> {
        let py = match items.first() {
            Some(i) => i.py(),
            None => return Ok(Vec::new()),
        };
        let keys = self
            .table
            .placed_keys(bytes)
            .map_err(|e| command_error(py, e, &|_, p| bytes[p].to_vec()))?;
        keys.iter()
            .map(|k| {
                self.shard_of(&bytes[k.pos], &items[k.pos], k.pos)
                    .map(|s| s as usize)
            })
            .collect()
    }

    /// Refuses a command not split whose keys do not share a tag, unless
    /// the command is one that could be split (MGET on one shard is fine).
    fn check_strict(
        &self,
        py: Python<'_>,
        bytes: &[std::borrow::Cow<'_, [u8]>],
        items: &[Bound<'_, PyAny>],
    ) -> PyResult<()> {
        let keys = self
            .table
            .placed_keys(bytes)
            .map_err(|e| command_error(py, e, &|_, p| bytes[p].to_vec()))?;
        let key_bytes: Vec<&[u8]> = keys.iter().map(|k| bytes[k.pos].as_ref()).collect();
        if self.same_tag_bytes(&key_bytes) {
            return Ok(());
        }
        // One group per key: a command with a merge rule splits, any other refuses.
        match self.table.split_by(bytes, |_, pos| Ok(pos as u32)) {
            Ok(_) => Ok(()),
            Err(CoreCommandError::NotSplittable { command }) => {
                // Every key is on one shard here: name it once.
                let mut shards = Vec::new();
                if let Some(k) = keys.first() {
                    shards.push(self.shard_of(&bytes[k.pos], &items[k.pos], k.pos)? as usize);
                }
                Err(refusal(
                    py,
                    NotColocatedError::new_err,
                    &command,
                    shards,
                    Why::Tags,
                ))
            }
            Err(e) => Err(command_error(py, e, &|_, p| bytes[p].to_vec())),
        }
    }
}

enum SplitAnswer {
    One(usize),
    Split(ShardSplit),
}

/// Why a command is refused.
enum Why {
    /// Keys on several shards.
    Shards,
    /// Keys in several slots of a cluster.
    Slots,
    /// strict_tags: keys without one shared tag.
    Tags,
}

fn refusal(
    py: Python<'_>,
    make: fn(String) -> PyErr,
    command: &str,
    mut shards: Vec<usize>,
    why: Why,
) -> PyErr {
    let mut seen = Vec::new();
    shards.retain(|s| {
        let new = !seen.contains(s);
        seen.push(*s);
        new
    });
    let name = command.to_ascii_uppercase();
    let msg = match why {
        Why::Shards => format!("{name} has keys on shards {shards:?} and cannot be split"),
        Why::Slots => {
            format!("{name} has keys in several hash slots (shards {shards:?}) and cannot be split")
        }
        Why::Tags => format!(
            "{name} is not split and its keys do not share one hash tag \
             (strict colocation; shard {shards:?})"
        ),
    };
    with_attrs(
        py,
        make(msg),
        [
            ("command", Ok(obj(py, name.as_str()))),
            ("shards", PyList::new(py, shards).map(Bound::into_any)),
        ],
    )
}

#[pymethods]
impl ShardRouter {
    /// A router over `placement`: a `Pool` (shards in its server order) or
    /// a cluster `SlotMap` (then `primaries` names each shard `host:port`,
    /// and a key goes to the primary serving its slot, as the map stands
    /// now). `table`: the command table (built-in by default);
    /// `strict_tags`: refuse a multi-key command that is not split unless
    /// its keys share one hash tag.
    #[new]
    #[pyo3(signature = (placement, /, *, primaries = None, table = None, strict_tags = false))]
    fn new(
        placement: &Bound<'_, PyAny>,
        primaries: Option<Vec<String>>,
        table: Option<PyRef<'_, CommandTable>>,
        strict_tags: bool,
    ) -> PyResult<Self> {
        let table = table.map_or_else(Table::builtin, |t| t.table().clone());
        if let Ok(pool) = placement.cast::<Pool>() {
            if primaries.is_some() {
                return Err(PyTypeError::new_err(
                    "primaries= is for a cluster map, not a Pool",
                ));
            }
            return Ok(Self::for_pool(pool.get(), table, strict_tags));
        }
        let Ok(map) = placement.cast::<SlotMap>() else {
            return Err(PyTypeError::new_err(format!(
                "ShardRouter places keys by a Pool or a SlotMap, not {}",
                placement.get_type().name()?
            )));
        };
        let Some(primaries) = primaries else {
            return Err(PyTypeError::new_err(
                "a cluster map needs primaries=: the \"host:port\" of each shard, in order",
            ));
        };
        let map = map.borrow();
        let inner = map.inner();
        let mut cluster_to_shard = Vec::with_capacity(inner.shards().len());
        for s in inner.shards() {
            let addr = inner.nodes()[s.primary].addr().to_string();
            match primaries.iter().position(|p| p.eq_ignore_ascii_case(&addr)) {
                Some(i) => cluster_to_shard.push(i as u32),
                None => {
                    return Err(PyValueError::new_err(format!(
                        "the cluster's primary {addr} is not among the shards {primaries:?}"
                    )))
                }
            }
        }
        for p in &primaries {
            let known = inner.shards().iter().any(|s| {
                inner.nodes()[s.primary]
                    .addr()
                    .to_string()
                    .eq_ignore_ascii_case(p)
            });
            if !known {
                return Err(PyValueError::new_err(format!(
                    "{p} is not a primary of the cluster map"
                )));
            }
        }
        let slot_shard = (0..keyroute::SLOT_COUNT)
            .map(|slot| {
                inner
                    .shard_of_slot(slot)
                    .map_or(UNSERVED, |c| cluster_to_shard[c])
            })
            .collect();
        Ok(ShardRouter {
            shards: primaries.len(),
            placement: Placement::Slots {
                policy: inner.policy().clone(),
                slot_shard,
            },
            table,
            strict_tags,
        })
    }

    /// Where `argv` goes: the shard index when the whole command goes to
    /// one shard, else a `ShardSplit` (several shards, or no keys).
    /// Raises `NotSplittableError` (with `command` and `shards`) when its
    /// keys are on several shards and it cannot be split.
    #[pyo3(signature = (argv, /))]
    fn route<'py>(&self, argv: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = argv.py();
        Ok(match self.split_impl(argv, false)? {
            SplitAnswer::One(s) => obj(py, s),
            SplitAnswer::Split(s) => Bound::new(py, s)?.into_any(),
        })
    }

    /// `argv` broken into one part per shard (one part when it is not split).
    #[pyo3(signature = (argv, /))]
    fn split(&self, argv: &Bound<'_, PyAny>) -> PyResult<ShardSplit> {
        self.split_whole(argv)
    }

    /// The keys that place `argv` (`CommandTable::placed_keys`: the routing
    /// keys, or the key-spec keys of a command such as MSETEX that the
    /// server routes without them), as bytes, in key order.
    #[pyo3(signature = (argv, /))]
    fn placed_keys<'py>(&self, argv: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        let keys = self
            .table
            .placed_keys(&bytes)
            .map_err(|e| command_error(py, e, &|_, p| bytes[p].to_vec()))?;
        Ok(keys
            .iter()
            .map(|k| PyBytes::new(py, &bytes[k.pos]))
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
        let items = args.items();
        let keys = self
            .table
            .placed_keys(&bytes)
            .map_err(|e| command_error(py, e, &|_, p| bytes[p].to_vec()))?;
        keys.iter()
            .map(|k| {
                let g = self.group_of(&bytes[k.pos], &items[k.pos], k.pos)?;
                Ok((self.shard_of_group(g), g))
            })
            .collect()
    }

    /// The shard of every key of `argv`, in the server's key order (an
    /// empty list for a keyless command).
    #[pyo3(signature = (argv, /))]
    fn key_shards(&self, argv: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        self.shards_of_keys(&bytes, args.items())
    }

    /// The shard of one key.
    #[pyo3(signature = (key, /))]
    fn index_for(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        let s = crate::key::with_key(key, |k| k.to_vec())?;
        self.shard_of(&s, key, 0).map(|s| s as usize)
    }

    /// Whether `keys` are together by construction: they share one hash
    /// tag by the rule placement hashes (the pool's scheme; `{...}` for a
    /// cluster map), or are all one key.
    #[pyo3(signature = (keys, /))]
    fn same_tag(&self, keys: &Bound<'_, PyAny>) -> PyResult<bool> {
        let args = Argv::new(keys, "keys")?;
        let bytes = args.bytes("keys")?;
        let refs: Vec<&[u8]> = bytes.iter().map(|b| b.as_ref()).collect();
        Ok(self.same_tag_bytes(&refs))
    }

    /// Whether `strict_tags` is on.
    #[getter]
    fn strict_tags(&self) -> bool {
        self.strict_tags
    }

    fn __len__(&self) -> usize {
        self.shards
    }

    fn __repr__(&self) -> String {
        let kind = match self.placement {
            Placement::Pool { .. } => "pool",
            Placement::Slots { .. } => "cluster",
        };
        format!("<ShardRouter {kind}, {} shards>", self.shards)
    }
}

/// Registers the classes and the error.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("NotColocatedError", py.get_type::<NotColocatedError>())?;
    m.add_class::<ShardRouter>()?;
    m.add_class::<ShardSplit>()?;
    Ok(())
}
