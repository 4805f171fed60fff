//! Any rules, any key: a policy or a typed error, then a tag inside the key
//! or "no rule matched", never a panic.
#![no_main]

use keyroute::HashPolicy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Rules, one per line, then a 0x00 byte, then the key.
    let (rules, key) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(rules) = std::str::from_utf8(rules) else { return };
    if let Ok(policy) = HashPolicy::new(rules.lines()) {
        if let Ok(tag) = policy.hash_input(key) {
            let (start, end) = (tag.as_ptr() as usize, tag.as_ptr() as usize + tag.len());
            let (ks, ke) = (key.as_ptr() as usize, key.as_ptr() as usize + key.len());
            assert!(tag.is_empty() || (start >= ks && end <= ke));
        }
        let _ = policy.key_slot(key);
    }
});
