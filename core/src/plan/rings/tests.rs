use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::geometry::{own_counts, Wide};
use super::space::describe;
use super::*;
use crate::partition::{Options, Scheme};

fn names(n: usize, base: u32) -> Vec<String> {
    (0..n)
        .map(|i| format!("127.0.0.1:{}", base + i as u32))
        .collect()
}

fn pct(s: Share) -> f64 {
    (s.as_f64() * 10_000.0).round() / 100.0
}

fn grow(scheme: Scheme, from: usize, to: usize, base: u32) -> MovedFraction {
    let all = names(from.max(to), base);
    let old = Pool::new(scheme, &all[..from]).unwrap();
    let new = Pool::new(scheme, &all[..to]).unwrap();
    RingChange::new(&old, &new).fraction().unwrap()
}

/// docs/resharding.md, "Ring schemes: what moves": twemproxy ketama, names
/// `127.0.0.1:70xx`, weight 1, exact over all 2^32 hashes: (moved, to the
/// added server, between kept).
#[test]
fn reference_twemproxy_table() {
    let rows: [(usize, usize, f64, f64, f64); 9] = [
        (2, 3, 31.63, 31.63, 0.0),
        (3, 4, 24.01, 24.01, 0.0),
        (4, 5, 20.97, 20.97, 0.0),
        (23, 24, 4.69, 4.69, 0.0),
        (24, 25, 5.75, 3.91, 1.84),
        (25, 26, 5.25, 3.39, 1.87),
        (26, 27, 4.19, 4.19, 0.0),
        (99, 100, 3.34, 1.00, 2.34),
        (100, 101, 3.38, 1.00, 2.38),
    ];
    for (a, b, moved, added, between) in rows {
        let f = grow(Scheme::TwemproxyKetama, a, b, 7000);
        assert_eq!(f.basis(), Basis::HashSpace { bits: 32 });
        // The table rounds to 0.01% (its 25 -> 26 "1.87" is 1.8647).
        let got = [f.moved(), f.to_added(), f.between_kept()].map(|s| s.as_f64() * 100.0);
        for (g, want) in got.iter().zip([moved, added, between]) {
            assert!((g - want).abs() < 0.006, "{a} -> {b}: {got:?}");
        }
        // Removal is the mirror image.
        let back = grow(Scheme::TwemproxyKetama, b, a, 7000);
        assert_eq!(back.moved(), f.moved(), "{b} -> {a}");
        assert_eq!(back.from_removed(), f.to_added());
    }
}

/// docs/resharding.md, "Ring schemes: what moves": 127.0.0.1:6379..6381 plus :6382.
#[test]
fn reference_four_servers() {
    let f = grow(Scheme::TwemproxyKetama, 3, 4, 6379);
    assert_eq!(pct(f.moved()), 29.87);
    assert_eq!(f.moved(), f.to_added());
    let from: Vec<f64> = (0..3).map(|i| pct(f.moved_from(i))).collect();
    assert_eq!(from, [11.90, 9.23, 8.74]);
}

#[test]
fn modula_residues() {
    // Equal weights, 3 -> 4: h moves unless h mod 3 == h mod 4 (3 of every 12).
    let f = grow(Scheme::TwemproxyModula, 3, 4, 7000);
    assert_eq!(f.basis(), Basis::HashSpace { bits: 32 });
    assert!((f.moved().as_f64() - 0.75).abs() < 1e-9);
    // Exactly: 2^32 = 12q + 4, residues 0..3 of 12 stay, and get the extra 1.
    let q = (1u128 << 32) / 12;
    assert_eq!(
        f.moved(),
        Share::from_count(Wide::small((1u128 << 32) - 3 * q - 3), 32)
    );
}

fn all_schemes(n: usize) -> Vec<Pool> {
    let s = names(n, 6379);
    Scheme::ALL
        .iter()
        .map(|&scheme| {
            let o = Options::default();
            Pool::with_options(scheme, &s, &o).unwrap()
        })
        .collect()
}

#[test]
fn identical_configurations_move_nothing() {
    for pool in all_schemes(5) {
        let mut c = RingChange::new(&pool, &pool);
        c.sample_log2(10);
        let f = c.fraction().unwrap();
        assert!(f.moved().is_zero(), "{}", pool.scheme());
        let total: f64 = (0..5).map(|i| f.old_share(i).as_f64()).sum();
        assert!((total - 1.0).abs() < 1e-12, "{}", pool.scheme());
    }
}

/// Rows add up to the old configuration's own shares and columns to the
/// new one's, measured from each ring alone.
#[test]
fn margins_equal_own_shares() {
    for (a, b) in all_schemes(4).iter().zip(all_schemes(6)) {
        let f = RingChange::new(a, &b).fraction().unwrap();
        let (da, db) = (describe(a), describe(&b));
        let (Some(oa), Some(ob)) = (
            own_counts(&da.geometry, da.bits, 4),
            own_counts(&db.geometry, db.bits, 6),
        ) else {
            assert!(!f.basis().is_exact(), "{}", a.scheme());
            continue;
        };
        assert!(f.basis().is_exact(), "{}", a.scheme());
        for (i, &w) in oa.iter().enumerate() {
            assert_eq!(
                f.old_share(i),
                Share::from_count(w, da.bits),
                "{} row {i}",
                a.scheme()
            );
        }
        for (j, &w) in ob.iter().enumerate() {
            assert_eq!(
                f.new_share(j),
                Share::from_count(w, db.bits),
                "{} column {j}",
                a.scheme()
            );
        }
    }
}

#[test]
fn different_key_hashes_are_refused() {
    let s = names(3, 6379);
    let md5 = Options {
        hash: Some(crate::partition::hash::twemproxy::TwemproxyHash::Md5),
        ..Options::default()
    };
    let a = Pool::new(Scheme::TwemproxyKetama, &s).unwrap();
    let b = Pool::with_options(Scheme::TwemproxyKetama, &s, &md5).unwrap();
    let err = RingChange::new(&a, &b).fraction().unwrap_err();
    assert_eq!(
        err,
        MovedError::DifferentKeyHash {
            old: "fnv1a_64",
            new: "md5 (word 0)"
        }
    );
    // twemproxy md5 and libmemcached share a hash space.
    let c = Pool::new(Scheme::LibmemcachedKetama, &s).unwrap();
    let f = RingChange::new(&b, &c).fraction().unwrap();
    assert!(f.moved().is_zero(), "libmemcached at n=3 is twemproxy md5");
}

#[test]
fn shares_print_exactly() {
    assert_eq!(Share::from_count(Wide::small(6), 32).to_string(), "3/2^31");
    assert_eq!(Share::from_count(Wide { lo: 0, hi: 1 }, 128), Share::ONE);
    assert_eq!(Share::from_count(Wide::small(1 << 32), 32), Share::ONE);
    assert_eq!(Share::ZERO.to_string(), "0");
    assert_eq!(
        Share::from_count(Wide::small(1), 128).as_f64(),
        f64::from_bits((1023 - 128) << 52)
    );
}

#[test]
fn shares_add_exactly() {
    let s = |n: u128, k: u32| Share::from_count(Wide::small(n), k);
    assert_eq!(s(1, 1).checked_add(s(1, 1)), Some(Share::ONE));
    assert_eq!(s(3, 4).checked_add(s(1, 2)), Some(s(7, 4)));
    let big = s(u128::MAX, 128);
    assert_eq!(big.checked_add(s(1, 128)), Some(Share::ONE));
    assert_eq!(Share::ONE.checked_add(Share::ONE), Some(s(2, 0)));
    assert_eq!(Share::ONE.checked_add(s(1, 128)), None);
    assert_eq!(Share::ZERO.checked_add(s(5, 7)), Some(s(5, 7)));
    assert_eq!(Share::ZERO.checked_add(s(5, 128)), Some(s(5, 128)));
}
