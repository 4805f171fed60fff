//! `keyroute node` against a real 6-node cluster: every printed node accepts
//! the key without redirect, live and from a saved `redis-cli --json` reply.

#[path = "../../core/tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::{Cluster, Conn};

fn keyroute(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keyroute"))
        .args(args)
        .output()
        .unwrap()
}

/// (slot, port, role) per output line.
fn parse(out: &std::process::Output) -> Vec<(u16, u16, String)> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let (host, port) = f[1].rsplit_once(':').unwrap();
            assert_eq!(host, "127.0.0.1");
            (
                f[0].parse().unwrap(),
                port.parse().unwrap(),
                f[2].to_string(),
            )
        })
        .collect()
}

#[test]
fn node_command_on_a_real_cluster() {
    let cluster = Cluster::start();
    let seed = format!("127.0.0.1:{}", cluster.ports[0]);
    let keys: Vec<String> = (0..300)
        .map(|i| format!("user:{i}"))
        .chain(["foo{}{bar}".into(), "{a}b".into()])
        .collect();
    let mut args = vec!["node", "--cluster", &seed];
    args.extend(keys.iter().map(String::as_str));
    let live = parse(&keyroute(&args));
    assert_eq!(live.len(), keys.len());
    for (key, (slot, port, role)) in keys.iter().zip(&live) {
        assert_eq!(*slot, keyroute::key_slot(key.as_bytes()));
        assert_eq!(role, "primary");
        let r = Conn::open(*port).call(&[b"SET", key.as_bytes(), b"1"]);
        assert!(r.is_ok(), "{key} on {port}: {r:?}");
    }

    // A reply saved by redis-cli, RESP3 (maps) and RESP2 (flat arrays).
    for proto in ["-3", "-2"] {
        let port = cluster.ports[0].to_string();
        let saved = Command::new("redis-cli")
            .args(["-p", &port, proto, "--json", "CLUSTER", "SHARDS"])
            .output()
            .expect("redis-cli");
        assert!(saved.status.success());
        let path = std::env::temp_dir().join(format!(
            "keyroute-shards{proto}-{}.json",
            std::process::id()
        ));
        std::fs::write(&path, &saved.stdout).unwrap();
        let mut args = vec!["node", "--shards-json", path.to_str().unwrap()];
        args.extend(keys.iter().map(String::as_str));
        assert_eq!(
            parse(&keyroute(&args)),
            live,
            "saved with redis-cli {proto}"
        );
        std::fs::remove_file(path).unwrap();
    }

    // A balanced cluster needs no moves.
    let o = keyroute(&["plan", "rebalance", "--cluster", &seed, "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            plan["moves_total"].as_u64(),
            plan["nodes"].as_array().map(Vec::len)
        ),
        (Some(0), Some(3))
    );

    // Replica reads.
    let mut args = vec!["node", "--cluster", &seed, "--read-from", "prefer-replica"];
    args.extend(keys.iter().map(String::as_str));
    for (key, (_, port, role)) in keys.iter().zip(parse(&keyroute(&args))) {
        assert_eq!(role, "replica");
        let mut c = Conn::open(port);
        c.cmd("READONLY").unwrap();
        assert!(
            c.call(&[b"GET", key.as_bytes()]).is_ok(),
            "{key} on replica {port}"
        );
    }
}

#[test]
fn node_command_errors() {
    let missing = keyroute(&["node", "k"]);
    assert_eq!(missing.status.code(), Some(2));
    let bad = keyroute(&["node", "--shards-json", "/nonexistent.json", "k"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent.json"));
    let path = std::env::temp_dir().join(format!("keyroute-bad-{}.json", std::process::id()));
    std::fs::write(&path, r#"[{"slots": [0, 99999], "nodes": []}]"#).unwrap();
    let out = keyroute(&["node", "--shards-json", path.to_str().unwrap(), "k"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad slot range"),
        "{out:?}"
    );
    std::fs::write(&path, r#"[[0, 99, ["10.0.0.1", 7000]]]"#).unwrap();
    let out = keyroute(&["node", "--slots-json", path.to_str().unwrap(), "foo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not served"),
        "{out:?}"
    );
    std::fs::remove_file(path).unwrap();
    let out = keyroute(&["node", "--cluster", "127.0.0.1:1", "k"]);
    assert_eq!(out.status.code(), Some(1));
}
