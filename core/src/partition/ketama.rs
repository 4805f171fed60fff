//! The MD5 ketama continuum and the point-count formulas of each library
//! that claims to be "ketama-compatible" (docs/client-side-sharding.md, "Ketama point counts").
//!
//! Every profile hashes `name-i` with MD5 and takes little-endian words of
//! the digest as points; they differ in how many groups `i` a server gets, in
//! how many words of each digest are used, in the lookup rule and in ties.
//! The count formulas are evaluated in exactly the floating-point width and
//! order of the original, because at some pool sizes (`n = 25, 50, 100` for
//! twemproxy) the rounding gives 39 groups instead of 40.

use alloc::vec::Vec;

use super::hash::{le32, md5_parts};
use super::ring::{Boundary, Ring, Ties};

/// A point-count formula: groups (MD5 digests) for one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupCount {
    /// twemproxy 0.5.0 and libmemcached 1.0.18 (`KETAMA_WEIGHTED`) on SSE:
    /// `floorf((float)(pct*160/4*(float)n + 1e-10))`, `pct` a float, every
    /// operation in `f32` except the `+ 1e-10`, which is a double.
    TwemproxyF32,
    /// libmemcached 1.1.x: the same expression with `1e-10F`, all in `f32`.
    LibmemcachedF32,
    /// Predis `KetamaRing`: `floor(w / W * n * 40)` in `f64`, left to right.
    PredisF64,
    /// npm hashring: `Math.floor(w / W * 40 * n)` in `f64`, left to right
    /// (`vnodes` stands for 40 and may be configured).
    NodeHashringF64 {
        /// `'vnode count'`, 40 by default.
        vnodes: u32,
    },
    /// uhashring ketama: `(40 * n * w) // W`, exact integers (`vnodes` = 40).
    UhashringExact {
        /// `vnodes`, 40 by default.
        vnodes: u32,
    },
}

impl GroupCount {
    /// Groups for a server of weight `w` among `n` servers of total weight `total`.
    pub fn groups(self, w: u32, total: u64, n: usize) -> u32 {
        match self {
            GroupCount::TwemproxyF32 => {
                let pct = w as f32 / total as f32;
                let x = pct * 160.0f32 / 4.0f32 * n as f32;
                floor_f32((x as f64 + 0.000_000_000_1) as f32)
            }
            GroupCount::LibmemcachedF32 => {
                let pct = w as f32 / total as f32;
                floor_f32(pct * 160.0f32 / 4.0f32 * n as f32 + 0.000_000_000_1f32)
            }
            GroupCount::PredisF64 => floor_f64(w as f64 / total as f64 * n as f64 * 40.0),
            GroupCount::NodeHashringF64 { vnodes } => {
                floor_f64(w as f64 / total as f64 * vnodes as f64 * n as f64)
            }
            GroupCount::UhashringExact { vnodes } => {
                let g = vnodes as u128 * n as u128 * w as u128 / total.max(1) as u128;
                g.min(u32::MAX as u128) as u32
            }
        }
    }
}

/// `floor` for the non-negative finite values these formulas produce; `as`
/// truncates toward zero and saturates, so no `libm` is needed.
fn floor_f32(x: f32) -> u32 {
    x as u32
}

fn floor_f64(x: f64) -> u32 {
    x as u32
}

/// Appends the points of one server: for `i` in `0..groups`, the first
/// `words` little-endian words of `md5(name ++ sep ++ decimal(i))`, the name
/// truncated so the whole string fits in `max_len` bytes when given.
pub fn push_points(
    out: &mut Vec<(u32, u32)>,
    owner: u32,
    name: &[u8],
    sep: &[u8],
    groups: u32,
    words: usize,
    max_len: Option<usize>,
) {
    let mut digits = [0u8; 10];
    for i in 0..groups {
        let d = decimal(i, &mut digits);
        let mut parts: [&[u8]; 3] = [name, sep, d];
        if let Some(max) = max_len {
            truncate(&mut parts, max);
        }
        let digest = md5_parts(&parts);
        for k in 0..words {
            out.push((le32(&digest, k), owner));
        }
    }
}

/// Cuts `parts` so their total length is at most `max`, as `snprintf` into a
/// buffer of `max + 1` bytes does.
fn truncate(parts: &mut [&[u8]], max: usize) {
    let mut room = max;
    for p in parts.iter_mut() {
        let take = p.len().min(room);
        *p = &p[..take];
        room -= take;
    }
}

/// `i` in decimal, as `%u` prints it.
pub(crate) fn decimal(mut i: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (i % 10) as u8;
        i /= 10;
        if i == 0 {
            break;
        }
    }
    &buf[at..]
}

/// One ketama-family profile: the choices a library makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KetamaProfile {
    /// Groups per server.
    pub count: GroupCount,
    /// Digest words used per group (4, or 3 for hash_ring compatibility).
    pub words: usize,
    /// Lookup rule.
    pub boundary: Boundary,
    /// Tie policy.
    pub ties: Ties,
}

/// Builds the continuum of `servers` (`(name, weight, owner)`) under `profile`.
/// `fixed_groups` overrides the count per server (node-hashring's per-server
/// `vnodes`).
pub fn build_ring(profile: KetamaProfile, servers: &[(&[u8], u32, u32, Option<u32>)]) -> Ring<u32> {
    let total: u64 = servers.iter().map(|s| s.1 as u64).sum();
    let n = servers.len();
    let mut pts = Vec::new();
    for &(name, w, owner, fixed) in servers {
        let g = fixed.unwrap_or_else(|| profile.count.groups(w, total, n));
        push_points(&mut pts, owner, name, b"-", g, profile.words, None);
    }
    Ring::new(pts, profile.ties, profile.boundary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pool sizes n <= 200 at which equal weights give 39 groups
    /// (docs/client-side-sharding.md, "Ketama point counts").
    fn short(count: GroupCount) -> Vec<usize> {
        (1..=200)
            .filter(|&n| count.groups(1, n as u64, n) == 39)
            .collect()
    }

    #[test]
    fn the_156_point_pool_sizes() {
        let tw = [
            25, 47, 50, 55, 61, 71, 94, 100, 107, 109, 110, 115, 122, 142, 159, 163, 188, 193, 200,
        ];
        assert_eq!(short(GroupCount::TwemproxyF32), tw);
        assert_eq!(short(GroupCount::LibmemcachedF32), tw);
        assert_eq!(
            short(GroupCount::PredisF64),
            [49, 98, 103, 107, 161, 187, 196, 197]
        );
        assert_eq!(
            short(GroupCount::NodeHashringF64 { vnodes: 40 }),
            [7, 14, 28, 49, 56, 98, 103, 112, 141, 147, 161, 196]
        );
        assert_eq!(
            short(GroupCount::UhashringExact { vnodes: 40 }),
            Vec::<usize>::new()
        );
        for n in 1..=200 {
            for c in [
                GroupCount::TwemproxyF32,
                GroupCount::PredisF64,
                GroupCount::NodeHashringF64 { vnodes: 40 },
            ] {
                assert!((39..=40).contains(&c.groups(1, n as u64, n)), "{c:?} n={n}");
            }
        }
    }

    #[test]
    fn unequal_weights() {
        // docs/client-side-sharding.md, "Ketama point counts": {1,2} -> 104/212
        // points; {3,3,4} -> 144/144/192.
        let g = |ws: &[u32]| -> Vec<u32> {
            let t: u64 = ws.iter().map(|&w| w as u64).sum();
            ws.iter()
                .map(|&w| 4 * GroupCount::TwemproxyF32.groups(w, t, ws.len()))
                .collect()
        };
        assert_eq!(g(&[1, 2]), [104, 212]);
        assert_eq!(g(&[3, 3, 4]), [144, 144, 192]);
    }

    #[test]
    fn decimal_and_truncation() {
        let mut b = [0u8; 10];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(4_294_967_295, &mut b), b"4294967295");
        let mut parts: [&[u8]; 3] = [b"abcdef", b"-", b"12"];
        truncate(&mut parts, 7);
        assert_eq!(parts, [&b"abcdef"[..], b"-", b""]);
    }
}
