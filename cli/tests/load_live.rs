//! Load-aware resharding on real clusters. Two identical 3-primary
//! clusters hold the same skewed key set: 70% of the keys tagged into 120
//! slots of the first primary. On the first, `keyroute plan rebalance --by
//! keys --load-tolerance 5` plans and its legacy script is run; on the
//! second, `redis-cli --cluster rebalance`. Both are then measured with
//! `CLUSTER COUNTKEYSINSLOT`: keyroute must leave every primary within 5%
//! of its share, lose no key, and move no more than 5% above the plan's
//! lower bound; redis-cli's imbalance and keys moved are printed beside.

#[path = "../../core/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{Cluster, Conn};
use keyroute::cluster::{ReadFrom, SlotMap, Value};

const HOT_SLOTS: usize = 120;
const HOT_KEYS: usize = 14_000;
const COLD_KEYS: usize = 6_000;

fn keyroute(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_keyroute"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keyroute {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn shards(port: u16) -> SlotMap {
    SlotMap::from_shards(
        &Conn::open(port).cmd("CLUSTER SHARDS").unwrap(),
        Some("127.0.0.1"),
    )
    .unwrap()
}

/// The skewed key set: (key, value).
fn keys(first_primary: (u16, u16)) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    let mut slots = std::collections::BTreeSet::new();
    for i in 0.. {
        let tag = format!("hot{i}");
        let s = keyroute::key_slot(tag.as_bytes());
        if (first_primary.0..=first_primary.1).contains(&s) && slots.insert(s) {
            tags.push(tag);
            if tags.len() == HOT_SLOTS {
                break;
            }
        }
    }
    let hot = (0..HOT_KEYS).map(|k| format!("{{{}}}:{k}", tags[k % HOT_SLOTS]));
    let cold = (0..COLD_KEYS).map(|k| format!("cold:{k}"));
    hot.chain(cold)
        .enumerate()
        .map(|(i, k)| (k, format!("v{i}")))
        .collect()
}

fn write(port: u16, keys: &[(String, String)]) {
    let map = shards(port);
    for g in map
        .group_by_node(keys.iter().map(|(k, _)| k.as_bytes()), ReadFrom::Primary)
        .unwrap()
    {
        let cmds: Vec<Vec<Vec<u8>>> = g
            .slots
            .iter()
            .flat_map(|s| &s.positions)
            .map(|&p| {
                let (k, v) = &keys[p];
                vec![
                    b"SET".to_vec(),
                    k.clone().into_bytes(),
                    v.clone().into_bytes(),
                ]
            })
            .collect();
        let mut c = Conn::open(map.nodes()[g.node].port);
        assert!(c.pipeline(&cmds).iter().all(|r| r.is_ok()));
    }
}

/// Per slot: (owner's port, keys), measured with CLUSTER COUNTKEYSINSLOT
/// on each primary for the slots it serves.
fn measure(port: u16) -> Vec<(u16, u64)> {
    let map = shards(port);
    let mut out = vec![(0u16, 0u64); 16384];
    let mut by_port: BTreeMap<u16, Vec<u16>> = BTreeMap::new();
    for s in 0..16384u16 {
        let (n, _) = map.node_for_slot(s, ReadFrom::Primary).unwrap();
        by_port.entry(map.nodes()[n].port).or_default().push(s);
    }
    for (p, slots) in by_port {
        let cmds: Vec<Vec<Vec<u8>>> = slots
            .iter()
            .map(|s| {
                ["CLUSTER", "COUNTKEYSINSLOT", &s.to_string()]
                    .iter()
                    .map(|w| w.as_bytes().to_vec())
                    .collect()
            })
            .collect();
        for (s, r) in slots.iter().zip(Conn::open(p).pipeline(&cmds)) {
            let Ok(Value::Int(n)) = r else {
                panic!("{r:?}")
            };
            out[*s as usize] = (p, n as u64);
        }
    }
    out
}

/// (keys per primary port, largest over mean as a ratio).
fn per_node(m: &[(u16, u64)]) -> (BTreeMap<u16, u64>, f64) {
    let mut per: BTreeMap<u16, u64> = BTreeMap::new();
    for &(p, n) in m {
        *per.entry(p).or_default() += n;
    }
    let total: u64 = per.values().sum();
    let max = *per.values().max().unwrap();
    (per.clone(), max as f64 * per.len() as f64 / total as f64)
}

/// Keys whose slot changed owner between two measurements.
fn moved(before: &[(u16, u64)], after: &[(u16, u64)]) -> u64 {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.0 != a.0)
        .map(|(b, _)| b.1)
        .sum()
}

fn read_back(port: u16, keys: &[(String, String)]) -> usize {
    let map = shards(port);
    let mut lost = 0;
    for g in map
        .group_by_node(keys.iter().map(|(k, _)| k.as_bytes()), ReadFrom::Primary)
        .unwrap()
    {
        let positions: Vec<usize> = g.slots.iter().flat_map(|s| s.positions.clone()).collect();
        let cmds: Vec<Vec<Vec<u8>>> = positions
            .iter()
            .map(|&p| vec![b"GET".to_vec(), keys[p].0.clone().into_bytes()])
            .collect();
        let replies = Conn::open(map.nodes()[g.node].port).pipeline(&cmds);
        for (&p, r) in positions.iter().zip(replies) {
            if r != Ok(Value::str(&keys[p].1)) {
                lost += 1;
            }
        }
    }
    lost
}

#[test]
fn load_plan_on_a_skewed_cluster_against_redis_cli() {
    let ours = Cluster::start_with(&["--replicas", "0"]);
    let theirs = Cluster::start_with(&["--replicas", "0"]);
    let (a, b) = (ours.ports[0], theirs.ports[0]);
    assert_eq!(shards(a).shards().len(), 3);
    // Both clusters were created alike: the first primary serves 0-5460.
    let keys = keys((0, 5460));
    write(a, &keys);
    write(b, &keys);
    let start_a = measure(a);
    let start_b = measure(b);
    let counts = |m: &[(u16, u64)]| m.iter().map(|x| x.1).collect::<Vec<_>>();
    assert_eq!(
        counts(&start_a),
        counts(&start_b),
        "the two clusters hold the same keys per slot"
    );
    let (_, skew) = per_node(&start_a);

    // keyroute: plan, then run the script it wrote.
    let seed = format!("127.0.0.1:{a}");
    let plan_args = [
        "plan",
        "rebalance",
        "--cluster",
        &seed,
        "--by",
        "keys",
        "--load-tolerance",
        "5",
    ];
    let json = keyroute(&[&plan_args[..], &["--format", "json"]].concat());
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let script = keyroute(&[&plan_args[..], &["--format", "legacy"]].concat());
    let script = String::from_utf8(script.stdout).unwrap();
    let fingerprint = plan["state_fingerprint"].as_str().unwrap();
    assert!(script.contains(fingerprint), "the script is the same plan");
    let load = &plan["load"];
    assert_eq!(load["within_tolerance"], true);
    let bound = load["lower_bound"].as_u64().unwrap();
    let planned = load["moved"].as_u64().unwrap();
    let path = std::env::temp_dir().join(format!("keyroute-load-{}.sh", std::process::id()));
    std::fs::write(&path, &script).unwrap();
    let run = Command::new("sh").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let end_a = measure(a);
    let (per, ours_imbalance) = per_node(&end_a);
    let total: u64 = per.values().sum();
    assert_eq!(total as usize, keys.len());
    for (port, &n) in &per {
        // Equal weights: the target is a third of the keys.
        let dev = (n as f64 * 3.0 - total as f64).abs() / total as f64;
        assert!(dev <= 0.05, "primary {port} holds {n} of {total} keys");
    }
    assert_eq!(read_back(a, &keys), 0, "keys lost after keyroute's plan");
    let ours_moved = moved(&start_a, &end_a);
    assert_eq!(ours_moved, planned, "the script moved what the plan said");
    assert!(ours_moved >= bound);
    assert!(
        ours_moved as f64 <= bound as f64 * 1.05,
        "moved {ours_moved}, lower bound {bound}"
    );

    // redis-cli on the identical cluster.
    let rc = Command::new("redis-cli")
        .args(["--cluster", "rebalance", &format!("127.0.0.1:{b}")])
        .output()
        .unwrap();
    // Its verdict: the last line with text, without terminal colour codes.
    let rc_text = String::from_utf8_lossy(&rc.stdout);
    let plain = |l: &str| {
        let mut out = String::new();
        let mut esc = false;
        for c in l.chars() {
            match c {
                '\u{1b}' => esc = true,
                'm' if esc => esc = false,
                _ if esc => {}
                c => out.push(c),
            }
        }
        out.trim().to_string()
    };
    let last = rc_text
        .lines()
        .rev()
        .map(plain)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let end_b = measure(b);
    let (_, theirs_imbalance) = per_node(&end_b);
    assert_eq!(read_back(b, &keys), 0);
    let theirs_moved = moved(&start_b, &end_b);

    println!(
        "skewed start: {} keys, imbalance (largest primary / mean) {skew:.4}",
        keys.len()
    );
    println!(
        "keyroute --by keys --load-tolerance 5: imbalance {ours_imbalance:.4}, keys moved \
         {ours_moved} (lower bound {bound})"
    );
    println!(
        "redis-cli --cluster rebalance: imbalance {theirs_imbalance:.4}, keys moved \
         {theirs_moved} ({last})"
    );
    assert!(ours_imbalance <= 1.05 && ours_imbalance < theirs_imbalance);
}
