//! Routing against a real Redis Cluster: 3 primaries and 3 replicas of
//! Debian's redis-server on loopback, started by tests/cluster/harness.py.
//! Every key keyroute routes must be accepted by the node it names, with no
//! MOVED; slot migration (ASK, then MOVED) and failover are followed.

mod common;

use std::time::{Duration, Instant};

use common::{text, Cluster, Conn};
use keyroute::cluster::{ReadFrom, RedirectKind, Role, SlotMap, Value};
use keyroute::key_slot;

const VECTORS: &str = include_str!("../../tests/vectors/slots.json");

/// 10,000 keys: every vector key (binary, hash-tag edge forms, up to 64 KiB),
/// then generated ones.
fn keys() -> Vec<Vec<u8>> {
    let doc: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let mut keys: Vec<Vec<u8>> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let h = c["key"].as_str().unwrap();
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect();
    let mut i = 0;
    while keys.len() < 10_000 {
        keys.push(format!("key:{i}:{{t{}}}", i % 97).into_bytes());
        i += 1;
    }
    keys
}

fn maps_from(conn: &mut Conn) -> Vec<(&'static str, SlotMap)> {
    let slots = conn.cmd("CLUSTER SLOTS").unwrap();
    let shards = conn.cmd("CLUSTER SHARDS").unwrap();
    vec![
        (
            "SLOTS",
            SlotMap::from_slots(&slots, Some("127.0.0.1")).unwrap(),
        ),
        (
            "SHARDS",
            SlotMap::from_shards(&shards, Some("127.0.0.1")).unwrap(),
        ),
    ]
}

fn owner(map: &SlotMap, slot: u16, rf: ReadFrom) -> (u16, Role) {
    let (n, role) = map.node_for_slot(slot, rf).unwrap();
    (map.nodes()[n].port, role)
}

/// Writes every key through a plain connection to the node keyroute picks.
fn write_all(map: &SlotMap, keys: &[Vec<u8>]) -> usize {
    let groups = map
        .group_by_node(keys.iter().map(Vec::as_slice), ReadFrom::Primary)
        .unwrap();
    let mut moved = 0;
    for g in groups {
        assert_eq!(g.role, Role::Primary);
        let mut conn = Conn::open(map.nodes()[g.node].port);
        let cmds: Vec<Vec<Vec<u8>>> = g
            .slots
            .iter()
            .flat_map(|s| s.positions.iter())
            .map(|&p| vec![b"SET".to_vec(), keys[p].clone(), p.to_string().into_bytes()])
            .collect();
        for r in conn.pipeline(&cmds) {
            match r {
                Ok(v) => assert_eq!(v, Value::str("OK")),
                Err(e) if e.starts_with("MOVED") => moved += 1,
                Err(e) => panic!("SET failed: {e}"),
            }
        }
    }
    moved
}

#[test]
fn routing_on_a_real_cluster() {
    let cluster = Cluster::start();
    let mut seed = Conn::open(cluster.ports[0]);

    // The same layout from SLOTS and SHARDS, in RESP2 and RESP3.
    let mut maps = maps_from(&mut seed);
    let mut resp3 = Conn::open(cluster.ports[0]);
    resp3.cmd("HELLO 3").unwrap();
    maps.extend(
        maps_from(&mut resp3)
            .into_iter()
            .map(|(n, m)| (if n == "SLOTS" { "SLOTS/3" } else { "SHARDS/3" }, m)),
    );
    let map = maps[1].1.clone();
    assert_eq!(map.shards().len(), 3);
    for (name, m) in &maps {
        assert!(m.unassigned().is_empty(), "{name}");
        for slot in 0..16384 {
            assert_eq!(
                owner(m, slot, ReadFrom::Primary),
                owner(&map, slot, ReadFrom::Primary),
                "{name} slot {slot}"
            );
            assert_eq!(
                owner(m, slot, ReadFrom::PreferReplica).1,
                Role::Replica,
                "{name} slot {slot}"
            );
        }
    }

    // 10,000 keys straight to the chosen primaries: no MOVED.
    let keys = keys();
    assert_eq!(write_all(&map, &keys), 0, "keys sent to the wrong node");

    // Reads on replicas after READONLY are served there, without redirect.
    let groups = map
        .group_by_node(keys.iter().map(Vec::as_slice), ReadFrom::PreferReplica)
        .unwrap();
    assert_eq!(groups.len(), 3);
    for g in groups {
        assert_eq!(g.role, Role::Replica);
        let mut conn = Conn::open(map.nodes()[g.node].port);
        conn.cmd("READONLY").unwrap();
        let cmds: Vec<Vec<Vec<u8>>> = g
            .slots
            .iter()
            .flat_map(|s| &s.positions)
            .map(|&p| vec![b"GET".to_vec(), keys[p].clone()])
            .collect();
        for r in conn.pipeline(&cmds) {
            assert!(r.is_ok(), "replica read redirected: {r:?}");
        }
    }

    migrate_a_slot(&map);
    failover(&cluster, &mut seed);
}

/// Moves the slot of one key to another primary with the legacy protocol,
/// observing ASK during the move and MOVED after it.
fn migrate_a_slot(map: &SlotMap) {
    let mut map = map.clone();
    let key = b"{migrating}key";
    let slot = key_slot(key);
    let (src, _) = map.node_for_slot(slot, ReadFrom::Primary).unwrap();
    let dst = map
        .shards()
        .iter()
        .map(|s| s.primary)
        .find(|&p| p != src)
        .unwrap();
    let id = |n: usize| map.nodes()[n].id.clone().expect("SHARDS gives node ids");
    let (src_id, dst_id) = (id(src), id(dst));
    let (src_port, dst_port) = (map.nodes()[src].port, map.nodes()[dst].port);
    let mut a = Conn::open(src_port);
    let mut b = Conn::open(dst_port);
    a.call(&[b"SET", key, b"v1"]).unwrap();
    b.cmd(&format!("CLUSTER SETSLOT {slot} IMPORTING {src_id}"))
        .unwrap();
    a.cmd(&format!("CLUSTER SETSLOT {slot} MIGRATING {dst_id}"))
        .unwrap();
    a.call(&[
        b"MIGRATE",
        b"127.0.0.1",
        dst_port.to_string().as_bytes(),
        b"",
        b"0",
        b"5000",
        b"KEYS",
        key,
    ])
    .unwrap();

    let ask = a.call(&[b"GET", key]).unwrap_err();
    let before = map.clone();
    let r = map.apply_redirect(&ask, Some("127.0.0.1")).unwrap();
    assert_eq!(
        (r.kind, r.slot, r.port),
        (RedirectKind::Ask, slot, dst_port),
        "{ask}"
    );
    assert_eq!(map, before, "ASK must not change the map");
    b.cmd("ASKING").unwrap();
    assert_eq!(b.call(&[b"GET", key]).unwrap(), Value::str("v1"));

    for port in map
        .shards()
        .iter()
        .map(|s| map.nodes()[s.primary].port)
        .collect::<Vec<_>>()
    {
        let mut c = Conn::open(port);
        c.cmd(&format!("CLUSTER SETSLOT {slot} NODE {dst_id}"))
            .unwrap();
    }
    let moved = a.call(&[b"GET", key]).unwrap_err();
    let r = map.apply_redirect(&moved, Some("127.0.0.1")).unwrap();
    assert_eq!((r.kind, r.slot), (RedirectKind::Moved, slot), "{moved}");
    assert_eq!(
        map.nodes()[map.node_for(key, ReadFrom::Primary).unwrap().0].port,
        dst_port
    );
    assert_eq!(b.call(&[b"GET", key]).unwrap(), Value::str("v1"));
}

/// A replica takes over with CLUSTER FAILOVER: a refreshed map sends writes
/// to it, and a stale map learns it from the MOVED it gets.
fn failover(cluster: &Cluster, seed: &mut Conn) {
    let stale =
        SlotMap::from_shards(&seed.cmd("CLUSTER SHARDS").unwrap(), Some("127.0.0.1")).unwrap();
    let key = b"{failover}key";
    let slot = key_slot(key);
    let old = stale.node_for_slot(slot, ReadFrom::Primary).unwrap().0;
    let shard = &stale.shards()[stale.shard_of_slot(slot).unwrap()];
    let new_port = stale.nodes()[shard.replicas[0]].port;
    Conn::open(new_port).cmd("CLUSTER FAILOVER").unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    let fresh = loop {
        let m =
            SlotMap::from_shards(&seed.cmd("CLUSTER SHARDS").unwrap(), Some("127.0.0.1")).unwrap();
        if owner(&m, slot, ReadFrom::Primary).0 == new_port {
            break m;
        }
        assert!(Instant::now() < deadline, "failover did not happen");
        std::thread::sleep(Duration::from_millis(100));
    };
    cluster.wait_stable();
    let (n, _) = fresh.node_for(key, ReadFrom::Primary).unwrap();
    assert_eq!(
        Conn::open(fresh.nodes()[n].port)
            .call(&[b"SET", key, b"after"])
            .unwrap(),
        Value::str("OK")
    );

    let mut stale = stale;
    let moved = Conn::open(stale.nodes()[old].port)
        .call(&[b"SET", key, b"x"])
        .unwrap_err();
    assert!(moved.starts_with("MOVED"), "{moved}");
    stale.apply_redirect(&moved, Some("127.0.0.1")).unwrap();
    assert_eq!(owner(&stale, slot, ReadFrom::Primary).0, new_port);
    // The old primary is now the shard's replica in the updated map.
    assert_eq!(
        owner(&stale, slot, ReadFrom::PreferReplica),
        (stale.nodes()[old].port, Role::Replica)
    );
    assert_eq!(
        text(&Conn::open(new_port).call(&[b"GET", key]).unwrap()),
        "after"
    );
}
