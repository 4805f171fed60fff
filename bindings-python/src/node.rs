//! The objects a cluster map answers with: `Node`, `Shard`, `Redirect`,
//! and `NodeGroup`. All are immutable snapshots.

use keyroute::cluster::{Health, RedirectKind, Role};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use std::hash::{Hash, Hasher};

/// One server of the cluster.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct Node {
    pub(crate) inner: keyroute::cluster::Node,
}

#[pymethods]
impl Node {
    /// The address clients connect to.
    #[getter]
    fn host(&self) -> &str {
        &self.inner.host
    }

    /// The plain-text client port.
    #[getter]
    fn port(&self) -> u16 {
        self.inner.port
    }

    /// `host:port`, as Redis writes endpoints in redirects.
    #[getter]
    fn addr(&self) -> String {
        self.inner.addr().to_string()
    }

    /// The TLS client port, when the reply gives one.
    #[getter]
    fn tls_port(&self) -> Option<u16> {
        self.inner.tls_port
    }

    /// The 40-character node id, when the reply gives one.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }

    /// The IP address the node announced, if known.
    #[getter]
    fn ip(&self) -> Option<&str> {
        self.inner.ip.as_deref()
    }

    /// The hostname the node announced, if any.
    #[getter]
    fn hostname(&self) -> Option<&str> {
        self.inner.hostname.as_deref()
    }

    /// The availability zone, when the reply gives one.
    #[getter]
    fn availability_zone(&self) -> Option<&str> {
        self.inner.availability_zone.as_deref()
    }

    /// `"online"`, `"loading"` or `"failed"`, as `CLUSTER SHARDS` reported it.
    #[getter]
    fn health(&self) -> &'static str {
        match self.inner.health {
            Health::Online => "online",
            Health::Loading => "loading",
            Health::Failed => "failed",
            _ => "unknown",
        }
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    fn __hash__(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.host.hash(&mut h);
        self.inner.port.hash(&mut h);
        self.inner.id.hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        let mut s = format!("Node('{}'", self.inner.addr());
        if let Some(id) = &self.inner.id {
            s.push_str(&format!(", id='{id}'"));
        }
        if self.inner.health != Health::Online {
            s.push_str(&format!(", health='{}'", self.health()));
        }
        s.push(')');
        s
    }
}

/// `"primary"` or `"replica"`, interned: every routed key returns one.
pub(crate) fn role_str(py: Python<'_>, role: Role) -> Bound<'_, PyString> {
    match role {
        Role::Primary => pyo3::intern!(py, "primary").clone(),
        Role::Replica => pyo3::intern!(py, "replica").clone(),
    }
}

/// A primary, its replicas, and the slot ranges it serves.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct Shard {
    /// The node that takes writes.
    #[pyo3(get)]
    pub(crate) primary: Py<Node>,
    pub(crate) replicas: Vec<Py<Node>>,
    pub(crate) slots: Vec<(u16, u16)>,
}

#[pymethods]
impl Shard {
    /// Its replicas, in the order the server listed them.
    #[getter]
    fn replicas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.replicas.iter().map(|n| n.clone_ref(py)))
    }

    /// The slot ranges it serves, inclusive, in order.
    #[getter]
    fn slots(&self) -> Vec<(u16, u16)> {
        self.slots.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Shard(primary='{}', replicas={}, slots={:?})",
            self.primary.get().inner.addr(),
            self.replicas.len(),
            self.slots
        )
    }
}

/// A parsed `MOVED` or `ASK` error.
#[pyclass(module = "keyroute", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct Redirect {
    pub(crate) inner: keyroute::cluster::Redirect,
}

#[pymethods]
impl Redirect {
    /// `"moved"` (the slot lives there now: the map was updated) or
    /// `"ask"` (send this one command there after `ASKING`; the map is unchanged).
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind {
            RedirectKind::Moved => "moved",
            RedirectKind::Ask => "ask",
        }
    }

    /// The slot being redirected.
    #[getter]
    fn slot(&self) -> u16 {
        self.inner.slot
    }

    /// The target host.
    #[getter]
    fn host(&self) -> &str {
        &self.inner.host
    }

    /// The target port.
    #[getter]
    fn port(&self) -> u16 {
        self.inner.port
    }

    /// `host:port` of the target.
    #[getter]
    fn addr(&self) -> String {
        format!("{}:{}", self.inner.host, self.inner.port)
    }

    fn __hash__(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            self.kind(),
            self.inner.slot,
            &self.inner.host,
            self.inner.port,
        )
            .hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        format!(
            "Redirect(kind='{}', slot={}, host='{}', port={})",
            self.kind(),
            self.inner.slot,
            self.inner.host,
            self.inner.port
        )
    }
}

/// Keys routed to one node, split per slot.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct NodeGroup {
    /// The node.
    #[pyo3(get)]
    pub(crate) node: Py<Node>,
    /// `"primary"` or `"replica"`: the role the node plays for these slots.
    #[pyo3(get)]
    pub(crate) role: Py<PyString>,
    /// Kept as the core's, and turned into Python objects when read: a
    /// batch of keys in distinct slots would otherwise pay for one object
    /// per slot whether the caller looks or not.
    pub(crate) slots: Vec<keyroute::cluster::SlotGroup>,
}

#[pymethods]
impl NodeGroup {
    /// `(slot, positions)` per slot: the positions of the slot's keys in
    /// the caller's list, in order; slots in order of their first key.
    #[getter]
    fn slots(&self) -> Vec<(u16, Vec<usize>)> {
        self.slots
            .iter()
            .map(|s| (s.slot, s.positions.clone()))
            .collect()
    }

    /// Every position of the node's keys, slot after slot: the order to
    /// pipeline them in, one command per slot or per key.
    #[getter]
    fn positions(&self) -> Vec<usize> {
        self.slots
            .iter()
            .flat_map(|s| s.positions.iter().copied())
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "NodeGroup(node='{}', role='{}', slots={})",
            self.node.get().inner.addr(),
            self.role,
            self.slots.len()
        )
    }
}
