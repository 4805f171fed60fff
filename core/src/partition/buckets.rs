//! Modulo schemes: a list of buckets, each a server, and a key hash taken
//! modulo the list's length (docs/client-side-sharding.md, "python-memcached").
//!
//! - python-memcached 1.62 (`python-memcached`): each server repeated
//!   `weight` times in list order; a key goes to bucket
//!   `((crc32(key) & 0xffffffff) >> 16) & 0x7fff` modulo the number of
//!   buckets.

use alloc::vec::Vec;

use super::hash::crc32;
use super::Partitioner;

/// The key hash of a bucket list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BucketHash {
    /// python-memcached's `cmemcache_hash`: bits 16 to 30 of the CRC-32,
    /// a value below 2^15.
    Crc32High15,
}

impl BucketHash {
    /// The hash of `key`.
    #[inline]
    pub fn hash(self, key: &[u8]) -> u64 {
        match self {
            BucketHash::Crc32High15 => python_memcached_hash(key) as u64,
        }
    }
}

/// python-memcached's `cmemcache_hash`: `((crc32(key) & 0xffffffff) >> 16) & 0x7fff`.
#[inline]
pub fn python_memcached_hash(key: &[u8]) -> u32 {
    (crc32(key) >> 16) & 0x7fff
}

/// A bucket list: `buckets[hash(key) % buckets.len()]`.
#[derive(Debug, Clone)]
pub struct Buckets {
    buckets: Vec<u32>,
    hash: BucketHash,
    len: usize,
}

impl Buckets {
    /// python-memcached's buckets: server `i` repeated `weights[i]` times,
    /// in list order.
    pub fn python_memcached(weights: &[u32]) -> Buckets {
        let buckets = weights
            .iter()
            .enumerate()
            .flat_map(|(i, &w)| core::iter::repeat_n(i as u32, w as usize))
            .collect();
        Buckets {
            buckets,
            hash: BucketHash::Crc32High15,
            len: weights.len(),
        }
    }

    /// The server of each bucket, in order.
    pub fn buckets(&self) -> &[u32] {
        &self.buckets
    }

    /// The key hash.
    pub fn hash(&self) -> BucketHash {
        self.hash
    }
}

impl Partitioner for Buckets {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        let n = self.buckets.len() as u64;
        if n == 0 {
            return 0;
        }
        self.buckets[(self.hash.hash(key) % n) as usize] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_memcached_hash_values() {
        // crc32("foo") = 0x8c736521: bits 16..31 are 0x8c73, & 0x7fff = 0x0c73.
        assert_eq!(crc32(b"foo"), 0x8c73_6521);
        assert_eq!(python_memcached_hash(b"foo"), 0x0c73);
        assert_eq!(python_memcached_hash(b""), 0);
        let b = Buckets::python_memcached(&[1, 2]);
        assert_eq!(b.buckets(), [0, 1, 1]);
        // 0x0c73 = 3187 = 3 * 1062 + 1: bucket 1, server 1.
        assert_eq!(b.node_for(b"foo"), 1);
    }
}
