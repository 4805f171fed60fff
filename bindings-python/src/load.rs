//! Per-slot load for load-aware plans: `SlotLoad` (a file's text, or what a
//! `LoadProbe` measured), `LoadProbe` (the core's commands per primary and
//! its reading of the replies; `keyroute.plan.measure_load` does the I/O
//! with redis-py), and `LoadReport`. Every rule is the core's.

use keyroute::cluster::Value;
use keyroute::error::PlanError as CorePlan;
use keyroute::plan::{LoadBy, OpenSlots};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::errors::plan_error;
use crate::plan::fraction;
use crate::rebalance::layout;
use crate::value::{to_value, ReplyError};

/// The load of every slot (16384 integers) and where it comes from.
#[pyclass(module = "keyroute.plan", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct SlotLoad {
    pub(crate) inner: keyroute::plan::SlotLoad,
}

#[pymethods]
impl SlotLoad {
    /// A load file's text: a JSON object of slot numbers to integer loads,
    /// e.g. `{"0": 120, "5461": 7}`; slots not named carry 0.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<SlotLoad> {
        keyroute::plan::SlotLoad::from_json(text)
            .map(|inner| SlotLoad { inner })
            .map_err(|e| plan_error(py, e))
    }

    /// The load as the text `from_json` reads (and `keyroute plan load
    /// --format slots` prints).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// `keys`, `memory`, `slot-stats:<statistic>` or `file`.
    #[getter]
    fn by(&self) -> String {
        self.inner.by().name()
    }

    /// Keys sampled per slot, for a memory load.
    #[getter]
    fn sample(&self) -> Option<u32> {
        self.inner.by().sample()
    }

    /// The load of all slots.
    #[getter]
    fn total(&self) -> u64 {
        self.inner.total()
    }

    fn __len__(&self) -> usize {
        self.inner.values().len()
    }

    fn __getitem__(&self, slot: usize) -> PyResult<u64> {
        self.inner
            .values()
            .get(slot)
            .copied()
            .ok_or_else(|| PyIndexError::new_err(format!("slot {slot} is not in 0..=16383")))
    }

    fn __repr__(&self) -> String {
        format!(
            "<SlotLoad by {}: {} in all>",
            self.inner.by().name(),
            self.inner.total()
        )
    }
}

fn open_slots(py: Python<'_>, name: &str) -> PyResult<OpenSlots> {
    let _ = py;
    name.parse().map_err(|e: keyroute::error::UnknownName| {
        pyo3::exceptions::PyValueError::new_err(e.to_string())
    })
}

/// A measurement under way (see `keyroute.plan.measure_load`).
#[pyclass(module = "keyroute.plan")]
pub(crate) struct LoadProbe {
    inner: Option<keyroute::plan::LoadProbe>,
}

#[pymethods]
impl LoadProbe {
    /// A measurement of the primaries of `current` (`CLUSTER NODES` text, a
    /// `Cluster` or a mapping), `by` `"keys"`, `"memory"` (with `sample`
    /// keys per slot), `"slot-stats"` or `"slot-stats:<statistic>"`.
    #[new]
    #[pyo3(signature = (current, /, *, by = "keys", sample = None, open_slots = "refuse"))]
    fn new(
        current: &Bound<'_, PyAny>,
        by: &str,
        sample: Option<u32>,
        open_slots: &str,
    ) -> PyResult<LoadProbe> {
        let py = current.py();
        let r = layout(current, self::open_slots(py, open_slots)?)?;
        let by = LoadBy::parse(by, sample).map_err(|e| plan_error(py, e))?;
        let probe = keyroute::plan::LoadProbe::new(&r, by).map_err(|e| plan_error(py, e))?;
        Ok(LoadProbe { inner: Some(probe) })
    }

    /// The next round: `[(node_id, "host:port", [argv, ...]), ...]`, each
    /// argv a list of bytes; empty when the measurement is complete.
    fn round<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<Vec<(String, String, Bound<'py, PyList>)>> {
        let probe = self.probe()?;
        probe
            .round()
            .into_iter()
            .map(|b| {
                let cmds = b
                    .commands
                    .iter()
                    .map(|argv| PyList::new(py, argv.iter().map(|a| PyBytes::new(py, a))))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok((b.id, b.addr, PyList::new(py, cmds)?))
            })
            .collect()
    }

    /// The replies to every command of the round, in order: as redis-py
    /// returns them, an error reply as the exception.
    fn answer(&mut self, py: Python<'_>, replies: Vec<Bound<'_, PyAny>>) -> PyResult<()> {
        let mut values = Vec::with_capacity(replies.len());
        for (i, r) in replies.iter().enumerate() {
            if r.is_instance_of::<pyo3::exceptions::PyBaseException>() {
                values.push(Err(r.str()?.to_string()));
                continue;
            }
            let v: Value = to_value(r, &format!("reply[{i}]")).map_err(|e| match e {
                ReplyError::Python(e) => e,
                ReplyError::Malformed(reason) => plan_error(
                    py,
                    CorePlan::BadLoadReply {
                        node: String::new(),
                        command: String::new(),
                        reason,
                    },
                ),
            })?;
            values.push(Ok(v));
        }
        self.probe()?.answer(values).map_err(|e| plan_error(py, e))
    }

    /// The measured load, once `round()` came back empty.
    fn finish(&mut self, py: Python<'_>) -> PyResult<SlotLoad> {
        let probe = self.inner.take().ok_or_else(finished)?;
        probe
            .finish()
            .map(|inner| SlotLoad { inner })
            .map_err(|e| plan_error(py, e))
    }
}

fn finished() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("the measurement is already finished")
}

impl LoadProbe {
    fn probe(&mut self) -> PyResult<&mut keyroute::plan::LoadProbe> {
        self.inner.as_mut().ok_or_else(finished)
    }
}

/// The masters a `CLUSTER NODES` text lists, except the node that answered.
#[pyfunction(signature = (text, /))]
pub(crate) fn other_primaries(text: &str) -> Vec<String> {
    keyroute::plan::other_primaries(text)
}

/// One node of a load report.
#[pyclass(module = "keyroute.plan", frozen, get_all)]
pub(crate) struct NodeShare {
    /// The node id.
    id: String,
    /// `host:port`, when known.
    addr: Option<String>,
    /// Its exact weight (a `Fraction`).
    weight: Py<PyAny>,
    /// Slots it serves.
    slots: u32,
    /// Its load.
    load: u64,
    /// Its share of the load, as text with 4 decimals (None without load).
    load_share: Option<String>,
    /// Its exact target share of the load (a `Fraction`).
    target: Py<PyAny>,
    /// How far from its target, in percent, as text with 2 decimals.
    deviation_pct: Option<String>,
}

/// A cluster's load: per node, the hottest slots, the imbalance.
#[pyclass(module = "keyroute.plan", frozen)]
pub(crate) struct LoadReport {
    inner: keyroute::plan::LoadReport,
}

#[pymethods]
impl LoadReport {
    /// The report as `keyroute.load-report/1` JSON, byte for byte what
    /// `keyroute plan load --format json` prints (without the newline).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The largest node load over the mean, as text with 4 decimals.
    #[getter]
    fn imbalance(&self) -> Option<String> {
        self.inner.imbalance()
    }

    /// The load of all slots.
    #[getter]
    fn total(&self) -> u64 {
        self.inner.total
    }

    /// Where the load comes from.
    #[getter]
    fn by(&self) -> String {
        self.inner.by.name()
    }

    /// The heaviest slots: `(slot, load, node_id)`, heaviest first.
    #[getter]
    fn hottest(&self) -> Vec<(u16, u64, String)> {
        self.inner.hottest.clone()
    }

    /// Every node, by id.
    #[getter]
    fn nodes(&self, py: Python<'_>) -> PyResult<Vec<NodeShare>> {
        let r = &self.inner;
        r.nodes
            .iter()
            .map(|n| {
                let (wn, wd) = n.weight.parts();
                let int = |d: u128| d.into_pyobject(py).map(Bound::into_any);
                Ok(NodeShare {
                    id: n.id.clone(),
                    addr: n.addr.clone(),
                    weight: fraction(py, wn, int(wd)?)?.unbind(),
                    slots: n.slots,
                    load: n.load,
                    load_share: r.load_share(n),
                    target: fraction(py, n.target.0, int(n.target.1)?)?.unbind(),
                    deviation_pct: r.deviation_pct(n),
                })
            })
            .collect()
    }
}

/// The load report of `current` under `load`.
#[pyfunction(signature = (current, load, /, *, weights = None, top = 10, open_slots = "refuse"))]
pub(crate) fn load_report(
    current: &Bound<'_, PyAny>,
    load: &SlotLoad,
    weights: Option<&Bound<'_, PyAny>>,
    top: usize,
    open_slots: &str,
) -> PyResult<LoadReport> {
    let py = current.py();
    let mut r = layout(current, self::open_slots(py, open_slots)?)?;
    crate::rebalance::set_weights(&mut r, weights)?;
    keyroute::plan::LoadReport::new(&r, &load.inner, top)
        .map(|inner| LoadReport { inner })
        .map_err(|e| plan_error(py, e))
}
