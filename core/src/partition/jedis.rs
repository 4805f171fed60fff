//! Jedis client-side sharding (`Sharded` in 1.x-3.x, `JedisSharding` in
//! 4.x-6.x; removed in 7.0).
//!
//! Each shard `i` (its position in the list: order matters) gets points
//! `MurmurHash64A(name, 0x1234ABCD)` read as a signed Java `long`, kept in a
//! `TreeMap` (a later shard overwrites an equal point). A key goes to the
//! first point `>=` its own hash in signed order, wrapping to the smallest.
//! The point names depend on the version:
//!
//! | version | unnamed shard | named shard |
//! | --- | --- | --- |
//! | 2.0 - 2.9 | `SHARD-{i}-NODE-{n}`, n < 160·weight | `{name}*{weight}{n}`, n < 160·weight |
//! | 2.10 - 3.x | same | `{name}*{n}`, n < 160·weight |
//! | 4.x - 6.x | `SHARD-{i}-NODE-{n}`, n < 160 (no names, no weights) | n/a |

use alloc::vec::Vec;

use super::hash::murmur::murmur64a;
use super::ketama::decimal;
use super::ring::{Boundary, Ring, Ties};
use super::tags::KeyTag;
use super::Partitioner;

/// Jedis's MurmurHash seed.
pub const JEDIS_SEED: u64 = 0x1234_ABCD;

/// Which Jedis releases' point names to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum JedisVersion {
    /// 2.0 to 2.9: named shards hash `name*{weight}{n}`.
    V2_9,
    /// 2.10 and 3.x: named shards hash `name*{n}`.
    V3,
    /// 4.x to 6.x `JedisSharding`: unnamed, unweighted shards only.
    #[default]
    V4,
}

crate::names::named!(JedisVersion, "jedis", [V2_9 => "2.9", V3 => "3", V4 => "4"]);

/// The order-preserving map from Java's signed `long` order to `u64` order.
#[inline(always)]
fn signed_order(h: u64) -> u64 {
    h ^ (1 << 63)
}

/// A Jedis shard ring.
#[derive(Debug, Clone)]
pub struct JedisRing {
    ring: Ring<u64>,
    tag: KeyTag,
    len: usize,
}

impl JedisRing {
    /// Shards as `(name, weight)` in list order; `tag` is [`KeyTag::None`]
    /// unless the application passed a key-tag pattern ([`KeyTag::Jedis`]).
    pub fn new(shards: &[(Option<&[u8]>, u32)], version: JedisVersion, tag: KeyTag) -> JedisRing {
        let mut pts = Vec::new();
        let (mut a, mut b, mut c) = ([0u8; 10], [0u8; 10], [0u8; 10]);
        for (i, &(name, weight)) in shards.iter().enumerate() {
            let count = match version {
                JedisVersion::V4 => 160,
                _ => 160u32.saturating_mul(weight),
            };
            let idx = decimal(i as u32, &mut a);
            let w = decimal(weight, &mut b);
            for n in 0..count {
                let n = decimal(n, &mut c);
                let s: Vec<u8> = match (name, version) {
                    (Some(name), JedisVersion::V2_9) => [name, b"*", w, n].concat(),
                    (Some(name), _) => [name, b"*", n].concat(),
                    (None, _) => [&b"SHARD-"[..], idx, b"-NODE-", n].concat(),
                };
                pts.push((signed_order(murmur64a(&s, JEDIS_SEED)), i as u32));
            }
        }
        JedisRing {
            ring: Ring::new(pts, Ties::Last, Boundary::LowerBound),
            tag,
            len: shards.len(),
        }
    }

    /// The ring, over hashes in signed order (`h ^ 2^63`).
    pub fn ring(&self) -> &Ring<u64> {
        &self.ring
    }

    /// The hash-tag rule applied to keys.
    pub fn tag(&self) -> KeyTag {
        self.tag
    }
}

impl Partitioner for JedisRing {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        let h = murmur64a(self.tag.apply(key), JEDIS_SEED);
        self.ring.lookup(signed_order(h)).unwrap_or(0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_table() {
        // docs/client-side-sharding.md, "Check values: three servers": Jedis 4.x
        // over 6379, 6380, 6381 in list order.
        let ring = JedisRing::new(
            &[(None, 1), (None, 1), (None, 1)],
            JedisVersion::V4,
            KeyTag::None,
        );
        let keys: [&[u8]; 9] = [
            b"foo",
            b"bar",
            b"baz",
            b"hello",
            b"user:1000",
            b"key0",
            b"key1",
            b"key2",
            b"key3",
        ];
        assert_eq!(
            keys.map(|k| 6379 + ring.node_for(k)),
            [6379, 6381, 6380, 6380, 6381, 6380, 6381, 6380, 6380]
        );
    }
}
