//! key -> slot, side by side with the incumbents, printed as ratios.
//!
//! `cargo bench -p keyroute --bench slot` reads the shared corpus
//! (`python3 bench/corpus.py` writes `target/bench-keys.txt`; override with
//! `KEYROUTE_BENCH_KEYS`). `-- --test` runs every case once on a few keys, to
//! prove the benchmark still builds and agrees, without timing anything.
//!
//! Incumbents:
//! - `redis-table`: Redis's `keyHashSlot` as the server runs it: byte loops for
//!   the tag, then the byte-at-a-time 256-entry table CRC.
//! - `crc16-crate`: the `crc16` crate's XMODEM state (what redis-rs uses), with
//!   the same byte-loop tag search.

#[path = "common/summary.rs"]
mod summary;

use std::hint::black_box;
use std::time::Instant;

/// Redis `crc16.c`'s table, built the classic way.
static REDIS_TAB: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u16) << 8;
        let mut b = 0;
        while b < 8 {
            c = if c & 0x8000 != 0 {
                (c << 1) ^ 0x1021
            } else {
                c << 1
            };
            b += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

fn redis_crc(buf: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in buf {
        crc = (crc << 8) ^ REDIS_TAB[(((crc >> 8) as u8) ^ b) as usize];
    }
    crc
}

/// The server's tag search: a byte loop to the first `{`, then to the `}`.
fn redis_tag(key: &[u8]) -> &[u8] {
    let n = key.len();
    let mut s = 0;
    while s < n && key[s] != b'{' {
        s += 1;
    }
    if s == n {
        return key;
    }
    let mut e = s + 1;
    while e < n && key[e] != b'}' {
        e += 1;
    }
    if e == n || e == s + 1 {
        return key;
    }
    &key[s + 1..e]
}

fn redis_slot(key: &[u8]) -> u16 {
    redis_crc(redis_tag(key)) & 0x3FFF
}

fn crc16_crate_slot(key: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(redis_tag(key)) & 0x3FFF
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// ns per key: median of `passes` timed passes after two warm-up passes.
fn time_per_key(keys: &[Vec<u8>], passes: usize, f: &dyn Fn(&[Vec<u8>]) -> u64) -> f64 {
    for _ in 0..2 {
        black_box(f(keys));
    }
    let samples = (0..passes)
        .map(|_| {
            let t = Instant::now();
            black_box(f(keys));
            t.elapsed().as_nanos() as f64 / keys.len() as f64
        })
        .collect();
    median(samples)
}

fn per_key(slot: fn(&[u8]) -> u16) -> impl Fn(&[Vec<u8>]) -> u64 {
    move |keys| keys.iter().map(|k| slot(black_box(k)) as u64).sum()
}

fn batch(keys: &[Vec<u8>]) -> u64 {
    let mut out = vec![0u16; keys.len()];
    keyroute::key_slots(keys.iter().map(|k| k.as_slice()), &mut out);
    out.iter().map(|&s| s as u64).sum()
}

fn load_keys(test_mode: bool) -> Vec<Vec<u8>> {
    let path = std::env::var("KEYROUTE_BENCH_KEYS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-keys.txt").to_string()
    });
    match std::fs::read(&path) {
        Ok(text) => text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
        Err(_) if test_mode => (0..1000u32)
            .map(|i| format!("user:{{{i}}}:profile").into_bytes())
            .collect(),
        Err(e) => panic!("{path}: {e}; run `python3 bench/corpus.py` first (make bench does)"),
    }
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let mut keys = load_keys(test_mode);
    if test_mode {
        keys.truncate(2000);
    }
    let kib: Vec<Vec<u8>> = (0..256u32)
        .map(|i| {
            (0..1024u32)
                .map(|j| b"abcdefghijklmnopqrstuvwxyz0123456789:"[((i * 31 + j * 7) % 37) as usize])
                .collect()
        })
        .collect();

    // Every contender must agree with the server's algorithm before timing.
    for k in keys.iter().chain(&kib) {
        let want = redis_slot(k);
        assert_eq!(keyroute::key_slot(k), want);
        assert_eq!(keyroute::key_slot_fast(k), want);
        assert_eq!(crc16_crate_slot(k), want);
    }
    let passes = if test_mode { 1 } else { 11 };

    println!("key -> slot, ns/key (median of {passes} passes); ratio = incumbent / keyroute");
    for (label, set) in [("corpus (mean 24 B)", &keys), ("1 KiB keys", &kib)] {
        let redis = time_per_key(set, passes, &per_key(redis_slot));
        let crate_ = time_per_key(set, passes, &per_key(crc16_crate_slot));
        let ours_const = time_per_key(set, passes, &per_key(keyroute::key_slot));
        let ours_fast = time_per_key(set, passes, &per_key(keyroute::key_slot_fast));
        let ours_batch = time_per_key(set, passes, &batch);
        println!("\n{label}: {} keys", set.len());
        println!("  {:<28} {:>9.2} ns", "redis-table (incumbent)", redis);
        println!("  {:<28} {:>9.2} ns", "crc16 crate", crate_);
        for (name, t) in [
            ("keyroute::key_slot (const)", ours_const),
            ("keyroute::key_slot_fast", ours_fast),
            ("keyroute::key_slots (batch)", ours_batch),
        ] {
            if !test_mode {
                let row = format!("{name}, {label}");
                summary::row("slot", &row, Some(("redis-table", redis)), t, redis / t);
                summary::row("slot", &row, Some(("crc16 crate", crate_)), t, crate_ / t);
            }
            println!(
                "  {:<28} {:>9.2} ns   {:>6.2}x vs redis-table  {:>6.2}x vs crc16 crate",
                name,
                t,
                redis / t,
                crate_ / t
            );
        }
    }
    if test_mode {
        println!("\nbench slot: test mode, 1 pass each, all contenders agree");
    }
}
