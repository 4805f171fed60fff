//! `#[wasm_bindgen]` delegations: the generic path, for keys larger than the
//! scratch buffer of [`crate::scratch`]. The glue allocates, copies and frees
//! per call, which costs nothing next to hashing such a key.

use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::wasm_bindgen;

/// The hash slot of `key`.
#[wasm_bindgen(js_name = keySlot)]
pub fn key_slot(key: &[u8]) -> u16 {
    keyroute::key_slot(key)
}

/// The bytes of `key` that Redis Cluster hashes, copied out.
#[wasm_bindgen(js_name = hashTag)]
pub fn hash_tag(key: &[u8]) -> Vec<u8> {
    keyroute::hash_tag(key).to_vec()
}

/// The one slot every key matching the glob `pattern` must be in, if any.
#[wasm_bindgen(js_name = patternSlot)]
pub fn pattern_slot(pattern: &[u8]) -> Option<u16> {
    keyroute::pattern_slot(pattern)
}

/// CRC-16/XMODEM of `data`.
#[wasm_bindgen]
pub fn crc16(data: &[u8]) -> u16 {
    keyroute::crc16(data)
}

/// The Codis slot of `key` (`keyroute::codis_slot`).
#[wasm_bindgen(js_name = codisSlot)]
pub fn codis_slot(key: &[u8]) -> u16 {
    keyroute::codis_slot(key)
}

/// The position in `SlotScheme::ALL` of the slot scheme named `name`
/// (parsed by the core), or -1.
#[wasm_bindgen(js_name = slotScheme)]
pub fn slot_scheme(name: &str) -> i32 {
    keyroute::SlotScheme::parse(name)
        .and_then(|s| keyroute::SlotScheme::ALL.iter().position(|&x| x == s))
        .map_or(-1, |i| i as i32)
}

/// The slot schemes' names, as the core spells them.
#[wasm_bindgen(js_name = slotSchemeNames)]
pub fn slot_scheme_names() -> Vec<String> {
    keyroute::SlotScheme::NAMES
        .iter()
        .map(alloc::string::ToString::to_string)
        .collect()
}
