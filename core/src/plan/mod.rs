//! Resharding plans: the fewest slot moves that bring a cluster to its
//! target weights, deterministic to the byte.
//!
//! Targets are exact quotas `16384 * w_i / W` (weights are integers or exact
//! decimals, never floats) rounded by the largest-remainder rule with the
//! tie-break "keep what the node holds, then larger remainder, then node id".
//! The plan moves exactly the lower bound `max(Σ max(0, c_i - hi_i),
//! Σ max(0, lo_i - c_i))` slots, no slot twice, pairing givers and receivers
//! in node-id order (at most givers + receivers - 1 pairs) and giving away
//! whole small ranges first. The same input, in any order, gives the same plan.
//!
//! With a per-slot load ([`Rebalance::load`]: keys, bytes, CPU time, network
//! bytes, or a file; measured by [`LoadProbe`] from the replies a caller
//! fetched), the plan balances the load instead of the slot counts: every
//! node within a tolerance of its weighted share of the load, moving as
//! little load as possible, with the least load any plan must move beside
//! what it moves, and every slot too heavy for any node named
//! ([`load`] says how). [`LoadReport`] describes a cluster's load.
//!
//! For client-side sharding, [`rings`] says what changing a pool's
//! configuration moves ([`RingChange`]: the exact share of the key-hash space
//! per old and new server, warnings, the moved-key set of a key list), and
//! [`preshard`] plans whole-instance moves between hosts with the same
//! apportionment as the slots here.
//!
//! Node ids are checked (40 lowercase hexadecimal characters, as the server
//! makes them) and so are addresses (`host:port`), and every value a script
//! names is quoted for the shell: a plan cannot carry a command into the
//! scripts it writes.
//!
//! ```
//! use keyroute::plan::Rebalance;
//!
//! let (a, b, c) = ("a".repeat(40), "b".repeat(40), "c".repeat(40));
//! let mut r = Rebalance::new();
//! r.node(&a, None, &[(0, 8191)]).unwrap();
//! r.node(&b, None, &[(8192, 16383)]).unwrap();
//! r.add(&c, None).unwrap();
//! let plan = r.plan().unwrap();
//! assert_eq!(plan.moves_total(), 5461); // redis-cli moves 5462
//! assert_eq!(plan.lower_bound, 5461);
//! ```

pub mod load;
mod nodes_text;
mod output;
pub mod preshard;
pub mod rings;
mod weight;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

pub use self::load::{
    LoadBy, LoadProbe, LoadReport, NodeLoad, NodeShare, Outside, ProbeBatch, SlotLoad, SlotStat,
};
pub use self::nodes_text::{other_primaries, OpenSlots};
pub use self::output::ScriptKind;
pub use self::preshard::{PreshardPlan, Presharding};
pub use self::rings::{Basis, MovedFraction, MovedKey, RingChange, Share};
pub use self::weight::Weight;
use crate::cluster::SlotMap;
use crate::error::PlanError;
pub use crate::error::{MovedError, PreshardError};
use crate::slot::SLOT_COUNT;

const S: u32 = SLOT_COUNT as u32;

#[derive(Debug, Clone, Default)]
struct NodeIn {
    addr: Option<String>,
    ranges: Vec<(u16, u16)>,
    weight: Option<Weight>,
    target: Option<u32>,
    added: bool,
}

/// What to plan: the current layout and the wanted one.
#[derive(Debug, Clone, Default)]
pub struct Rebalance {
    nodes: BTreeMap<String, NodeIn>,
    tolerance: u32,
    keys: Option<Vec<u64>>,
    bytes: Option<Vec<u64>>,
    load: Option<SlotLoad>,
    load_tolerance: Option<Weight>,
    held: Vec<u16>,
}

/// One node in a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanNode {
    /// Node id.
    pub id: String,
    /// `host:port`, when known.
    pub addr: Option<String>,
    /// Its weight.
    pub weight: Weight,
    /// Its exact quota `16384 * w / W` as (numerator, denominator).
    pub quota: (u128, u128),
    /// Slots before.
    pub before: u32,
    /// The target count.
    pub target: u32,
    /// Slots after applying the plan (equals `target`).
    pub after: u32,
    /// Keys before, when per-slot key counts were given.
    pub keys_before: Option<u64>,
    /// Keys after, estimated from the per-slot counts.
    pub keys_after: Option<u64>,
    /// Its load, in a load plan.
    pub load: Option<NodeLoad>,
}

/// Slots moving from one node to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// 1-based position in the plan.
    pub seq: usize,
    /// Source node id.
    pub from: String,
    /// Destination node id.
    pub to: String,
    /// The slots, as inclusive ranges in ascending order.
    pub ranges: Vec<(u16, u16)>,
    /// Number of slots.
    pub slots: u32,
    /// Keys moved, when per-slot key counts were given.
    pub keys: Option<u64>,
    /// Bytes moved, when per-slot byte counts were given.
    pub bytes: Option<u64>,
    /// Load moved, in a load plan.
    pub load: Option<u64>,
}

/// A slot heavier than every node's allowance: no move can bring its
/// node within the tolerance; only spreading its keys (other keys or hash
/// tags) can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotSlot {
    /// The slot.
    pub slot: u16,
    /// Its load.
    pub load: u64,
    /// The node that holds it (and keeps it).
    pub node: String,
}

/// What a load plan balances, and how well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLoad {
    /// Where the load comes from.
    pub by: LoadBy,
    /// Each node may end this far from its target share, in percent.
    pub tolerance: Weight,
    /// The load of all slots.
    pub total: u64,
    /// The least load any plan must move (to bring every node within the
    /// tolerance, or as near as held and hot slots allow).
    pub lower_bound: u64,
    /// The load this plan moves.
    pub moved: u64,
    /// The largest load a node may carry within the tolerance (the largest
    /// band top): a slot heavier than this fits nowhere.
    pub allowance: u64,
    /// Slots heavier than [`PlanLoad::allowance`], by slot.
    pub hot_slots: Vec<HotSlot>,
    /// Nodes outside the tolerance after the plan, by id, and why.
    pub outside: Vec<(String, Outside)>,
}

impl PlanLoad {
    /// Whether every node ends within the tolerance.
    pub fn within_tolerance(&self) -> bool {
        self.outside.is_empty()
    }
}

/// A resharding plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `sha256:` of the canonical current layout (node id -> ranges).
    pub fingerprint: String,
    /// The tolerance the targets allow, in slots.
    pub tolerance: u32,
    /// Every node, by id.
    pub nodes: Vec<PlanNode>,
    /// The proven minimum number of slot moves that reach the plan's slot
    /// counts (in a load plan, counts that follow from the load moved).
    pub lower_bound: u32,
    /// The moves, by source id then destination id.
    pub moves: Vec<Move>,
    /// The load, in a load plan.
    pub load: Option<PlanLoad>,
}

impl Plan {
    /// Slots the plan moves (always equal to [`Plan::lower_bound`]).
    pub fn moves_total(&self) -> u32 {
        self.moves.iter().map(|m| m.slots).sum()
    }
}

fn ranges_len(ranges: &[(u16, u16)]) -> u32 {
    ranges.iter().map(|&(a, b)| (b - a) as u32 + 1).sum()
}

/// A node id as the server makes them: 40 lowercase hexadecimal characters.
fn check_id(id: &str) -> Result<(), PlanError> {
    if id.len() == 40 && id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Ok(());
    }
    Err(PlanError::BadNodeId { id: id.to_string() })
}

/// `host:port`: an IPv4 address or host name (letters, digits, `.`, `-`,
/// `_`, not starting with `-`), or an IPv6 address, bare (`::1:7000`, the
/// port after the last `:`) or in brackets (`[::1]:7000`), with a zone
/// (`%eth0`) allowed; a port in 1..=65535. Nothing a shell would read as
/// more than a word.
pub(crate) fn check_addr(id: &str, addr: &str) -> Result<(), PlanError> {
    let bad = || PlanError::BadAddress {
        id: id.to_string(),
        addr: addr.to_string(),
    };
    let (host, port) = split_addr(addr).ok_or_else(bad)?;
    let port_ok = !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|c| c.is_ascii_digit())
        && matches!(port.parse::<u32>(), Ok(1..=65535));
    let host_ok = !host.is_empty()
        && host.len() <= 255
        && !host.starts_with('-')
        && host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b':' | b'%'));
    if port_ok && host_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// `host` and `port` of an address (brackets around an IPv6 host removed).
pub(crate) fn split_addr(addr: &str) -> Option<(&str, &str)> {
    let (host, port) = addr.rsplit_once(':')?;
    let host = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']')?,
        None => host,
    };
    Some((host, port))
}

/// Collapses sorted slots into inclusive ranges.
pub(crate) fn to_ranges(slots: impl IntoIterator<Item = u16>) -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = Vec::new();
    for s in slots {
        match out.last_mut() {
            Some((_, end)) if *end as u32 + 1 == s as u32 => *end = s,
            _ => out.push((s, s)),
        }
    }
    out
}

impl Rebalance {
    /// An empty input.
    pub fn new() -> Self {
        Self::default()
    }

    /// A current node and the slots it serves. `id` must be a node id as
    /// the server makes them (40 lowercase hexadecimal characters), `addr`
    /// a `host:port` ([`PlanError::BadNodeId`], [`PlanError::BadAddress`]).
    pub fn node(
        &mut self,
        id: &str,
        addr: Option<&str>,
        ranges: &[(u16, u16)],
    ) -> Result<(), PlanError> {
        check_id(id)?;
        if let Some(a) = addr {
            check_addr(id, a)?;
        }
        if self.nodes.contains_key(id) {
            return Err(PlanError::DuplicateNode { id: id.to_string() });
        }
        for &(a, b) in ranges {
            if a > b || b >= SLOT_COUNT {
                return Err(PlanError::BadRange {
                    id: id.to_string(),
                    start: a as u32,
                    end: b as u32,
                });
            }
        }
        let n = NodeIn {
            addr: addr.map(String::from),
            ranges: ranges.to_vec(),
            ..NodeIn::default()
        };
        self.nodes.insert(id.to_string(), n);
        Ok(())
    }

    /// The current layout of a slot map (its primaries need node ids, which
    /// `CLUSTER SHARDS` and `CLUSTER SLOTS` both give).
    pub fn from_slot_map(map: &SlotMap) -> Result<Self, PlanError> {
        let mut r = Rebalance::new();
        let mut per_shard: Vec<Vec<u16>> = vec![Vec::new(); map.shards().len()];
        for slot in 0..SLOT_COUNT {
            if let Ok(s) = map.shard_of_slot(slot) {
                per_shard[s].push(slot);
            }
        }
        for (shard, slots) in map.shards().iter().zip(per_shard) {
            let node = &map.nodes()[shard.primary];
            let id = node.id.clone().ok_or_else(|| PlanError::NoNodeId {
                addr: node.addr().to_string(),
            })?;
            r.node(&id, Some(&node.addr().to_string()), &to_ranges(slots))?;
        }
        Ok(r)
    }

    /// A node to add, empty, with weight 1 unless given.
    pub fn add(&mut self, id: &str, addr: Option<&str>) -> Result<(), PlanError> {
        self.node(id, addr, &[])?;
        self.nodes.get_mut(id).expect("just added").added = true;
        Ok(())
    }

    fn known(&mut self, id: &str) -> Result<&mut NodeIn, PlanError> {
        self.nodes
            .get_mut(id)
            .ok_or_else(|| PlanError::UnknownNode { id: id.to_string() })
    }

    /// A node's weight (default 1).
    pub fn weight(&mut self, id: &str, weight: Weight) -> Result<(), PlanError> {
        self.known(id)?.weight = Some(weight);
        Ok(())
    }

    /// Empties a node (weight 0).
    pub fn drain(&mut self, id: &str) -> Result<(), PlanError> {
        self.weight(id, Weight::int(0))
    }

    /// An explicit target slot count for a node.
    pub fn target(&mut self, id: &str, slots: u32) -> Result<(), PlanError> {
        self.known(id)?.target = Some(slots);
        Ok(())
    }

    /// How far from its exact quota a node may stay without moving, in slots
    /// (0: the strict rule, every node within one slot of its quota).
    pub fn tolerance(&mut self, slots: u32) {
        self.tolerance = slots;
    }

    /// Per-slot key and byte counts (16384 entries each), for estimates.
    pub fn slot_stats(
        &mut self,
        keys: Option<Vec<u64>>,
        bytes: Option<Vec<u64>>,
    ) -> Result<(), PlanError> {
        for v in keys.iter().chain(bytes.iter()) {
            if v.len() != S as usize {
                return Err(PlanError::BadSlotStats { len: v.len() });
            }
        }
        self.keys = keys;
        self.bytes = bytes;
        Ok(())
    }

    /// Balances this load instead of slot counts: every node within
    /// [`Rebalance::load_tolerance`] of its weighted share, moving as
    /// little load as possible. A load that counts keys also gives the
    /// plan's key estimates.
    pub fn load(&mut self, load: SlotLoad) {
        self.load = Some(load);
    }

    /// How far from its target share of the load a node may end, in
    /// percent (default 5).
    pub fn load_tolerance(&mut self, percent: Weight) {
        self.load_tolerance = Some(percent);
    }

    /// Slots that must stay where they are (e.g. slots being migrated).
    pub fn hold(&mut self, slots: &[u16]) -> Result<(), PlanError> {
        if let Some(&s) = slots.iter().find(|&&s| s >= SLOT_COUNT) {
            return Err(PlanError::BadRange {
                id: String::new(),
                start: s as u32,
                end: s as u32,
            });
        }
        self.held.extend_from_slice(slots);
        self.held.sort_unstable();
        self.held.dedup();
        Ok(())
    }

    /// The plan.
    pub fn plan(&self) -> Result<Plan, PlanError> {
        if self.nodes.is_empty() {
            return Err(PlanError::NoNodes);
        }
        // Coverage: every slot served exactly once.
        let mut owner: Vec<Option<&str>> = vec![None; S as usize];
        for (id, n) in &self.nodes {
            for &(a, b) in &n.ranges {
                for s in a..=b {
                    if let Some(prev) = owner[s as usize] {
                        return Err(PlanError::Overlap {
                            slot: s,
                            first: prev.to_string(),
                            second: id.clone(),
                        });
                    }
                    owner[s as usize] = Some(id);
                }
            }
        }
        let uncovered = to_ranges((0..SLOT_COUNT).filter(|&s| owner[s as usize].is_none()));
        if !uncovered.is_empty() {
            return Err(PlanError::Uncovered { ranges: uncovered });
        }
        let ids: Vec<&String> = self.nodes.keys().collect();
        let nodes: Vec<&NodeIn> = self.nodes.values().collect();
        let weights: Vec<Weight> = nodes
            .iter()
            .map(|n| n.weight.unwrap_or(Weight::int(1)))
            .collect();
        let w = weight::common_integers(&weights)?;
        let total: u128 = w.iter().sum();
        if total == 0 {
            return Err(PlanError::AllWeightsZero);
        }
        let mut held = vec![false; S as usize];
        for &s in &self.held {
            held[s as usize] = true;
        }
        let current: Vec<u32> = nodes.iter().map(|n| ranges_len(&n.ranges)).collect();
        let (moves, targets, load) = match &self.load {
            Some(load) => self.load_moves(&ids, &nodes, &w, &held, load)?,
            None => {
                let (lo, hi) = self.bounds(&nodes, &w, total, &held);
                if lo.iter().map(|&x| x as u64).sum::<u64>() > S as u64
                    || hi.iter().map(|&x| x as u64).sum::<u64>() < S as u64
                {
                    return Err(PlanError::Infeasible);
                }
                let targets = apportion(S, &current, &lo, &hi, &w, total);
                let moves = self.moves(&ids, &nodes, &current, &targets, &held);
                (moves, targets, None)
            }
        };
        // Each node only gives or only receives, so this is the fewest
        // single-slot moves that reach the targets, and the plan's count.
        let lower_bound: u32 = current
            .iter()
            .zip(&targets)
            .map(|(&c, &t)| c.saturating_sub(t))
            .sum();
        let keys = self.keys.as_ref().or(self
            .load
            .as_ref()
            .filter(|l| l.by().counts_keys())
            .map(|l| l.values_vec()));
        let plan_nodes = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let g = gcd(S as u128 * w[i], total).max(1);
                let keys_before = keys.map(|k| sum_over(k, &nodes[i].ranges));
                let flow = |k: &Vec<u64>| {
                    let out: u64 = moves
                        .iter()
                        .filter(|m| m.from == **id)
                        .map(|m| m.keys.unwrap_or(0))
                        .sum();
                    let inn: u64 = moves
                        .iter()
                        .filter(|m| m.to == **id)
                        .map(|m| m.keys.unwrap_or(0))
                        .sum();
                    sum_over(k, &nodes[i].ranges) - out + inn
                };
                PlanNode {
                    id: (*id).clone(),
                    addr: nodes[i].addr.clone(),
                    weight: weights[i],
                    quota: (S as u128 * w[i] / g, total / g),
                    before: current[i],
                    target: targets[i],
                    after: targets[i],
                    keys_before,
                    keys_after: keys.map(flow),
                    load: load.as_ref().map(|(bands, _)| bands[i]),
                }
            })
            .collect();
        Ok(Plan {
            fingerprint: output::fingerprint(
                &self
                    .nodes
                    .iter()
                    .map(|(id, n)| (id.as_str(), n.ranges.as_slice()))
                    .collect::<Vec<_>>(),
            ),
            tolerance: self.tolerance,
            nodes: plan_nodes,
            lower_bound,
            moves,
            load: load.map(|(_, l)| l),
        })
    }

    /// A move of `slots` (ascending) with its estimates.
    fn make_move(&self, seq: usize, from: &str, to: &str, slots: Vec<u16>) -> Move {
        let keys = self.keys.as_ref().or(self
            .load
            .as_ref()
            .filter(|l| l.by().counts_keys())
            .map(|l| l.values_vec()));
        Move {
            seq,
            from: from.to_string(),
            to: to.to_string(),
            slots: slots.len() as u32,
            keys: keys.map(|k| slots.iter().map(|&s| k[s as usize]).sum()),
            bytes: self
                .bytes
                .as_ref()
                .map(|b| slots.iter().map(|&s| b[s as usize]).sum()),
            load: self
                .load
                .as_ref()
                .map(|l| slots.iter().map(|&s| l.get(s)).sum()),
            ranges: to_ranges(slots),
        }
    }

    #[allow(clippy::type_complexity)]
    fn load_moves(
        &self,
        ids: &[&String],
        nodes: &[&NodeIn],
        w: &[u128],
        held: &[bool],
        load: &SlotLoad,
    ) -> Result<(Vec<Move>, Vec<u32>, Option<(Vec<NodeLoad>, PlanLoad)>), PlanError> {
        if let Some((id, _)) = self.nodes.iter().find(|(_, n)| n.target.is_some()) {
            return Err(PlanError::TargetWithLoad { id: id.clone() });
        }
        let tolerance = self
            .load_tolerance
            .unwrap_or(Weight::int(load::DEFAULT_LOAD_TOLERANCE_PCT));
        let slots: Vec<Vec<u16>> = nodes
            .iter()
            .map(|n| {
                let mut v: Vec<u16> = n.ranges.iter().flat_map(|&(a, b)| a..=b).collect();
                v.sort_unstable();
                v
            })
            .collect();
        let b = load::balance(&slots, w, held, load, tolerance.parts())?;
        let mut targets: Vec<u32> = slots.iter().map(|v| v.len() as u32).collect();
        let mut moves = Vec::with_capacity(b.moves.len());
        for (from, to, chunk) in b.moves {
            targets[from] -= chunk.len() as u32;
            targets[to] += chunk.len() as u32;
            moves.push(self.make_move(moves.len() + 1, ids[from], ids[to], chunk));
        }
        let summary = PlanLoad {
            by: load.by(),
            tolerance,
            total: load.total(),
            lower_bound: b.lower_bound,
            moved: b.moved,
            allowance: b.allowance,
            hot_slots: b
                .hot
                .iter()
                .map(|&(slot, load, i)| HotSlot {
                    slot,
                    load,
                    node: ids[i].clone(),
                })
                .collect(),
            outside: b
                .outside
                .iter()
                .map(|&(i, why)| (ids[i].clone(), why))
                .collect(),
        };
        Ok((moves, targets, Some((b.bands, summary))))
    }

    fn bounds(
        &self,
        nodes: &[&NodeIn],
        w: &[u128],
        total: u128,
        held: &[bool],
    ) -> (Vec<u32>, Vec<u32>) {
        let tau = self.tolerance as u128;
        let mut lo = Vec::with_capacity(nodes.len());
        let mut hi = Vec::with_capacity(nodes.len());
        for (n, &wi) in nodes.iter().zip(w) {
            if let Some(t) = n.target {
                lo.push(t);
                hi.push(t);
                continue;
            }
            let (l, h) = quota_bounds(S, wi, total, tau);
            // Held slots stay: a node keeps at least those.
            let kept = n
                .ranges
                .iter()
                .flat_map(|&(a, b)| a..=b)
                .filter(|&s| held[s as usize])
                .count() as u32;
            lo.push(l.max(kept));
            hi.push(h.max(kept));
        }
        (lo, hi)
    }

    fn moves(
        &self,
        ids: &[&String],
        nodes: &[&NodeIn],
        current: &[u32],
        targets: &[u32],
        held: &[bool],
    ) -> Vec<Move> {
        // Givers and receivers in id order (ids are already sorted).
        let mut receivers: Vec<(usize, u32)> = (0..ids.len())
            .filter(|&i| targets[i] > current[i])
            .map(|i| (i, targets[i] - current[i]))
            .collect();
        let mut moves = Vec::new();
        let mut r = 0;
        for g in 0..ids.len() {
            if current[g] <= targets[g] {
                continue;
            }
            let surplus = current[g] - targets[g];
            let movable = to_ranges({
                let mut v: Vec<u16> = nodes[g]
                    .ranges
                    .iter()
                    .flat_map(|&(a, b)| a..=b)
                    .filter(|&s| !held[s as usize])
                    .collect();
                v.sort_unstable();
                v
            });
            let mut slots = choose_slots(&movable, surplus).into_iter();
            let mut left = surplus;
            while left > 0 {
                let (ri, need) = &mut receivers[r];
                let take = left.min(*need);
                let chunk: Vec<u16> = slots.by_ref().take(take as usize).collect();
                moves.push(self.make_move(moves.len() + 1, ids[g], ids[*ri], chunk));
                left -= take;
                *need -= take;
                if *need == 0 {
                    r += 1;
                }
            }
        }
        moves
    }
}

/// The bounds `[lo, hi]` of a node's count among `s` units: its exact quota
/// `s * wi / total` rounded down and up, widened by the tolerance `tau`
/// (a drained node, `wi == 0`, gets exactly 0).
pub(crate) fn quota_bounds(s: u32, wi: u128, total: u128, tau: u128) -> (u32, u32) {
    if wi == 0 {
        return (0, 0);
    }
    let num = s as u128 * wi;
    let floor = num / total;
    let ceil = floor + (num % total != 0) as u128;
    let l = ceil.saturating_sub(tau).min(floor);
    let h = (floor + tau).max(ceil).min(s as u128);
    (l as u32, h as u32)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn sum_over(per_slot: &[u64], ranges: &[(u16, u16)]) -> u64 {
    ranges
        .iter()
        .flat_map(|&(a, b)| a..=b)
        .map(|s| per_slot[s as usize])
        .sum()
}

/// Largest-remainder targets for `s` units within bounds, moving as little
/// as possible: start from the current counts clamped to the bounds, then
/// raise the nodes furthest below quota (ties by position, so callers list
/// nodes in id order) or lower those furthest above. The bounds must be
/// feasible (`Σ lo <= s <= Σ hi`).
pub(crate) fn apportion(
    s: u32,
    current: &[u32],
    lo: &[u32],
    hi: &[u32],
    w: &[u128],
    total: u128,
) -> Vec<u32> {
    let mut t: Vec<u32> = current
        .iter()
        .zip(lo.iter().zip(hi))
        .map(|(&c, (&l, &h))| c.clamp(l, h))
        .collect();
    // (q_i - t_i) * total, exactly.
    let gap = |i: usize, t: u32| s as i128 * w[i] as i128 - t as i128 * total as i128;
    let mut sum: u32 = t.iter().sum();
    while sum < s {
        // Ids are sorted, so the first best index wins ties.
        let i = (0..t.len())
            .filter(|&i| t[i] < hi[i])
            .max_by(|&a, &b| gap(a, t[a]).cmp(&gap(b, t[b])).then(b.cmp(&a)))
            .expect("feasible");
        t[i] += 1;
        sum += 1;
    }
    while sum > s {
        let i = (0..t.len())
            .filter(|&i| t[i] > lo[i])
            .max_by(|&a, &b| gap(b, t[b]).cmp(&gap(a, t[a])).then(b.cmp(&a)))
            .expect("feasible");
        t[i] -= 1;
        sum -= 1;
    }
    t
}

/// The `count` slots a giver hands over: whole ranges that fit, smallest
/// first (ties by lower start), then the tail of the next range; ascending.
fn choose_slots(ranges: &[(u16, u16)], count: u32) -> Vec<u16> {
    let mut order: Vec<(u16, u16)> = ranges.to_vec();
    order.sort_by_key(|&(a, b)| (b - a, a));
    let mut left = count;
    let mut chosen: Vec<(u16, u16)> = Vec::new();
    let mut rest = Vec::new();
    for (a, b) in order {
        let len = (b - a) as u32 + 1;
        if len <= left {
            chosen.push((a, b));
            left -= len;
        } else {
            rest.push((a, b));
        }
    }
    if left > 0 {
        let (_, b) = rest[0];
        chosen.push((b + 1 - left as u16, b));
    }
    chosen.sort();
    chosen.into_iter().flat_map(|(a, b)| a..=b).collect()
}

#[cfg(test)]
mod tests;
