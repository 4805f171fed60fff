use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::error::{RedirectError, TopologyError};
use crate::key_slot;

fn s(x: &str) -> Value {
    Value::str(x)
}
fn node(host: Value, port: i64) -> Value {
    Value::Array(vec![host, Value::Int(port), s("id"), Value::Array(vec![])])
}
fn range(a: i64, b: i64, nodes: Vec<Value>) -> Value {
    let mut v = vec![Value::Int(a), Value::Int(b)];
    v.extend(nodes);
    Value::Array(v)
}
fn three_shards() -> Value {
    Value::Array(vec![
        range(
            0,
            5460,
            vec![node(s("10.0.0.1"), 7000), node(s("10.0.0.4"), 7003)],
        ),
        range(
            5461,
            10922,
            vec![node(s("10.0.0.2"), 7001), node(s("10.0.0.5"), 7004)],
        ),
        range(
            10923,
            16383,
            vec![node(s("10.0.0.3"), 7002), node(s("10.0.0.6"), 7005)],
        ),
    ])
}
fn addr(m: &SlotMap, n: usize) -> alloc::string::String {
    m.nodes()[n].addr().to_string()
}

#[test]
fn slots_reply_routes_every_slot() {
    let m = SlotMap::from_slots(&three_shards(), None).unwrap();
    assert_eq!(m.shards().len(), 3);
    assert!(m.unassigned().is_empty());
    for (slot, want) in [
        (0, "10.0.0.1:7000"),
        (5460, "10.0.0.1:7000"),
        (5461, "10.0.0.2:7001"),
        (16383, "10.0.0.3:7002"),
    ] {
        let (n, role) = m.node_for_slot(slot, ReadFrom::Primary).unwrap();
        assert_eq!((addr(&m, n).as_str(), role), (want, Role::Primary));
    }
    let (n, role) = m
        .node_for(b"{user1000}.following", ReadFrom::PreferReplica)
        .unwrap();
    assert_eq!(
        (addr(&m, n).as_str(), role),
        ("10.0.0.4:7003", Role::Replica)
    );
}

#[test]
fn missing_hosts_use_the_answering_node() {
    for host in [s(""), s("?"), Value::Nil] {
        let reply = Value::Array(vec![range(0, 16383, vec![node(host.clone(), 7000)])]);
        let m = SlotMap::from_slots(&reply, Some("192.168.1.9")).unwrap();
        assert_eq!(addr(&m, 0), "192.168.1.9:7000");
        assert_eq!(
            SlotMap::from_slots(&reply, None),
            Err(TopologyError::NoAddress {
                at: "CLUSTER SLOTS[0][2]".into()
            })
        );
    }
}

#[test]
fn slots_metadata_and_several_ranges_per_shard() {
    let meta = Value::Map(vec![
        (s("hostname"), s("redis-a.example")),
        (s("ip"), s("10.0.0.1")),
    ]);
    let a = Value::Array(vec![s("redis-a.example"), Value::Int(6379), s("abc"), meta]);
    let reply = Value::Array(vec![
        range(0, 99, vec![a.clone()]),
        range(200, 299, vec![a]),
    ]);
    let m = SlotMap::from_slots(&reply, None).unwrap();
    assert_eq!(m.nodes().len(), 1);
    assert_eq!(m.shards().len(), 1);
    assert_eq!(m.nodes()[0].hostname.as_deref(), Some("redis-a.example"));
    assert_eq!(m.nodes()[0].ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(m.unassigned(), vec![(100, 199), (300, 16383)]);
    assert_eq!(
        m.node_for_slot(150, ReadFrom::Primary),
        Err(TopologyError::SlotNotServed { slot: 150 })
    );
}

#[test]
fn malformed_slots_replies_name_the_part() {
    let cases = [
        (s("x"), "CLUSTER SLOTS"),
        (Value::Array(vec![Value::Int(1)]), "CLUSTER SLOTS[0]"),
        (Value::Array(vec![range(0, 1, vec![])]), "CLUSTER SLOTS[0]"),
        (
            Value::Array(vec![range(0, 1, vec![Value::Array(vec![s("h")])])]),
            "CLUSTER SLOTS[0][2]",
        ),
        (
            Value::Array(vec![range(0, 1, vec![node(s("h"), 70000)])]),
            "CLUSTER SLOTS[0][2][1]",
        ),
        (
            Value::Array(vec![range(0, 1, vec![node(Value::Int(3), 1)])]),
            "CLUSTER SLOTS[0][2][0]",
        ),
    ];
    for (reply, at) in cases {
        match SlotMap::from_slots(&reply, None) {
            Err(TopologyError::Malformed { at: got, .. }) => assert_eq!(got, at),
            other => panic!("{reply:?}: {other:?}"),
        }
    }
    for (a, b) in [(-1, 5), (5, 4), (0, 16384)] {
        let reply = Value::Array(vec![range(a, b, vec![node(s("h"), 1)])]);
        assert!(matches!(
            SlotMap::from_slots(&reply, None),
            Err(TopologyError::BadRange { .. })
        ));
    }
}

#[test]
fn overlapping_ranges_are_refused() {
    let reply = Value::Array(vec![
        range(0, 100, vec![node(s("a"), 1)]),
        range(100, 200, vec![node(s("b"), 2)]),
    ]);
    assert_eq!(
        SlotMap::from_slots(&reply, None),
        Err(TopologyError::Overlap {
            slot: 100,
            first: "a:1".into(),
            second: "b:2".into()
        })
    );
}

fn shard_node(id: &str, port: i64, role: &str, health: &str, resp3: bool) -> Value {
    let pairs = vec![
        (s("id"), s(id)),
        (s("port"), Value::Int(port)),
        (s("ip"), s("127.0.0.1")),
        (s("endpoint"), s("127.0.0.1")),
        (s("role"), s(role)),
        (s("replication-offset"), Value::Int(10)),
        (s("health"), s(health)),
    ];
    if resp3 {
        Value::Map(pairs)
    } else {
        Value::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
    }
}

fn shards_reply(resp3: bool) -> Value {
    let shard = |slots: Vec<i64>, nodes: Vec<Value>| {
        let pairs = vec![
            (
                s("slots"),
                Value::Array(slots.into_iter().map(Value::Int).collect()),
            ),
            (s("nodes"), Value::Array(nodes)),
        ];
        if resp3 {
            Value::Map(pairs)
        } else {
            Value::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
        }
    };
    Value::Array(vec![
        shard(
            vec![0, 8000, 9000, 9999],
            vec![
                shard_node("r1", 7003, "replica", "loading", resp3),
                shard_node("p1", 7000, "master", "online", resp3),
                shard_node("r2", 7006, "replica", "fail", resp3),
            ],
        ),
        shard(
            vec![8001, 8999, 10000, 16383],
            vec![
                shard_node("p2", 7001, "master", "online", resp3),
                shard_node("r3", 7004, "replica", "online", resp3),
            ],
        ),
    ])
}

#[test]
fn shards_reply_in_both_protocols() {
    let a = SlotMap::from_shards(&shards_reply(false), None).unwrap();
    let b = SlotMap::from_shards(&shards_reply(true), None).unwrap();
    assert_eq!(a, b);
    assert!(a.unassigned().is_empty());
    assert_eq!(a.nodes()[a.shards()[0].primary].id.as_deref(), Some("p1"));
    assert_eq!(a.nodes()[a.shards()[0].replicas[0]].health, Health::Loading);
    // Neither the loading nor the failed replica serves reads: the primary does.
    let (n, role) = a.node_for_slot(9500, ReadFrom::PreferReplica).unwrap();
    assert_eq!((a.nodes()[n].port, role), (7000, Role::Primary));
    let (n, role) = a.node_for_slot(8500, ReadFrom::PreferReplica).unwrap();
    assert_eq!((a.nodes()[n].port, role), (7004, Role::Replica));
}

#[test]
fn shard_with_slots_and_no_primary() {
    let reply = Value::Array(vec![Value::Map(vec![
        (s("slots"), Value::Array(vec![Value::Int(0), Value::Int(5)])),
        (
            s("nodes"),
            Value::Array(vec![shard_node("r", 1, "replica", "online", true)]),
        ),
    ])]);
    assert_eq!(
        SlotMap::from_shards(&reply, None),
        Err(TopologyError::NoPrimary { shard: 0 })
    );
}

#[test]
fn read_from_strategies() {
    let mut m = SlotMap::from_slots(&three_shards(), None).unwrap();
    let slot = 0;
    let pick = |m: &SlotMap, rf| {
        (0..6)
            .map(|_| m.nodes()[m.node_for_slot(slot, rf).unwrap().0].port)
            .collect::<Vec<_>>()
    };
    assert_eq!(pick(&m, ReadFrom::Primary), vec![7000; 6]);
    assert_eq!(pick(&m, ReadFrom::PreferReplica), vec![7003; 6]);
    let rr = pick(&m, ReadFrom::RoundRobin);
    assert!(rr.contains(&7000) && rr.contains(&7003), "{rr:?}");
    // A zone with no replica falls back to any replica.
    assert_eq!(pick(&m, ReadFrom::AzAffinity("eu-west-1a")), vec![7003; 6]);
    let extra = m.add_node(Node {
        availability_zone: Some("eu-west-1a".into()),
        ..Node::new("10.0.0.7", 7006)
    });
    m.add_replica(0, extra);
    assert_eq!(pick(&m, ReadFrom::AzAffinity("eu-west-1a")), vec![7006; 6]);
}

#[test]
fn redirect_parsing() {
    let r = parse_redirect("MOVED 3999 127.0.0.1:6381", None).unwrap();
    assert_eq!(
        (r.kind, r.slot, r.host.as_str(), r.port),
        (RedirectKind::Moved, 3999, "127.0.0.1", 6381)
    );
    let r = parse_redirect("-ASK 1 ::1:7000\r\n", None).unwrap();
    assert_eq!(
        (r.kind, r.host.as_str(), r.port),
        (RedirectKind::Ask, "::1", 7000)
    );
    let r = parse_redirect("MOVED 1 [::1]:7000", None).unwrap();
    assert_eq!(r.host, "::1");
    let r = parse_redirect("MOVED 1 :7000", Some("10.1.1.1")).unwrap();
    assert_eq!(r.host, "10.1.1.1");
    for (text, err) in [
        ("", RedirectError::NotARedirect),
        ("ERR wrong", RedirectError::NotARedirect),
        ("MOVED 1", RedirectError::NotARedirect),
        ("MOVED 1 a:1 extra", RedirectError::NotARedirect),
        ("moved 1 a:1", RedirectError::NotARedirect),
        ("MOVED 16384 a:1", RedirectError::BadSlot),
        ("MOVED -1 a:1", RedirectError::BadSlot),
        ("MOVED +1 a:1", RedirectError::BadSlot),
        ("MOVED x a:1", RedirectError::BadSlot),
        ("MOVED 1 a", RedirectError::BadEndpoint),
        ("MOVED 1 a:0", RedirectError::BadEndpoint),
        ("MOVED 1 a:65536", RedirectError::BadEndpoint),
        ("MOVED 1 a:+5", RedirectError::BadEndpoint),
        ("MOVED 1 :7000", RedirectError::UnknownHost),
        ("ASK 1 ?:7000", RedirectError::UnknownHost),
    ] {
        assert_eq!(parse_redirect(text, None), Err(err), "{text:?}");
    }
}

#[test]
fn moved_updates_and_ask_does_not() {
    let mut m = SlotMap::from_slots(&three_shards(), None).unwrap();
    let before = m.clone();
    let r = m.apply_redirect("ASK 5 10.0.0.2:7001", None).unwrap();
    assert_eq!(r.kind, RedirectKind::Ask);
    assert_eq!(m, before);
    // To another shard's primary.
    m.apply_redirect("MOVED 5 10.0.0.2:7001", None).unwrap();
    assert_eq!(
        addr(&m, m.node_for_slot(5, ReadFrom::Primary).unwrap().0),
        "10.0.0.2:7001"
    );
    assert_eq!(
        addr(&m, m.node_for_slot(6, ReadFrom::Primary).unwrap().0),
        "10.0.0.1:7000"
    );
    // To a node nobody knew: a new shard.
    m.apply_redirect("MOVED 7 10.9.9.9:7999", None).unwrap();
    assert_eq!(
        addr(&m, m.node_for_slot(7, ReadFrom::Primary).unwrap().0),
        "10.9.9.9:7999"
    );
    assert_eq!(m.shards().len(), 4);
    // To the shard's replica: a failover; the old primary becomes a replica.
    m.apply_redirect("MOVED 8 10.0.0.4:7003", None).unwrap();
    let (n, _) = m.node_for_slot(100, ReadFrom::Primary).unwrap();
    assert_eq!(addr(&m, n), "10.0.0.4:7003");
    let (n, _) = m.node_for_slot(100, ReadFrom::PreferReplica).unwrap();
    assert_eq!(addr(&m, n), "10.0.0.1:7000");
    // A bad redirect leaves the map alone.
    let before = m.clone();
    assert!(m.apply_redirect("MOVED 99999 x:1", None).is_err());
    assert_eq!(m, before);
}

#[test]
fn grouping_keeps_positions() {
    let m = SlotMap::from_slots(&three_shards(), None).unwrap();
    let keys: [&[u8]; 6] = [b"{a}1", b"foo", b"{a}2", b"bar", b"{user1000}x", b"{a}3"];
    let groups = m.group_by_node(keys, ReadFrom::Primary).unwrap();
    let mut seen = Vec::new();
    for g in &groups {
        for sg in &g.slots {
            for &p in &sg.positions {
                assert_eq!(key_slot(keys[p]), sg.slot);
                assert_eq!(
                    m.node_for_slot(sg.slot, ReadFrom::Primary).unwrap().0,
                    g.node
                );
                seen.push(p);
            }
        }
    }
    seen.sort();
    assert_eq!(seen, (0..keys.len()).collect::<Vec<_>>());
    let a = groups
        .iter()
        .flat_map(|g| &g.slots)
        .find(|s| s.slot == key_slot(b"a"))
        .unwrap();
    assert_eq!(a.positions, vec![0, 2, 5]);
    let empty = SlotMap::empty();
    assert_eq!(
        empty.group_by_node([&b"x"[..]], ReadFrom::Primary),
        Err(TopologyError::SlotNotServed {
            slot: key_slot(b"x")
        })
    );
}

#[test]
fn resp_reader() {
    let (v, n) = Value::from_resp(b"*2\r\n$3\r\nfoo\r\n%1\r\n+a\r\n:5\r\nrest").unwrap();
    assert_eq!(n, 25);
    assert_eq!(
        v,
        Value::Array(vec![s("foo"), Value::Map(vec![(s("a"), Value::Int(5))])])
    );
    assert_eq!(Value::from_resp(b"$-1\r\n").unwrap().0, Value::Nil);
    assert_eq!(
        Value::from_resp(b"*1\r\n$3\r\nfo"),
        Err(RespError::Incomplete)
    );
    assert_eq!(
        Value::from_resp(b"-ERR x\r\n"),
        Err(RespError::ServerError(b"ERR x".to_vec()))
    );
    assert!(matches!(
        Value::from_resp(b"?\r\n"),
        Err(RespError::Invalid { .. })
    ));
    assert!(matches!(
        Value::from_resp(b"$-5\r\n"),
        Err(RespError::Invalid { .. })
    ));
    let deep: Vec<u8> = core::iter::repeat_n(&b"*1\r\n"[..], 100)
        .flatten()
        .copied()
        .collect();
    assert!(Value::from_resp(&deep).is_err());
    assert_eq!(
        encode_command(&["GET", "k"]),
        b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            (-5i64..20_000).prop_map(Value::Int),
            prop_oneof![
                Just("".to_string()),
                Just("?".to_string()),
                "[a-z0-9.:-]{0,12}"
            ]
            .prop_map(|t| Value::str(&t)),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::vec((inner.clone(), inner), 0..6).prop_map(Value::Map),
            ]
        })
    }

    proptest! {
        /// Any reply at all gives a map or a typed error, never a panic.
        #[test]
        fn parsers_never_panic(v in value(), host in proptest::option::of("[a-z]{1,5}")) {
            let _ = SlotMap::from_slots(&v, host.as_deref());
            let _ = SlotMap::from_shards(&v, host.as_deref());
        }

        #[test]
        fn resp_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Value::from_resp(&bytes);
        }

        #[test]
        fn redirect_parser_never_panics(text in "(MOVED|ASK|-MOVED)? ?[0-9x-]{0,6} ?[a-z:?\\[\\]0-9]{0,12}") {
            let mut m = SlotMap::from_slots(&three_shards(), None).unwrap();
            let _ = m.apply_redirect(&text, Some("h"));
        }
    }
}

#[test]
fn maps_route_by_their_policy() {
    let m = SlotMap::from_slots(&three_shards(), None).unwrap();
    let standard = m
        .clone()
        .with_policy(crate::HashPolicy::enterprise_standard());
    // `{}x` hashes the empty tag (slot 0) under the standard policy.
    assert_eq!(
        addr(
            &standard,
            standard.node_for(b"{}x", ReadFrom::Primary).unwrap().0
        ),
        "10.0.0.1:7000"
    );
    let strict = m.with_policy(crate::HashPolicy::new([r"user:(?<tag>\d+):.*"]).unwrap());
    assert_eq!(
        strict.group_by_node([&b"user:1:a"[..], b"nope"], ReadFrom::Primary),
        Err(TopologyError::NoRuleMatched { position: 1 })
    );
}

#[test]
fn shard_ranges_and_large_groupings() {
    let m = SlotMap::from_slots(&three_shards(), None).unwrap();
    assert_eq!(
        m.shard_ranges(),
        vec![vec![(0, 5460)], vec![(5461, 10922)], vec![(10923, 16383)]]
    );
    // The dense index (large batches) groups exactly like the tree (small ones).
    let keys: Vec<Vec<u8>> = (0..3000)
        .map(|i| alloc::format!("k{}", i % 1700).into_bytes())
        .collect();
    let big = m
        .group_by_node(keys.iter().map(Vec::as_slice), ReadFrom::Primary)
        .unwrap();
    let mut small = Vec::new();
    for g in m
        .group_by_node(
            keys.iter().map(Vec::as_slice).filter(|_| true),
            ReadFrom::Primary,
        )
        .unwrap()
    {
        small.push(g);
    }
    assert_eq!(big, small);
    let total: usize = big
        .iter()
        .flat_map(|g| &g.slots)
        .map(|s| s.positions.len())
        .sum();
    assert_eq!(total, 3000);
    for g in &big {
        for s in &g.slots {
            for &p in &s.positions {
                assert_eq!(key_slot(&keys[p]), s.slot);
            }
        }
    }
    assert_eq!(Health::Loading.as_str(), "loading");
}

/// The map's bookkeeping agrees with its shards, nodes and slots.
fn check_invariants(m: &SlotMap) {
    let st = &m.store;
    assert_eq!(st.shard_owner.len(), m.shards.len());
    assert_eq!(st.shard_slots.len(), m.shards.len());
    assert_eq!(st.links.len(), m.nodes.len());
    for (i, &id) in st.shard_owner.iter().enumerate() {
        assert_eq!(st.owners[id as usize], i as u32, "owner of shard {i}");
    }
    let mut counts = vec![0u32; m.shards.len()];
    for slot in 0..SLOT_COUNT as usize {
        if let Some(s) = m.shard_at(slot) {
            counts[s] += 1;
        }
    }
    assert_eq!(counts, st.shard_slots);
    // Per node: the shards listing it, and the shards it leads.
    let mut member: Vec<Vec<usize>> = vec![Vec::new(); m.nodes.len()];
    let mut leads: Vec<Vec<usize>> = vec![Vec::new(); m.nodes.len()];
    for (i, sh) in m.shards.iter().enumerate() {
        leads[sh.primary].push(i);
        for n in core::iter::once(sh.primary).chain(sh.replicas.iter().copied()) {
            if member[n].last() != Some(&i) {
                member[n].push(i);
            }
        }
    }
    for (n, l) in st.links.iter().enumerate() {
        assert_eq!(l.memberships as usize, member[n].len(), "node {n}");
        if l.memberships == 1 && l.member_of != u32::MAX {
            assert_eq!(member[n], [l.member_of as usize]);
        }
        assert_eq!(
            l.leads as usize,
            leads[n].len(),
            "node {n} leads {:?}",
            leads[n]
        );
        if l.leads == 1 && l.primary_of != u32::MAX {
            assert_eq!(leads[n], [l.primary_of as usize]);
        }
        assert_eq!(m.led_by(n), leads[n].first().copied());
    }
    if !st.stale {
        for (i, node) in m.nodes.iter().enumerate() {
            assert_eq!(m.find_node(&node.host, node.port), Some(i));
        }
        assert_eq!(st.by_addr.len(), m.nodes.len());
    }
    for s in &m.shards {
        assert!(!s.replicas.contains(&s.primary));
    }
}

/// The documented meaning of `MOVED`, over names instead of indexes: each
/// slot's primary and replicas.
#[derive(Clone, Debug, Default)]
struct Model {
    /// (primary, replicas, slots served).
    shards: Vec<(String, Vec<String>, usize)>,
    owner: Vec<Option<usize>>,
}

/// A slot's primary and replicas, by name (`None`: unserved).
type SlotView = Option<(String, Vec<String>)>;

/// The slots the model follows (the maps it is used on serve no others).
const MODEL_SLOTS: u16 = 12;

impl Model {
    fn of(m: &SlotMap) -> Model {
        let owner: Vec<Option<usize>> = (0..MODEL_SLOTS).map(|x| m.shard_of_slot(x).ok()).collect();
        let shards = m
            .shards()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    addr(m, s.primary),
                    s.replicas.iter().map(|&r| addr(m, r)).collect(),
                    owner.iter().filter(|&&o| o == Some(i)).count(),
                )
            })
            .collect();
        Model { shards, owner }
    }

    fn moved(&mut self, slot: usize, to: &str) {
        let cur = self.owner[slot];
        if let Some(c) = cur {
            let (p, r, _) = &mut self.shards[c];
            if p == to {
                return;
            }
            if let Some(i) = r.iter().position(|x| x == to) {
                core::mem::swap(p, &mut r[i]);
                return;
            }
        }
        let target = match self.shards.iter().position(|s| s.0 == to) {
            Some(t) => t,
            None => {
                self.shards.push((to.to_string(), Vec::new(), 0));
                self.shards.len() - 1
            }
        };
        self.shards[target].2 += 1;
        self.owner[slot] = Some(target);
        if let Some(c) = cur {
            self.shards[c].2 -= 1;
            if self.shards[c].2 == 0 {
                // The last shard takes the freed place.
                let last = self.shards.len() - 1;
                self.shards.swap_remove(c);
                for o in self.owner.iter_mut().flatten() {
                    if *o == last {
                        *o = c;
                    }
                }
            }
        }
    }

    /// Per slot: primary and replicas; and every node name listed.
    fn view(&self) -> (Vec<SlotView>, Vec<String>) {
        let slots = self
            .owner
            .iter()
            .map(|o| o.map(|s| (self.shards[s].0.clone(), self.shards[s].1.clone())))
            .collect();
        let mut names: Vec<String> = self
            .shards
            .iter()
            .flat_map(|(p, r, _)| core::iter::once(p.clone()).chain(r.iter().cloned()))
            .collect();
        names.sort();
        names.dedup();
        (slots, names)
    }
}

fn names(m: &SlotMap) -> Vec<String> {
    let mut v: Vec<String> = (0..m.nodes().len()).map(|n| addr(m, n)).collect();
    v.sort();
    v
}

mod moved_props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any sequence of `MOVED`s (to primaries, replicas, known and new
        /// nodes) leaves the map as the documented meaning says, with no
        /// node that serves nothing and consistent bookkeeping.
        #[test]
        fn moved_sequences_match_the_model(
            steps in proptest::collection::vec((0u16..12, 0usize..12), 1..60)
        ) {
            // Three shards of four slots each (slots 0..12), the rest unserved.
            let nodes = |p: i64, r: i64| vec![node(s("10.0.0.1"), p), node(s("10.0.0.1"), r)];
            let reply = Value::Array(vec![
                range(0, 3, nodes(7000, 7100)),
                range(4, 7, nodes(7001, 7101)),
                range(8, 11, nodes(7002, 7102)),
            ]);
            let mut m = SlotMap::from_slots(&reply, None).unwrap();
            let mut model = Model::of(&m);
            for (slot, to) in steps {
                // Ports 7000..7002 primaries, 7100..7102 replicas, 7200.. new.
                let port = [7000, 7001, 7002, 7100, 7101, 7102, 7200, 7201, 7202, 7203, 7204, 7205][to];
                let text = alloc::format!("MOVED {slot} 10.0.0.1:{port}");
                m.apply_redirect(&text, None).unwrap();
                model.moved(slot as usize, &alloc::format!("10.0.0.1:{port}"));
                check_invariants(&m);
                let (want, want_nodes) = model.view();
                let got = Model::of(&m).view().0;
                prop_assert_eq!(got, want, "after {}", text);
                prop_assert_eq!(names(&m), want_nodes);
                for &c in m.redirect_changes() {
                    prop_assert!(c < m.nodes().len());
                }
            }
        }
    }
}

#[test]
fn redirect_changes_name_the_nodes_to_refresh() {
    let mut m = SlotMap::from_slots(&three_shards(), None).unwrap();
    assert!(m.redirect_changes().is_empty());
    // A failover: both nodes change role.
    m.apply_redirect("MOVED 0 10.0.0.4:7003", None).unwrap();
    let mut c = m.redirect_changes().to_vec();
    c.sort();
    assert_eq!(c, [0, 1]);
    // A new node: appended.
    m.apply_redirect("MOVED 1 10.9.9.9:1", None).unwrap();
    assert_eq!(m.redirect_changes(), [6]);
    // A shard left without slots is dropped with its nodes; the last nodes
    // take their places.
    let mut m = SlotMap::from_slots(
        &Value::Array(vec![
            range(0, 0, vec![node(s("a"), 1), node(s("b"), 1)]),
            range(1, 16383, vec![node(s("c"), 1), node(s("d"), 1)]),
        ]),
        None,
    )
    .unwrap();
    let before = m.nodes().to_vec();
    m.apply_redirect("MOVED 0 e:1", None).unwrap();
    assert_eq!(names(&m), ["c:1", "d:1", "e:1"]);
    let c = m.redirect_changes().to_vec();
    assert_eq!(c, [0, 1]);
    // Every index whose node differs from before is listed.
    for (i, (now, was)) in m.nodes().iter().zip(&before).enumerate() {
        assert_eq!(now != was, c.contains(&i), "{i} {c:?}");
    }
    check_invariants(&m);
}

/// `n` shards: shard `i` has primary `10.<i>:7000`; shards `owning..`
/// serve one slot each, the others none.
fn many_shards(n: usize, owning: usize) -> Value {
    let shards = (0..n)
        .map(|i| {
            let slots = if i >= owning {
                let slot = (i - owning) as i64;
                vec![Value::Int(slot), Value::Int(slot)]
            } else {
                vec![]
            };
            let host = alloc::format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            Value::Map(vec![
                (s("slots"), Value::Array(slots)),
                (
                    s("nodes"),
                    Value::Array(vec![Value::Map(vec![
                        (s("port"), Value::Int(7000)),
                        (s("endpoint"), s(&host)),
                        (s("role"), s("master")),
                    ])]),
                ),
            ])
        })
        .collect();
    Value::Array(shards)
}

#[test]
fn more_than_65535_shards_are_refused_never_misrouted() {
    // 70,000 shards; the last 4,465 serve slots 0..4464. Shard indexes past
    // 65535 once wrapped onto shard 0 and routed slot 0 to 10.0.0.0.
    let reply = many_shards(70_000, 65_535);
    assert_eq!(
        SlotMap::from_shards(&reply, None),
        Err(TopologyError::TooManyShards { max: MAX_SHARDS })
    );
    // 65,535 shards fit, and route right.
    let reply = many_shards(MAX_SHARDS, MAX_SHARDS - 16384);
    let m = SlotMap::from_shards(&reply, None).unwrap();
    assert_eq!(m.shards().len(), MAX_SHARDS);
    for slot in [0u16, 1, 4464, 16383] {
        let i = MAX_SHARDS - 16384 + slot as usize;
        let (n, _) = m.node_for_slot(slot, ReadFrom::Primary).unwrap();
        assert_eq!(
            addr(&m, n),
            alloc::format!("10.{}.{}.{}:7000", i >> 16, (i >> 8) & 255, i & 255)
        );
    }
}

#[test]
fn seventy_thousand_moveds_to_new_nodes_route_right_and_forget_the_rest() {
    // Each MOVED names a node never seen: before, the map grew by a shard
    // and a node each time, found nodes by scanning them all (97 s for
    // these), and past 65,535 shards routed slots to the wrong node.
    let mut m = SlotMap::from_slots(&three_shards(), None).unwrap();
    let n = 70_000usize;
    for i in 0..n {
        let slot = (i * 7) % 16384;
        let text = alloc::format!(
            "MOVED {slot} 10.{}.{}.{}:{}",
            i >> 16,
            (i >> 8) & 255,
            i & 255,
            7000 + i % 7
        );
        m.apply_redirect(&text, None).unwrap();
        let (node, _) = m.node_for_slot(slot as u16, ReadFrom::Primary).unwrap();
        assert_eq!(alloc::format!("MOVED {slot} {}", addr(&m, node)), text);
    }
    // Every slot was moved at least 4 times; the last MOVED of each wins,
    // and only its node is left.
    assert_eq!(m.shards().len(), 16384);
    assert_eq!(m.nodes().len(), 16384);
    check_invariants(&m);
    for i in n - 16384..n {
        let slot = ((i * 7) % 16384) as u16;
        let (node, role) = m.node_for_slot(slot, ReadFrom::PreferReplica).unwrap();
        assert_eq!(role, Role::Primary);
        assert_eq!(m.nodes()[node].port as usize, 7000 + i % 7);
    }
}

#[test]
fn a_moved_past_the_shard_limit_is_refused_and_changes_nothing() {
    // A full map: 65,535 shards, the last 16,384 serving one slot each.
    let mut m = SlotMap::from_shards(&many_shards(MAX_SHARDS, MAX_SHARDS - 16384), None).unwrap();
    // A slot whose shard serves only it can go to a new node: its shard is
    // dropped as the new one is made.
    m.apply_redirect("MOVED 7 192.168.0.1:1", None).unwrap();
    assert_eq!(m.shards().len(), MAX_SHARDS);
    let (n, _) = m.node_for_slot(7, ReadFrom::Primary).unwrap();
    assert_eq!(addr(&m, n), "192.168.0.1:1");
    check_invariants(&m);
    // A full map whose last shard serves two slots: moving one of them to a
    // new node needs a shard more than the map holds.
    let mut shards = match many_shards(MAX_SHARDS, MAX_SHARDS - 16383) {
        Value::Array(a) => a,
        _ => unreachable!(),
    };
    if let Some(Value::Map(fields)) = shards.last_mut() {
        fields[0].1 = Value::Array(vec![Value::Int(16382), Value::Int(16383)]);
    }
    let mut m = SlotMap::from_shards(&Value::Array(shards), None).unwrap();
    assert_eq!(m.shards().len(), MAX_SHARDS);
    let before = m.clone();
    let nodes = m.nodes().len();
    assert_eq!(
        m.apply_redirect("MOVED 16383 192.168.0.3:1", None),
        Err(RedirectError::TooManyShards)
    );
    assert_eq!(m, before);
    assert_eq!(m.nodes().len(), nodes);
    assert_eq!(m.find_node("192.168.0.3", 1), None);
    // Moving it to a known primary still works.
    let (other, _) = m.node_for_slot(0, ReadFrom::Primary).unwrap();
    let other = addr(&m, other);
    m.apply_redirect(&alloc::format!("MOVED 16383 {other}"), None)
        .unwrap();
    assert_eq!(m.shards().len(), MAX_SHARDS);
    check_invariants(&m);
}

#[test]
fn replies_with_more_ranges_than_slots_are_refused_at_once() {
    // 100,000 ranges claiming every slot for the same node: before, each
    // range walked its 16,384 slots again (1.6 billion steps); now the
    // second claim of slot 0 is an error.
    let one = range(0, 16383, vec![node(s("10.0.0.1"), 7000)]);
    let reply = Value::Array(vec![one; 100_000]);
    assert_eq!(
        SlotMap::from_slots(&reply, None),
        Err(TopologyError::Overlap {
            slot: 0,
            first: "10.0.0.1:7000".into(),
            second: "10.0.0.1:7000".into()
        })
    );
    assert_eq!(
        SlotMap::from_slots(&reply, None).unwrap_err().to_string(),
        "slot 0 is claimed twice by 10.0.0.1:7000"
    );
    // The largest valid reply: one range per slot, each with its own
    // primary and three replicas (65,536 nodes, in descending address order:
    // a sorted list of nodes would shift them all for each new one); nodes
    // were found by scanning all of them before (2 billion comparisons).
    let host = |i: usize| {
        let i = 65535 - i;
        Value::str(&alloc::format!(
            "10.{}.{}.{}",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        ))
    };
    let reply = Value::Array(
        (0..16384)
            .map(|slot| {
                let nodes = (0..4).map(|r| node(host(4 * slot + r), 7000)).collect();
                range(slot as i64, slot as i64, nodes)
            })
            .collect(),
    );
    let m = SlotMap::from_slots(&reply, None).unwrap();
    assert_eq!((m.shards().len(), m.nodes().len()), (16384, 65536));
    let (n, _) = m.node_for_slot(12345, ReadFrom::Primary).unwrap();
    assert_eq!(addr(&m, n), "10.0.63.27:7000");
    assert_eq!(
        m.shards()[m.shard_of_slot(12345).unwrap()].replicas.len(),
        3
    );
    check_invariants(&m);
}
