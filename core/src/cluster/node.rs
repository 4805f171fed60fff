//! Nodes and shards of a cluster.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A node's health as `CLUSTER SHARDS` reports it. `CLUSTER SLOTS` lists only
/// nodes that can serve, so its nodes are [`Health::Online`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Health {
    /// Serving.
    Online,
    /// Still loading its data set (e.g. a replica during its first sync).
    Loading,
    /// Marked failed by the cluster.
    Failed,
}

impl Health {
    /// `online`, `loading` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Online => "online",
            Health::Loading => "loading",
            Health::Failed => "failed",
        }
    }
}

/// One server of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The address clients connect to: the endpoint the server advertises,
    /// or the answering node's host when it advertised none.
    pub host: String,
    /// The plain-text client port.
    pub port: u16,
    /// The TLS client port, when the reply gives one.
    pub tls_port: Option<u16>,
    /// The 40-character node id, when the reply gives one.
    pub id: Option<String>,
    /// The IP address the node announced, when it differs from `host` or is known.
    pub ip: Option<String>,
    /// The hostname the node announced (`cluster-announce-hostname`), if any.
    pub hostname: Option<String>,
    /// The availability zone, when the reply or the application gives one.
    pub availability_zone: Option<String>,
    /// Health as last reported.
    pub health: Health,
}

impl Node {
    /// A node at `host:port` with nothing else known.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Node {
            host: host.into(),
            port,
            tls_port: None,
            id: None,
            ip: None,
            hostname: None,
            availability_zone: None,
            health: Health::Online,
        }
    }

    /// `host:port`, as Redis writes endpoints in redirects.
    pub fn addr(&self) -> NodeAddr<'_> {
        NodeAddr(self)
    }

    pub(crate) fn is_at(&self, host: &str, port: u16) -> bool {
        self.port == port && self.host.eq_ignore_ascii_case(host)
    }
}

/// Displays a node as `host:port`.
#[derive(Debug, Clone, Copy)]
pub struct NodeAddr<'a>(&'a Node);

impl fmt::Display for NodeAddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0.host, self.0.port)
    }
}

/// A primary and its replicas: indexes into [`SlotMap::nodes`](super::SlotMap::nodes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shard {
    /// The node that takes writes.
    pub primary: usize,
    /// Its replicas, in the order the server listed them.
    pub replicas: Vec<usize>,
}

/// The role a node plays for the slot it was chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The shard's primary.
    Primary,
    /// One of the shard's replicas (send `READONLY` on the connection first).
    Replica,
}

impl Role {
    /// `"primary"` or `"replica"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Replica => "replica",
        }
    }
}
