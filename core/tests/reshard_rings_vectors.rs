//! Which keys a real nutcracker moves when its pool changes
//! (`tests/vectors/reshard/rings.json`, written by
//! `tests/oracles/reshard_rings.py`): keyroute's moved-key set must be
//! exactly nutcracker's, case by case, and the counts must match the
//! figures of docs/resharding.md, "Ring schemes: moved keys of a sample".

use keyroute::partition::{parse_nutcracker, Pool};
use keyroute::plan::rings::Warning;
use keyroute::plan::RingChange;
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/vectors/reshard/rings.json");
const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn keys(doc: &Value) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| unhex(k["key"].as_str().unwrap()))
        .collect();
    let n = doc["sequential"]["count"].as_u64().unwrap();
    assert_eq!(doc["sequential"]["format"], "key:{i}");
    out.extend((0..n).map(|i| format!("key:{i}").into_bytes()));
    out
}

fn decode(s: &str) -> Vec<usize> {
    s.bytes()
        .map(|b| DIGITS.iter().position(|&d| d == b).expect("digit"))
        .collect()
}

struct Case {
    name: String,
    old: Pool,
    new: Pool,
    /// nutcracker's answers, per key.
    old_nodes: Vec<usize>,
    new_nodes: Vec<usize>,
    json: Value,
}

fn pool(yaml: &str) -> Pool {
    Pool::from_nutcracker(yaml, None).expect("the oracle's yaml")
}

fn cases(doc: &Value) -> Vec<Case> {
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_owned(),
            old: pool(c["old_yaml"].as_str().unwrap()),
            new: pool(c["new_yaml"].as_str().unwrap()),
            old_nodes: decode(c["old_nodes"].as_str().unwrap()),
            new_nodes: decode(c["new_nodes"].as_str().unwrap()),
            json: c.clone(),
        })
        .collect()
}

fn addr(p: &Pool, i: usize) -> String {
    p.servers()[i].address()
}

/// nutcracker's moved keys: (key position, old index, new index).
fn real_moves(c: &Case) -> Vec<(usize, usize, usize)> {
    c.old_nodes
        .iter()
        .zip(&c.new_nodes)
        .enumerate()
        .filter(|&(_, (&i, &j))| addr(&c.old, i) != addr(&c.new, j))
        .map(|(k, (&i, &j))| (k, i, j))
        .collect()
}

#[test]
fn moved_key_sets_equal_nutcracker() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let keys = keys(&doc);
    let cases = cases(&doc);
    assert!(cases.len() >= 13, "only {} cases", cases.len());
    let mut total = 0;
    for c in &cases {
        assert_eq!(c.old_nodes.len(), keys.len(), "{}", c.name);
        // Every key routed as nutcracker routed it, before and after.
        for (k, key) in keys.iter().enumerate() {
            assert_eq!(c.old.index_for(key), c.old_nodes[k], "{} old {k}", c.name);
            assert_eq!(c.new.index_for(key), c.new_nodes[k], "{} new {k}", c.name);
        }
        let want = real_moves(c);
        let change = RingChange::new(&c.old, &c.new);
        // Moved keys come back in the order given: find each one's position
        // by walking the corpus once.
        let mut at = 0;
        let got: Vec<(usize, usize, usize)> = change
            .moved_keys(keys.iter().map(Vec::as_slice))
            .iter()
            .map(|m| {
                while keys[at].as_ptr() != m.key.as_ptr() {
                    at += 1;
                }
                assert_eq!(m.old, c.old.node_for(m.key));
                assert_eq!(m.new, c.new.node_for(m.key));
                (at, m.old_index, m.new_index)
            })
            .collect();
        assert_eq!(got, want, "{}: moved-key sets differ", c.name);
        assert_eq!(
            c.json["keys_moved"].as_u64().unwrap() as usize,
            want.len(),
            "{}",
            c.name
        );
        total += want.len();
    }
    assert!(total > 80_000, "{total} moved keys compared");
}

/// docs/resharding.md, "Ring schemes: moved keys of a sample", over key:0
/// ... key:19999 alone, from nutcracker's own answers (and so from
/// keyroute's, equal above).
#[test]
fn reference_key_counts() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let seq_from = doc["keys"].as_array().unwrap().len();
    let cases = cases(&doc);
    let count = |name: &str| -> (usize, usize) {
        let c = cases.iter().find(|c| c.name == name).unwrap();
        let moves: Vec<_> = real_moves(c)
            .into_iter()
            .filter(|m| m.0 >= seq_from)
            .collect();
        let new_addr = addr(&c.new, c.new.servers().len() - 1);
        let to_new = moves
            .iter()
            .filter(|m| addr(&c.new, m.2) == new_addr)
            .count();
        (moves.len(), to_new)
    };
    assert_eq!(count("ketama-fnv1a_64-3-to-4").0, 4880);
    assert_eq!(count("ketama-md5-3-to-4").0, 4816);
    assert_eq!(count("ketama-fnv1a_64-24-to-25"), (1213, 801));
}

/// What the hash-space figures and warnings say about the same cases.
#[test]
fn fractions_and_warnings_describe_the_cases() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let keys = keys(&doc);
    for c in cases(&doc) {
        let change = RingChange::new(&c.old, &c.new);
        let f = change.fraction().unwrap();
        assert!(f.basis().is_exact(), "{}", c.name);
        let w = change.warnings();
        let flip = w
            .iter()
            .any(|w| matches!(w, Warning::PointCountChange { .. }));
        let between = !f.between_kept().is_zero();
        match c.name.as_str() {
            "ketama-fnv1a_64-24-to-25"
            | "ketama-md5-24-to-25"
            | "ketama-md5-25-to-24"
            | "ketama-md5-49-to-50" => {
                assert!(flip && between, "{}: {w:?}", c.name)
            }
            n if n.starts_with("ketama") && n.contains("-to-") && !n.contains("modula") => {
                assert!(!flip && !between, "{}: {w:?}", c.name)
            }
            _ => {}
        }
        if c.name == "ketama-md5-weights-5" {
            // The total weight changes, so every server's points change.
            assert!(w.iter().any(|w| matches!(w, Warning::WeightChange { .. })));
            assert!(flip && between, "{}: {w:?}", c.name);
        }
        if c.name.contains("addresses") || c.name.starts_with("modula-fnv1a") {
            assert!(w.iter().any(|w| matches!(w, Warning::AddressNames { .. })));
        }
        if c.name == "ketama-fnv1a_64-instance-moves-host" {
            // Aliases fixed: only shard2's keys move, all of them, to its new host.
            assert_eq!(f.moved(), f.old_share(2), "{}", c.name);
            let moved = change.moved_keys(keys.iter().map(Vec::as_slice));
            assert!(moved.iter().all(|m| m.old_index == 2 && m.new_index == 2));
        }
        // md5 spreads sequential keys uniformly: the share of keys that
        // moved is the hash-space share within five standard deviations.
        if c.name.contains("md5") {
            let moved = c
                .old_nodes
                .iter()
                .zip(&c.new_nodes)
                .filter(|&(&i, &j)| addr(&c.old, i) != addr(&c.new, j))
                .count() as f64
                / keys.len() as f64;
            let p = f.moved().as_f64();
            let sd = (p * (1.0 - p) / keys.len() as f64).sqrt();
            assert!(
                (moved - p).abs() < 5.0 * sd + 1e-9,
                "{}: keys {moved}, space {p}",
                c.name
            );
        }
    }
}

#[test]
fn nutcracker_pools_carry_auto_eject() {
    let yaml =
        "a:\n  listen: 127.0.0.1:1\n  auto_eject_hosts: true\n  servers:\n   - 127.0.0.1:6379:1\n";
    let p = &parse_nutcracker(yaml).unwrap()[0];
    let pool = pool(yaml);
    let mut change = RingChange::new(&pool, &pool);
    change.auto_eject_hosts(p.auto_eject_hosts, false);
    assert!(change.warnings().iter().any(|w| matches!(
        w,
        Warning::AutoEjectHosts {
            old: true,
            new: false
        }
    )));
}

/// The same keys through ruby-redis and php-predis themselves: keyroute's
/// moved-key sets equal theirs, and the hash-space figures agree in kind
/// (Predis KetamaRing moves keys between kept servers at its own 156-point
/// step, 48 -> 49; a weight change moves them between kept servers).
#[test]
fn moved_key_sets_equal_ruby_redis_and_predis() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let keys = keys(&doc);
    let cases = doc["client_cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let scheme = c["scheme"].as_str().unwrap().parse().unwrap();
        let list = |side: &str| -> Vec<String> {
            c[side]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        };
        let (old, new) = (
            Pool::new(scheme, list("old")).unwrap(),
            Pool::new(scheme, list("new")).unwrap(),
        );
        let (on, nn) = (
            decode(c["old_nodes"].as_str().unwrap()),
            decode(c["new_nodes"].as_str().unwrap()),
        );
        let want: Vec<(usize, usize, usize)> = on
            .iter()
            .zip(&nn)
            .enumerate()
            .filter(|&(_, (&i, &j))| addr(&old, i) != addr(&new, j))
            .map(|(k, (&i, &j))| (k, i, j))
            .collect();
        let change = RingChange::new(&old, &new);
        let mut at = 0;
        let got: Vec<(usize, usize, usize)> = change
            .moved_keys(keys.iter().map(Vec::as_slice))
            .iter()
            .map(|m| {
                while keys[at].as_ptr() != m.key.as_ptr() {
                    at += 1;
                }
                (at, m.old_index, m.new_index)
            })
            .collect();
        assert_eq!(got, want, "{name}: moved-key sets differ");
        assert_eq!(c["keys_moved"].as_u64().unwrap() as usize, want.len());
        let f = change.fraction().unwrap();
        let flip = change
            .warnings()
            .iter()
            .any(|w| matches!(w, Warning::PointCountChange { .. }));
        assert_eq!(flip, name == "predis-ketama-48-to-49", "{name}");
        let between_keys = c["between_kept"].as_u64().unwrap();
        assert_eq!(
            f.between_kept().is_zero(),
            between_keys == 0,
            "{name}: {} of the space, {between_keys} keys between kept servers",
            f.between_kept()
        );
    }
}
