//! Every partition vector answered by a real implementation
//! (`tests/vectors/partition/*.json`, written by the `tests/oracles/` scripts)
//! must be reproduced exactly.

use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::hash::CharSign;
use keyroute::partition::{Distribution, Partitioner, Server, Twemproxy};
use serde_json::Value;

const TWEMPROXY: &str = include_str!("../../tests/vectors/partition/twemproxy.json");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn keys(doc: &Value, field: &str) -> Vec<(String, Vec<u8>)> {
    doc[field]
        .as_array()
        .expect("key list")
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap().to_owned(),
                unhex(k["key"].as_str().unwrap()),
            )
        })
        .collect()
}

fn nodes(pool: &Value) -> Vec<usize> {
    pool["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n.as_u64().unwrap() as usize)
        .collect()
}

/// Runs `route` over every pool and reports all mismatches at once.
fn check_all(
    doc: &Value,
    min_pools: usize,
    route: impl Fn(&Value) -> Box<dyn Fn(&[u8]) -> usize>,
) -> usize {
    let base = keys(doc, "keys");
    let bulk = keys(doc, "bulk_keys");
    let pools = doc["pools"].as_array().expect("pools");
    assert!(pools.len() >= min_pools, "only {} pools", pools.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for pool in pools {
        let name = pool["name"].as_str().unwrap();
        let want = nodes(pool);
        let f = route(pool);
        let all: Vec<&(String, Vec<u8>)> = if pool["bulk"].as_bool().unwrap_or(false) {
            base.iter().chain(&bulk).collect()
        } else {
            base.iter().collect()
        };
        assert_eq!(all.len(), want.len(), "{name}: answer count");
        for ((kname, key), &w) in all.iter().map(|k| (&k.0, &k.1)).zip(&want) {
            let got = f(key);
            checked += 1;
            if got != w {
                failures.push(format!("{name} key {kname}: real {w}, keyroute {got}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    checked
}

/// The `servers:` entries of a one-pool nutcracker YAML.
fn yaml_servers(yaml: &str) -> Vec<Server> {
    yaml.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(|l| Server::parse_nutcracker(l).expect("server line"))
        .collect()
}

#[test]
fn twemproxy_matches_nutcracker() {
    let doc: Value = serde_json::from_str(TWEMPROXY).unwrap();
    let n = check_all(&doc, 700, |pool| {
        let servers = yaml_servers(pool["yaml"].as_str().unwrap());
        let hash: TwemproxyHash = pool["hash"].as_str().unwrap().parse().unwrap();
        let dist = match pool["distribution"].as_str().unwrap() {
            "ketama" => Distribution::Ketama,
            _ => Distribution::Modula,
        };
        let tag = pool["hash_tag"].as_str().map(|t| {
            let b = t.as_bytes();
            [b[0], b[1]]
        });
        let tw = Twemproxy::from_servers(&servers, hash, dist, tag, CharSign::Signed).unwrap();
        Box::new(move |k: &[u8]| tw.node_for(k))
    });
    assert!(n > 250_000);
}
