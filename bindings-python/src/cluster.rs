//! `SlotMap`: the core's cluster map, built from raw `CLUSTER SLOTS` /
//! `CLUSTER SHARDS` replies. The Python facade's `Cluster` subclasses it to
//! accept what redis-py's response callbacks return and its exceptions.

use keyroute::cluster::Role;
use keyroute::SLOT_COUNT;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyType};

use crate::errors::{raise, redirect_error, topology_error};
use crate::key::{at_item, items_of, key_cow, refuse_single, with_key};
use crate::node::{role_str, Node, NodeGroup, Redirect, Shard};
use crate::policy::{core_policy, HashPolicy};
use crate::read_from::ReadFromArg;
use crate::value::{to_value, ReplyError};

/// A reply converted for the cluster parsers; a malformed one is a `TopologyError`.
fn reply_value(reply: &Bound<'_, PyAny>, root: &str) -> PyResult<keyroute::cluster::Value> {
    to_value(reply, root).map_err(|e| match e {
        ReplyError::Python(e) => e,
        ReplyError::Malformed(msg) => raise(reply.py(), "ERR_KEYROUTE_MALFORMED_REPLY", msg),
    })
}

/// The 16384 slots of a cluster, each mapped to the shard that serves it.
///
/// Methods never hold the object borrowed while Python code runs (a key
/// generator, a `read_from` tuple's `__eq__`, an allocation that triggers
/// the garbage collector): they read their arguments first, borrow only for
/// the core's answer, and build Python objects afterwards. So another thread
/// (or the generator itself) calling `apply_redirect` meanwhile never meets
/// `RuntimeError: Already borrowed`.
#[pyclass(module = "keyroute", subclass)]
pub(crate) struct SlotMap {
    map: keyroute::cluster::SlotMap,
    /// One Python `Node` per node of `map`, in the same order, made once so
    /// that routing a key creates no node object.
    nodes: Vec<Py<Node>>,
}

impl SlotMap {
    /// Node objects for every node of the map.
    fn sync_all(&mut self, py: Python<'_>) -> PyResult<()> {
        self.nodes = self
            .map
            .nodes()
            .iter()
            .map(|n| Py::new(py, Node { inner: n.clone() }))
            .collect::<PyResult<_>>()?;
        Ok(())
    }

    /// Brings the node objects in line with the map after a redirect: only
    /// the indexes it changed are made again (creating a `Node` runs no
    /// Python code, so this is safe under the borrow).
    fn sync_changed(&mut self, py: Python<'_>) -> PyResult<()> {
        let nodes = self.map.nodes();
        self.nodes.truncate(nodes.len());
        for &i in self.map.redirect_changes() {
            let node = Py::new(
                py,
                Node {
                    inner: nodes[i].clone(),
                },
            )?;
            match self.nodes.get_mut(i) {
                Some(slot) => *slot = node,
                None => self.nodes.push(node),
            }
        }
        debug_assert_eq!(self.nodes.len(), nodes.len());
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
            this.sync_all(cls.py())?;
        }
        Ok(obj)
    }

    pub(crate) fn inner(&self) -> &keyroute::cluster::SlotMap {
        &self.map
    }

    pub(crate) fn node_object(&self, py: Python<'_>, node: usize) -> Py<Node> {
        self.nodes[node].clone_ref(py)
    }

    /// The node (as its object) and role the map answers for one slot or
    /// key, borrowing only for the answer.
    fn answer<'py>(
        slf: &Bound<'py, Self>,
        found: impl FnOnce(&keyroute::cluster::SlotMap) -> Result<(usize, Role), TopologyErrorCore>,
    ) -> PyResult<(Py<Node>, Bound<'py, PyString>)> {
        let py = slf.py();
        let answer = {
            let this = slf.borrow();
            found(&this.map).map(|(n, role)| (this.nodes[n].clone_ref(py), role))
        };
        let (node, role) = answer.map_err(|e| topology_error(py, e))?;
        Ok((node, role_str(py, role)))
    }
}

type TopologyErrorCore = keyroute::error::TopologyError;

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
        slf: &Bound<'py, Self>,
        key: &Bound<'py, PyAny>,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Py<Node>, Bound<'py, PyString>)> {
        let rf = ReadFromArg::parse(read_from)?;
        // The key's bytes are read first (a memoryview runs Python code).
        with_key(key, |k| Self::answer(slf, |m| m.node_for(k, rf.get())))?
    }

    /// `(node, role)` for a slot instead of a key.
    #[pyo3(signature = (slot, /, *, read_from = None))]
    fn node_for_slot<'py>(
        slf: &Bound<'py, Self>,
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
        Self::answer(slf, |m| m.node_for_slot(slot as u16, rf.get()))
    }

    /// Deprecated since 0.2: `node_for_slot`, the name every language uses.
    #[pyo3(signature = (slot, /, *, read_from = None))]
    fn slot_node<'py>(
        slf: &Bound<'py, Self>,
        slot: i64,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Py<Node>, Bound<'py, PyString>)> {
        let py = slf.py();
        PyErr::warn(
            py,
            &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(),
            c"SlotMap.slot_node is deprecated: use node_for_slot",
            1,
        )?;
        Self::node_for_slot(slf, slot, read_from)
    }

    /// Groups `keys` by the node that serves them and, within a node, by
    /// slot, keeping each key's position so replies can be put back in order.
    #[pyo3(signature = (keys, /, *, read_from = None))]
    fn group_by_node<'py>(
        slf: &Bound<'py, Self>,
        keys: &Bound<'py, PyAny>,
        read_from: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = slf.py();
        refuse_single(
            keys,
            "group_by_node takes an iterable of keys",
            "; use node_for for one key",
        )?;
        let rf = ReadFromArg::parse(read_from)?;
        // Every key is collected before the map is borrowed: a generator
        // runs Python code, which may call apply_redirect.
        let items = items_of(keys)?;
        let bytes = items
            .iter()
            .enumerate()
            .map(|(i, k)| key_cow(k).map_err(|e| at_item(e, py, "keys", i)))
            .collect::<PyResult<Vec<_>>>()?;
        let groups = {
            let this = slf.borrow();
            this.map
                .group_by_node(bytes.iter().map(|b| &**b), rf.get())
                .map(|groups| {
                    groups
                        .into_iter()
                        .map(|g| (this.nodes[g.node].clone_ref(py), g.role, g.slots))
                        .collect::<Vec<_>>()
                })
        };
        let groups = groups.map_err(|e| topology_error(py, e))?;
        let mut out = Vec::with_capacity(groups.len());
        for (node, role, slots) in groups {
            out.push(Py::new(
                py,
                NodeGroup {
                    node,
                    role: role_str(py, role).unbind(),
                    slots,
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
        slf: &Bound<'_, Self>,
        error: &Bound<'_, PyAny>,
        answered_by: Option<&str>,
    ) -> PyResult<Redirect> {
        let py = slf.py();
        let text = redirect_text(error)?;
        let applied = {
            let mut this = slf.borrow_mut();
            match this.map.apply_redirect(&text, answered_by) {
                Ok(r) => this.sync_changed(py).map(|()| Ok(r)),
                Err(e) => Ok(Err(e)),
            }
        };
        let r = applied?.map_err(redirect_error)?;
        Ok(Redirect { inner: r })
    }

    /// Every node known, primaries and replicas.
    #[getter]
    fn nodes<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let py = slf.py();
        let nodes: Vec<Py<Node>> = slf.borrow().nodes.iter().map(|n| n.clone_ref(py)).collect();
        PyList::new(py, nodes)
    }

    /// Every shard, in order of first appearance in the reply.
    #[getter]
    fn shards<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let py = slf.py();
        let shards: Vec<Shard> = {
            let this = slf.borrow();
            this.map
                .shards()
                .iter()
                .zip(this.map.shard_ranges())
                .map(|(s, slots)| Shard {
                    primary: this.nodes[s.primary].clone_ref(py),
                    replicas: s
                        .replicas
                        .iter()
                        .map(|&r| this.nodes[r].clone_ref(py))
                        .collect(),
                    slots,
                })
                .collect()
        };
        let out = shards
            .into_iter()
            .map(|s| Py::new(py, s))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, out)
    }

    /// Slots no shard serves, as inclusive `(start, end)` ranges.
    fn unassigned<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let ranges = slf.borrow().map.unassigned();
        PyList::new(slf.py(), ranges)
    }

    /// An independent copy, of the same class.
    fn copy<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        // Cloned before the copy is made: making it runs the class's
        // __init__, which may be Python code.
        let map = slf.borrow().map.clone();
        Self::build(&slf.get_type(), map)
    }

    fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::copy(slf)
    }

    fn __eq__<'py>(
        slf: &Bound<'py, Self>,
        other: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let Ok(other) = other.cast::<SlotMap>() else {
            return Ok(py.NotImplemented().into_bound(py));
        };
        let equal = slf.is(other) || slf.borrow().map == other.borrow().map;
        Ok(pyo3::types::PyBool::new(py, equal).to_owned().into_any())
    }

    // Mutable (apply_redirect), so not hashable.
    #[classattr]
    const __hash__: Option<Py<PyAny>> = None;

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = slf.get_type().qualname()?;
        let (shards, nodes, unassigned) = {
            let this = slf.borrow();
            (
                this.map.shards().len(),
                this.map.nodes().len(),
                this.map.unassigned().len(),
            )
        };
        Ok(format!(
            "<{name} {shards} shards, {nodes} nodes, {unassigned} unassigned ranges>"
        ))
    }
}

/// The text of a redirect given as `str` or `bytes`.
fn redirect_text(error: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = error.cast::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    if error.is_instance_of::<PyBytes>() {
        return with_key(error, |b| String::from_utf8(b.to_vec()))?.map_err(|_| {
            raise(
                error.py(),
                "ERR_KEYROUTE_REDIRECT",
                "redirect text is not UTF-8",
            )
        });
    }
    Err(PyTypeError::new_err(format!(
        "a redirect is a str or bytes error text, not {}",
        error.get_type().name()?
    )))
}
