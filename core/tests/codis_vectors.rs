//! Codis slots: every case of `tests/vectors/codis.json` (written by a
//! second implementation of the definition, `tests/oracles/definitions.py`)
//! must be reproduced by `codis_slot`, `SlotScheme::Codis` and its tag.

use keyroute::{codis_slot, SlotScheme, CODIS_SLOT_COUNT};
use serde_json::Value;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn codis_slots_match_the_definition() {
    let doc: Value = serde_json::from_str(include_str!("../../tests/vectors/codis.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 500, "only {} cases", cases.len());
    for c in cases {
        let key = unhex(c["key"].as_str().unwrap());
        let want = c["slot"].as_u64().unwrap() as u16;
        assert!(want < CODIS_SLOT_COUNT);
        assert_eq!(codis_slot(&key), want, "{}", c["name"]);
        assert_eq!(SlotScheme::Codis.slot(&key), want, "{}", c["name"]);
        let tag = unhex(c["tag"].as_str().unwrap());
        let got = SlotScheme::Codis.tag(&key).unwrap_or(&key);
        assert_eq!(got, &tag[..], "{}", c["name"]);
    }
}
