//! Presharding (docs/resharding.md, "Presharding"): many small instances with stable
//! names, moved whole between hosts by replication. Because the ring hashes
//! the names (twemproxy aliases, redis-rb ids, ...), not the addresses, a
//! move changes no key's instance: only where the instance runs.
//!
//! Which instances move is the slot planner's problem with instances for
//! slots and hosts for nodes: exact quotas `instances * w / W`, bounds
//! `[floor, ceil]` (or ± a tolerance), the same largest-remainder
//! apportionment that keeps what a host holds, so the number of moves is
//! the proven minimum `max(Σ max(0, c - hi), Σ max(0, lo - c))`. Givers hand
//! over their instances from the last name backwards (bytewise order);
//! givers and receivers pair in host order. A moved instance keeps its port
//! on the new host when that port is free there, else takes the next free
//! port above the highest one the host uses.
//!
//! ```
//! use keyroute::partition::{Pool, Scheme};
//! use keyroute::plan::preshard::Presharding;
//! use keyroute::plan::Weight;
//!
//! let servers: Vec<String> = (0..8).map(|i| format!("10.0.0.1:{}:1 shard{i}", 7000 + i)).collect();
//! let pool = Pool::new(Scheme::TwemproxyKetama, &servers)?;
//! let mut p = Presharding::from_pool(&pool).unwrap();
//! p.host("10.0.0.2", Weight::int(1));
//! let plan = p.plan().unwrap();
//! assert_eq!(plan.moves.len(), 4); // half of them, to the new host
//! assert_eq!(plan.moves[0].instance, "shard7"); // the last names leave first
//! assert_eq!(plan.moves[0].to, "10.0.0.2:7007");
//! # Ok::<(), keyroute::error::PartitionError>(())
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use super::weight::{common_integers, Weight};
use super::{apportion, quota_bounds};
use crate::error::{PlanError, PreshardError};
use crate::partition::{Pool, Scheme, Server};

#[derive(Debug, Clone)]
struct Instance {
    host: String,
    port: u16,
    /// The configuration line, when the instance came from a pool.
    written: Option<Server>,
}

/// Instances on hosts now, and the hosts wanted with their weights.
#[derive(Debug, Clone, Default)]
pub struct Presharding {
    instances: BTreeMap<String, Instance>,
    weights: BTreeMap<String, Weight>,
    tolerance: u32,
}

/// One host in a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPlan {
    /// The host.
    pub host: String,
    /// Its weight.
    pub weight: Weight,
    /// Its exact quota of instances, `(numerator, denominator)`.
    pub quota: (u128, u128),
    /// Instances before.
    pub before: u32,
    /// Instances after.
    pub target: u32,
}

/// One instance moving to another host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceMove {
    /// 1-based position in the plan.
    pub seq: usize,
    /// The instance's stable name.
    pub instance: String,
    /// `host:port` now.
    pub from: String,
    /// `host:port` after.
    pub to: String,
    /// The host it leaves.
    pub from_host: String,
    /// The host it goes to.
    pub to_host: String,
    /// Its configuration line after the move, when it came from a pool.
    pub line: Option<String>,
}

/// Which instances move where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreshardPlan {
    /// Every host, by name.
    pub hosts: Vec<HostPlan>,
    /// The proven minimum number of instance moves.
    pub lower_bound: u32,
    /// The moves, by source host then destination host.
    pub moves: Vec<InstanceMove>,
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The server's line with its address replaced, weight and alias kept.
fn relocated(s: &Server, host: &str, port: u16) -> String {
    let addr = if s.written().starts_with('[') || !host.contains(':') {
        host_port(host, port)
    } else {
        format!("{host}:{port}")
    };
    let mut line = addr;
    if let Some(w) = s.weight_given() {
        let _ = write!(line, ":{w}");
    }
    if let Some(a) = s.alias() {
        let _ = write!(line, " {a}");
    }
    line
}

impl Presharding {
    /// An empty input.
    pub fn new() -> Self {
        Self::default()
    }

    /// The instances of a pool, named as its scheme names them: the alias
    /// for schemes that hash it (every server needs one), the position for
    /// positional schemes (jump, unnamed Jedis shards: `#0`, `#1`, ...).
    pub fn from_pool(pool: &Pool) -> Result<Self, PreshardError> {
        use Scheme::*;
        let scheme = pool.scheme();
        if matches!(
            scheme,
            LibmemcachedKetama | Predis | PredisKetama | NodeHashring | Pymemcache
        ) {
            return Err(PreshardError::AddressHashed { scheme });
        }
        let mut p = Presharding::new();
        for (i, s) in pool.servers().iter().enumerate() {
            let name = match (scheme, s.alias()) {
                (Jump, _) | (Jedis, None) => format!("#{i}"),
                (_, Some(a)) => a.to_string(),
                (_, None) => {
                    return Err(PreshardError::NoAlias {
                        server: s.written().into(),
                    })
                }
            };
            let port = s.port().ok_or_else(|| PreshardError::NotMovable {
                server: s.written().into(),
            })?;
            p.insert(&name, s.host(), port, Some(s.clone()))?;
        }
        Ok(p)
    }

    fn insert(
        &mut self,
        name: &str,
        host: &str,
        port: u16,
        written: Option<Server>,
    ) -> Result<(), PreshardError> {
        if self.instances.contains_key(name) {
            return Err(PreshardError::DuplicateInstance { name: name.into() });
        }
        self.instances.insert(
            name.into(),
            Instance {
                host: host.into(),
                port,
                written,
            },
        );
        Ok(())
    }

    /// An instance `name` running on `host:port`.
    pub fn instance(&mut self, name: &str, host: &str, port: u16) -> Result<(), PreshardError> {
        if port == 0 {
            return Err(PreshardError::BadPort { name: name.into() });
        }
        self.insert(name, host, port, None)
    }

    /// A host's weight (hosts holding instances default to 1); a new host
    /// is added, weight 0 drains one.
    pub fn host(&mut self, host: &str, weight: Weight) -> &mut Self {
        self.weights.insert(host.into(), weight);
        self
    }

    /// How far from its exact quota a host may stay without moving, in instances.
    pub fn tolerance(&mut self, instances: u32) -> &mut Self {
        self.tolerance = instances;
        self
    }

    /// The plan.
    pub fn plan(&self) -> Result<PreshardPlan, PreshardError> {
        if self.instances.is_empty() {
            return Err(PreshardError::NoInstances);
        }
        let mut held: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for h in self.weights.keys() {
            held.entry(h).or_default();
        }
        for (name, i) in &self.instances {
            held.entry(&i.host).or_default().push(name);
        }
        let hosts: Vec<&str> = held.keys().copied().collect();
        let weights: Vec<Weight> = hosts
            .iter()
            .map(|h| self.weights.get(*h).copied().unwrap_or(Weight::int(1)))
            .collect();
        let w = common_integers(&weights)?;
        let total: u128 = w.iter().sum();
        if total == 0 {
            return Err(PlanError::AllWeightsZero.into());
        }
        let s = self.instances.len() as u32;
        let current: Vec<u32> = hosts.iter().map(|h| held[h].len() as u32).collect();
        let (lo, hi): (Vec<u32>, Vec<u32>) = w
            .iter()
            .map(|&wi| quota_bounds(s, wi, total, self.tolerance as u128))
            .unzip();
        let target = apportion(s, &current, &lo, &hi, &w, total);
        let excess: u32 = current
            .iter()
            .zip(&hi)
            .map(|(&c, &h)| c.saturating_sub(h))
            .sum();
        let short: u32 = current
            .iter()
            .zip(&lo)
            .map(|(&c, &l)| l.saturating_sub(c))
            .sum();
        let moves = self.moves(&hosts, &held, &current, &target)?;
        let plan_hosts = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let (num, den) = (s as u128 * w[i], total);
                let g = gcd(num, den).max(1);
                HostPlan {
                    host: h.to_string(),
                    weight: weights[i],
                    quota: (num / g, den / g),
                    before: current[i],
                    target: target[i],
                }
            })
            .collect();
        Ok(PreshardPlan {
            hosts: plan_hosts,
            lower_bound: excess.max(short),
            moves,
        })
    }

    fn moves(
        &self,
        hosts: &[&str],
        held: &BTreeMap<&str, Vec<&str>>,
        current: &[u32],
        target: &[u32],
    ) -> Result<Vec<InstanceMove>, PreshardError> {
        // Ports in use per host after the moves: those that stay, then those arriving.
        let mut ports: BTreeMap<&str, BTreeSet<u16>> = BTreeMap::new();
        let mut leaving: Vec<(usize, Vec<&str>)> = Vec::new();
        for (g, h) in hosts.iter().enumerate() {
            let names = &held[h];
            let give = current[g].saturating_sub(target[g]) as usize;
            let (stay, go) = names.split_at(names.len() - give);
            let used = ports.entry(h).or_default();
            used.extend(stay.iter().map(|n| self.instances[*n].port));
            if give > 0 {
                // The last names go first: `go` is in name order, hand it out backwards.
                leaving.push((g, go.iter().rev().copied().collect()));
            }
        }
        let mut receivers: Vec<(usize, u32)> = (0..hosts.len())
            .filter(|&i| target[i] > current[i])
            .map(|i| (i, target[i] - current[i]))
            .collect();
        let mut out = Vec::new();
        let mut r = 0;
        for (g, names) in leaving {
            for name in names {
                let (ri, need) = &mut receivers[r];
                let to_host = hosts[*ri];
                let inst = &self.instances[name];
                let used = ports.entry(to_host).or_default();
                let port = if used.contains(&inst.port) {
                    let top = used.iter().next_back().copied().unwrap_or(inst.port);
                    (top.checked_add(1))
                        .filter(|p| !used.contains(p))
                        .ok_or_else(|| PreshardError::NoFreePort {
                            host: to_host.into(),
                        })?
                } else {
                    inst.port
                };
                used.insert(port);
                out.push(InstanceMove {
                    seq: out.len() + 1,
                    instance: name.into(),
                    from: host_port(&inst.host, inst.port),
                    to: host_port(to_host, port),
                    from_host: hosts[g].into(),
                    to_host: to_host.into(),
                    line: inst.written.as_ref().map(|s| relocated(s, to_host, port)),
                });
                *need -= 1;
                if *need == 0 {
                    r += 1;
                }
            }
        }
        Ok(out)
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

mod steps;

#[cfg(test)]
mod tests;
