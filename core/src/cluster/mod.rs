//! Cluster routing: which node serves a key now.
//!
//! A [`SlotMap`] maps each of the 16384 slots to a [`Shard`] (a primary and
//! its replicas). Build it from a `CLUSTER SLOTS` or `CLUSTER SHARDS` reply
//! ([`Value`] is the small reply type the bindings fill from their native
//! clients), keep it right with [`SlotMap::apply_redirect`], and ask it
//! [`SlotMap::node_for`] a key.
//!
//! ```
//! use keyroute::cluster::{ReadFrom, SlotMap, Value};
//!
//! let node = |port| Value::Array(vec![Value::str("10.0.0.1"), Value::Int(port)]);
//! let reply = Value::Array(vec![
//!     Value::Array(vec![Value::Int(0), Value::Int(8191), node(7000), node(7003)]),
//!     Value::Array(vec![Value::Int(8192), Value::Int(16383), node(7001), node(7004)]),
//! ]);
//! let mut map = SlotMap::from_slots(&reply, None).unwrap();
//! let (n, _role) = map.node_for(b"{user1000}.following", ReadFrom::Primary).unwrap();
//! assert_eq!(map.nodes()[n].port, 7000); // slot 3443
//!
//! map.apply_redirect("MOVED 3443 10.0.0.9:7009", None).unwrap();
//! let (n, _) = map.node_for(b"{user1000}.following", ReadFrom::Primary).unwrap();
//! assert_eq!(map.nodes()[n].addr().to_string(), "10.0.0.9:7009");
//! ```

mod node;
mod parse;
mod redirect;
mod resp;
mod store;
mod value;

use alloc::collections::BTreeMap;
use alloc::string::ToString;
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

pub use self::node::{Health, Node, NodeAddr, Role, Shard};
pub use self::redirect::{parse_redirect, Redirect, RedirectKind};
pub use self::resp::{encode_command, RespLimit, RespLimits, RespReader};
pub use self::store::MAX_SHARDS;
use self::store::{Store, UNASSIGNED};
pub use self::value::Value;
pub use crate::error::RespError;
use crate::error::TopologyError;
use crate::policy::HashPolicy;
use crate::slot::SLOT_COUNT;

/// Which node of the owning shard serves a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadFrom<'a> {
    /// Always the primary (required for writes).
    Primary,
    /// An online replica, taking turns; the primary when none is online.
    PreferReplica,
    /// The primary and every online replica, taking turns.
    RoundRobin,
    /// Online replicas in this availability zone, taking turns; else any
    /// online replica; else the primary.
    AzAffinity(&'a str),
}

impl ReadFrom<'_> {
    /// The names [`ReadFrom::parse`] takes (`az_affinity` needs a zone).
    pub const NAMES: &'static [&'static str] = &["primary", "prefer_replica", "round_robin"];

    /// A strategy by name: `primary`, `prefer_replica` or `round_robin`
    /// (`-` for `_` alike; `preferReplica` and `roundRobin`, the spellings
    /// of keyroute 0.1's npm package, are accepted too). The zone of
    /// [`ReadFrom::AzAffinity`] is no name: build it directly.
    pub fn parse(name: &str) -> Result<ReadFrom<'static>, crate::names::UnknownName> {
        use crate::names::same_name;
        Ok(match name {
            n if same_name(n, "primary") => ReadFrom::Primary,
            n if same_name(n, "prefer_replica") || n == "preferReplica" => ReadFrom::PreferReplica,
            n if same_name(n, "round_robin") || n == "roundRobin" => ReadFrom::RoundRobin,
            _ => {
                return Err(crate::names::UnknownName {
                    what: "read_from",
                    given: alloc::string::ToString::to_string(name),
                    expected: &[
                        "primary",
                        "prefer_replica",
                        "round_robin",
                        "az_affinity (with a zone)",
                    ],
                })
            }
        })
    }

    /// The strategy's name: `primary`, `prefer_replica`, `round_robin` or
    /// `az_affinity`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            ReadFrom::Primary => "primary",
            ReadFrom::PreferReplica => "prefer_replica",
            ReadFrom::RoundRobin => "round_robin",
            ReadFrom::AzAffinity(_) => "az_affinity",
        }
    }
}

/// The 16384 slots of a cluster, each mapped to the shard that serves it.
///
/// Every change costs time independent of the map's size, and a map holds
/// only what serves: a shard that a `MOVED` leaves without slots is dropped,
/// with its nodes (see [`SlotMap::apply_redirect`]). At most [`MAX_SHARDS`]
/// shards.
#[derive(Debug)]
pub struct SlotMap {
    /// Slot -> the owner id of its shard (see `store`), shared with the
    /// maps that copy it ([`SlotMap::share_slot_table`]) until one changes.
    slots: Arc<[u16]>,
    shards: Vec<Shard>,
    nodes: Vec<Node>,
    store: Store,
    turn: AtomicUsize,
    policy: HashPolicy,
}

impl Clone for SlotMap {
    fn clone(&self) -> Self {
        SlotMap {
            slots: self.slots.clone(),
            shards: self.shards.clone(),
            nodes: self.nodes.clone(),
            store: self.store.clone(),
            turn: AtomicUsize::new(self.turn.load(Ordering::Relaxed)),
            policy: self.policy.clone(),
        }
    }
}

impl PartialEq for SlotMap {
    fn eq(&self, other: &Self) -> bool {
        self.shards == other.shards
            && self.nodes == other.nodes
            && self.policy == other.policy
            && (0..SLOT_COUNT as usize).all(|s| self.shard_at(s) == other.shard_at(s))
    }
}

/// A weak handle to a map's slot table, as [`SlotMap::slot_table`] gives
/// it: it keeps nothing alive.
#[derive(Debug, Clone)]
pub struct SlotTable(Weak<[u16]>);

impl SlotTable {
    /// Whether some map still holds the table.
    pub fn is_alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

/// Where each slot's keys went in a [`SlotMap::group_by_node`] result.
enum SlotIndex {
    Sparse(BTreeMap<u16, (usize, usize)>),
    /// `(group << 16) | slot group`, `u32::MAX` for none.
    Dense(Vec<u32>),
}

impl SlotIndex {
    fn get(&self, slot: u16) -> Option<(usize, usize)> {
        match self {
            SlotIndex::Sparse(m) => m.get(&slot).copied(),
            SlotIndex::Dense(v) => match v[slot as usize] {
                u32::MAX => None,
                x => Some(((x >> 16) as usize, (x & 0xFFFF) as usize)),
            },
        }
    }

    fn set(&mut self, slot: u16, group: usize, slot_group: usize) {
        match self {
            SlotIndex::Sparse(m) => {
                m.insert(slot, (group, slot_group));
            }
            // A node has at most 16384 slot groups, and at most 16384 nodes
            // serve the keys' slots, so both fit in 16 bits.
            SlotIndex::Dense(v) => v[slot as usize] = ((group as u32) << 16) | slot_group as u32,
        }
    }
}

/// Keys routed to one slot: the slot and the keys' positions in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotGroup {
    /// The hash slot.
    pub slot: u16,
    /// Positions in the caller's key list, in order.
    pub positions: Vec<usize>,
}

/// Keys routed to one node, split per slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeGroup {
    /// Index into [`SlotMap::nodes`].
    pub node: usize,
    /// The role the node plays for these slots.
    pub role: Role,
    /// The node's keys per slot, in order of first appearance.
    pub slots: Vec<SlotGroup>,
}

impl SlotMap {
    /// A map with no nodes and every slot unassigned.
    pub fn empty() -> Self {
        SlotMap {
            slots: Arc::from(vec![UNASSIGNED; SLOT_COUNT as usize]),
            shards: Vec::new(),
            nodes: Vec::new(),
            store: Store::default(),
            turn: AtomicUsize::new(0),
            policy: HashPolicy::oss(),
        }
    }

    /// The map with keys hashed by `policy` instead of the open-source
    /// hash-tag rule (for Redis Software databases with a custom policy).
    pub fn with_policy(mut self, policy: HashPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The hashing policy keys are routed by.
    pub fn policy(&self) -> &HashPolicy {
        &self.policy
    }

    /// Every node known, primaries and replicas.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Mutable access to the nodes, e.g. to record availability zones
    /// learnt from `INFO` or `HELLO`.
    pub fn nodes_mut(&mut self) -> &mut [Node] {
        // Addresses may change: the address index is rebuilt when next needed.
        self.store.stale = true;
        &mut self.nodes
    }

    /// A weak handle to the map's slot table (32 KiB), to share it with
    /// maps built later that route every slot alike
    /// ([`SlotMap::share_slot_table`]) while some map still holds it.
    pub fn slot_table(&self) -> SlotTable {
        SlotTable(Arc::downgrade(&self.slots))
    }

    /// Uses the table of `table` instead of the map's own if it is still
    /// held by some map and equal to it (maps built from the same reply
    /// are), so that many such maps hold one table: a binding whose objects
    /// may be dropped without being freed at once (wasm) keeps its memory
    /// from growing 32 KiB a map. A map that changes a shared table copies
    /// it first. Returns whether the table is now shared.
    pub fn share_slot_table(&mut self, table: &SlotTable) -> bool {
        match table.0.upgrade() {
            Some(t) if Arc::ptr_eq(&self.slots, &t) || *self.slots == *t => {
                self.slots = t;
                true
            }
            _ => false,
        }
    }

    /// The indexes into [`SlotMap::nodes`] that the last
    /// [`SlotMap::apply_redirect`] changed: nodes added, nodes moved into a
    /// freed index (when a shard left without slots is dropped, the last
    /// node takes the place of each node dropped) and nodes whose role
    /// changed. Nodes past the new length were dropped. What a binding needs
    /// to refresh its own copy of the node list without reading all of it.
    pub fn redirect_changes(&self) -> &[usize] {
        &self.store.changed
    }

    /// Every shard, in order of first appearance in the reply.
    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    /// The shard serving `slot`: an index into [`SlotMap::shards`].
    pub fn shard_of_slot(&self, slot: u16) -> Result<usize, TopologyError> {
        match self.slots.get(slot as usize) {
            Some(&id) if id != UNASSIGNED => Ok(self.store.owners[id as usize] as usize),
            _ => Err(TopologyError::SlotNotServed { slot }),
        }
    }

    /// The slots of every shard, as inclusive ranges, in one pass
    /// (`result[i]` for `shards()[i]`).
    pub fn shard_ranges(&self) -> Vec<Vec<(u16, u16)>> {
        let mut out: Vec<Vec<(u16, u16)>> = vec![Vec::new(); self.shards.len()];
        for i in 0..self.slots.len() {
            let Some(s) = self.shard_at(i) else {
                continue;
            };
            let ranges = &mut out[s];
            match ranges.last_mut() {
                Some((_, end)) if *end as usize + 1 == i => *end = i as u16,
                _ => ranges.push((i as u16, i as u16)),
            }
        }
        out
    }

    /// Slots no shard serves, as inclusive ranges.
    pub fn unassigned(&self) -> Vec<(u16, u16)> {
        let mut out: Vec<(u16, u16)> = Vec::new();
        for (i, &s) in self.slots.iter().enumerate() {
            if s == UNASSIGNED {
                match out.last_mut() {
                    Some((_, end)) if *end as usize + 1 == i => *end = i as u16,
                    _ => out.push((i as u16, i as u16)),
                }
            }
        }
        out
    }

    /// Assigns slots `start..=end` to `shard` by hand. A slot another
    /// shard serves is an error, and then no slot of the range changes.
    pub fn assign(&mut self, start: u16, end: u16, shard: usize) -> Result<(), TopologyError> {
        let range = start as usize..=end.min(SLOT_COUNT - 1) as usize;
        let id = self.store.shard_owner[shard];
        if let Some(i) = self.slots[range.clone()]
            .iter()
            .position(|&s| s != UNASSIGNED && s != id)
        {
            let slot = (*range.start() + i) as u16;
            let cur = self.shard_at(slot as usize).expect("an assigned slot");
            let name = |s: usize| self.nodes[self.shards[s].primary].addr().to_string();
            return Err(TopologyError::Overlap {
                slot,
                first: name(cur),
                second: name(shard),
            });
        }
        let table = Arc::make_mut(&mut self.slots);
        let mut added = 0;
        for s in &mut table[range] {
            if *s == UNASSIGNED {
                *s = id;
                added += 1;
            }
        }
        self.store.shard_slots[shard] += added;
        Ok(())
    }

    /// Adds a node (or finds it by `host:port`) and returns its index.
    /// Details the known node lacks are filled in from `node`.
    pub fn add_node(&mut self, node: Node) -> usize {
        if let Some(i) = self.lookup(&node.host, node.port) {
            let known = &mut self.nodes[i];
            known.tls_port = known.tls_port.or(node.tls_port);
            known.id = known.id.take().or(node.id);
            known.ip = known.ip.take().or(node.ip);
            known.hostname = known.hostname.take().or(node.hostname);
            known.availability_zone = known.availability_zone.take().or(node.availability_zone);
            known.health = node.health;
            return i;
        }
        self.push_node(node)
    }

    /// The index of the node at `host:port` (host compared without case).
    pub fn find_node(&self, host: &str, port: u16) -> Option<usize> {
        if self.store.stale {
            return self.nodes.iter().position(|n| n.is_at(host, port));
        }
        self.store
            .by_addr
            .get(&(host.to_ascii_lowercase(), port))
            .copied()
    }

    /// The shard `node` leads, if it is a primary (the first, in the rare
    /// map where `MOVED`s left a node leading two).
    pub fn shard_led_by(&self, node: usize) -> Option<usize> {
        self.led_by(node)
    }

    /// The shard whose primary is `node`, created if there is none
    /// ([`TopologyError::TooManyShards`] past [`MAX_SHARDS`]).
    pub fn shard_with_primary(&mut self, node: usize) -> Result<usize, TopologyError> {
        match self.led_by(node) {
            None => self.push_shard(node),
            Some(s) => Ok(s),
        }
    }

    /// The node that serves `slot` for this kind of read, and its role.
    pub fn node_for_slot(
        &self,
        slot: u16,
        read_from: ReadFrom<'_>,
    ) -> Result<(usize, Role), TopologyError> {
        let shard = &self.shards[self.shard_of_slot(slot)?];
        let online = |&&r: &&usize| self.nodes[r].health == Health::Online;
        let pick = |candidates: &mut dyn Iterator<Item = usize>, count: usize| {
            let n = self.turn.fetch_add(1, Ordering::Relaxed) % count;
            candidates.nth(n)
        };
        let replica = |filter: &dyn Fn(usize) -> bool| {
            let count = shard
                .replicas
                .iter()
                .filter(online)
                .filter(|&&r| filter(r))
                .count();
            if count == 0 {
                return None;
            }
            pick(
                &mut shard
                    .replicas
                    .iter()
                    .filter(online)
                    .filter(|&&r| filter(r))
                    .copied(),
                count,
            )
        };
        let chosen = match read_from {
            ReadFrom::Primary => None,
            ReadFrom::PreferReplica => replica(&|_| true),
            ReadFrom::RoundRobin => {
                let count = 1 + shard.replicas.iter().filter(online).count();
                pick(
                    &mut core::iter::once(shard.primary)
                        .chain(shard.replicas.iter().filter(online).copied()),
                    count,
                )
                .filter(|&n| n != shard.primary)
            }
            ReadFrom::AzAffinity(zone) => {
                replica(&|r| self.nodes[r].availability_zone.as_deref() == Some(zone))
                    .or_else(|| replica(&|_| true))
            }
        };
        Ok(match chosen {
            Some(n) => (n, Role::Replica),
            None => (shard.primary, Role::Primary),
        })
    }

    /// The node that serves `key` for this kind of read, and its role.
    pub fn node_for(
        &self,
        key: &[u8],
        read_from: ReadFrom<'_>,
    ) -> Result<(usize, Role), TopologyError> {
        self.node_for_slot(self.slot_of(key, 0)?, read_from)
    }

    fn slot_of(&self, key: &[u8], position: usize) -> Result<u16, TopologyError> {
        self.policy
            .key_slot(key)
            .map_err(|_| TopologyError::NoRuleMatched { position })
    }

    /// Groups keys by the node that serves them and, within a node, by slot,
    /// keeping each key's position so replies can be put back in order.
    /// Groups come in order of first appearance.
    pub fn group_by_node<'k, I>(
        &self,
        keys: I,
        read_from: ReadFrom<'_>,
    ) -> Result<Vec<NodeGroup>, TopologyError>
    where
        I: IntoIterator<Item = &'k [u8]>,
    {
        let keys = keys.into_iter();
        let mut groups: Vec<NodeGroup> = Vec::new();
        // slot -> (group, slot group): all keys of a slot go to one node,
        // even when reads take turns between nodes. Large batches use a
        // dense table (one allocation); small ones a tree.
        let mut index = if keys.size_hint().0 >= 1024 {
            SlotIndex::Dense(vec![u32::MAX; SLOT_COUNT as usize])
        } else {
            SlotIndex::Sparse(BTreeMap::new())
        };
        for (pos, key) in keys.enumerate() {
            let slot = self.slot_of(key, pos)?;
            if let Some((g, s)) = index.get(slot) {
                groups[g].slots[s].positions.push(pos);
                continue;
            }
            let (node, role) = self.node_for_slot(slot, read_from)?;
            let g = match groups.iter().position(|g| g.node == node) {
                Some(g) => g,
                None => {
                    groups.push(NodeGroup {
                        node,
                        role,
                        slots: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            groups[g].slots.push(SlotGroup {
                slot,
                positions: vec![pos],
            });
            index.set(slot, g, groups[g].slots.len() - 1);
        }
        Ok(groups)
    }
}

#[cfg(test)]
mod tests;
