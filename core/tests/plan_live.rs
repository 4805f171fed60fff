//! A resharding plan carried out on a real cluster with the legacy protocol:
//! 3 primaries holding keys, 2 empty primaries joined; the final layout must
//! equal the plan, no key may be lost, and the plan must move no more slots
//! than `redis-cli --cluster rebalance --cluster-use-empty-masters` would.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{text, Cluster, Conn};
use keyroute::cluster::{ReadFrom, SlotMap, Value};
use keyroute::plan::Rebalance;

fn shards(port: u16) -> SlotMap {
    SlotMap::from_shards(
        &Conn::open(port).cmd("CLUSTER SHARDS").unwrap(),
        Some("127.0.0.1"),
    )
    .unwrap()
}

#[test]
fn rebalance_a_real_cluster() {
    let cluster = Cluster::start_with(&["--replicas", "0", "--spare", "2"]);
    let seed = cluster.ports[0];
    let map = shards(seed);
    let keys: Vec<String> = (0..5000).map(|i| format!("key:{i}")).collect();
    for g in map
        .group_by_node(keys.iter().map(|k| k.as_bytes()), ReadFrom::Primary)
        .unwrap()
    {
        let mut c = Conn::open(map.nodes()[g.node].port);
        let cmds: Vec<Vec<Vec<u8>>> = g
            .slots
            .iter()
            .flat_map(|s| &s.positions)
            .map(|&p| {
                vec![
                    b"SET".to_vec(),
                    keys[p].clone().into_bytes(),
                    p.to_string().into_bytes(),
                ]
            })
            .collect();
        assert!(c.pipeline(&cmds).iter().all(|r| r.is_ok()));
    }

    let nodes_text = text(&Conn::open(seed).cmd("CLUSTER NODES").unwrap());
    let plan = Rebalance::from_cluster_nodes(&nodes_text)
        .unwrap()
        .plan()
        .unwrap();
    assert_eq!(plan.nodes.len(), 5);
    assert_eq!(plan.moves_total(), plan.lower_bound);

    // What redis-cli would move on the same cluster.
    let sim = Command::new("redis-cli")
        .args([
            "--cluster",
            "rebalance",
            &format!("127.0.0.1:{seed}"),
            "--cluster-use-empty-masters",
            "--cluster-simulate",
        ])
        .output()
        .unwrap();
    let redis_cli: u32 = String::from_utf8_lossy(&sim.stdout)
        .lines()
        // Lines may start with a terminal colour code.
        .filter_map(|l| {
            l.split_once("Moving ")?
                .1
                .split(' ')
                .next()?
                .parse::<u32>()
                .ok()
        })
        .sum();
    println!(
        "keyroute moves {} slots, redis-cli would move {redis_cli}",
        plan.moves_total()
    );
    assert!(redis_cli > 0 && plan.moves_total() <= redis_cli);

    // Carry it out, slot by slot, with the legacy protocol.
    let port_of: HashMap<&str, u16> = plan
        .nodes
        .iter()
        .map(|n| {
            (
                n.id.as_str(),
                n.addr
                    .as_ref()
                    .unwrap()
                    .rsplit_once(':')
                    .unwrap()
                    .1
                    .parse()
                    .unwrap(),
            )
        })
        .collect();
    let mut conns: HashMap<&str, Conn> = port_of
        .iter()
        .map(|(id, &p)| (*id, Conn::open(p)))
        .collect();
    for m in &plan.moves {
        for &(a, b) in &m.ranges {
            for slot in a..=b {
                let s = slot.to_string();
                conns
                    .get_mut(m.to.as_str())
                    .unwrap()
                    .cmd(&format!("CLUSTER SETSLOT {s} IMPORTING {}", m.from))
                    .unwrap();
                conns
                    .get_mut(m.from.as_str())
                    .unwrap()
                    .cmd(&format!("CLUSTER SETSLOT {s} MIGRATING {}", m.to))
                    .unwrap();
                loop {
                    let src = conns.get_mut(m.from.as_str()).unwrap();
                    let Value::Array(batch) =
                        src.cmd(&format!("CLUSTER GETKEYSINSLOT {s} 100")).unwrap()
                    else {
                        panic!()
                    };
                    if batch.is_empty() {
                        break;
                    }
                    let port = port_of[m.to.as_str()].to_string();
                    let mut argv: Vec<Vec<u8>> =
                        ["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "KEYS"]
                            .iter()
                            .map(|x| x.as_bytes().to_vec())
                            .collect();
                    argv.extend(batch.into_iter().map(|k| match k {
                        Value::Bytes(b) => b,
                        other => panic!("{other:?}"),
                    }));
                    let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
                    src.call(&refs).unwrap();
                }
                // Target first, then the source, then every other master.
                let mut order = vec![m.to.as_str(), m.from.as_str()];
                order.extend(
                    port_of
                        .keys()
                        .copied()
                        .filter(|id| *id != m.to && *id != m.from),
                );
                for id in order {
                    conns
                        .get_mut(id)
                        .unwrap()
                        .cmd(&format!("CLUSTER SETSLOT {s} NODE {}", m.to))
                        .unwrap();
                }
            }
        }
    }

    // The layout is the plan's, and every key is where routing says.
    let after = shards(seed);
    for n in &plan.nodes {
        let i = after
            .find_node("127.0.0.1", port_of[n.id.as_str()])
            .unwrap();
        let held = (0..16384u16)
            .filter(|&s| after.node_for_slot(s, ReadFrom::Primary).unwrap().0 == i)
            .count() as u32;
        assert_eq!(held, n.target, "{}", n.id);
    }
    let mut lost = 0;
    for (p, k) in keys.iter().enumerate() {
        let (n, _) = after.node_for(k.as_bytes(), ReadFrom::Primary).unwrap();
        match Conn::open(after.nodes()[n].port).call(&[b"GET", k.as_bytes()]) {
            Ok(v) if v == Value::str(&p.to_string()) => {}
            _ => lost += 1,
        }
    }
    assert_eq!(lost, 0, "keys lost or misplaced after the rebalance");
}
