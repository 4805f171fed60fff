//! Every slot vector answered by a real redis-server (`tests/vectors/slots.json`,
//! written by `tests/oracles/slots.py`) must be reproduced exactly.

use keyroute::{crc16, hash_tag, key_slot, key_slot_fast, key_slots, pattern_slot};
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/vectors/slots.json");

struct Case {
    name: String,
    key: Vec<u8>,
    slot: u16,
    utf16: Option<Vec<u16>>,
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn cases() -> Vec<Case> {
    let doc: Value = serde_json::from_str(VECTORS).expect("slots.json parses");
    let cases = doc["cases"].as_array().expect("cases array");
    assert!(
        cases.len() > 1500,
        "the corpus shrank to {} cases",
        cases.len()
    );
    cases
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("name").to_owned(),
            key: unhex(c["key"].as_str().expect("key")),
            slot: c["slot"].as_u64().expect("slot") as u16,
            utf16: c.get("utf16").map(|u| {
                u.as_array()
                    .expect("utf16 array")
                    .iter()
                    .map(|x| x.as_u64().expect("code unit") as u16)
                    .collect()
            }),
        })
        .collect()
}

#[test]
fn every_vector_slot() {
    let mut failures = Vec::new();
    for c in cases() {
        let got = (key_slot(&c.key), key_slot_fast(&c.key));
        if got != (c.slot, c.slot) {
            failures.push(format!("{}: server {} keyroute {:?}", c.name, c.slot, got));
        }
        // The tag is what is hashed.
        assert_eq!(crc16(hash_tag(&c.key)) & 0x3FFF, c.slot, "{}", c.name);
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn batch_equals_vectors() {
    let cases = cases();
    let mut out = vec![0u16; cases.len()];
    let n = key_slots(cases.iter().map(|c| c.key.as_slice()), &mut out);
    assert_eq!(n, cases.len());
    for (c, s) in cases.iter().zip(out) {
        assert_eq!(s, c.slot, "{}", c.name);
    }
}

#[test]
fn literal_patterns_name_their_key() {
    for c in cases() {
        if !c.key.iter().any(|b| b"*?[\\".contains(b)) {
            assert_eq!(pattern_slot(&c.key), Some(c.slot), "{}", c.name);
        }
    }
}

/// The JS-string cases: their wire bytes are the lossy UTF-16 decoding, the
/// way TextEncoder and Buffer.from replace lone surrogates.
#[test]
fn js_string_cases_are_wire_bytes() {
    let mut seen = 0;
    for c in cases() {
        if let Some(units) = &c.utf16 {
            assert_eq!(
                String::from_utf16_lossy(units).as_bytes(),
                c.key.as_slice(),
                "{}",
                c.name
            );
            seen += 1;
        }
    }
    assert!(seen >= 5);
}
