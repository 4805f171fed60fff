//! Hashing policies: the open-source rule through `HashPolicy` must cost what
//! `key_slot_fast` costs (no slowdown when no custom policy is given), and a
//! pathological rule must take time linear in the key's length.
//!
//! `cargo bench -p keyroute --bench policy` (`-- --test`: once each).

use std::hint::black_box;
use std::time::Instant;

use keyroute::HashPolicy;

fn median_ns(passes: usize, f: &dyn Fn() -> u64) -> f64 {
    black_box(f());
    let mut v: Vec<f64> = (0..passes)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_nanos() as f64
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let passes = if test_mode { 1 } else { 11 };
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-keys.txt");
    let keys: Vec<Vec<u8>> = match std::fs::read(path) {
        Ok(t) => t
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
        Err(_) => (0..20_000u32)
            .map(|i| format!("user:{{{i}}}:profile").into_bytes())
            .collect(),
    };
    let keys = if test_mode {
        &keys[..keys.len().min(1000)]
    } else {
        &keys[..]
    };
    let n = keys.len() as f64;
    let oss = HashPolicy::oss();
    let standard = HashPolicy::enterprise_standard();
    let direct = median_ns(passes, &|| {
        keys.iter().map(|k| keyroute::key_slot_fast(k) as u64).sum()
    }) / n;
    let via_policy = median_ns(passes, &|| {
        keys.iter().map(|k| oss.key_slot(k).unwrap() as u64).sum()
    }) / n;
    let regex = median_ns(passes, &|| {
        keys.iter()
            .map(|k| standard.key_slot(k).unwrap() as u64)
            .sum()
    }) / n;
    println!(
        "key -> slot, ns/key over {} keys (median of {passes} passes)",
        keys.len()
    );
    println!("  key_slot_fast                         {direct:>8.2}");
    println!(
        "  HashPolicy::oss().key_slot            {via_policy:>8.2}   ({:.2}x of key_slot_fast)",
        via_policy / direct
    );
    println!("  HashPolicy::enterprise_standard()     {regex:>8.2}   (byte search)");
    // The same two rules written so that they run on the regex engine.
    let engine = HashPolicy::new([r".*\{(?P<tag>.*)\}.*", r"(?P<tag>.*)"]).unwrap();
    let on_engine = median_ns(passes, &|| {
        keys.iter()
            .map(|k| engine.key_slot(k).unwrap() as u64)
            .sum()
    }) / n;
    println!("  the same rules on the regex engine    {on_engine:>8.2}");

    // (a+)+b never matches a run of a's; a backtracking engine explodes.
    let patho = HashPolicy::new([r"(a+)+b(?<tag>.*)", r"(?<tag>.*)"]).unwrap();
    println!("\npathological rule (a+)+b over keys of a's: time must grow linearly");
    let mut prev: Option<(usize, f64)> = None;
    for len in [4 * 1024, 16 * 1024, 64 * 1024] {
        let key = vec![b'a'; len];
        let t = median_ns(passes.min(5), &|| patho.key_slot(&key).unwrap() as u64);
        let growth = prev
            .map(|(l, p)| format!("  x{:.1} for x{} length", t / p, len / l))
            .unwrap_or_default();
        println!("  {:>6} bytes {:>12.0} ns{growth}", len, t);
        prev = Some((len, t));
    }
    if test_mode {
        println!("bench policy: test mode, every case ran once");
    }
}
