//! `Plan`, the resharding plan `rebalance(...)` returns (see `rebalance.rs`),
//! with its `Move`s and `PlanNode`s. The facade module `keyroute.plan`
//! re-exports them.

use keyroute::plan::ScriptKind;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

/// `fractions.Fraction(num, den)`.
pub(crate) fn fraction<'py>(
    py: Python<'py>,
    num: u128,
    den: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    static FRACTION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    FRACTION
        .import(py, "fractions", "Fraction")?
        .call1((num, den))
}

/// A resharding plan.
#[pyclass(module = "keyroute.plan", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct Plan {
    inner: keyroute::plan::Plan,
}

impl From<keyroute::plan::Plan> for Plan {
    fn from(inner: keyroute::plan::Plan) -> Self {
        Plan { inner }
    }
}

/// Slots moving from one node to another.
#[pyclass(module = "keyroute.plan", frozen, get_all, eq)]
#[derive(PartialEq)]
pub(crate) struct Move {
    /// 1-based position in the plan.
    seq: usize,
    /// The node id that gives the slots.
    source: String,
    /// The node id that receives them.
    destination: String,
    /// The slots, as inclusive `(start, end)` ranges in ascending order.
    ranges: Vec<(u16, u16)>,
    /// The number of slots.
    slots: u32,
    /// Keys moved, when per-slot key counts were given.
    keys_est: Option<u64>,
    /// Bytes moved, when per-slot byte counts were given.
    bytes_est: Option<u64>,
    /// Load moved, in a load plan.
    load: Option<u64>,
}

/// Python's `repr` of a string.
pub(crate) fn repr(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_str()?.to_owned())
}

#[pymethods]
impl Move {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Move(seq={}, source={}, destination={}, slots={})",
            self.seq,
            repr(py, &self.source)?,
            repr(py, &self.destination)?,
            self.slots
        ))
    }
}

/// One node of a plan.
#[pyclass(module = "keyroute.plan", frozen, get_all)]
pub(crate) struct PlanNode {
    /// The node id.
    id: String,
    /// `host:port`, when known.
    addr: Option<String>,
    /// Its exact weight (a `Fraction`).
    weight: Py<PyAny>,
    /// Its exact quota `16384 * w / W` (a `Fraction`).
    quota: Py<PyAny>,
    /// Slots before.
    before: u32,
    /// The target slot count.
    target: u32,
    /// Slots after the plan (equals `target`).
    after: u32,
    /// Keys before, when per-slot key counts were given.
    keys_before: Option<u64>,
    /// Keys after, estimated from the per-slot counts.
    keys_after_est: Option<u64>,
    /// In a load plan: its load before.
    load_before: Option<u64>,
    /// In a load plan: its exact target share of the load (a `Fraction`).
    load_target: Option<Py<PyAny>>,
    /// In a load plan: the least load within the tolerance.
    load_min: Option<u64>,
    /// In a load plan: the most load within the tolerance.
    load_max: Option<u64>,
    /// In a load plan: its load after.
    load_after: Option<u64>,
    /// In a load plan: the load of its slots that may not move (held or hot).
    load_pinned: Option<u64>,
}

/// What a load plan balances, and how well.
#[pyclass(module = "keyroute.plan", frozen, get_all)]
pub(crate) struct PlanLoad {
    /// `keys`, `memory`, `slot-stats:<statistic>` or `file`.
    by: String,
    /// Keys sampled per slot, for a memory load.
    sample: Option<u32>,
    /// How far from its target share a node may end, in percent (a `Fraction`).
    tolerance: Py<PyAny>,
    /// The load of all slots.
    total: u64,
    /// The least load any plan must move.
    lower_bound: u64,
    /// The load this plan moves.
    moved: u64,
    /// The most load any node may carry within the tolerance.
    allowance: u64,
    /// Whether every node ends within the tolerance.
    within_tolerance: bool,
    /// Slots heavier than `allowance`: `(slot, load, node_id)`.
    hot_slots: Vec<(u16, u64, String)>,
    /// Nodes outside the tolerance after the plan: `(node_id, reason)`.
    outside: Vec<(String, &'static str)>,
}

#[pymethods]
impl PlanNode {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PlanNode(id={}, before={}, target={})",
            repr(py, &self.id)?,
            self.before,
            self.target
        ))
    }
}

#[pymethods]
impl Plan {
    /// The plan as `keyroute.reshard-plan/1` JSON, byte for byte what
    /// `keyroute plan rebalance --format json` prints (without the newline).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// A POSIX shell script that carries the plan out with `redis-cli`:
    /// `"valkey9"` (`CLUSTER MIGRATESLOTS`), `"redis84"` (`CLUSTER
    /// MIGRATION IMPORT`) or `"legacy"` (per-slot `SETSLOT`/`MIGRATE`).
    #[pyo3(signature = (kind = "valkey9"))]
    fn script(&self, py: Python<'_>, kind: &str) -> PyResult<String> {
        let kind = match kind {
            "valkey9" => ScriptKind::Valkey9,
            "redis84" => ScriptKind::Redis84,
            "legacy" => ScriptKind::Legacy,
            other => {
                return Err(PyValueError::new_err(format!(
                    "kind must be 'valkey9', 'redis84' or 'legacy', not {other:?}"
                )))
            }
        };
        self.inner
            .script(kind)
            .map_err(|e| crate::errors::plan_error(py, e))
    }

    /// The moves, by source id then destination id.
    #[getter]
    fn moves(&self) -> Vec<Move> {
        self.inner
            .moves
            .iter()
            .map(|m| Move {
                seq: m.seq,
                source: m.from.clone(),
                destination: m.to.clone(),
                ranges: m.ranges.clone(),
                slots: m.slots,
                keys_est: m.keys,
                bytes_est: m.bytes,
                load: m.load,
            })
            .collect()
    }

    /// Every node, by id.
    #[getter]
    fn nodes(&self, py: Python<'_>) -> PyResult<Vec<PlanNode>> {
        self.inner
            .nodes
            .iter()
            .map(|n| {
                let (wn, wd) = n.weight.parts();
                let int = |d: u128| d.into_pyobject(py).map(Bound::into_any);
                Ok(PlanNode {
                    id: n.id.clone(),
                    addr: n.addr.clone(),
                    weight: fraction(py, wn, int(wd)?)?.unbind(),
                    quota: fraction(py, n.quota.0, int(n.quota.1)?)?.unbind(),
                    before: n.before,
                    target: n.target,
                    after: n.after,
                    keys_before: n.keys_before,
                    keys_after_est: n.keys_after,
                    load_before: n.load.map(|l| l.before),
                    load_target: n
                        .load
                        .map(|l| fraction(py, l.target.0, int(l.target.1)?).map(Bound::unbind))
                        .transpose()?,
                    load_min: n.load.map(|l| l.min),
                    load_max: n.load.map(|l| l.max),
                    load_after: n.load.map(|l| l.after),
                    load_pinned: n.load.map(|l| l.pinned),
                })
            })
            .collect()
    }

    /// In a load plan, the load: what it balances and how well.
    #[getter]
    fn load(&self, py: Python<'_>) -> PyResult<Option<PlanLoad>> {
        let Some(l) = &self.inner.load else {
            return Ok(None);
        };
        let (tn, td) = l.tolerance.parts();
        Ok(Some(PlanLoad {
            by: l.by.name(),
            sample: l.by.sample(),
            tolerance: fraction(py, tn, td.into_pyobject(py)?.into_any())?.unbind(),
            total: l.total,
            lower_bound: l.lower_bound,
            moved: l.moved,
            allowance: l.allowance,
            within_tolerance: l.within_tolerance(),
            hot_slots: l
                .hot_slots
                .iter()
                .map(|h| (h.slot, h.load, h.node.clone()))
                .collect(),
            outside: l
                .outside
                .iter()
                .map(|(id, why)| (id.clone(), why.as_str()))
                .collect(),
        }))
    }

    /// The proven minimum number of slot moves (the plan moves exactly this many).
    #[getter]
    fn lower_bound(&self) -> u32 {
        self.inner.lower_bound
    }

    /// Slots the plan moves.
    #[getter]
    fn moves_total(&self) -> u32 {
        self.inner.moves_total()
    }

    /// `sha256:` of the current layout the plan is for.
    #[getter]
    fn fingerprint(&self) -> &str {
        &self.inner.fingerprint
    }

    /// The tolerance the targets allow, in slots.
    #[getter]
    fn tolerance(&self) -> u32 {
        self.inner.tolerance
    }

    fn __repr__(&self) -> String {
        format!(
            "<Plan {} slots in {} moves over {} nodes>",
            self.inner.moves_total(),
            self.inner.moves.len(),
            self.inner.nodes.len()
        )
    }
}
