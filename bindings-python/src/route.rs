//! The answers of `route` and `split`: `RoutePlan`, `Split`, `SplitPart`.

use keyroute::command::{Merge, ResponsePolicy, Route};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::cluster::SlotMap;
use crate::errors::topology_error;
use crate::read_from::ReadFromArg;

/// A core answer this build of the bindings has no name for: the core grew
/// a variant and the bindings were not updated with it.
fn unknown(what: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "keyroute's core returned a {what} these Python bindings do not know; upgrade them"
    ))
}

/// Where a command goes.
#[pyclass(module = "keyroute", frozen, eq, hash)]
#[derive(PartialEq, Hash)]
pub(crate) struct RoutePlan {
    /// `"slot"`, `"any_node"`, `"all_primaries"`, `"all_nodes"`,
    /// `"multi_shard"` (split it: see `split`) or `"special"`.
    #[pyo3(get)]
    target: &'static str,
    /// The slot when `target` is `"slot"`, else `None`.
    #[pyo3(get)]
    slot: Option<u16>,
    /// How to combine replies from several nodes (the `response_policy`
    /// tip: `"one_succeeded"`, `"all_succeeded"`, `"agg_logical_and"`,
    /// `"agg_logical_or"`, `"agg_min"`, `"agg_max"`, `"agg_sum"`,
    /// `"special"`), or `None` when the command names none.
    #[pyo3(get)]
    response: Option<&'static str>,
}

#[pymethods]
impl RoutePlan {
    fn __repr__(&self) -> String {
        let opt = |o: Option<String>| o.unwrap_or_else(|| "None".to_owned());
        format!(
            "RoutePlan(target='{}', slot={}, response={})",
            self.target,
            opt(self.slot.map(|s| s.to_string())),
            opt(self.response.map(|r| format!("'{r}'")))
        )
    }
}

pub(crate) fn route_plan(plan: keyroute::command::RoutePlan) -> PyResult<RoutePlan> {
    let (target, slot) = match plan.target {
        Route::Slot(s) => ("slot", Some(s)),
        Route::AnyNode => ("any_node", None),
        Route::AllPrimaries => ("all_primaries", None),
        Route::AllNodes => ("all_nodes", None),
        Route::MultiShard => ("multi_shard", None),
        Route::Special => ("special", None),
        _ => return Err(unknown("route")),
    };
    let response = match plan.response {
        None => None,
        Some(p) => Some(match p {
            ResponsePolicy::OneSucceeded => "one_succeeded",
            ResponsePolicy::AllSucceeded => "all_succeeded",
            ResponsePolicy::AggLogicalAnd => "agg_logical_and",
            ResponsePolicy::AggLogicalOr => "agg_logical_or",
            ResponsePolicy::AggMin => "agg_min",
            ResponsePolicy::AggMax => "agg_max",
            ResponsePolicy::AggSum => "agg_sum",
            ResponsePolicy::Special => "special",
            _ => return Err(unknown("response policy")),
        }),
    };
    Ok(RoutePlan {
        target,
        slot,
        response,
    })
}

/// One per-slot sub-command of a split.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct SplitPart {
    slot: u16,
    argv: Vec<Py<PyBytes>>,
    keys: Vec<usize>,
}

#[pymethods]
impl SplitPart {
    /// The slot all its keys hash to; `None` for a command without keys
    /// (the core reports slot 0 there).
    #[getter]
    fn slot(&self) -> Option<u16> {
        (!self.keys.is_empty()).then_some(self.slot)
    }

    /// The sub-command to send, as bytes: the command name, then each of
    /// the part's keys with its values (MSET's).
    #[getter]
    fn argv<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.argv.iter().map(|a| a.clone_ref(py)))
    }

    /// For each key of the part, in order, its ordinal among the original
    /// command's keys (0 for the first key).
    #[getter]
    fn keys(&self) -> Vec<usize> {
        self.keys.clone()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SplitPart(slot={}, argv={}, keys={:?})",
            self.slot()
                .map_or_else(|| "None".to_owned(), |s| s.to_string()),
            self.argv(py)?.repr()?,
            self.keys
        ))
    }
}

/// A command broken into per-slot parts, and how to merge their replies.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct Split {
    inner: keyroute::command::Split,
    parts: Vec<Py<SplitPart>>,
    merge: &'static str,
}

#[pymethods]
impl Split {
    /// The parts, in order of each slot's first key.
    #[getter]
    fn parts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.parts.iter().map(|p| p.clone_ref(py)))
    }

    /// How to assemble the original reply: `"by_key_position"` (MGET: element
    /// `i` of part `p`'s array reply goes to position `parts[p].keys[i]`),
    /// `"sum"` (DEL, EXISTS, UNLINK, TOUCH), `"all_ok"` (MSET) or `"single"`
    /// (not split: the one part's reply is the reply).
    #[getter]
    fn merge(&self) -> &'static str {
        self.merge
    }

    /// The number of keys of the original command.
    #[getter]
    fn key_count(&self) -> usize {
        self.inner.key_count
    }

    /// The parts grouped by the node serving their slot: `(node, [part
    /// index, ...])` in order of first appearance. Each part stays a separate
    /// command; send a node's parts in one pipeline.
    #[pyo3(signature = (cluster, /, *, read_from = None))]
    fn by_node<'py>(
        &self,
        py: Python<'py>,
        cluster: &Bound<'py, SlotMap>,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        // The map is borrowed only for the answer, never while Python code
        // (the read_from argument's) runs.
        let rf = ReadFromArg::parse(read_from)?;
        let groups = {
            let map = cluster.borrow();
            self.inner.by_node(map.inner(), rf.get()).map(|groups| {
                groups
                    .into_iter()
                    .map(|(node, parts)| (map.node_object(py, node), parts))
                    .collect::<Vec<_>>()
            })
        };
        PyList::new(py, groups.map_err(|e| topology_error(py, e))?)
    }

    fn __repr__(&self) -> String {
        format!(
            "Split(parts={}, merge='{}', key_count={})",
            self.parts.len(),
            self.merge,
            self.inner.key_count
        )
    }
}

/// A `Split` from the core's, with each part's arguments as bytes objects.
pub(crate) fn split_result(
    py: Python<'_>,
    split: keyroute::command::Split,
    argv: Vec<Vec<Bound<'_, PyBytes>>>,
) -> PyResult<Split> {
    let merge = match split.merge {
        Merge::ByKeyPosition => "by_key_position",
        Merge::Sum => "sum",
        Merge::AllOk => "all_ok",
        Merge::Single => "single",
        _ => return Err(unknown("merge recipe")),
    };
    let parts = split
        .parts
        .iter()
        .zip(argv)
        .map(|(p, argv)| {
            Py::new(
                py,
                SplitPart {
                    slot: p.slot,
                    argv: argv.into_iter().map(Bound::unbind).collect(),
                    keys: p.keys.clone(),
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(Split {
        inner: split,
        parts,
        merge,
    })
}
