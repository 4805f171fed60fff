//! Resharding plans: `rebalance(...)` and the `Plan` it returns, with its
//! `Move`s and `PlanNode`s. The facade module `keyroute.plan` re-exports them.

use keyroute::plan::{Rebalance, ScriptKind, Weight};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyType};

use crate::cluster::SlotMap;
use crate::key::items_of;
use crate::more_errors::plan_error;

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

/// The current layout: `CLUSTER NODES` text, a cluster map, or
/// `{node_id: [(start, end), ...]}`.
fn layout(current: &Bound<'_, PyAny>) -> PyResult<Rebalance> {
    let py = current.py();
    if let Ok(text) = current.cast::<PyString>() {
        return Rebalance::from_cluster_nodes(text.to_str()?).map_err(|e| plan_error(py, e));
    }
    if let Ok(map) = current.cast::<SlotMap>() {
        return Rebalance::from_slot_map(map.borrow().inner()).map_err(|e| plan_error(py, e));
    }
    let Ok(dict) = current.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "current must be CLUSTER NODES text, a Cluster or {{node_id: [(start, end), ...]}}, \
             not {}",
            current.get_type().name()?
        )));
    };
    let mut r = Rebalance::new();
    for (id, ranges) in dict.iter() {
        let id: String = id
            .extract()
            .map_err(|_| PyTypeError::new_err("current: node ids must be str"))?;
        let ranges: Vec<(u16, u16)> = ranges.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "current[{id:?}]: expected a list of (start, end) slot pairs"
            ))
        })?;
        r.node(&id, None, &ranges).map_err(|e| plan_error(py, e))?;
    }
    Ok(r)
}

/// An exact weight's text: `int` and `str` as they are, a `float` by its
/// shortest repr (`0.1` is one tenth, as written), a `Fraction` as `n/d`,
/// a `Decimal` in positional notation.
fn weight_text(w: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = w.py();
    if w.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "a weight is a number or a str, not a bool",
        ));
    }
    if let Ok(s) = w.cast::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    if w.is_instance_of::<PyInt>() {
        return Ok(w.str()?.to_str()?.to_owned());
    }
    if w.is_instance_of::<PyFloat>() {
        return Ok(w.repr()?.to_str()?.to_owned());
    }
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    if w.is_instance(DECIMAL.import(py, "decimal", "Decimal")?)? {
        let f = w.call_method1(intern!(py, "__format__"), ("f",))?;
        return Ok(f.str()?.to_str()?.to_owned());
    }
    if let (Ok(n), Ok(d)) = (
        w.getattr(intern!(py, "numerator")),
        w.getattr(intern!(py, "denominator")),
    ) {
        return Ok(format!("{}/{}", n.str()?, d.str()?));
    }
    Err(PyTypeError::new_err(format!(
        "a weight is an int, str, float, Fraction or Decimal, not {}",
        w.get_type().name()?
    )))
}

/// The `(node id, value)` items of a mapping argument.
fn id_items<'py>(m: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
    let items = m
        .call_method0(intern!(m.py(), "items"))
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a mapping of node ids")))?;
    items
        .try_iter()?
        .map(|kv| {
            kv?.extract::<(String, Bound<'py, PyAny>)>()
                .map_err(|_| PyTypeError::new_err(format!("{what}: node ids must be str")))
        })
        .collect()
}

/// Per-slot counts: 16384 non-negative integers.
fn counts(v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u64>>> {
    v.map(|v| v.extract::<Vec<u64>>()).transpose()
}

/// The fewest slot moves that bring the cluster to its target weights.
#[pyfunction(signature = (current, /, *, weights = None, add = None, drain = None,
    tolerance = 0, targets = None, slot_keys = None, slot_bytes = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn rebalance(
    current: &Bound<'_, PyAny>,
    weights: Option<&Bound<'_, PyAny>>,
    add: Option<&Bound<'_, PyAny>>,
    drain: Option<&Bound<'_, PyAny>>,
    tolerance: u32,
    targets: Option<&Bound<'_, PyAny>>,
    slot_keys: Option<&Bound<'_, PyAny>>,
    slot_bytes: Option<&Bound<'_, PyAny>>,
) -> PyResult<Plan> {
    let py = current.py();
    let bad = |e| plan_error(py, e);
    let mut r = layout(current)?;
    for (i, a) in add
        .map(items_of)
        .transpose()?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let (id, addr): (String, Option<String>) = match a.extract::<String>() {
            Ok(id) => (id, None),
            Err(_) => a.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "add[{i}]: expected a node id or (id, \"host:port\")"
                ))
            })?,
        };
        r.add(&id, addr.as_deref()).map_err(bad)?;
    }
    if let Some(w) = weights {
        for (id, w) in id_items(w, "weights")? {
            let w = Weight::parse(&weight_text(&w)?).map_err(bad)?;
            r.weight(&id, w).map_err(bad)?;
        }
    }
    for id in drain.map(items_of).transpose()?.unwrap_or_default() {
        r.drain(&id.extract::<String>()?).map_err(bad)?;
    }
    if let Some(t) = targets {
        for (id, slots) in id_items(t, "targets")? {
            let slots: u32 = slots.extract().map_err(|_| {
                PyTypeError::new_err(format!("targets[{id:?}]: expected a slot count"))
            })?;
            if slots > 16384 {
                return Err(PyValueError::new_err(format!(
                    "targets[{id:?}]: {slots} is more than 16384 slots"
                )));
            }
            r.target(&id, slots).map_err(bad)?;
        }
    }
    r.tolerance(tolerance);
    if slot_keys.is_some() || slot_bytes.is_some() {
        r.slot_stats(counts(slot_keys)?, counts(slot_bytes)?)
            .map_err(bad)?;
    }
    r.plan().map(|inner| Plan { inner }).map_err(bad)
}

/// A resharding plan.
#[pyclass(module = "keyroute.plan", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct Plan {
    inner: keyroute::plan::Plan,
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
    fn script(&self, kind: &str) -> PyResult<String> {
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
        Ok(self.inner.script(kind))
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
