//! The load report: per node its share of the load and of the slots, its
//! distance from its weighted target, the hottest slots, and the imbalance
//! (the largest node load over the mean), as `keyroute.load-report/1` JSON.
//!
//! Shares and ratios are exact integer arithmetic rounded half up to a
//! fixed number of decimals, so the JSON is the same in every language.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::{LoadBy, SlotLoad};
use crate::error::PlanError;
use crate::plan::{output, ranges_len, weight, Rebalance, Weight, S};

/// One node of a [`LoadReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeShare {
    /// Node id.
    pub id: String,
    /// `host:port`, when known.
    pub addr: Option<String>,
    /// Its weight.
    pub weight: Weight,
    /// Slots it serves.
    pub slots: u32,
    /// Its load.
    pub load: u64,
    /// Its exact target share of the load `T * w / W`, (numerator, denominator).
    pub target: (u128, u128),
}

/// A cluster's load, per node and per slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// `sha256:` of the layout measured (as in plans).
    pub fingerprint: String,
    /// Where the load comes from.
    pub by: LoadBy,
    /// The load of all slots.
    pub total: u64,
    /// Every node, by id.
    pub nodes: Vec<NodeShare>,
    /// The heaviest slots, heaviest first (ties by slot): (slot, load, node id).
    pub hottest: Vec<(u16, u64, String)>,
}

/// `num / den` rounded half up to `places` decimals, as text.
pub(crate) fn decimal(num: u128, den: u128, places: u32) -> String {
    let scale = 10u128.pow(places);
    let v = (num * scale * 2 + den) / (den * 2);
    let mut o = format!("{}", v / scale);
    if places > 0 {
        let _ = write!(o, ".{:0width$}", v % scale, width = places as usize);
    }
    o
}

impl LoadReport {
    /// The report of `layout` under `load`, listing the `top` heaviest slots.
    pub fn new(layout: &Rebalance, load: &SlotLoad, top: usize) -> Result<LoadReport, PlanError> {
        if layout.nodes.is_empty() {
            return Err(PlanError::NoNodes);
        }
        let weights: Vec<Weight> = layout
            .nodes
            .values()
            .map(|n| n.weight.unwrap_or(Weight::int(1)))
            .collect();
        let w = weight::common_integers(&weights)?;
        let wsum: u128 = w.iter().sum();
        if wsum == 0 {
            return Err(PlanError::AllWeightsZero);
        }
        let mut owner: Vec<Option<usize>> = alloc::vec![None; S as usize];
        let mut nodes = Vec::new();
        for (i, (id, n)) in layout.nodes.iter().enumerate() {
            for &(a, b) in &n.ranges {
                for s in a..=b {
                    owner[s as usize] = Some(i);
                }
            }
            let num = load.total() as u128 * w[i];
            let g = super::super::gcd(num, wsum).max(1);
            nodes.push(NodeShare {
                id: id.clone(),
                addr: n.addr.clone(),
                weight: weights[i],
                slots: ranges_len(&n.ranges),
                load: load.over(&n.ranges),
                target: (num / g, wsum / g),
            });
        }
        let mut order: Vec<u16> = (0..S as u16).filter(|&s| load.get(s) > 0).collect();
        order.sort_unstable_by(|&a, &b| load.get(b).cmp(&load.get(a)).then(a.cmp(&b)));
        let hottest = order
            .into_iter()
            .take(top)
            .map(|s| {
                let node = owner[s as usize].map_or(String::new(), |i| nodes[i].id.clone());
                (s, load.get(s), node)
            })
            .collect();
        Ok(LoadReport {
            fingerprint: output::fingerprint(
                &layout
                    .nodes
                    .iter()
                    .map(|(id, n)| (id.as_str(), n.ranges.as_slice()))
                    .collect::<Vec<_>>(),
            ),
            by: load.by(),
            total: load.total(),
            nodes,
            hottest,
        })
    }

    /// The largest node load over the mean node load, to 4 decimals
    /// (`None` when there is no load).
    pub fn imbalance(&self) -> Option<String> {
        let max = self.nodes.iter().map(|n| n.load).max()?;
        (self.total > 0).then(|| {
            decimal(
                max as u128 * self.nodes.len() as u128,
                self.total as u128,
                4,
            )
        })
    }

    /// A node's share of the load, to 4 decimals (`None` without load).
    pub fn load_share(&self, node: &NodeShare) -> Option<String> {
        (self.total > 0).then(|| decimal(node.load as u128, self.total as u128, 4))
    }

    /// A node's distance from its target share of the load, in percent of
    /// the target, signed, to 2 decimals (`None` for a target of 0).
    pub fn deviation_pct(&self, node: &NodeShare) -> Option<String> {
        let (num, den) = node.target;
        if num == 0 {
            return None;
        }
        // (load - t) / t * 100 = (load * den - num) * 100 / num
        let l = node.load as u128 * den;
        let (sign, diff) = if l >= num {
            ("", l - num)
        } else {
            ("-", num - l)
        };
        Some(format!("{sign}{}", decimal(diff * 100, num, 2)))
    }

    /// The report as `keyroute.load-report/1` JSON, fields in a fixed order.
    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"format\":\"keyroute.load-report/1\",\"state_fingerprint\":");
        output::json_str(&mut o, &self.fingerprint);
        o.push_str(",\"by\":");
        output::json_str(&mut o, &self.by.name());
        o.push_str(",\"sample\":");
        output::json_opt_u64(&mut o, self.by.sample().map(u64::from));
        let _ = write!(o, ",\"total\":{},\"imbalance\":", self.total);
        output::json_opt_str(&mut o, self.imbalance().as_deref());
        o.push_str(",\"nodes\":[");
        for (i, n) in self.nodes.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"id\":");
            output::json_str(&mut o, &n.id);
            o.push_str(",\"addr\":");
            output::json_opt_str(&mut o, n.addr.as_deref());
            let _ = write!(
                o,
                ",\"weight\":\"{}\",\"slots\":{},\"slot_share\":\"{}\",\"load\":{},\"load_share\":",
                n.weight,
                n.slots,
                decimal(n.slots as u128, S as u128, 4),
                n.load
            );
            output::json_opt_str(&mut o, self.load_share(n).as_deref());
            let _ = write!(
                o,
                ",\"target\":\"{}\",\"deviation_pct\":",
                output::fraction(n.target)
            );
            output::json_opt_str(&mut o, self.deviation_pct(n).as_deref());
            o.push('}');
        }
        o.push_str("],\"hottest\":[");
        for (i, (slot, load, node)) in self.hottest.iter().enumerate() {
            let _ = write!(
                o,
                "{}{{\"slot\":{slot},\"load\":{load},\"node\":",
                if i > 0 { "," } else { "" }
            );
            output::json_str(&mut o, node);
            o.push('}');
        }
        o.push_str("]}");
        o
    }
}
