//! The bookkeeping behind a [`SlotMap`]: which shard each slot belongs to,
//! which shards each node belongs to, and nodes by address, kept so that
//! every change (a reply's range, a `MOVED`, a shard that lost its last
//! slot) costs time independent of the map's size.
//!
//! Slots hold a shard's *owner id*, not its index: removing a shard moves the
//! last shard into its place (so [`SlotMap::shards`] stays a dense list), and
//! only that shard's owner entry changes, not its slots. Owner ids are
//! reused, so there are never more than [`MAX_SHARDS`] of them, and a slot
//! fits in 16 bits: the table is 32 KiB per map.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{Node, Shard, SlotMap};
use crate::error::TopologyError;

/// A slot no shard serves.
pub(super) const UNASSIGNED: u16 = u16::MAX;
/// No shard.
const NONE: u32 = u32::MAX;

/// The most shards a map holds (owner ids are `u16`, one value meaning
/// "unassigned"). A `CLUSTER SHARDS` reply with more, or a `MOVED` to a new
/// node that would make more, is refused with a typed error.
pub const MAX_SHARDS: usize = UNASSIGNED as usize;

/// The shards a node belongs to, as primary or replica. A node leads one
/// shard, except after `MOVED`s that promote a node that already leads
/// another (the map cannot know the cluster merged them); then lookups scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Links {
    /// The shard it leads; exact when `leads == 1` and not `NONE`.
    pub primary_of: u32,
    /// How many shards it leads.
    pub leads: u32,
    /// A shard it belongs to; exact when `memberships == 1` and not `NONE`.
    pub member_of: u32,
    /// How many shards list it.
    pub memberships: u32,
}

const UNLINKED: Links = Links {
    primary_of: NONE,
    leads: 0,
    member_of: NONE,
    memberships: 0,
};

impl Links {
    fn lead(&mut self, shard: usize) {
        self.leads += 1;
        self.primary_of = if self.leads == 1 { shard as u32 } else { NONE };
    }

    fn unlead(&mut self, shard: usize) {
        self.leads -= 1;
        if self.primary_of == shard as u32 {
            self.primary_of = NONE;
        }
    }
}

/// Everything a [`SlotMap`] keeps beside its slots, shards and nodes.
#[derive(Debug, Clone, Default)]
pub(super) struct Store {
    /// Owner id -> shard index (`NONE` for a free id).
    pub owners: Vec<u32>,
    /// Free owner ids.
    pub free: Vec<u16>,
    /// Shard index -> owner id.
    pub shard_owner: Vec<u16>,
    /// Shard index -> how many slots it serves.
    pub shard_slots: Vec<u32>,
    /// Node index -> its shards.
    pub links: Vec<Links>,
    /// `(lower-case host, port)` -> node index.
    pub by_addr: BTreeMap<(String, u16), usize>,
    /// Set by [`SlotMap::nodes_mut`]: addresses may have changed.
    pub stale: bool,
    /// Node indexes the last redirect added, replaced or changed the role of.
    pub changed: Vec<usize>,
}

fn key(host: &str, port: u16) -> (String, u16) {
    (host.to_ascii_lowercase(), port)
}

impl SlotMap {
    /// The shard a slot's owner id stands for.
    #[inline]
    pub(super) fn shard_at(&self, slot: usize) -> Option<usize> {
        match self.slots[slot] {
            UNASSIGNED => None,
            id => Some(self.store.owners[id as usize] as usize),
        }
    }

    /// Points `slot` at `shard`, keeping the slot counts.
    pub(super) fn set_slot(&mut self, slot: u16, shard: usize) {
        if let Some(cur) = self.shard_at(slot as usize) {
            self.store.shard_slots[cur] -= 1;
        }
        let id = self.store.shard_owner[shard];
        Arc::make_mut(&mut self.slots)[slot as usize] = id;
        self.store.shard_slots[shard] += 1;
    }

    /// The first shard `node` leads, if any.
    pub(super) fn led_by(&self, node: usize) -> Option<usize> {
        match self.store.links[node] {
            Links { leads: 0, .. } => None,
            Links {
                leads: 1,
                primary_of,
                ..
            } if primary_of != NONE => Some(primary_of as usize),
            _ => self.shards.iter().position(|s| s.primary == node),
        }
    }

    /// Leaves `slot` unserved, keeping the slot counts.
    pub(super) fn clear_slot(&mut self, slot: u16) {
        if let Some(cur) = self.shard_at(slot as usize) {
            self.store.shard_slots[cur] -= 1;
        }
        Arc::make_mut(&mut self.slots)[slot as usize] = UNASSIGNED;
    }

    pub(super) fn lookup(&mut self, host: &str, port: u16) -> Option<usize> {
        if self.store.stale {
            self.store.by_addr = self
                .nodes
                .iter()
                .enumerate()
                .rev()
                .map(|(i, n)| (key(&n.host, n.port), i))
                .collect();
            self.store.stale = false;
        }
        self.store.by_addr.get(&key(host, port)).copied()
    }

    pub(super) fn push_node(&mut self, node: Node) -> usize {
        let i = self.nodes.len();
        self.store
            .by_addr
            .entry(key(&node.host, node.port))
            .or_insert(i);
        self.nodes.push(node);
        self.store.links.push(UNLINKED);
        self.store.changed.push(i);
        i
    }

    /// A new shard led by `node`.
    pub(super) fn push_shard(&mut self, node: usize) -> Result<usize, TopologyError> {
        if self.shards.len() >= MAX_SHARDS {
            return Err(TopologyError::TooManyShards { max: MAX_SHARDS });
        }
        let index = self.shards.len();
        let id = match self.store.free.pop() {
            Some(id) => {
                self.store.owners[id as usize] = index as u32;
                id
            }
            None => {
                self.store.owners.push(index as u32);
                (self.store.owners.len() - 1) as u16
            }
        };
        self.shards.push(Shard {
            primary: node,
            replicas: Vec::new(),
        });
        self.store.shard_owner.push(id);
        self.store.shard_slots.push(0);
        self.store.links[node].lead(index);
        self.join(node, index);
        // Its role may have changed (a replica elsewhere that now leads).
        self.store.changed.push(node);
        Ok(index)
    }

    fn join(&mut self, node: usize, shard: usize) {
        let l = &mut self.store.links[node];
        if l.memberships == 0 {
            l.member_of = shard as u32;
        }
        l.memberships += 1;
    }

    /// Adds `node` as a replica of `shard` unless it is already in it.
    pub(super) fn add_replica(&mut self, shard: usize, node: usize) {
        let l = self.store.links[node];
        let s = &self.shards[shard];
        let listed = match (l.memberships, l.member_of) {
            (0, _) => false,
            (1, only) if only != NONE => only == shard as u32,
            _ => s.primary == node || s.replicas.contains(&node),
        };
        if !listed {
            self.shards[shard].replicas.push(node);
            self.join(node, shard);
        }
    }

    /// Makes `node`, a replica of `shard`, its primary; the primary becomes
    /// a replica in its place.
    pub(super) fn promote(&mut self, shard: usize, replica_at: usize) {
        let s = &mut self.shards[shard];
        let node = s.replicas[replica_at];
        let old = core::mem::replace(&mut s.primary, node);
        s.replicas[replica_at] = old;
        self.store.links[old].unlead(shard);
        self.store.links[node].lead(shard);
        self.store.changed.extend([node, old]);
    }

    /// Removes a shard that serves no slot, and its nodes that belong to no
    /// other shard. The last shard and the last node move into the freed
    /// places.
    pub(super) fn remove_shard(&mut self, shard: usize) {
        debug_assert_eq!(self.store.shard_slots[shard], 0);
        let gone = self.shards.swap_remove(shard);
        let id = self.store.shard_owner.swap_remove(shard);
        self.store.shard_slots.swap_remove(shard);
        self.store.owners[id as usize] = NONE;
        self.store.free.push(id);
        let mut members: Vec<usize> = Vec::with_capacity(1 + gone.replicas.len());
        members.push(gone.primary);
        members.extend(&gone.replicas);
        self.store.links[gone.primary].unlead(shard);
        for &m in &members {
            let l = &mut self.store.links[m];
            l.memberships -= 1;
            if l.member_of == shard as u32 {
                l.member_of = NONE;
            }
        }
        let last = self.shards.len();
        if shard < last {
            // The last shard now sits at `shard`.
            self.store.owners[self.store.shard_owner[shard] as usize] = shard as u32;
            let moved = &self.shards[shard];
            for m in core::iter::once(moved.primary).chain(moved.replicas.iter().copied()) {
                let l = &mut self.store.links[m];
                if l.primary_of == last as u32 {
                    l.primary_of = shard as u32;
                }
                if l.member_of == last as u32 {
                    l.member_of = shard as u32;
                }
            }
        }
        members.sort_unstable();
        members.dedup();
        for &m in members.iter().rev() {
            if self.store.links[m].memberships == 0 {
                self.remove_node(m);
            }
        }
    }

    /// Removes a node no shard lists; the last node moves into its place.
    fn remove_node(&mut self, node: usize) {
        let gone = self.nodes.swap_remove(node);
        self.store.links.swap_remove(node);
        let k = key(&gone.host, gone.port);
        if self.store.by_addr.get(&k) == Some(&node) {
            self.store.by_addr.remove(&k);
        }
        let last = self.nodes.len();
        self.store.changed.retain(|&c| c < last);
        if node == last {
            return;
        }
        self.store.changed.push(node);
        let moved = &self.nodes[node];
        if let Some(i) = self.store.by_addr.get_mut(&key(&moved.host, moved.port)) {
            if *i == last {
                *i = node;
            }
        }
        let l = self.store.links[node];
        let rename = |s: &mut Shard| {
            if s.primary == last {
                s.primary = node;
            }
            for r in s.replicas.iter_mut().filter(|r| **r == last) {
                *r = node;
            }
        };
        match (l.memberships, l.member_of) {
            (0, _) => {}
            (1, only) if only != NONE => rename(&mut self.shards[only as usize]),
            _ => self.shards.iter_mut().for_each(rename),
        }
    }
}
