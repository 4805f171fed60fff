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
                })
            })
            .collect()
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
