use super::*;
use proptest::prelude::*;

fn naive_ring(points: &[(u128, u32)], b: Boundary, h: u128) -> u32 {
    // points sorted, distinct.
    match b {
        Boundary::LowerBound => points.iter().find(|p| p.0 >= h).unwrap_or(&points[0]).1,
        Boundary::UpperBound => points.iter().find(|p| p.0 > h).unwrap_or(&points[0]).1,
        _ => {
            points
                .iter()
                .rev()
                .find(|p| p.0 <= h)
                .unwrap_or(points.last().unwrap())
                .1
        }
    }
}

fn ring(raw: Vec<(u8, u32)>) -> Vec<(u128, u32)> {
    let mut v: Vec<(u128, u32)> = raw.into_iter().map(|(p, o)| (p as u128, o)).collect();
    v.sort();
    v.dedup_by_key(|p| p.0);
    v
}

fn geometry() -> impl Strategy<Value = (u8, Vec<(u8, u32)>, Vec<u32>)> {
    (
        0u8..3,
        proptest::collection::vec((any::<u8>(), 0u32..4), 1..12),
        proptest::collection::vec(0u32..4, 1..9),
    )
}

fn build(
    kind: u8,
    pts: &[(u8, u32)],
    cont: &[u32],
    bits: u32,
) -> (Geometry<'static>, Vec<(u128, u32)>) {
    let rules = [
        Boundary::LowerBound,
        Boundary::UpperBound,
        Boundary::Predecessor,
    ];
    let r = ring(pts.to_vec());
    if kind == 3 {
        (Geometry::Modula(cont.to_vec()), r)
    } else {
        (
            Geometry::Segments(segments(&r, rules[kind as usize], bits)),
            r,
        )
    }
}

proptest! {
    /// Over an 8-bit space, every measure equals counting all 256
    /// hashes one by one, and segments agree with the ring rule.
    #[test]
    fn exact_measures_equal_brute_force((ka, pa, ca) in geometry(), (kb, pb, cb) in geometry(), ma in any::<bool>(), mb in any::<bool>()) {
        let bits = 8;
        let rules = [Boundary::LowerBound, Boundary::UpperBound, Boundary::Predecessor];
        let (ga, ra) = build(if ma { 3 } else { ka }, &pa, &ca, bits);
        let (gb, rb) = build(if mb { 3 } else { kb }, &pb, &cb, bits);
        let mut want = vec![Wide::default(); 16];
        for h in 0..256u128 {
            let (o, n) = (ga.owner(h), gb.owner(h));
            if !ma { prop_assert_eq!(o, naive_ring(&ra, rules[ka as usize], h)); }
            if !mb { prop_assert_eq!(n, naive_ring(&rb, rules[kb as usize], h)); }
            want[o as usize * 4 + n as usize].add(Wide::small(1));
        }
        let mut got = vec![Wide::default(); 16];
        prop_assert_eq!(measure(&ga, &gb, bits, 4, 4, &mut got), Measured::Exact);
        prop_assert_eq!(&got, &want);
        let own = own_counts(&ga, bits, 4).unwrap();
        for o in 0..4 {
            let mut row = Wide::default();
            for n in 0..4 { row.add(got[o * 4 + n]); }
            prop_assert_eq!(row, own[o]);
        }
    }

    #[test]
    fn full_width_spans(points in proptest::collection::vec((any::<u128>(), 0u32..3), 1..6)) {
        let mut p = points.clone();
        p.sort();
        p.dedup_by_key(|x| x.0);
        for b in [Boundary::LowerBound, Boundary::UpperBound, Boundary::Predecessor] {
            let s = segments(&p, b, 128);
            let own = own_counts(&Geometry::Segments(s), 128, 3).unwrap();
            let mut total = Wide::default();
            for w in own { total.add(w); }
            prop_assert_eq!(total, Wide { lo: 0, hi: 1 });
        }
    }
}

#[test]
fn tables_and_edges() {
    let t1 = [0u32, 1, 1, 0, 2];
    let t2 = [0u32, 1, 2, 2, 2];
    let (a, b) = (Geometry::Table(&t1), Geometry::Table(&t2));
    let mut got = vec![Wide::default(); 9];
    assert_eq!(measure(&a, &b, 8, 3, 4, &mut got), Measured::Exact);
    let mut want = vec![Wide::default(); 9];
    for h in 0..256u128 {
        want[a.owner(h) as usize * 3 + b.owner(h) as usize].add(Wide::small(1));
    }
    assert_eq!(got, want);
    // A point at the very top of a 128-bit space.
    let s = segments(&[(u128::MAX, 1)], Boundary::LowerBound, 128);
    assert_eq!(s, vec![(0, 1)]);
    assert_eq!(span(0, None, 128), Wide { lo: 0, hi: 1 });
    assert_eq!(period_walk_steps(4, 6, 32), 12);
    assert_eq!(period_walk_steps(1 << 20, (1 << 20) - 1, 32), 1 << 32);
    let mut k = Vec::new();
    sample_key(120, &mut k);
    assert_eq!(k, b"keyroute-sample:120");
}
