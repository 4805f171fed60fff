//! `rebalance(...)`: the Python arguments read into the core's `Rebalance`
//! input (layout, weights, additions, drains, targets, tolerance, per-slot
//! statistics, a load and its tolerance) and planned into a `Plan`.

use keyroute::plan::{OpenSlots, Rebalance, Weight};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};

use crate::cluster::SlotMap;
use crate::errors::plan_error;
use crate::key::{items_of, refuse_single};
use crate::load::SlotLoad;
use crate::plan::Plan;

/// The current layout: `CLUSTER NODES` text (open slots refused or held),
/// a cluster map, or `{node_id: [(start, end), ...]}`.
pub(crate) fn layout(current: &Bound<'_, PyAny>, open_slots: OpenSlots) -> PyResult<Rebalance> {
    let py = current.py();
    if let Ok(text) = current.cast::<PyString>() {
        return Rebalance::from_cluster_nodes_with(text.to_str()?, open_slots)
            .map_err(|e| plan_error(py, e));
    }
    if let Ok(map) = current.cast::<SlotMap>() {
        return Rebalance::from_slot_map(map.borrow().inner()).map_err(|e| plan_error(py, e));
    }
    if !current.hasattr(intern!(py, "items"))? {
        return Err(PyTypeError::new_err(format!(
            "current must be CLUSTER NODES text, a Cluster or {{node_id: [(start, end), ...]}}, \
             not {}",
            current.get_type().name()?
        )));
    }
    let mut r = Rebalance::new();
    for (id, ranges) in id_items(current, "current")? {
        let ranges: Vec<[u16; 2]> = ranges.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "current[{id:?}]: expected a list of (start, end) slot pairs"
            ))
        })?;
        let ranges: Vec<(u16, u16)> = ranges.into_iter().map(|[a, b]| (a, b)).collect();
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

/// `weights=`: node id -> exact weight.
pub(crate) fn set_weights(r: &mut Rebalance, weights: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let Some(w) = weights else { return Ok(()) };
    let py = w.py();
    for (id, w) in id_items(w, "weights")? {
        let w = Weight::parse(&weight_text(&w)?).map_err(|e| plan_error(py, e))?;
        r.weight(&id, w).map_err(|e| plan_error(py, e))?;
    }
    Ok(())
}

/// Per-slot counts: 16384 non-negative integers.
fn counts(v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u64>>> {
    v.map(|v| v.extract::<Vec<u64>>()).transpose()
}

/// The fewest slot moves that bring the cluster to its target weights; with
/// `load=`, the least load moved to bring every node within
/// `load_tolerance` percent of its weighted share of the load.
#[pyfunction(signature = (current, /, *, weights = None, add = None, drain = None,
    tolerance = 0, targets = None, slot_keys = None, slot_bytes = None, load = None,
    load_tolerance = None, open_slots = "refuse"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn rebalance<'py>(
    current: &Bound<'py, PyAny>,
    weights: Option<&Bound<'py, PyAny>>,
    add: Option<&Bound<'py, PyAny>>,
    drain: Option<&Bound<'py, PyAny>>,
    tolerance: u32,
    targets: Option<&Bound<'py, PyAny>>,
    slot_keys: Option<&Bound<'py, PyAny>>,
    slot_bytes: Option<&Bound<'py, PyAny>>,
    load: Option<PyRef<'py, SlotLoad>>,
    load_tolerance: Option<&Bound<'py, PyAny>>,
    open_slots: &str,
) -> PyResult<Plan> {
    let py = current.py();
    let bad = |e| plan_error(py, e);
    let open_slots: OpenSlots = open_slots
        .parse()
        .map_err(|e: keyroute::error::UnknownName| PyValueError::new_err(e.to_string()))?;
    let mut r = layout(current, open_slots)?;
    match (load, load_tolerance) {
        (Some(l), t) => {
            r.load(l.inner.clone());
            if let Some(t) = t {
                r.load_tolerance(Weight::parse(&weight_text(t)?).map_err(bad)?);
            }
        }
        (None, Some(_)) => {
            return Err(PyTypeError::new_err(
                "load_tolerance= applies with load= only",
            ))
        }
        (None, None) => {}
    }
    let ids = |v: Option<&Bound<'py, PyAny>>, what: &str| -> PyResult<Vec<Bound<'py, PyAny>>> {
        let Some(v) = v else { return Ok(Vec::new()) };
        refuse_single(
            v,
            &format!("{what} takes an iterable of node ids"),
            "; wrap it in a list",
        )?;
        items_of(v)
    };
    for (i, a) in ids(add, "add")?.iter().enumerate() {
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
    set_weights(&mut r, weights)?;
    for id in ids(drain, "drain")? {
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
    r.plan().map(Plan::from).map_err(bad)
}
