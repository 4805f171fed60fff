//! Any text as a nutcracker YAML file and as server lists for every scheme:
//! a pool or a typed error, then lookups inside the pool, never a panic.
#![no_main]

use keyroute::partition::{Pool, Scheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(pool) = Pool::from_nutcracker(text, None) {
        let n = pool.servers().len();
        assert!(pool.index_for(b"key") < n);
    }
    let servers: Vec<&str> = text.lines().take(64).collect();
    for name in ["twemproxy-ketama", "twemproxy-modula", "redis-rb-4", "predis", "predis-ketama", "jedis", "uhashring", "node-hashring", "pymemcache", "jump", "rendezvous", "maglev"] {
        let scheme: Scheme = name.parse().expect("known scheme");
        if let Ok(pool) = Pool::new(scheme, servers.iter().copied()) {
            assert!(pool.index_for(data) < pool.servers().len());
        }
    }
});
