use alloc::string::ToString;
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
