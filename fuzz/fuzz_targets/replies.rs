//! Any bytes as a RESP reply, then as CLUSTER SLOTS and CLUSTER SHARDS, then
//! redirects applied to the map: typed errors, never a panic.
#![no_main]

use keyroute::cluster::{ReadFrom, SlotMap, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (reply, redirect) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok((value, _)) = Value::from_resp(reply) else { return };
    for map in [SlotMap::from_slots(&value, Some("h")), SlotMap::from_shards(&value, None)] {
        let Ok(mut map) = map else { continue };
        let _ = map.node_for(redirect, ReadFrom::RoundRobin);
        if let Ok(text) = std::str::from_utf8(redirect) {
            let _ = map.apply_redirect(text, Some("h"));
        }
        let _ = map.group_by_node([redirect, reply], ReadFrom::PreferReplica);
    }
});
