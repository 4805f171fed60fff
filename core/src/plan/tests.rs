use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::error::PlanError;

/// A node id for a short name: its bytes in hex, padded with zeros to 40
/// characters (ids keep the names' order).
fn id(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    while out.len() < 40 {
        out.push('0');
    }
    out
}

fn even(n: usize) -> Vec<(u16, u16)> {
    // n contiguous equal-ish blocks.
    (0..n)
        .map(|i| {
            (
                (i as u32 * S / n as u32) as u16,
                ((i as u32 + 1) * S / n as u32 - 1) as u16,
            )
        })
        .collect()
}

/// Applies a plan to the input layout and returns slot -> owner.
fn apply(layout: &BTreeMap<String, Vec<(u16, u16)>>, plan: &Plan) -> Vec<String> {
    let mut owner = vec![String::new(); S as usize];
    for (id, ranges) in layout {
        for &(a, b) in ranges {
            for s in a..=b {
                owner[s as usize] = id.clone();
            }
        }
    }
    let mut moved = vec![false; S as usize];
    for m in &plan.moves {
        for &(a, b) in &m.ranges {
            for s in a..=b {
                assert_eq!(owner[s as usize], m.from, "slot {s} is not at its source");
                assert!(!moved[s as usize], "slot {s} moves twice");
                moved[s as usize] = true;
                owner[s as usize] = m.to.clone();
            }
        }
    }
    owner
}

/// The plan's properties, all checked on one input.
fn check(layout: &BTreeMap<String, Vec<(u16, u16)>>, r: &Rebalance) -> Plan {
    let plan = r.plan().unwrap();
    assert_eq!(plan.moves_total(), plan.lower_bound);
    let owner = apply(layout, &plan);
    for n in &plan.nodes {
        let have = owner.iter().filter(|o| **o == n.id).count() as u32;
        assert_eq!(have, n.target, "{}", n.id);
        assert_eq!(n.after, n.target);
        if n.weight.is_zero() {
            assert_eq!(n.target, 0);
        }
        // Within one slot of the exact quota (tolerance 0).
        if r.tolerance == 0 && r.nodes[&n.id].target.is_none() {
            let (num, den) = n.quota;
            assert!(
                n.target as u128 * den + den > num && num + den > n.target as u128 * den,
                "{} {:?}",
                n.target,
                n.quota
            );
        }
    }
    let givers = plan.nodes.iter().filter(|n| n.before > n.target).count();
    let receivers = plan.nodes.iter().filter(|n| n.before < n.target).count();
    assert!(plan.moves.len() <= (givers + receivers).saturating_sub(1));
    plan
}

fn input(
    nodes: &[(&str, Vec<(u16, u16)>)],
    add: &[&str],
) -> (BTreeMap<String, Vec<(u16, u16)>>, Rebalance) {
    let mut r = Rebalance::new();
    let mut layout = BTreeMap::new();
    for (name, ranges) in nodes {
        r.node(
            &id(name),
            Some(&format!("10.0.0.1:{}", 7000 + layout.len())),
            ranges,
        )
        .unwrap();
        layout.insert(id(name), ranges.clone());
    }
    for name in add {
        r.add(&id(name), None).unwrap();
        layout.insert(id(name), vec![]);
    }
    (layout, r)
}

/// docs/resharding.md, "Minimal slot rebalancing", the worked examples.
#[test]
fn worked_examples() {
    let (l, r) = input(
        &[("a", vec![(0, 8191)]), ("b", vec![(8192, 16383)])],
        &["c"],
    );
    assert_eq!(check(&l, &r).moves_total(), 5461);
    let (l, r) = input(
        &[("a", vec![(0, 8191)]), ("b", vec![(8192, 16383)])],
        &["c", "d", "e"],
    );
    assert_eq!(check(&l, &r).moves_total(), 9830);
    let ids: Vec<String> = (0..200).map(|i| format!("n{i:03}")).collect();
    let adds: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (l, r) = input(&[("a", vec![(0, 16383)])], &adds);
    assert_eq!(check(&l, &r).moves_total(), 16302);
    let blocks = even(4);
    let (l, mut r) = input(
        &[
            ("a", vec![blocks[0]]),
            ("b", vec![blocks[1]]),
            ("c", vec![blocks[2]]),
            ("d", vec![blocks[3]]),
        ],
        &[],
    );
    r.drain(&id("d")).unwrap();
    assert_eq!(check(&l, &r).moves_total(), 4096);
}

#[test]
fn weights_targets_tolerance() {
    let b = even(3);
    let (l, mut r) = input(
        &[("a", vec![b[0]]), ("b", vec![b[1]]), ("c", vec![b[2]])],
        &[],
    );
    r.weight(&id("a"), Weight::parse("2.5").unwrap()).unwrap();
    r.weight(&id("b"), Weight::parse("1/2").unwrap()).unwrap();
    let plan = check(&l, &r);
    assert_eq!(plan.nodes[0].quota, (10240, 1)); // 16384 * 2.5 / 4
                                                 // Already balanced within a tolerance: nothing moves.
    let (l, mut r) = input(&[("a", vec![(0, 8200)]), ("b", vec![(8201, 16383)])], &[]);
    r.tolerance(10);
    assert_eq!(check(&l, &r).moves_total(), 0);
    r.tolerance(0);
    assert_eq!(check(&l, &r).moves_total(), 9);
    // Explicit targets.
    let (l, mut r) = input(&[("a", vec![(0, 8191)]), ("b", vec![(8192, 16383)])], &[]);
    r.target(&id("a"), 100).unwrap();
    r.target(&id("b"), 16284).unwrap();
    assert_eq!(check(&l, &r).moves_total(), 8092);
}

#[test]
fn bad_inputs_are_named() {
    let mut r = Rebalance::new();
    assert_eq!(r.plan(), Err(PlanError::NoNodes));
    r.node(&id("a"), None, &[(0, 100)]).unwrap();
    assert_eq!(
        r.node(&id("a"), None, &[]),
        Err(PlanError::DuplicateNode { id: id("a") })
    );
    assert_eq!(
        r.weight(&id("zz"), Weight::int(1)),
        Err(PlanError::UnknownNode { id: id("zz") })
    );
    assert!(matches!(r.plan(), Err(PlanError::Uncovered { .. })));
    r.node(&id("b"), None, &[(100, 16383)]).unwrap();
    assert_eq!(
        r.plan(),
        Err(PlanError::Overlap {
            slot: 100,
            first: id("a"),
            second: id("b")
        })
    );
    for w in ["-1", "x", "1.", "", "1/0", "1e3"] {
        assert!(
            matches!(Weight::parse(w), Err(PlanError::BadWeight { .. })),
            "{w}"
        );
    }
    let (_, mut r) = input(&[("a", vec![(0, 16383)])], &[]);
    r.drain(&id("a")).unwrap();
    assert_eq!(r.plan(), Err(PlanError::AllWeightsZero));
    let (_, mut r) = input(&[("a", vec![(0, 16383)])], &["b"]);
    r.target(&id("a"), 5).unwrap();
    r.target(&id("b"), 5).unwrap();
    assert_eq!(r.plan(), Err(PlanError::Infeasible));
}

#[test]
fn cluster_nodes_text() {
    let text = "\
e7d1000000000000000000000000000000000000 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460
67ed000000000000000000000000000000000000 127.0.0.1:30002@40002 master - 0 1426238316232 2 connected 5461-10922
292f000000000000000000000000000000000000 127.0.0.1:30003@40003 master - 0 1426238318243 3 connected 10923-16383
6ec2000000000000000000000000000000000000 127.0.0.1:30004@40004 slave 292f000000000000000000000000000000000000 0 1426238317741 3 connected
";
    let r = Rebalance::from_cluster_nodes(text).unwrap();
    let plan = r.plan().unwrap();
    assert_eq!(plan.nodes.len(), 3);
    assert_eq!(plan.nodes[0].addr.as_deref(), Some("127.0.0.1:30003"));
    let open = text.replace("5461-10922", "5461-10922 [5461->-292f]");
    assert_eq!(
        Rebalance::from_cluster_nodes(&open).unwrap_err(),
        PlanError::OpenSlots { slots: vec![5461] }
    );
    let importing = text.replace("10923-16383", "10923-16383 [77-<-e7d1]");
    assert_eq!(
        Rebalance::from_cluster_nodes(&importing).unwrap_err(),
        PlanError::OpenSlots { slots: vec![77] }
    );
    assert!(matches!(
        Rebalance::from_cluster_nodes("x y"),
        Err(PlanError::BadNodesLine { line: 1, .. })
    ));
}

#[test]
fn json_and_scripts() {
    let (_, r) = input(
        &[("a", vec![(0, 8191)]), ("b", vec![(8192, 16383)])],
        &["c"],
    );
    let plan = r.plan().unwrap();
    let json = plan.to_json();
    assert!(
        json.starts_with("{\"format\":\"keyroute.reshard-plan/1\",\"state_fingerprint\":\"sha256:")
    );
    assert!(json.contains("\"lower_bound_moves\":5461,\"moves_total\":5461"));
    for kind in [ScriptKind::Valkey9, ScriptKind::Redis84] {
        let s = plan.script(kind).unwrap();
        assert!(s.starts_with("#!/bin/sh"));
    }
    assert!(plan
        .script(ScriptKind::Valkey9)
        .unwrap()
        .contains("CLUSTER MIGRATESLOTS SLOTSRANGE"));
    assert!(plan
        .script(ScriptKind::Redis84)
        .unwrap()
        .contains("CLUSTER MIGRATION IMPORT"));
    // The added node has no address: the legacy script cannot be written.
    assert_eq!(
        plan.script(ScriptKind::Legacy),
        Err(PlanError::NoAddress { id: id("c") })
    );
    let (_, mut r) = input(&[("a", vec![(0, 8191)]), ("b", vec![(8192, 16383)])], &[]);
    r.add(&id("c"), Some("10.0.0.3:7000")).unwrap();
    let legacy = r.plan().unwrap().script(ScriptKind::Legacy).unwrap();
    assert!(legacy.contains("SETSLOT \"$slot\" IMPORTING"));
    assert!(legacy.contains(&format!(
        "move_slot \"$s\" '10.0.0.1' '7000' '10.0.0.3' '7000' '{}' '{}' '10.0.0.1' '7001'; done",
        id("a"),
        id("c")
    )));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// A random layout: n nodes, slots cut at random points, shuffled owners.
    fn layout() -> impl Strategy<Value = (Vec<u32>, Vec<u8>, Vec<u8>, u32)> {
        (2usize..7).prop_flat_map(|n| {
            (
                proptest::collection::vec(0u32..S, n - 1),
                proptest::collection::vec(0u8..4, n),
                proptest::collection::vec(any::<u8>(), 0..3),
                0u32..4,
            )
        })
    }

    fn build(
        cuts: &[u32],
        weights: &[u8],
        adds: &[u8],
        tol: u32,
        reversed: bool,
    ) -> (BTreeMap<String, Vec<(u16, u16)>>, Rebalance) {
        let mut cuts = cuts.to_vec();
        cuts.sort();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(S);
        let mut nodes: Vec<(String, Vec<(u16, u16)>)> = Vec::new();
        for i in 0..bounds.len() - 1 {
            let r = if bounds[i] < bounds[i + 1] {
                vec![(bounds[i] as u16, (bounds[i + 1] - 1) as u16)]
            } else {
                vec![]
            };
            nodes.push((id(&format!("node{:02}", (i * 7) % 11)), r));
        }
        nodes.sort();
        nodes.dedup_by(|a, b| a.0 == b.0);
        if reversed {
            nodes.reverse();
        }
        let mut r = Rebalance::new();
        let mut layout = BTreeMap::new();
        for (id, ranges) in &nodes {
            if layout.contains_key(id) {
                continue;
            }
            r.node(id, None, ranges).unwrap();
            layout.insert(id.clone(), ranges.clone());
        }
        // Slots of dropped duplicates go to the first node.
        let covered: u32 = layout.values().map(|v| ranges_len(v)).sum();
        if covered != S {
            return build(&[], weights, adds, tol, reversed);
        }
        for (i, id) in layout
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .iter()
            .enumerate()
        {
            let w = weights.get(i).copied().unwrap_or(1);
            r.weight(id, Weight::int(w as u64)).unwrap();
        }
        for a in adds {
            let id = id(&format!("new{a:03}"));
            if let alloc::collections::btree_map::Entry::Vacant(e) = layout.entry(id) {
                r.add(e.key(), None).unwrap();
                e.insert(vec![]);
            }
        }
        r.tolerance(tol);
        (layout, r)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn plans_are_minimal_and_deterministic((cuts, weights, adds, tol) in layout()) {
            let (l, r) = build(&cuts, &weights, &adds, tol, false);
            let Ok(plan) = r.plan() else {
                // Only an all-zero weighting may be refused.
                prop_assert!(r.nodes.values().all(|n| n.weight.is_some_and(|w| w.is_zero()) || n.added));
                return Ok(());
            };
            check(&l, &r);
            // Brute force: the fewest moves over every target vector in bounds.
            let nodes: Vec<&NodeIn> = r.nodes.values().collect();
            let ws: Vec<Weight> = nodes.iter().map(|n| n.weight.unwrap_or(Weight::int(1))).collect();
            let w = weight::common_integers(&ws).unwrap();
            let total: u128 = w.iter().sum();
            let (lo, hi) = r.bounds(&nodes, &w, total, &[false; 16384]);
            let current: Vec<u32> = nodes.iter().map(|n| ranges_len(&n.ranges)).collect();
            let mut best = u32::MAX;
            let mut t = lo.clone();
            loop {
                if t.iter().sum::<u32>() == S {
                    best = best.min(current.iter().zip(&t).map(|(&c, &x)| c.saturating_sub(x)).sum());
                }
                let mut i = 0;
                while i < t.len() && t[i] == hi[i] { t[i] = lo[i]; i += 1; }
                if i == t.len() { break; }
                t[i] += 1;
            }
            prop_assert_eq!(plan.moves_total(), best);
            // The same input in another order: the same bytes.
            let (_, r2) = build(&cuts, &weights, &adds, tol, true);
            prop_assert_eq!(r2.plan().unwrap().to_json(), plan.to_json());
        }
    }
}
