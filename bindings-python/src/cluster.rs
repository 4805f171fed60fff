//! `SlotMap`: the core's cluster map, built from raw `CLUSTER SLOTS` /
//! `CLUSTER SHARDS` replies. The Python facade's `Cluster` subclasses it to
//! accept what redis-py's response callbacks return and its exceptions.

use keyroute::cluster::Role;
use keyroute::SLOT_COUNT;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyType};

use crate::errors::{redirect_error, topology_error, RedirectError, TopologyError};
use crate::key::{at_item, items_of, key_cow, refuse_single, with_key};
use crate::node::{role_str, Node, NodeGroup, Redirect, Shard};
use crate::policy::{core_policy, HashPolicy};
use crate::read_from::ReadFromArg;
use crate::value::{to_value, ReplyError};

/// A reply converted for the cluster parsers; a malformed one is a `TopologyError`.
fn reply_value(reply: &Bound<'_, PyAny>, root: &str) -> PyResult<keyroute::cluster::Value> {
    to_value(reply, root).map_err(|e| match e {
        ReplyError::Python(e) => e,
        ReplyError::Malformed(msg) => TopologyError::new_err(msg),
    })
}

/// The 16384 slots of a cluster, each mapped to the shard that serves it.
#[pyclass(module = "keyroute", subclass)]
pub(crate) struct SlotMap {
    map: keyroute::cluster::SlotMap,
    /// One Python `Node` per node of `map`, in the same order, made once so
    /// that routing a key creates no node object.
    nodes: Vec<Py<Node>>,
}

impl SlotMap {
    /// Brings the node objects in line with the map's nodes.
    fn sync_nodes(&mut self, py: Python<'_>) -> PyResult<()> {
        let nodes = self.map.nodes();
        self.nodes.truncate(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            match self.nodes.get(i) {
                Some(known) if known.get().inner == *n => {}
                _ => {
                    let node = Py::new(py, Node { inner: n.clone() })?;
                    if i < self.nodes.len() {
                        self.nodes[i] = node;
                    } else {
                        self.nodes.push(node);
                    }
                }
            }
        }
        Ok(())
    }

    /// An instance of `cls` (this class or a subclass) holding `map`.
    fn build<'py>(
        cls: &Bound<'py, PyType>,
        map: keyroute::cluster::SlotMap,
    ) -> PyResult<Bound<'py, PyAny>> {
        let obj = cls.call0()?;
        {
            let mut this = obj.cast::<SlotMap>()?.borrow_mut();
            this.map = map;
            this.sync_nodes(cls.py())?;
        }
        Ok(obj)
    }

    fn choice<'py>(
        &self,
        py: Python<'py>,
        (node, role): (usize, Role),
    ) -> (Py<Node>, Bound<'py, PyString>) {
        (self.nodes[node].clone_ref(py), role_str(py, role))
    }

    pub(crate) fn inner(&self) -> &keyroute::cluster::SlotMap {
        &self.map
    }

    pub(crate) fn node_object(&self, py: Python<'_>, node: usize) -> Py<Node> {
        self.nodes[node].clone_ref(py)
    }
}

#[pymethods]
impl SlotMap {
    /// A map with no nodes and every slot unassigned.
    #[new]
    fn new() -> Self {
        SlotMap {
            map: keyroute::cluster::SlotMap::empty(),
            nodes: Vec::new(),
        }
    }

    /// The map from a raw `CLUSTER SLOTS` reply (RESP2 or RESP3).
    /// `answered_by`: the host of the node that answered, for nodes
    /// advertised without an address; `policy`: how keys are hashed.
    #[classmethod]
    #[pyo3(signature = (reply, /, *, answered_by = None, policy = None))]
    fn from_slots<'py>(
        cls: &Bound<'py, PyType>,
        reply: &Bound<'py, PyAny>,
        answered_by: Option<&str>,
        policy: Option<&Bound<'py, HashPolicy>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = reply_value(reply, "CLUSTER SLOTS")?;
        let map = keyroute::cluster::SlotMap::from_slots(&value, answered_by)
            .map_err(|e| topology_error(cls.py(), e))?;
        Self::build(cls, map.with_policy(core_policy(policy)))
    }

    /// The map from a raw `CLUSTER SHARDS` reply (RESP2 or RESP3).
    #[classmethod]
    #[pyo3(signature = (reply, /, *, answered_by = None, policy = None))]
    fn from_shards<'py>(
        cls: &Bound<'py, PyType>,
        reply: &Bound<'py, PyAny>,
        answered_by: Option<&str>,
        policy: Option<&Bound<'py, HashPolicy>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = reply_value(reply, "CLUSTER SHARDS")?;
        let map = keyroute::cluster::SlotMap::from_shards(&value, answered_by)
            .map_err(|e| topology_error(cls.py(), e))?;
        Self::build(cls, map.with_policy(core_policy(policy)))
    }

    /// `(node, role)`: the node that serves `key` for this kind of read,
    /// and `"primary"` or `"replica"`.
    #[pyo3(signature = (key, /, *, read_from = None))]
    fn node_for<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Py<Node>, Bound<'py, PyString>)> {
        let rf = ReadFromArg::parse(read_from)?;
        let found = with_key(key, |k| self.map.node_for(k, rf.get()))?;
        Ok(self.choice(py, found.map_err(|e| topology_error(py, e))?))
    }

    /// `(node, role)` for a slot instead of a key.
    #[pyo3(signature = (slot, /, *, read_from = None))]
    fn node_for_slot<'py>(
        &self,
        py: Python<'py>,
        slot: i64,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Py<Node>, Bound<'py, PyString>)> {
        if !(0..i64::from(SLOT_COUNT)).contains(&slot) {
            return Err(PyValueError::new_err(format!(
                "slot must be in 0..={}, not {slot}",
                SLOT_COUNT - 1
            )));
        }
        let rf = ReadFromArg::parse(read_from)?;
        let found = self.map.node_for_slot(slot as u16, rf.get());
        Ok(self.choice(py, found.map_err(|e| topology_error(py, e))?))
    }

    /// Deprecated since 0.2: `node_for_slot`, the name every language uses.
    #[pyo3(signature = (slot, /, *, read_from = None))]
    fn slot_node<'py>(
        &self,
        py: Python<'py>,
        slot: i64,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Py<Node>, Bound<'py, PyString>)> {
        PyErr::warn(
            py,
            &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(),
            c"SlotMap.slot_node is deprecated: use node_for_slot",
            1,
        )?;
        self.node_for_slot(py, slot, read_from)
    }

    /// Groups `keys` by the node that serves them and, within a node, by
    /// slot, keeping each key's position so replies can be put back in order.
    #[pyo3(signature = (keys, /, *, read_from = None))]
    fn group_by_node<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        refuse_single(
            keys,
            "group_by_node takes an iterable of keys",
            "; use node_for for one key",
        )?;
        let rf = ReadFromArg::parse(read_from)?;
        let items = items_of(keys)?;
        let bytes = items
            .iter()
            .enumerate()
            .map(|(i, k)| key_cow(k).map_err(|e| at_item(e, py, "keys", i)))
            .collect::<PyResult<Vec<_>>>()?;
        let groups = self
            .map
            .group_by_node(bytes.iter().map(|b| &**b), rf.get())
            .map_err(|e| topology_error(py, e))?;
        let mut out = Vec::with_capacity(groups.len());
        for g in groups {
            out.push(Py::new(
                py,
                NodeGroup {
                    node: self.nodes[g.node].clone_ref(py),
                    role: role_str(py, g.role).unbind(),
                    slots: g.slots,
                },
            )?);
        }
        PyList::new(py, out)
    }

    /// Applies a `MOVED`/`ASK` error text (`str` or `bytes`) and returns it
    /// parsed: `MOVED` updates the map, `ASK` leaves it unchanged.
    /// `answered_by`: the host of the node that sent it, for an endpoint
    /// without a host.
    #[pyo3(signature = (error, /, *, answered_by = None))]
    fn apply_redirect(
        &mut self,
        py: Python<'_>,
        error: &Bound<'_, PyAny>,
        answered_by: Option<&str>,
    ) -> PyResult<Redirect> {
        let text = redirect_text(error)?;
        let r = self
            .map
            .apply_redirect(&text, answered_by)
            .map_err(redirect_error)?;
        self.sync_nodes(py)?;
        Ok(Redirect { inner: r })
    }

    /// Every node known, primaries and replicas.
    #[getter]
    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.nodes.iter().map(|n| n.clone_ref(py)))
    }

    /// Every shard, in order of first appearance in the reply.
    #[getter]
    fn shards<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let shards = self.map.shards();
        let mut slots: Vec<Vec<(u16, u16)>> = vec![Vec::new(); shards.len()];
        for slot in 0..SLOT_COUNT {
            if let Ok(s) = self.map.shard_of_slot(slot) {
                match slots[s].last_mut() {
                    Some((_, end)) if *end + 1 == slot => *end = slot,
                    _ => slots[s].push((slot, slot)),
                }
            }
        }
        let out = shards
            .iter()
            .zip(slots)
            .map(|(s, slots)| {
                Py::new(
                    py,
                    Shard {
                        primary: self.nodes[s.primary].clone_ref(py),
                        replicas: s
                            .replicas
                            .iter()
                            .map(|&r| self.nodes[r].clone_ref(py))
                            .collect(),
                        slots,
                    },
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, out)
    }

    /// Slots no shard serves, as inclusive `(start, end)` ranges.
    fn unassigned(&self) -> Vec<(u16, u16)> {
        self.map.unassigned()
    }

    /// An independent copy, of the same class.
    fn copy<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::build(&slf.get_type(), slf.borrow().map.clone())
    }

    fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::copy(slf)
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.map == other.map
    }

    // Mutable (apply_redirect), so not hashable.
    #[classattr]
    const __hash__: Option<Py<PyAny>> = None;

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.borrow();
        Ok(format!(
            "<{} {} shards, {} nodes, {} unassigned ranges>",
            slf.get_type().qualname()?,
            this.map.shards().len(),
            this.map.nodes().len(),
            this.map.unassigned().len()
        ))
    }
}

/// The text of a redirect given as `str` or `bytes`.
fn redirect_text(error: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = error.cast::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    if error.is_instance_of::<PyBytes>() {
        return with_key(error, |b| String::from_utf8(b.to_vec()))?
            .map_err(|_| RedirectError::new_err("redirect text is not UTF-8"));
    }
    Err(PyTypeError::new_err(format!(
        "a redirect is a str or bytes error text, not {}",
        error.get_type().name()?
    )))
}
