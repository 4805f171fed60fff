//! Hashing policies must extract exactly the tag PCRE2 extracts
//! (tests/vectors/policies.json, written by tests/oracles/policies.py).

use keyroute::HashPolicy;
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/vectors/policies.json");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_policy_vector() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let keys: Vec<Vec<u8>> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| unhex(k.as_str().unwrap()))
        .collect();
    let sets = doc["rule_sets"].as_array().unwrap();
    assert!(sets.len() >= 11);
    let mut failures = Vec::new();
    for set in sets {
        let name = set["name"].as_str().unwrap();
        let rules: Vec<&str> = set["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        if name == "dollar" {
            // PCRE's `$` also matches before a final newline (the vectors show
            // it); keyroute refuses such rules rather than answer differently.
            match HashPolicy::new(&rules) {
                Err(keyroute::error::PolicyError::Unsupported { rule: 0, reason }) => {
                    assert!(reason.contains('$'))
                }
                other => panic!("a `$` rule must be refused, got {other:?}"),
            }
            let differs = keys
                .iter()
                .zip(set["results"].as_array().unwrap())
                .any(|(k, r)| {
                    r.as_array().map(|a| unhex(a[1].as_str().unwrap())) != Some(k.clone())
                });
            assert!(
                differs,
                "PCRE's `$` no longer differs from the end of the key: accept `$` rules again"
            );
            continue;
        }
        let policy = HashPolicy::new(&rules).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (key, want) in keys.iter().zip(set["results"].as_array().unwrap()) {
            let want = want.as_array().map(|a| unhex(a[1].as_str().unwrap()));
            let got = policy.hash_input(key).ok().map(<[u8]>::to_vec);
            if got != want {
                failures.push(format!(
                    "{name}: key {:?}: PCRE2 {:?}, keyroute {:?}",
                    String::from_utf8_lossy(key),
                    want.map(|w| String::from_utf8_lossy(&w).into_owned()),
                    got.map(|g| String::from_utf8_lossy(&g).into_owned())
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures[..failures.len().min(25)].join("\n")
    );
}

/// The standard policy's byte search (its fast path) hashes exactly what the
/// regex engine finds with the same two rules written so that the fast path
/// does not recognise them (`(?P<tag>...)`).
mod standard_fast_path {
    use keyroute::HashPolicy;
    use proptest::prelude::*;

    fn alphabet() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'{'),
                Just(b'}'),
                Just(b'\n'),
                Just(b'\r'),
                Just(b'a'),
                Just(0u8),
                Just(0xffu8),
                any::<u8>()
            ],
            0..24,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn same_as_the_regex_engine(key in alphabet()) {
            let fast = HashPolicy::enterprise_standard();
            let engine = HashPolicy::new([r".*\{(?P<tag>.*)\}.*", r"(?P<tag>.*)"]).unwrap();
            prop_assert_eq!(fast.hash_input(&key), engine.hash_input(&key));
            prop_assert_eq!(fast.key_slot(&key), engine.key_slot(&key));
        }
    }

    #[test]
    fn documented_examples() {
        let p = HashPolicy::enterprise_standard();
        assert_eq!(p.hash_input(b"{}a").unwrap(), b"");
        assert_eq!(p.hash_input(b"{foo}bar}").unwrap(), b"foo}bar");
        assert_eq!(p.hash_input(b"a{b}c{d}e").unwrap(), b"d");
        assert_eq!(p.hash_input(b"x{y\n{z}").unwrap(), b"x{y");
        assert_eq!(p.rules().count(), 2);
    }
}
