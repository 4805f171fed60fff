//! Properties of the ring-change planner (`keyroute::plan::RingChange`):
//! the matrix adds up exactly, a large key sample moves the share the
//! matrix says, identical configurations move nothing, and adding a server
//! to a ketama pool (below twemproxy's 156-point step) moves keys only to it.

use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::spymemcached::SpyHash;
use keyroute::partition::{Options, Pool, Scheme};
use keyroute::plan::rings::Warning;
use keyroute::plan::{Basis, RingChange, Share};
use proptest::prelude::*;

fn servers(n: usize, seed: u64) -> Vec<String> {
    (0..n)
        .map(|i| format!("10.{}.{}.{}:6379", seed % 200, i / 200, i % 200 + 1))
        .collect()
}

fn hashed(h: TwemproxyHash) -> Options {
    let mut o = Options::default();
    o.hash = Some(h);
    o
}

/// Every scheme, with the twemproxy ones hashing with md5 and
/// spymemcached's array-mod with its ketama (MD5) hash: uniform on any keys.
/// (Its default, Java's `String.hashCode`, is far from uniform on the
/// sequential keys below, so the share of keys moved depends on the key set.)
fn pool(scheme: Scheme, list: &[String]) -> Pool {
    let o = match scheme {
        Scheme::TwemproxyKetama | Scheme::TwemproxyModula => hashed(TwemproxyHash::Md5),
        Scheme::SpymemcachedArrayMod => {
            let mut o = Options::default();
            o.spy_hash = Some(SpyHash::Ketama);
            o
        }
        _ => Options::default(),
    };
    Pool::with_options(scheme, list, &o).unwrap()
}

fn sum(shares: impl IntoIterator<Item = Share>) -> Share {
    shares
        .into_iter()
        .fold(Share::ZERO, |a, b| a.checked_add(b).expect("in range"))
}

fn keys(seed: u64, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| format!("{seed:x}:user:{i}").into_bytes())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Exact bookkeeping: each old server's cells add up to its share, each
    /// new server's to its, the shares to 1; the moved share splits into
    /// to-added, from-removed and between-kept.
    #[test]
    fn the_matrix_adds_up(a in 1usize..12, b in 1usize..12, seed in any::<u64>()) {
        let list = servers(a.max(b) + 1, seed);
        // Old: the first a; new: the last b (some kept, some added, some removed).
        let start = a.max(b) + 1 - b;
        for &scheme in Scheme::ALL {
            let (old, new) = (pool(scheme, &list[..a]), pool(scheme, &list[start..]));
            let mut change = RingChange::new(&old, &new);
            change.sample_log2(12);
            let f = change.fraction().unwrap();
            for i in 0..a {
                prop_assert_eq!(sum((0..b).map(|j| f.cell(i, j))), f.old_share(i), "{} row {}", scheme, i);
            }
            for j in 0..b {
                prop_assert_eq!(sum((0..a).map(|i| f.cell(i, j))), f.new_share(j), "{} column {}", scheme, j);
            }
            prop_assert_eq!(sum((0..a).map(|i| f.old_share(i))), Share::ONE, "{}", scheme);
            prop_assert_eq!(sum((0..b).map(|j| f.new_share(j))), Share::ONE, "{}", scheme);
            prop_assert_eq!(sum([f.to_added(), f.from_removed(), f.between_kept()]), f.moved(), "{}", scheme);
            prop_assert_eq!(sum((0..a).map(|i| f.moved_from(i))), f.moved(), "{}", scheme);
        }
    }

    /// 20,000 random keys move in the proportion the matrix gives, within
    /// five standard deviations (plus the sample's own error where the
    /// matrix comes from a sample), and each moved key's cell is non-empty.
    #[test]
    fn keys_move_as_the_fraction_says(a in 2usize..10, b in 2usize..10, seed in any::<u64>()) {
        let list = servers(a.max(b) + 2, seed);
        let ks = keys(seed, 20_000);
        for &scheme in Scheme::ALL {
            let (old, new) = (pool(scheme, &list[..a]), pool(scheme, &list[2..2 + b]));
            let mut change = RingChange::new(&old, &new);
            change.sample_log2(16);
            let f = change.fraction().unwrap();
            let moved = change.moved_keys(ks.iter().map(Vec::as_slice));
            for m in &moved {
                prop_assert!(!f.cell(m.old_index, m.new_index).is_zero(), "{}: key in an empty cell", scheme);
            }
            let p = f.moved().as_f64();
            let got = moved.len() as f64 / ks.len() as f64;
            let mut var = p * (1.0 - p) / ks.len() as f64;
            if !f.basis().is_exact() {
                var += p * (1.0 - p) / 65_536.0;
            }
            prop_assert!((got - p).abs() <= 5.0 * var.sqrt() + 1e-9, "{}: keys {} vs share {}", scheme, got, p);
        }
    }

    /// The same configuration on both sides moves nothing, whatever the
    /// weights and aliases.
    #[test]
    fn identical_configurations_move_nothing(n in 1usize..8, seed in any::<u64>(), weights in proptest::collection::vec(1u32..5, 8)) {
        let ks = keys(seed, 200);
        for &scheme in Scheme::ALL {
            let weighted: Vec<String> = servers(n, seed).iter().zip(&weights).map(|(s, w)| format!("{s}:{w}")).collect();
            let list = if Pool::new(scheme, &weighted).is_ok() { weighted } else { servers(n, seed) };
            let p = pool(scheme, &list);
            let mut change = RingChange::new(&p, &p);
            change.sample_log2(10);
            prop_assert!(change.fraction().unwrap().moved().is_zero(), "{}", scheme);
            prop_assert!(change.moved_keys(ks.iter().map(Vec::as_slice)).is_empty());
        }
    }

    /// Adding a server moves hash values only to it: exactly (no cell
    /// between old servers) for ketama below twemproxy's first 156-point
    /// size (25 servers), uhashring (exact integers) and the default
    /// uhashring ring; on the sample for jump, rendezvous and pymemcache.
    #[test]
    fn adding_a_server_moves_only_to_it(n in 1usize..24, seed in any::<u64>()) {
        let list = servers(n + 1, seed);
        for scheme in [Scheme::TwemproxyKetama, Scheme::LibmemcachedKetama, Scheme::UhashringKetama,
                       Scheme::Uhashring, Scheme::Jump, Scheme::Rendezvous, Scheme::Pymemcache] {
            let (old, new) = (pool(scheme, &list[..n]), pool(scheme, &list));
            let mut change = RingChange::new(&old, &new);
            change.sample_log2(12);
            let f = change.fraction().unwrap();
            prop_assert!(f.between_kept().is_zero(), "{} {} -> {}", scheme, n, n + 1);
            prop_assert_eq!(f.moved(), f.to_added());
            for i in 0..n {
                prop_assert_eq!(f.cell(i, i).checked_add(f.cell(i, n)), Some(f.old_share(i)));
            }
            let flagged = change.warnings().iter().any(|w| matches!(w, Warning::PointCountChange { .. }));
            prop_assert!(!flagged, "{}: point-count warning", scheme);
        }
    }

    /// Any two pools: a fraction or the typed refusal, and warnings, never a panic.
    #[test]
    fn any_two_pools(sa in 0usize..15, sb in 0usize..15, a in 1usize..6, b in 1usize..6, seed in any::<u64>(), hash in 0usize..12) {
        let list = servers(8, seed);
        let o = hashed(TwemproxyHash::ALL[hash]);
        let mk = |s: Scheme, l: &[String]| match s {
            Scheme::TwemproxyKetama | Scheme::TwemproxyModula => Pool::with_options(s, l, &o).unwrap(),
            _ => Pool::new(s, l).unwrap(),
        };
        let (old, new) = (mk(Scheme::ALL[sa], &list[..a]), mk(Scheme::ALL[sb], &list[8 - b..]));
        let mut change = RingChange::new(&old, &new);
        change.sample_log2(8);
        let _ = change.warnings();
        match change.fraction() {
            Ok(f) => prop_assert_eq!(sum((0..a).map(|i| f.old_share(i))), Share::ONE),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// twemproxy crossing 25 servers: every server drops from 160 to 156
/// points and keys move between servers that stay; the warning says so.
#[test]
fn the_156_point_step_is_flagged() {
    let list = servers(25, 7);
    let (old, new) = (
        pool(Scheme::TwemproxyKetama, &list[..24]),
        pool(Scheme::TwemproxyKetama, &list),
    );
    let change = RingChange::new(&old, &new);
    let f = change.fraction().unwrap();
    assert!(f.between_kept().as_f64() > 0.01);
    let w = change.warnings();
    let Some(Warning::PointCountChange { changes, .. }) = w
        .iter()
        .find(|w| matches!(w, Warning::PointCountChange { .. }))
    else {
        panic!("no point-count warning: {w:?}");
    };
    assert_eq!(changes.len(), 24);
    assert!(changes.iter().all(|c| (c.old, c.new) == (160, 156)));
}

/// Jump hash over its sample: n -> n + 1 moves about 1/(n+1), only to
/// the new bucket, and the sample is deterministic.
#[test]
fn jump_on_its_hash_sample() {
    for n in [1usize, 9, 24, 99] {
        let list = servers(n + 1, 3);
        let (old, new) = (pool(Scheme::Jump, &list[..n]), pool(Scheme::Jump, &list));
        let f = RingChange::new(&old, &new).fraction().unwrap();
        assert_eq!(
            f.basis(),
            Basis::HashSample {
                bits: 64,
                log2_samples: 20
            }
        );
        let want = 1.0 / (n as f64 + 1.0);
        let sd = (want * (1.0 - want) / (1u64 << 20) as f64).sqrt();
        assert!((f.moved().as_f64() - want).abs() < 5.0 * sd, "{n}");
        assert_eq!(f.moved(), f.to_added());
        assert_eq!(f, RingChange::new(&old, &new).fraction().unwrap());
    }
}
