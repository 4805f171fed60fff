//! Client-side sharding: ring build time and key -> server per key.
//!
//! `cargo bench -p keyroute --bench partition` reads the shared corpus
//! (`python3 bench/corpus.py` writes `target/bench-keys.txt`; override with
//! `KEYROUTE_BENCH_KEYS`). `-- --test` runs every case once on a few keys to
//! prove the benchmark builds and agrees, without meaningful timing.
//!
//! The last section times `RingChange::fraction` (the moved share of the
//! hash space) between 100- and 101-server pools of each scheme.
//!
//! Baseline: a plain binary search over the sorted point array
//! (`Ring::lookup_binary_search`, what most ring libraries do), against the
//! top-bits index keyroute uses (`Ring::lookup`), on the same points and
//! hashes; both must answer the same before anything is timed.

#[path = "common/summary.rs"]
mod summary;

use std::hint::black_box;
use std::time::Instant;

use keyroute::partition::ring::{Boundary, Ring, Ties};
use keyroute::partition::{Pool, Scheme};
use keyroute::plan::RingChange;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// ns per item: median of `passes` timed passes after a warm-up.
fn time_per<T>(items: &[T], passes: usize, f: &dyn Fn(&[T]) -> u64) -> f64 {
    black_box(f(items));
    let samples = (0..passes)
        .map(|_| {
            let t = Instant::now();
            black_box(f(items));
            t.elapsed().as_nanos() as f64 / items.len() as f64
        })
        .collect();
    median(samples)
}

fn time_once(passes: usize, f: &dyn Fn() -> usize) -> f64 {
    let samples = (0..passes)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    median(samples)
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
            .map(|i| format!("user:{i}:profile").into_bytes())
            .collect(),
        Err(e) => panic!("{path}: {e}; run `python3 bench/corpus.py` first (make bench does)"),
    }
}

fn servers(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("10.{}.{}.{}:6379", i / 65536, (i / 256) % 256, i % 256))
        .collect()
}

/// A pseudo-random sequence (xorshift), for hashes independent of any key hash.
fn hashes(n: usize) -> Vec<u32> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u32
        })
        .collect()
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let mut keys = load_keys(test_mode);
    if test_mode {
        keys.truncate(2000);
    }
    let passes = if test_mode { 1 } else { 11 };
    let sizes: &[usize] = if test_mode {
        &[10, 100]
    } else {
        &[10, 100, 1000]
    };

    println!("ring lookup of a 32-bit hash, ns/lookup (median of {passes}); ratio = binary search / keyroute");
    let hs = hashes(if test_mode { 10_000 } else { 1_000_000 });
    for &n in sizes {
        // 160 points per server, as ketama lays them out.
        let pts: Vec<(u32, u32)> = hashes(n * 160)
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, (i / 160) as u32))
            .collect();
        let ring = Ring::new(pts, Ties::First, Boundary::LowerBound);
        for &h in &hs[..hs.len().min(100_000)] {
            assert_eq!(ring.lookup(h), ring.lookup_binary_search(h));
        }
        let base = time_per(&hs, passes, &|hs| {
            hs.iter()
                .map(|&h| ring.lookup_binary_search(h).unwrap() as u64)
                .sum()
        });
        let ours = time_per(&hs, passes, &|hs| {
            hs.iter().map(|&h| ring.lookup(h).unwrap() as u64).sum()
        });
        if !test_mode {
            summary::row(
                "partition",
                &format!("ring lookup, {n} servers"),
                Some(("binary search", base)),
                ours,
                base / ours,
            );
        }
        println!(
            "  {n:>5} servers ({:>6} points): binary search {base:>6.2} ns   keyroute index {ours:>6.2} ns   {:>5.2}x",
            ring.len(),
            base / ours
        );
    }

    println!(
        "\nkey -> server, ns/key over {} corpus keys (hash + lookup), median of {passes}",
        keys.len()
    );
    let schemes = [
        Scheme::TwemproxyKetama,
        Scheme::TwemproxyModula,
        Scheme::LibmemcachedKetama,
        Scheme::Predis,
        Scheme::PredisKetama,
        Scheme::RedisRb4,
        Scheme::RedisRb5,
        Scheme::Jedis,
        Scheme::Uhashring,
        Scheme::UhashringKetama,
        Scheme::NodeHashring,
        Scheme::Pymemcache,
        Scheme::Jump,
        Scheme::Rendezvous,
        Scheme::Maglev,
    ];
    print!("  {:<20}", "scheme");
    for &n in sizes {
        print!(" {:>9}", format!("n={n}"));
    }
    println!();
    for scheme in schemes {
        print!("  {:<20}", scheme.name());
        for &n in sizes {
            let pool = Pool::new(scheme, servers(n)).unwrap();
            let mut out = vec![0u32; keys.len()];
            assert_eq!(
                pool.indexes_for(keys.iter().map(|k| k.as_slice()), &mut out),
                keys.len()
            );
            for (k, &i) in keys.iter().zip(&out).take(500) {
                assert_eq!(pool.index_for(k), i as usize);
            }
            // O(n) per key: time on fewer keys.
            let set = if matches!(scheme, Scheme::Pymemcache | Scheme::Rendezvous) && n >= 100 {
                &keys[..keys.len().min(20_000)]
            } else {
                &keys[..]
            };
            let t = time_per(set, passes, &|ks| {
                ks.iter().map(|k| pool.index_for(black_box(k)) as u64).sum()
            });
            print!(" {t:>9.1}");
        }
        println!();
    }

    println!("\nbuild time, microseconds (median of {})", passes.min(5));
    print!("  {:<20}", "scheme");
    for &n in sizes {
        print!(" {:>10}", format!("n={n}"));
    }
    println!();
    for scheme in [
        Scheme::TwemproxyKetama,
        Scheme::LibmemcachedKetama,
        Scheme::Predis,
        Scheme::RedisRb4,
        Scheme::Jedis,
        Scheme::Uhashring,
        Scheme::NodeHashring,
        Scheme::Maglev,
    ] {
        print!("  {:<20}", scheme.name());
        for &n in sizes {
            let list = servers(n);
            let t = time_once(passes.min(5), &|| {
                Pool::new(scheme, &list).unwrap().servers().len()
            });
            print!(" {t:>10.0}");
        }
        println!();
    }
    moved_share(test_mode, &keys);
    if test_mode {
        println!("\nbench partition: test mode, 1 pass each, all lookups agree");
    }
}

/// `RingChange::fraction` between 100- and 101-server pools (and 99 -> 100,
/// twemproxy's 156-point step), against what estimating the same share from
/// a sample of keys costs; then `moved_keys` per key.
fn moved_share(test_mode: bool, keys: &[Vec<u8>]) {
    let passes = if test_mode { 1 } else { 5 };
    let sample_log2 = if test_mode { 10 } else { 20 };
    println!(
        "\nmoved share of the hash space between two pools, ms (median of {passes}; \
         samples 2^{sample_log2})"
    );
    let list = servers(101);
    let cases = [
        (Scheme::TwemproxyKetama, 100, 101),
        (Scheme::TwemproxyKetama, 99, 100),
        (Scheme::TwemproxyModula, 100, 101),
        (Scheme::LibmemcachedKetama, 100, 101),
        (Scheme::PredisKetama, 100, 101),
        (Scheme::RedisRb5, 100, 101),
        (Scheme::Jedis, 100, 101),
        (Scheme::Uhashring, 100, 101),
        (Scheme::Maglev, 100, 101),
        (Scheme::Jump, 100, 101),
        (Scheme::Rendezvous, 100, 101),
    ];
    for (scheme, a, b) in cases {
        let (old, new) = (
            Pool::new(scheme, &list[..a]).unwrap(),
            Pool::new(scheme, &list[..b]).unwrap(),
        );
        let mut change = RingChange::new(&old, &new);
        change.sample_log2(sample_log2);
        let f = change.fraction().unwrap();
        let t = time_once(passes, &|| change.fraction().unwrap().old_nodes().len()) / 1000.0;
        let exact = if f.basis().is_exact() {
            "exact "
        } else {
            "sample"
        };
        println!(
            "  {:<20} {a:>3} -> {b:<3} {t:>9.2} ms  {exact}  moved {:>8.4}%",
            scheme.name(),
            f.moved().as_f64() * 100.0
        );
    }
    // The alternative: estimate by routing a million keys through both pools.
    let (old, new) = (
        Pool::new(Scheme::TwemproxyKetama, &list[..100]).unwrap(),
        Pool::new(Scheme::TwemproxyKetama, &list).unwrap(),
    );
    let n = if test_mode { 10_000 } else { 1_000_000 };
    let sample: Vec<Vec<u8>> = (0..n).map(|i| format!("key:{i}").into_bytes()).collect();
    let change = RingChange::new(&old, &new);
    let t_exact = time_once(passes, &|| change.fraction().unwrap().old_nodes().len()) / 1000.0;
    let t_keys = time_once(passes, &|| {
        change.moved_keys(sample.iter().map(Vec::as_slice)).len()
    }) / 1000.0;
    println!(
        "  twemproxy-ketama 100 -> 101: exact share {t_exact:.2} ms vs routing {n} keys through \
         both pools {t_keys:.2} ms ({:.1}x)",
        t_keys / t_exact
    );
    let per_key = time_per(keys, passes, &|ks| {
        change.moved_keys(ks.iter().map(Vec::as_slice)).len() as u64
    });
    println!(
        "  moved_keys over {} corpus keys: {per_key:.1} ns/key",
        keys.len()
    );
}
