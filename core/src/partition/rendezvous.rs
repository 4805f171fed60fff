//! Rendezvous (highest random weight) hashing: every server scores the key,
//! the highest score wins. Removing a server moves only its own keys.
//!
//! Two definitions:
//! - [`Pymemcache`]: pymemcache 4's `RendezvousHash`, the default of its
//!   `HashClient`: score = `murmur3_32(f"{node}-{key}")` over Python
//!   characters (`ord(c) & 0xFF`), ties to the larger node string.
//! - [`Rendezvous`]: keyroute's weighted rendezvous, defined so any language
//!   can reproduce it with xxHash64 and integer arithmetic; with unit weights
//!   it is exactly go-redis `Ring`'s (`dgryski/go-rendezvous` over
//!   `xxhash.Sum64String`):
//!   ```text
//!   mix(x)      = x ^= x >> 12; x ^= x << 25; x ^= x >> 27; x * 2685821657736338717  (mod 2^64)
//!   k           = XXH64(tag(key), seed 0)                  tag: the Redis hash-tag rule
//!   vnode(s, 0) = XXH64(name_s, 0); vnode(s, j) = XXH64(name_s ++ "#" ++ decimal(j), 0), 1 <= j < weight_s
//!   score(s)    = max over j < weight_s of mix(k ^ vnode(s, j))
//!   winner      = the server with the highest score; on equal scores, the first in list order
//!   ```
//!   A server of weight `w` draws `w` independent scores, so it wins a key
//!   with probability `w / sum(weights)` exactly; the cost per key is
//!   O(sum of weights).

use alloc::vec::Vec;

use super::hash::murmur::{murmur3_32, murmur3_32_slice, python_char_bytes};
use super::hash::xxh64;
use super::ketama::decimal;
use super::tags::KeyTag;
use super::Partitioner;

/// pymemcache's `RendezvousHash` over node strings (`host:port`).
#[derive(Debug, Clone)]
pub struct Pymemcache {
    nodes: Vec<Vec<u8>>,
    /// Each node as pymemcache's murmur3 sees it, followed by `-`.
    prefixes: Vec<Vec<u8>>,
}

impl Pymemcache {
    /// Nodes in the order added.
    pub fn new(nodes: &[&[u8]]) -> Pymemcache {
        Pymemcache {
            nodes: nodes.iter().map(|n| n.to_vec()).collect(),
            prefixes: nodes
                .iter()
                .map(|n| python_char_bytes(n).chain(core::iter::once(b'-')).collect())
                .collect(),
        }
    }

    /// The score of node `i` for `key` (UTF-8 text).
    pub fn score(&self, i: usize, key: &[u8]) -> u32 {
        let chars = python_char_bytes(&self.nodes[i])
            .chain(core::iter::once(b'-'))
            .chain(python_char_bytes(key));
        murmur3_32(chars, 0)
    }
}

impl Partitioner for Pymemcache {
    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn node_for(&self, key: &[u8]) -> usize {
        // The key as pymemcache's murmur3 sees it, computed once per key.
        let owned: Vec<u8>;
        let chars: &[u8] = if key.is_ascii() {
            key
        } else {
            owned = python_char_bytes(key).collect();
            &owned
        };
        let mut buf: Vec<u8> = Vec::with_capacity(64 + chars.len());
        let mut best: Option<(u32, usize)> = None;
        for i in 0..self.nodes.len() {
            buf.clear();
            buf.extend_from_slice(&self.prefixes[i]);
            buf.extend_from_slice(chars);
            let s = murmur3_32_slice(&buf, 0);
            best = match best {
                None => Some((s, i)),
                Some((bs, _)) if s > bs => Some((s, i)),
                // Equal scores: pymemcache keeps max(str(node), str(winner)).
                Some((bs, b)) if s == bs && self.nodes[i] > self.nodes[b] => Some((s, i)),
                keep => keep,
            };
        }
        best.map_or(0, |(_, i)| i)
    }
}

/// go-rendezvous's score mixer (xorshift-multiply).
#[inline(always)]
pub const fn xorshift_mult64(mut x: u64) -> u64 {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    x.wrapping_mul(2_685_821_657_736_338_717)
}

/// Weighted rendezvous over xxHash64 (see the module docs).
#[derive(Debug, Clone)]
pub struct Rendezvous {
    /// Virtual-node hashes, each with its server.
    vnodes: Vec<(u64, u32)>,
    tag: KeyTag,
    len: usize,
}

impl Rendezvous {
    /// Servers as `(name, weight)` in list order.
    pub fn new(servers: &[(&[u8], u32)], tag: KeyTag) -> Rendezvous {
        let mut vnodes = Vec::new();
        let mut digits = [0u8; 10];
        for (i, &(name, w)) in servers.iter().enumerate() {
            vnodes.push((xxh64(name, 0), i as u32));
            for j in 1..w {
                let s = [name, b"#", decimal(j, &mut digits)].concat();
                vnodes.push((xxh64(&s, 0), i as u32));
            }
        }
        Rendezvous {
            vnodes,
            tag,
            len: servers.len(),
        }
    }

    /// How many virtual nodes the servers have (one per unit of weight).
    pub fn vnodes(&self) -> usize {
        self.vnodes.len()
    }

    /// The hash-tag rule applied to keys.
    pub fn tag(&self) -> KeyTag {
        self.tag
    }

    /// The server of a key whose `XXH64(tag(key), 0)` is `k`.
    #[inline]
    pub fn node_for_hash(&self, k: u64) -> usize {
        // Virtual nodes are grouped by server in list order, so a strict `>`
        // keeps the first server on equal scores.
        let mut best = (0u64, 0u32);
        let mut first = true;
        for &(h, s) in &self.vnodes {
            let score = xorshift_mult64(k ^ h);
            if first || score > best.0 {
                best = (score, s);
                first = false;
            }
        }
        best.1 as usize
    }
}

impl Partitioner for Rendezvous {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        self.node_for_hash(xxh64(self.tag.apply(key), 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pymemcache_reference_table() {
        let p = Pymemcache::new(&[b"127.0.0.1:6379", b"127.0.0.1:6380", b"127.0.0.1:6381"]);
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
            keys.map(|k| 6379 + p.node_for(k)),
            [6381, 6379, 6381, 6379, 6381, 6379, 6380, 6379, 6379]
        );
    }

    proptest::proptest! {
        #[test]
        fn fast_score_equals_the_definition(key in ".{0,30}", nodes in proptest::collection::vec("[a-zé0-9:.]{1,12}", 1..6)) {
            let names: Vec<&[u8]> = nodes.iter().map(|n| n.as_bytes()).collect();
            let p = Pymemcache::new(&names);
            let k = key.as_bytes();
            let scores: Vec<u32> = (0..names.len()).map(|i| p.score(i, k)).collect();
            let max = *scores.iter().max().unwrap();
            // The larger node string among the best scores.
            let want = (0..names.len()).filter(|&i| scores[i] == max).max_by(|&a, &b| names[a].cmp(names[b]).then(b.cmp(&a))).unwrap();
            proptest::prop_assert_eq!(p.node_for(k), want);
        }
    }

    #[test]
    fn unit_weights_are_plain_go_rendezvous() {
        let names: [&[u8]; 4] = [b"shard1", b"shard2", b"shard3", b"shard4"];
        let r = Rendezvous::new(&names.map(|n| (n, 1)), KeyTag::None);
        for i in 0..500u32 {
            let key = alloc::format!("key:{i}");
            let k = xxh64(key.as_bytes(), 0);
            let scores = names.map(|n| xorshift_mult64(k ^ xxh64(n, 0)));
            let max = *scores.iter().max().unwrap();
            let want = scores.iter().position(|&s| s == max).unwrap();
            assert_eq!(r.node_for(key.as_bytes()), want);
        }
    }
}
