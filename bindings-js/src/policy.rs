//! `HashPolicy`: which bytes of a key decide its slot.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::errors;
use crate::scratch::Shared;

/// A hashing policy: the open-source hash-tag rule or ordered regex rules.
#[wasm_bindgen(js_name = HashPolicy)]
pub struct Policy(pub(crate) keyroute::HashPolicy);

/// The slots written by [`Policy::slots_of`], read by JS.
static SLOTS: Shared<[u16; crate::scratch::BATCH_MAX]> =
    Shared(core::cell::UnsafeCell::new([0; crate::scratch::BATCH_MAX]));

/// Address of the array [`Policy::slots_of`] fills.
#[no_mangle]
pub extern "C" fn kr_policy_slots_ptr() -> *mut u16 {
    SLOTS.ptr().cast()
}

/// The result of one slot computation: the slot, or -1 with the error kept.
fn slot_or_fail(r: Result<u16, keyroute::error::NoRuleMatched>, position: usize) -> i32 {
    match r {
        Ok(s) => s.into(),
        Err(_) => crate::args::fail(errors::no_rule(position)),
    }
}

#[wasm_bindgen(js_class = HashPolicy)]
impl Policy {
    /// A policy from ordered rules, each with a named group `tag`.
    #[wasm_bindgen(constructor)]
    pub fn new(rules: Vec<String>) -> Result<Policy, JsValue> {
        keyroute::HashPolicy::new(&rules)
            .map(Policy)
            .map_err(|e| errors::js(errors::policy(&e)))
    }

    /// Redis Software's standard policy.
    #[wasm_bindgen(js_name = enterpriseStandard)]
    pub fn enterprise_standard() -> Policy {
        Policy(keyroute::HashPolicy::enterprise_standard())
    }

    /// The open-source hash-tag rule.
    pub fn oss() -> Policy {
        Policy(keyroute::HashPolicy::oss())
    }

    /// Whether this is the open-source rule.
    #[wasm_bindgen(getter, js_name = isOss)]
    pub fn is_oss(&self) -> bool {
        self.0.is_oss()
    }

    /// The rules' sources, in order (none for the open-source rule).
    #[wasm_bindgen(getter)]
    pub fn rules(&self) -> Vec<String> {
        self.0.rules().map(ToString::to_string).collect()
    }

    /// The slot of the key in `scratch[..len]`, or -1 (no rule matched).
    #[wasm_bindgen(js_name = slotOfScratch)]
    pub fn slot_of_scratch(&self, len: u32) -> i32 {
        slot_or_fail(self.0.key_slot(crate::scratch::key(len as usize)), 0)
    }

    /// The slot of a key too large for the scratch buffer, or -1 (naming
    /// the key's `position` in the caller's list).
    #[wasm_bindgen(js_name = keySlot)]
    pub fn key_slot(&self, key: &[u8], position: u32) -> i32 {
        slot_or_fail(self.0.key_slot(key), position as usize)
    }

    /// Hashes `count` keys packed in the scratch buffer into the slot array;
    /// returns `count`, or -1 naming the key (`base` + its index) no rule matched.
    #[wasm_bindgen(js_name = slotsOf)]
    pub fn slots_of(&self, count: u32, base: u32) -> i32 {
        let keys = crate::args::argv(count, false);
        // SAFETY: single thread; this borrow ends with the call.
        let out = unsafe { SLOTS.get() };
        for (i, k) in keys.iter().enumerate() {
            match self.0.key_slot(k) {
                Ok(s) => out[i] = s,
                Err(_) => return crate::args::fail(errors::no_rule(base as usize + i)),
            }
        }
        keys.len() as i32
    }

    /// The bytes of `key` that are hashed, or `undefined` (the error kept).
    #[wasm_bindgen(js_name = hashInput)]
    pub fn hash_input(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self.0.hash_input(key) {
            Ok(tag) => Some(tag.to_vec()),
            Err(_) => {
                crate::args::fail(errors::no_rule(0));
                None
            }
        }
    }
}
