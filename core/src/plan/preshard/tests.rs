use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::plan::{RingChange, Share};

fn pool(lines: &[String]) -> Pool {
    Pool::new(Scheme::TwemproxyKetama, lines).unwrap()
}

fn shards(n: usize, host: &str) -> Vec<String> {
    (0..n)
        .map(|i| format!("{host}:{}:1 shard{i:02}", 7000 + i))
        .collect()
}

/// The pool after the plan: moved instances on their new lines.
fn after(old: &[String], plan: &PreshardPlan) -> Vec<String> {
    old.iter()
        .map(|l| {
            let alias = l.rsplit(' ').next().unwrap();
            plan.moves
                .iter()
                .find(|m| m.instance == alias)
                .and_then(|m| m.line.clone())
                .unwrap_or_else(|| l.clone())
        })
        .collect()
}

#[test]
fn half_of_one_host_to_a_new_one_moves_no_key_between_instances() {
    let old = shards(32, "10.0.0.1");
    let mut p = Presharding::from_pool(&pool(&old)).unwrap();
    p.host("10.0.0.2", Weight::int(1));
    let plan = p.plan().unwrap();
    assert_eq!((plan.moves.len() as u32, plan.lower_bound), (16, 16));
    assert_eq!(plan.moves[0].instance, "shard31");
    assert_eq!(
        plan.moves[0].line.as_deref(),
        Some("10.0.0.2:7031:1 shard31")
    );
    let new = after(&old, &plan);
    let (a, b) = (pool(&old), pool(&new));
    let f = RingChange::new(&a, &b).fraction().unwrap();
    for i in 0..32 {
        for j in 0..32 {
            assert_eq!(f.cell(i, j).is_zero(), i != j || f.old_share(i).is_zero());
        }
    }
    // What moves is exactly the moved instances' shares, by replication.
    let moved = (16..32).fold(Share::ZERO, |s, i| s.checked_add(f.old_share(i)).unwrap());
    assert_eq!(f.moved(), moved);
    let steps = plan.steps();
    assert!(steps.contains("redis-cli -h 10.0.0.2 -p 7031 REPLICAOF 10.0.0.1 7031"));
    assert!(steps.contains("redis-cli -h 10.0.0.2 -p 7016 REPLICAOF NO ONE"));
}

#[test]
fn ports_stay_unless_taken() {
    let mut p = Presharding::new();
    p.instance("a", "h1", 7000).unwrap();
    p.instance("b", "h1", 7001).unwrap();
    p.instance("c", "h2", 7000).unwrap();
    p.instance("d", "h2", 7001).unwrap();
    p.host("h3", Weight::int(1));
    p.host("h1", Weight::int(0));
    let plan = p.plan().unwrap();
    let got: Vec<(&str, &str)> = plan
        .moves
        .iter()
        .map(|m| (m.instance.as_str(), m.to.as_str()))
        .collect();
    // h1 drains; h2 already holds its quota (2 of 4 over h2 and h3), so
    // both go to h3, the last name first, keeping their ports.
    assert_eq!(got, [("b", "h3:7001"), ("a", "h3:7000")]);
    let mut p = Presharding::new();
    p.instance("a", "h1", 7000).unwrap();
    p.instance("c", "h2", 7000).unwrap();
    p.host("h3", Weight::int(1));
    p.host("h1", Weight::int(0));
    p.host("h2", Weight::int(0));
    let plan = p.plan().unwrap();
    let to: Vec<&str> = plan.moves.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(to, ["h3:7000", "h3:7001"]);
}

#[test]
fn typed_errors() {
    let bare = vec![
        String::from("10.0.0.1:7000:1"),
        String::from("10.0.0.1:7001:1 b"),
    ];
    assert!(matches!(
        Presharding::from_pool(&pool(&bare)),
        Err(PreshardError::NoAlias { .. })
    ));
    let p = Pool::new(Scheme::Predis, ["10.0.0.1:7000"]).unwrap();
    assert!(matches!(
        Presharding::from_pool(&p),
        Err(PreshardError::AddressHashed { .. })
    ));
    let unix = vec![String::from("/tmp/a.sock:1 a")];
    assert!(matches!(
        Presharding::from_pool(&pool(&unix)),
        Err(PreshardError::NotMovable { .. })
    ));
    let mut p = Presharding::new();
    assert_eq!(p.plan(), Err(PreshardError::NoInstances));
    p.instance("a", "h", 1).unwrap();
    assert_eq!(
        p.instance("a", "h", 2),
        Err(PreshardError::DuplicateInstance { name: "a".into() })
    );
    assert!(p.instance("z", "h", 0).is_err());
    p.host("h", Weight::int(0));
    assert_eq!(
        p.plan(),
        Err(PreshardError::Plan(PlanError::AllWeightsZero))
    );
    // Jump instances are positions.
    let j = Pool::new(Scheme::Jump, ["10.0.0.1:1", "10.0.0.1:2"]).unwrap();
    let mut p = Presharding::from_pool(&j).unwrap();
    p.host("10.0.0.9", Weight::int(1));
    let plan = p.plan().unwrap();
    assert_eq!(plan.moves[0].instance, "#1");
}

proptest! {
    /// Moves equal the lower bound, every host ends on its target within
    /// its quota bounds, no instance moves twice, and the plan does not
    /// depend on the order the input was given in.
    #[test]
    fn minimal_and_deterministic(
        layout in proptest::collection::vec(0usize..5, 1..40),
        weights in proptest::collection::vec(0u64..4, 5),
        tolerance in 0u32..3,
    ) {
        let host = |h: usize| format!("h{h}");
        let build = |rev: bool| {
            let mut p = Presharding::new();
            let mut items: Vec<(usize, usize)> = layout.iter().copied().enumerate().collect();
            if rev { items.reverse(); }
            for (i, h) in items {
                p.instance(&format!("i{i:02}"), &host(h), 7000 + i as u16).unwrap();
            }
            let mut hw: Vec<(usize, u64)> = weights.iter().copied().enumerate().collect();
            if rev { hw.reverse(); }
            for (h, w) in hw { p.host(&host(h), Weight::int(w)); }
            p.tolerance(tolerance);
            p.plan()
        };
        let plan = build(false);
        if weights.iter().all(|&w| w == 0) {
            prop_assert!(plan.is_err());
            return Ok(());
        }
        let plan = plan.unwrap();
        prop_assert_eq!(&build(true).unwrap(), &plan);
        prop_assert_eq!(plan.moves.len() as u32, plan.lower_bound);
        let mut count: BTreeMap<String, i64> = BTreeMap::new();
        for &h in &layout { *count.entry(host(h)).or_default() += 1; }
        let mut seen = BTreeSet::new();
        for m in &plan.moves {
            prop_assert!(seen.insert(m.instance.clone()), "moved twice");
            *count.entry(m.from_host.clone()).or_default() -= 1;
            *count.entry(m.to_host.clone()).or_default() += 1;
        }
        let n = layout.len() as u128;
        for h in &plan.hosts {
            prop_assert_eq!(count.get(&h.host).copied().unwrap_or(0), h.target as i64);
            let (q, d) = h.quota;
            let (lo, hi) = ((q / d).saturating_sub(tolerance as u128), q.div_ceil(d) + tolerance as u128);
            prop_assert!(((h.target as u128) >= lo || h.weight.is_zero()) && (h.target as u128) <= hi.min(n));
            if h.weight.is_zero() { prop_assert_eq!(h.target, 0); }
        }
    }
}
