//! phpredis `RedisArray` (5.3; docs/client-side-sharding.md, "phpredis
//! RedisArray"): hosts are the configured strings, without weights.
//!
//! ```text
//! part(key)  = C-string semantics: if the key up to its first NUL byte has a `{`,
//!              and a `}` after it (still before the NUL), the bytes between them
//!              (possibly none); otherwise every byte of the key
//! value(key) = no algorithm:  the CRC-32 register without its final xor, !crc32(part)
//!              algorithm a:   the first min(8, |d|) bytes of d = a(part) copied over the
//!                             little-endian 64-bit 0x00000000_ffffffff, mod 0xffffffff
//! index      = ((value ^ 0xffffffff) · N) / 0xffffffff      (64-bit integers)
//! consistent = 160 points per host, LE32 words 0..4 of md5("<host>-<j>"), j < 40; the
//!              first point >= value, wrapping; equal points: the earlier host
//! ```
//!
//! Without `consistent`, `index` is N (past the host list) when `value` is
//! 0: the extension then reads past its array of connections, so it has no
//! server for that key, and keyroute refuses it
//! ([`PartitionError::NoServerForKey`](crate::error::PartitionError)).

use alloc::vec::Vec;

use super::hash::digest::Algorithm;
use super::hash::{crc32, le32, md5_parts};
use super::ketama::decimal;
use super::ring::{Boundary, Ring, Ties};
use super::Partitioner;

/// The bytes of `key` RedisArray hashes (see the module docs).
pub fn part(key: &[u8]) -> &[u8] {
    let c = key.iter().position(|&b| b == 0).map_or(key, |n| &key[..n]);
    let Some(s) = c.iter().position(|&b| b == b'{') else {
        return key;
    };
    match c[s + 1..].iter().position(|&b| b == b'}') {
        Some(e) => &key[s + 1..s + 1 + e],
        None => key,
    }
}

/// The value RedisArray places: the CRC-32 register, or the digest's.
pub fn value(part: &[u8], algorithm: Option<Algorithm>) -> u64 {
    match algorithm {
        None => (!crc32(part)) as u64,
        Some(a) => {
            let d = a.digest(part);
            let mut v = 0xffff_ffffu64.to_le_bytes();
            let n = d.as_slice().len().min(8);
            v[..n].copy_from_slice(&d.as_slice()[..n]);
            u64::from_le_bytes(v) % 0xffff_ffff
        }
    }
}

/// Why RedisArray has no host for a key.
pub const PAST_THE_END: &str =
    "the library computes a position past its server list and reads past its memory";

/// phpredis `RedisArray` over its hosts.
#[derive(Debug, Clone)]
pub struct RedisArray {
    algorithm: Option<Algorithm>,
    /// The `consistent` ring, if any.
    ring: Option<Ring<u32>>,
    len: usize,
}

impl RedisArray {
    /// A `RedisArray` over host strings in list order, with its
    /// `algorithm` and `consistent` options.
    pub fn new(hosts: &[&[u8]], algorithm: Option<Algorithm>, consistent: bool) -> RedisArray {
        let ring = consistent.then(|| {
            let mut pts = Vec::with_capacity(hosts.len() * 160);
            let mut digits = [0u8; 10];
            for (i, h) in hosts.iter().enumerate() {
                for j in 0..40 {
                    let d = md5_parts(&[h, b"-", decimal(j, &mut digits)]);
                    for k in 0..4 {
                        pts.push((le32(&d, k), i as u32));
                    }
                }
            }
            Ring::new(pts, Ties::First, Boundary::LowerBound)
        });
        RedisArray {
            algorithm,
            ring,
            len: hosts.len(),
        }
    }

    /// The `consistent` ring, if the array has one.
    pub fn ring(&self) -> Option<&Ring<u32>> {
        self.ring.as_ref()
    }

    /// The digest (`algorithm`), if any.
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.algorithm
    }

    /// The host position for `key`, or `None` where the extension computes
    /// a position past its host list.
    #[inline]
    pub fn try_node_for(&self, key: &[u8]) -> Option<usize> {
        let v = value(part(key), self.algorithm);
        match &self.ring {
            // The value is below 2^32 in both forms.
            Some(r) => r.lookup(v as u32).map(|i| i as usize),
            None => {
                let pos = ((v ^ 0xffff_ffff) * self.len as u64 / 0xffff_ffff) as usize;
                (pos < self.len).then_some(pos)
            }
        }
    }
}

impl Partitioner for RedisArray {
    fn len(&self) -> usize {
        self.len
    }

    /// The host position; for a key the extension has no host for, the
    /// last position (see [`RedisArray::try_node_for`]).
    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        self.try_node_for(key).unwrap_or(self.len.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_follow_c_strings() {
        assert_eq!(part(b"a{b}c"), b"b");
        assert_eq!(part(b"{}x"), b"");
        assert_eq!(part(b"a{}b{c}"), b"");
        assert_eq!(part(b"{a\0b}"), b"{a\0b}");
        assert_eq!(part(b"x\0{a}"), b"x\0{a}");
        assert_eq!(part(b"{a}\0"), b"a");
        assert_eq!(part(b"{ab"), b"{ab");
    }

    #[test]
    fn values() {
        // The CRC register without its final xor.
        assert_eq!(value(b"foo", None), !0x8c73_6521u32 as u64);
        // crc32b digests are the CRC big-endian: 8c 73 65 21 read little-endian.
        assert_eq!(value(b"foo", Some(Algorithm::Crc32b)), 0x2165_738c);
        // A key whose value is 0 has no host without `consistent`.
        let a = RedisArray::new(&[b"a", b"b"], None, false);
        let key = crc_forge(0xffff_ffff);
        assert_eq!(value(&key, None), 0);
        assert_eq!(a.try_node_for(&key), None);
        assert_eq!(a.node_for(&key), 1);
        assert!(RedisArray::new(&[b"a", b"b"], None, true)
            .try_node_for(&key)
            .is_some());
    }

    /// 4 bytes appended to `a` that make its CRC-32 `want` (CRC-32 is
    /// linear: the suffix is solved bit by bit).
    fn crc_forge(want: u32) -> Vec<u8> {
        let base = b"a".to_vec();
        // Columns: the CRC change each suffix bit makes.
        let zero = crc32(&[base.as_slice(), &[0u8; 4]].concat());
        let cols: Vec<u32> = (0..32)
            .map(|bit| {
                let mut s = [0u8; 4];
                s[bit / 8] = 1 << (bit % 8);
                crc32(&[base.as_slice(), &s].concat()) ^ zero
            })
            .collect();
        // Gaussian elimination over GF(2).
        let target = want ^ zero;
        let mut rows: Vec<(u32, u32)> =
            cols.iter().enumerate().map(|(i, &c)| (c, 1 << i)).collect();
        let mut basis: Vec<(u32, u32)> = Vec::new();
        for (mut c, mut m) in rows.drain(..) {
            for &(bc, bm) in &basis {
                if c ^ bc < c {
                    c ^= bc;
                    m ^= bm;
                }
            }
            if c != 0 {
                basis.push((c, m));
                basis.sort_by_key(|b| core::cmp::Reverse(b.0));
            }
        }
        let (mut t, mut m) = (target, 0u32);
        for &(bc, bm) in &basis {
            if t ^ bc < t {
                t ^= bc;
                m ^= bm;
            }
        }
        assert_eq!(t, 0);
        [base.as_slice(), &m.to_le_bytes()].concat()
    }
}
