//! A configuration as a function of the key hash `h` in `[0, 2^bits)`, and
//! the measure of the set of `h` that two configurations send to each pair
//! of servers.
//!
//! Rings are piecewise constant: sorted segment starts, each with its owner.
//! modula is periodic (`cont[h mod T]`) and maglev a table (`table[h mod M]`).
//! Those three are measured exactly: a sweep over the union of segment
//! starts; closed-form residue counts inside each segment; a period walk of
//! `lcm(T1, T2)`; an entry-by-entry table diff. Jump and rendezvous have no
//! such structure and are measured on a documented sample of hash values,
//! pymemcache (whose scores hash the key text) on a sample of keys.

use alloc::vec;
use alloc::vec::Vec;

use crate::partition::jump::jump_consistent_hash;
use crate::partition::rendezvous::Rendezvous;
use crate::partition::ring::Boundary;
use crate::partition::Pool;

/// A count of hash values, up to `2^128` (`hi * 2^128 + lo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Wide {
    pub lo: u128,
    pub hi: u8,
}

impl Wide {
    pub const fn small(v: u128) -> Wide {
        Wide { lo: v, hi: 0 }
    }

    pub fn add(&mut self, x: Wide) {
        let (lo, carry) = self.lo.overflowing_add(x.lo);
        self.lo = lo;
        self.hi = self.hi.saturating_add(x.hi).saturating_add(carry as u8);
    }
}

/// The size of `[start, end)`, `end` `None` meaning `2^bits`.
fn span(start: u128, end: Option<u128>, bits: u32) -> Wide {
    match end {
        Some(e) => Wide::small(e - start),
        None if bits < 128 => Wide::small((1u128 << bits) - start),
        // 2^128 - start.
        None if start == 0 => Wide { lo: 0, hi: 1 },
        None => Wide::small(start.wrapping_neg()),
    }
}

/// How one configuration maps a key hash to a server (configured index).
#[derive(Debug)]
pub(crate) enum Geometry<'a> {
    /// Segment starts in ascending order, the first at 0, each owning
    /// `[start, next start)`; the last runs to `2^bits`.
    Segments(Vec<(u128, u32)>),
    /// `cont[h mod cont.len()]`.
    Modula(Vec<u32>),
    /// `table[h mod table.len()]`.
    Table(&'a [u32]),
    /// Jump hash over this many buckets.
    Jump(u32),
    /// Weighted rendezvous over the key's XXH64.
    Rendezvous(&'a Rendezvous),
    /// Only the key itself says (pymemcache): measured on sample keys.
    Keys(&'a Pool),
}

/// The segments of a ring whose distinct sorted points are `points`, under
/// `boundary`, over `[0, 2^bits)`.
pub(crate) fn segments(points: &[(u128, u32)], boundary: Boundary, bits: u32) -> Vec<(u128, u32)> {
    let Some((&(_, o_first), &(last, o_last))) = points.first().zip(points.last()) else {
        return vec![(0, 0)];
    };
    let end = |p: u128| -> Option<u128> {
        // p + 1 when it is still inside the space.
        p.checked_add(1)
            .filter(|&q| bits == 128 || q < (1u128 << bits))
    };
    let mut raw: Vec<(u128, u32)> = Vec::with_capacity(points.len() + 2);
    match boundary {
        // The first point >= h: (p[i-1], p[i]] -> o[i], past the last -> o[0].
        Boundary::LowerBound => {
            raw.push((0, o_first));
            for w in points.windows(2) {
                if let Some(s) = end(w[0].0) {
                    raw.push((s, w[1].1));
                }
            }
            if let Some(s) = end(last) {
                raw.push((s, o_first));
            }
        }
        // The first point > h: [p[i-1], p[i]) -> o[i], from the last -> o[0].
        Boundary::UpperBound => {
            raw.push((0, o_first));
            for w in points.windows(2) {
                raw.push((w[0].0, w[1].1));
            }
            raw.push((last, o_first));
        }
        // The last point <= h: [p[i], p[i+1]) -> o[i], below the first -> the last.
        Boundary::Predecessor => {
            raw.push((0, o_last));
            raw.extend_from_slice(points);
        }
    }
    normalize(raw)
}

/// Drops empty segments (a later start equal to an earlier one wins) and
/// merges neighbours with the same owner.
fn normalize(raw: Vec<(u128, u32)>) -> Vec<(u128, u32)> {
    let mut out: Vec<(u128, u32)> = Vec::with_capacity(raw.len());
    for (s, o) in raw {
        if let Some(last) = out.last_mut() {
            if last.0 == s {
                *last = (s, o);
                if out.len() >= 2 && out[out.len() - 2].1 == o {
                    out.pop();
                }
                continue;
            }
            if last.1 == o {
                continue;
            }
        }
        out.push((s, o));
    }
    out
}

/// The owner of `h` among segments.
fn segment_owner(seg: &[(u128, u32)], h: u128) -> u32 {
    let i = seg.partition_point(|&(s, _)| s <= h);
    seg[i.saturating_sub(1)].1
}

impl Geometry<'_> {
    /// The owner of hash `h` (not for [`Geometry::Keys`]).
    pub fn owner(&self, h: u128) -> u32 {
        match self {
            Geometry::Segments(s) => segment_owner(s, h),
            Geometry::Modula(c) => c[(h % c.len() as u128) as usize],
            Geometry::Table(t) => t[(h % t.len() as u128) as usize],
            Geometry::Jump(n) => jump_consistent_hash(h as u64, *n),
            Geometry::Rendezvous(r) => r.node_for_hash(h as u64) as u32,
            Geometry::Keys(_) => 0,
        }
    }
}

/// The largest number of steps an exact modula-by-modula walk may take
/// before a sample is used instead.
pub(crate) const MAX_PERIOD_WALK: u128 = 1 << 26;

/// How [`measure`] measured: exactly, or on a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measured {
    Exact,
    HashSample,
    KeySample,
}

/// Counts, into `out[old * n_new + new]`, the hash values (or samples) that
/// `a` sends to `old` and `b` to `new`; the denominator is `2^bits` for an
/// exact measure and `2^sample_log2` for a sample.
pub(crate) fn measure(
    a: &Geometry<'_>,
    b: &Geometry<'_>,
    bits: u32,
    n_new: usize,
    sample_log2: u32,
    out: &mut [Wide],
) -> Measured {
    use Geometry::*;
    let cell = |o: u32, n: u32| o as usize * n_new + n as usize;
    match (a, b) {
        (Segments(x), Segments(y)) => {
            sweep(x, y, bits, &mut |o, n, w| out[cell(o, n)].add(w));
            Measured::Exact
        }
        (Segments(x), Modula(c)) if bits <= 64 => {
            segments_by_residues(x, c, bits, &mut |o, n, w| out[cell(o, n)].add(w));
            Measured::Exact
        }
        (Modula(c), Segments(y)) if bits <= 64 => {
            segments_by_residues(y, c, bits, &mut |n, o, w| out[cell(o, n)].add(w));
            Measured::Exact
        }
        (Modula(x), Modula(y))
            if bits <= 64 && period_walk_steps(x.len(), y.len(), bits) <= MAX_PERIOD_WALK =>
        {
            period_walk(x, y, bits, &mut |o, n, w| out[cell(o, n)].add(w));
            Measured::Exact
        }
        (Table(x), Table(y)) if x.len() == y.len() && bits <= 64 => {
            let m = x.len() as u128;
            let (q, r) = ((1u128 << bits) / m, (1u128 << bits) % m);
            for (e, (&o, &n)) in x.iter().zip(y.iter()).enumerate() {
                out[cell(o, n)].add(Wide::small(q + ((e as u128) < r) as u128));
            }
            Measured::Exact
        }
        (Keys(p), Keys(q)) => {
            let mut key = Vec::new();
            for i in 0..1u64 << sample_log2 {
                sample_key(i, &mut key);
                out[cell(p.index_for(&key) as u32, q.index_for(&key) as u32)].add(Wide::small(1));
            }
            Measured::KeySample
        }
        _ => {
            for i in 0..1u64 << sample_log2 {
                let h = sample_hash(i, bits);
                out[cell(a.owner(h), b.owner(h))].add(Wide::small(1));
            }
            Measured::HashSample
        }
    }
}

/// `splitmix64` output `i` (seed 0): the `i`-th value of the hash sample.
pub(crate) fn splitmix64(i: u64) -> u64 {
    let mut z = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sample hash value `i` in `[0, 2^bits)`: the top `bits` bits of
/// `splitmix64(2i) ++ splitmix64(2i + 1)` read as a 128-bit integer.
pub(crate) fn sample_hash(i: u64, bits: u32) -> u128 {
    let v = ((splitmix64(2 * i) as u128) << 64) | splitmix64(2 * i + 1) as u128;
    if bits >= 128 {
        v
    } else {
        v >> (128 - bits)
    }
}

/// Sample key `i`: `keyroute-sample:` followed by `i` in decimal.
pub(crate) fn sample_key(i: u64, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(b"keyroute-sample:");
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut v = i;
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Walks the union of two segment lists, reporting each piece's owners and size.
pub(crate) fn sweep(
    a: &[(u128, u32)],
    b: &[(u128, u32)],
    bits: u32,
    f: &mut dyn FnMut(u32, u32, Wide),
) {
    let (mut i, mut j, mut pos) = (0usize, 0usize, 0u128);
    loop {
        let na = a.get(i + 1).map(|x| x.0);
        let nb = b.get(j + 1).map(|x| x.0);
        let end = match (na, nb) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, None) => x,
            (None, y) => y,
        };
        f(a[i].1, b[j].1, span(pos, end, bits));
        let Some(e) = end else { return };
        pos = e;
        if na == Some(e) {
            i += 1;
        }
        if nb == Some(e) {
            j += 1;
        }
    }
}

/// `(residue start, residue end, owner)`: the runs of equal owners of a continuum.
fn runs(cont: &[u32]) -> Vec<(u128, u128, u32)> {
    let mut out: Vec<(u128, u128, u32)> = Vec::new();
    for (r, &o) in cont.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.2 == o => last.1 = r as u128 + 1,
            _ => out.push((r as u128, r as u128 + 1, o)),
        }
    }
    out
}

/// `#{h < x : h mod t in [c, d)}`.
fn residues_below(x: u128, t: u128, c: u128, d: u128) -> u128 {
    (x / t) * (d - c) + (x % t).clamp(c, d) - c
}

/// Segments (owners reported first) against a modula continuum (second).
fn segments_by_residues(
    seg: &[(u128, u32)],
    cont: &[u32],
    bits: u32,
    f: &mut dyn FnMut(u32, u32, Wide),
) {
    let t = cont.len() as u128;
    let runs = runs(cont);
    let top = 1u128 << bits;
    for (k, &(start, owner)) in seg.iter().enumerate() {
        let end = seg.get(k + 1).map_or(top, |x| x.0);
        for &(c, d, o) in &runs {
            let n = residues_below(end, t, c, d) - residues_below(start, t, c, d);
            if n > 0 {
                f(owner, o, Wide::small(n));
            }
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Steps of [`period_walk`]: `min(lcm(t1, t2), 2^bits)`.
pub(crate) fn period_walk_steps(t1: usize, t2: usize, bits: u32) -> u128 {
    let (a, b) = (t1 as u128, t2 as u128);
    (a / gcd(a, b)).saturating_mul(b).min(1u128 << bits)
}

/// Two modula continua over one period of both (`lcm`): residue `r` of the
/// period stands for the `q + (r < rem)` hash values congruent to it.
fn period_walk(x: &[u32], y: &[u32], bits: u32, f: &mut dyn FnMut(u32, u32, Wide)) {
    let top = 1u128 << bits;
    let period = period_walk_steps(x.len(), y.len(), bits);
    let (q, rem) = (top / period, top % period);
    let (mut i, mut j) = (0usize, 0usize);
    for r in 0..period {
        f(x[i], y[j], Wide::small(q + (r < rem) as u128));
        i += 1;
        if i == x.len() {
            i = 0;
        }
        j += 1;
        if j == y.len() {
            j = 0;
        }
    }
}

/// Each server's share of the space under one configuration alone, exact
/// where [`measure`] is (for the property tests: a matrix's rows and columns
/// must add up to these).
#[cfg(test)]
pub(crate) fn own_counts(g: &Geometry<'_>, bits: u32, n: usize) -> Option<Vec<Wide>> {
    let mut out = vec![Wide::default(); n];
    match g {
        Geometry::Segments(s) => {
            for (k, &(start, o)) in s.iter().enumerate() {
                out[o as usize].add(span(start, s.get(k + 1).map(|x| x.0), bits));
            }
        }
        Geometry::Modula(c) if bits <= 64 => {
            let t = c.len() as u128;
            let top = 1u128 << bits;
            for (c0, d0, o) in runs(c) {
                out[o as usize].add(Wide::small(residues_below(top, t, c0, d0)));
            }
        }
        Geometry::Table(t) if bits <= 64 => {
            let m = t.len() as u128;
            let (q, r) = ((1u128 << bits) / m, (1u128 << bits) % m);
            for (e, &o) in t.iter().enumerate() {
                out[o as usize].add(Wide::small(q + ((e as u128) < r) as u128));
            }
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests;
