//! Hashing policies must extract exactly the tag PCRE2 extracts
//! (tests/vectors/policies.json, written by tests/oracles/policies.py), and
//! refuse every rule whose constructs PCRE2 reads otherwise.

use keyroute::error::PolicyError;
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

fn rules_of(set: &Value) -> Vec<&str> {
    set["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect()
}

/// PCRE2's answer for one key: the tag, or `None` for no match.
fn pcre_tag(result: &Value) -> Option<Vec<u8>> {
    result.as_array().map(|a| unhex(a[1].as_str().unwrap()))
}

/// What the policy engine would answer for a rule if keyroute did not
/// refuse it: `None` if the engine cannot compile it either.
fn raw_engine(rule: &str, keys: &[Vec<u8>]) -> Option<Vec<Option<Vec<u8>>>> {
    use regex_automata::meta::{Config, Regex};
    use regex_automata::util::syntax;
    use regex_automata::{Anchored, Input};
    let re = Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(Config::new().utf8_empty(false))
        .build(rule)
        .ok()?;
    let tag = re
        .group_info()
        .to_index(regex_automata::PatternID::ZERO, "tag")?;
    Some(
        keys.iter()
            .map(|k| {
                let mut caps = re.create_captures();
                re.search_captures(&Input::new(k).anchored(Anchored::Yes), &mut caps);
                caps.is_match().then(|| {
                    caps.get_group(tag)
                        .map_or(Vec::new(), |s| k[s.range()].to_vec())
                })
            })
            .collect(),
    )
}

#[test]
fn every_refused_construct() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let keys: Vec<Vec<u8>> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| unhex(k.as_str().unwrap()))
        .collect();
    let sets = doc["refused_rule_sets"].as_array().unwrap();
    assert!(sets.len() >= 30);
    for set in sets {
        let name = set["name"].as_str().unwrap();
        let rules = rules_of(set);
        let needle = set["construct"].as_str().unwrap();
        match HashPolicy::new(&rules) {
            Err(PolicyError::DiffersFromPcre {
                rule: 0, construct, ..
            }) => assert!(construct.contains(needle), "{name}: {construct}"),
            other => panic!("{name}: {rules:?} must be refused naming {needle:?}, got {other:?}"),
        }
        // The refusal is still needed: without it, the engine would answer
        // differently from PCRE2 on some key (or cannot read the rule).
        let pcre: Vec<Option<Vec<u8>>> = set["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(pcre_tag)
            .collect();
        if let Some(raw) = raw_engine(rules[0], &keys) {
            assert!(
                raw != pcre,
                "{name}: the engine now answers {rules:?} as PCRE2 does on every key: \
                 the refusal of {needle:?} can be lifted"
            );
        }
    }
}

#[test]
fn random_rules_are_answered_as_pcre2_does_or_refused() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let random = &doc["random"];
    let keys: Vec<Vec<u8>> = random["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| unhex(k.as_str().unwrap()))
        .collect();
    let rules = random["rules"].as_array().unwrap();
    assert!(rules.len() >= 250);
    let mut accepted = 0;
    for r in rules {
        let rule = r["rule"].as_str().unwrap();
        let policy = match HashPolicy::new([rule]) {
            Ok(p) => p,
            Err(PolicyError::DiffersFromPcre { .. }) => continue,
            Err(e) => panic!("{rule}: {e}"),
        };
        accepted += 1;
        for (key, want) in keys.iter().zip(r["results"].as_array().unwrap()) {
            let got = policy.hash_input(key).ok().map(<[u8]>::to_vec);
            assert_eq!(got, pcre_tag(want), "{rule} on {key:?}");
        }
    }
    println!(
        "{accepted} of {} random rules accepted, each equal to PCRE2",
        rules.len()
    );
    assert!(accepted * 4 >= rules.len() * 3, "only {accepted} accepted");
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
