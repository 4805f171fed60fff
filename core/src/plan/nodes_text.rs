//! The current layout from `CLUSTER NODES` text, refusing open slots or
//! holding them where they are.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{to_ranges, Rebalance};
use crate::error::PlanError;

/// What a plan does with slots in the middle of a migration (marked
/// `[s->-id]` or `[s-<-id]` in `CLUSTER NODES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OpenSlots {
    /// Refuse the input, naming them: only finishing those moves is safe.
    #[default]
    Refuse,
    /// Plan around them: they stay with the node that serves them.
    Hold,
}

crate::names::named!(OpenSlots, "open-slots policy", [Refuse => "refuse", Hold => "hold"]);

/// The addresses of the masters a `CLUSTER NODES` text lists, except the
/// node that answered (`myself`): the nodes to ask too, so that a slot open
/// on any of them is seen.
pub fn other_primaries(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 3 {
            continue;
        }
        let flags: Vec<&str> = f[2].split(',').collect();
        if !flags.contains(&"master") || flags.contains(&"myself") {
            continue;
        }
        if let Some(a) = f[1]
            .split('@')
            .next()
            .filter(|a| !a.is_empty() && !a.starts_with(':'))
        {
            out.push(a.to_string());
        }
    }
    out
}

impl Rebalance {
    /// The current layout from `CLUSTER NODES` output: every master and its
    /// slots. A slot marked migrating (`[s->-id]`) or importing
    /// (`[s-<-id]`) means a move is under way: the input is refused, naming
    /// the slots, since only finishing that move is safe. Give the output of
    /// every master to see every open slot.
    pub fn from_cluster_nodes(text: &str) -> Result<Self, PlanError> {
        Self::from_cluster_nodes_with(text, OpenSlots::Refuse)
    }

    /// [`Rebalance::from_cluster_nodes`], with open slots refused or held
    /// where they are ([`Rebalance::hold`]).
    pub fn from_cluster_nodes_with(text: &str, open_slots: OpenSlots) -> Result<Self, PlanError> {
        let mut r = Rebalance::new();
        let mut open: Vec<u16> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let bad = |reason: &str| PlanError::BadNodesLine {
                line: n + 1,
                reason: reason.to_string(),
            };
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            if f.len() < 8 {
                return Err(bad("expected at least 8 fields"));
            }
            let flags: Vec<&str> = f[2].split(',').collect();
            if !flags.contains(&"master") {
                continue;
            }
            let addr = f[1].split('@').next().unwrap_or("");
            let mut slots: Vec<u16> = Vec::new();
            for tok in &f[8..] {
                if let Some(inner) = tok.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                    let s = inner
                        .split("->-")
                        .next()
                        .and_then(|x| x.split("-<-").next())
                        .unwrap_or("");
                    open.push(s.parse().map_err(|_| bad("bad open-slot marker"))?);
                    continue;
                }
                let (a, b) = tok.split_once('-').unwrap_or((tok, tok));
                let (a, b): (u16, u16) = match (a.parse(), b.parse()) {
                    (Ok(a), Ok(b)) if a <= b && b < crate::slot::SLOT_COUNT => (a, b),
                    _ => return Err(bad("bad slot range")),
                };
                slots.extend(a..=b);
            }
            slots.sort_unstable();
            let addr = if addr.is_empty() || addr.starts_with(':') {
                None
            } else {
                Some(addr)
            };
            match r.nodes.get_mut(f[0]) {
                // The same master seen from several nodes' outputs.
                Some(_) => continue,
                None => r.node(f[0], addr, &to_ranges(slots))?,
            }
        }
        open.sort_unstable();
        open.dedup();
        match open_slots {
            _ if open.is_empty() => {}
            OpenSlots::Refuse => return Err(PlanError::OpenSlots { slots: open }),
            OpenSlots::Hold => r.hold(&open)?,
        }
        Ok(r)
    }
}
