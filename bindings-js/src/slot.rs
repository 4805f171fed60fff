//! `#[wasm_bindgen]` delegations: the generic path, for keys larger than the
//! scratch buffer of [`crate::scratch`]. The glue allocates, copies and frees
//! per call, which costs nothing next to hashing such a key.

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
