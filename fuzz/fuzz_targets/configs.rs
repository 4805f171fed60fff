//! Any text as a nutcracker YAML file, as server lists, option values and
//! mapping entries for every scheme (`Scheme::ALL`): a pool or a typed
//! error, then lookups inside the pool, never a panic.
#![no_main]

use keyroute::partition::{EntryValue, OptionValue, Options, Pool, Scheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(pool) = Pool::from_nutcracker(text, None) {
        let n = pool.servers().len();
        assert!(pool.index_for(b"key") < n);
    }
    let servers: Vec<&str> = text.lines().take(64).collect();
    for &scheme in Scheme::ALL {
        if let Ok(pool) = Pool::new(scheme, servers.iter().copied()) {
            assert!(pool.index_for(data) < pool.servers().len());
        }
    }
    // The same lines as option values (a tag pattern, an algorithm...) and
    // as mapping entries, for every scheme: a pool or a typed error.
    if let [first, rest @ ..] = servers.as_slice() {
        for &scheme in Scheme::ALL {
            let mut o = Options::default();
            // Dalli's namespace only with its client keys, below: any text
            // is a namespace, which every other scheme would refuse.
            for name in Options::NAMES.iter().filter(|&&n| n != "namespace") {
                let _ = o.set(name, OptionValue::Text(first.as_bytes()));
            }
            if scheme == Scheme::Dalli {
                let _ = o.set("client_keys", OptionValue::Flag(true));
                let _ = o.set("namespace", OptionValue::Text(first.as_bytes()));
            }
            if let Ok(pool) = Pool::with_options(scheme, rest.iter().copied(), &o) {
                assert!(pool.index_for(data) < pool.servers().len());
                if let Ok(i) = pool.try_index_for(data) {
                    assert!(i < pool.servers().len());
                }
            }
            let fields = [("vnodes", OptionValue::Int(data.len() as u64)), ("weight", OptionValue::Int(3))];
            let entries: Vec<(&str, EntryValue)> = rest
                .iter()
                .enumerate()
                .map(|(i, s)| (*s, if i % 2 == 0 { EntryValue::Fields(&fields) } else { EntryValue::Number(i as u64) }))
                .collect();
            if let Ok(pool) = Pool::from_entries(scheme, &entries, &Options::default()) {
                assert!(pool.index_for(data) < pool.servers().len());
            }
        }
    }
});
