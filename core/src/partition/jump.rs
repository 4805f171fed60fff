//! Jump consistent hash (John Lamping and Eric Veach, "A Fast, Minimal
//! Memory, Consistent Hash Algorithm", 2014) over a defined key hash.
//!
//! Servers are buckets `0..n` in list order; growing the list by one server
//! moves exactly the keys that land in the new bucket (an expected
//! `1/(n+1)`), and only the last server can be removed without remapping.
//! The paper leaves the key's 64-bit hash open; keyroute defines it:
//! ```text
//! h = XXH3_64bits(tag(key))        (JumpHash::Xxh3, the default; seed 0)
//! h = XXH64(tag(key), seed 0)      (JumpHash::Xxh64)
//! b = -1, j = 0
//! while j < n: b = j; h = h * 2862933555777941757 + 1 (mod 2^64);
//!              j = floor((b + 1) * (2^31 / ((h >> 33) + 1)))   in IEEE double
//! answer: b
//! ```
//! Weights do not exist in jump hash; the tag rule is none unless chosen.

use super::hash::{xxh3_64, xxh64};
use super::tags::KeyTag;
use super::Partitioner;

/// The paper's function: the bucket in `0..buckets` of a 64-bit key.
/// `buckets` of 0 answers 0.
pub fn jump_consistent_hash(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < buckets as i64 {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b.max(0) as u32
}

/// The 64-bit hash of the key that jump hash places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum JumpHash {
    /// XXH3-64 with seed 0 (the default).
    #[default]
    Xxh3,
    /// XXH64 with seed 0.
    Xxh64,
}

crate::names::named!(JumpHash, "jump_hash", [Xxh3 => "xxh3", Xxh64 => "xxh64"]);

/// Jump hash over `len` servers.
#[derive(Debug, Clone)]
pub struct Jump {
    len: u32,
    hash: JumpHash,
    tag: KeyTag,
}

impl Jump {
    /// `len` servers (at least 1, at most `u32::MAX`).
    pub fn new(len: u32, hash: JumpHash, tag: KeyTag) -> Jump {
        Jump { len, hash, tag }
    }

    /// The key's 64-bit hash.
    pub fn hash(&self) -> JumpHash {
        self.hash
    }

    /// The hash-tag rule applied to keys.
    pub fn tag(&self) -> KeyTag {
        self.tag
    }
}

impl Partitioner for Jump {
    fn len(&self) -> usize {
        self.len as usize
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        let k = self.tag.apply(key);
        let h = match self.hash {
            JumpHash::Xxh3 => xxh3_64(k),
            JumpHash::Xxh64 => xxh64(k, 0),
        };
        jump_consistent_hash(h, self.len) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paper_vectors() {
        // docs/client-side-sharding.md, "Jump, rendezvous and Maglev".
        assert_eq!(jump_consistent_hash(256, 1024), 520);
        assert_eq!(jump_consistent_hash(1, 10), 6);
        assert_eq!(jump_consistent_hash(0xdead_beef, 100), 87);
        assert_eq!(jump_consistent_hash(u64::MAX, 1000), 313);
        assert_eq!(jump_consistent_hash(12345, 1), 0);
        assert_eq!(jump_consistent_hash(12345, 0), 0);
    }

    proptest! {
        /// Growing n to n+1 buckets: a key either stays or moves to bucket n.
        #[test]
        fn monotone(key in any::<u64>(), n in 1u32..5000) {
            let a = jump_consistent_hash(key, n);
            let b = jump_consistent_hash(key, n + 1);
            prop_assert!(a < n);
            prop_assert!(b == a || b == n);
        }
    }

    #[test]
    fn moves_the_expected_fraction() {
        // 200,000 keys, 10 -> 11 buckets: exactly the keys now in bucket 10
        // moved, and they are 1/11 of the keys.
        let keys = 200_000u64;
        let mut moved = 0u64;
        for i in 0..keys {
            let h = xxh3_64(&i.to_le_bytes());
            let (a, b) = (jump_consistent_hash(h, 10), jump_consistent_hash(h, 11));
            if a != b {
                assert_eq!(b, 10);
                moved += 1;
            }
        }
        let frac = moved as f64 / keys as f64;
        // Five standard deviations of a binomial fraction over 200,000 keys.
        assert!((frac - 1.0 / 11.0).abs() < 0.0033, "moved {frac}");
    }
}
