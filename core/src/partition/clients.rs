//! Consistent-hash rings of client libraries over 32-bit points: redis-rb
//! (4.x and 5.x), Predis (`HashRing`, `KetamaRing`), libmemcached weighted
//! ketama, uhashring's ketama mode and npm hashring.
//!
//! | scheme | node string | points | key hash | rule, ties |
//! | --- | --- | --- | --- | --- |
//! | redis-rb 4.x | `{id}:{i}`, i < 160 | `crc32` | `crc32(tag or key)` | predecessor, last |
//! | redis-rb 5.x | `{id}:{i}`, i < 160 | MD5 bytes 0..4 big-endian | `crc32(tag or key)` | predecessor, last |
//! | Predis `HashRing` | `{host:port}:{i}`, i < round(w/W·n·128) | `crc32` | `crc32(tag or key)` | predecessor, last |
//! | Predis `KetamaRing` | `{host:port}-{i}`, floor(w/W·n·40) groups | 4 LE words of MD5 | MD5 word 0 | lower bound, last |
//! | libmemcached ketama weighted | `{host}-{i}` or `{host:port}-{i}` | 4 LE words | MD5 word 0 | lower bound, first |
//! | uhashring ketama | `{node}-{i}`, (40·n·w) div W groups | 4 LE words | MD5 word 0 | upper bound, last |
//! | npm hashring | `{host:port}-{i}` (`{host}-{i}` with a matching `default port`) | 4 (or 3) LE words | MD5 word 0 of UTF-8 text | lower bound, first |

use alloc::string::String;
use alloc::vec::Vec;

use super::hash::digest::Algorithm;
use super::hash::{crc32, crc32_parts, ketama_hash, md5, md5_parts};
use super::ketama::{build_ring, decimal, GroupCount, KetamaProfile};
use super::ring::{Boundary, Ring, Ties};
#[cfg(feature = "regex")]
use super::ruby_tag::RubyTag;
use super::tags::KeyTag;
use super::Partitioner;

/// How a ring client hashes a key (after its tag rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyHash {
    /// CRC-32/IEEE of the bytes.
    Crc32,
    /// Word 0 (little-endian) of the MD5 of the bytes.
    Md5,
    /// Word 0 of the MD5 of the bytes read as UTF-8 text the way Node's
    /// `Buffer#toString()` does: each invalid sequence becomes U+FFFD.
    Md5Utf8Lossy,
    /// As `Md5Utf8Lossy` with another digest (npm hashring's `algorithm`):
    /// bytes 0..4 of the digest, little-endian.
    DigestUtf8Lossy(Algorithm),
}

impl KeyHash {
    fn hash(self, key: &[u8]) -> u32 {
        match self {
            KeyHash::Crc32 => crc32(key),
            KeyHash::Md5 => ketama_hash(key),
            KeyHash::Md5Utf8Lossy => match core::str::from_utf8(key) {
                Ok(_) => ketama_hash(key),
                Err(_) => ketama_hash(String::from_utf8_lossy(key).as_bytes()),
            },
            KeyHash::DigestUtf8Lossy(a) => match core::str::from_utf8(key) {
                Ok(_) => a.digest(key).le32(0),
                Err(_) => a.digest(String::from_utf8_lossy(key).as_bytes()).le32(0),
            },
        }
    }
}

/// A ring over 32-bit points with a key-hash and a tag rule.
#[derive(Debug, Clone)]
pub struct ClientRing {
    ring: Ring<u32>,
    key_hash: KeyHash,
    tag: KeyTag,
    /// redis-rb's `tag:` pattern, in place of `tag`.
    #[cfg(feature = "regex")]
    pattern: Option<RubyTag>,
    len: usize,
}

impl ClientRing {
    /// A ring from `(point, server)` pairs in the order the library inserts them.
    pub fn from_points(
        len: usize,
        points: Vec<(u32, u32)>,
        ties: Ties,
        boundary: Boundary,
        key_hash: KeyHash,
        tag: KeyTag,
    ) -> Self {
        ClientRing {
            ring: Ring::new(points, ties, boundary),
            key_hash,
            tag,
            #[cfg(feature = "regex")]
            pattern: None,
            len,
        }
    }

    /// The ring with another tag rule.
    pub fn with_tag(mut self, tag: KeyTag) -> Self {
        self.tag = tag;
        self
    }

    /// The ring with redis-rb's `tag:` pattern in place of its tag rule.
    #[cfg(feature = "regex")]
    pub fn with_pattern(mut self, pattern: RubyTag) -> Self {
        self.pattern = Some(pattern);
        self
    }

    /// The bytes of `key` that are hashed (its tag, or the whole key).
    #[inline]
    pub fn hashed<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        #[cfg(feature = "regex")]
        if let Some(p) = &self.pattern {
            return p.apply(key);
        }
        self.tag.apply(key)
    }

    /// The ring itself.
    pub fn ring(&self) -> &Ring<u32> {
        &self.ring
    }

    /// How a key is hashed (after [`ClientRing::tag`]).
    pub fn key_hash_kind(&self) -> KeyHash {
        self.key_hash
    }

    /// The hash-tag rule applied to keys.
    pub fn tag(&self) -> KeyTag {
        self.tag
    }

    /// The hash of `key` that the ring looks up.
    pub fn key_hash(&self, key: &[u8]) -> u32 {
        self.key_hash.hash(self.hashed(key))
    }
}

impl Partitioner for ClientRing {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        self.ring.lookup(self.key_hash(key)).unwrap_or(0) as usize
    }
}

/// redis-rb's `HashRing` major version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisRbVersion {
    /// 4.x: points are `Zlib.crc32("{id}:{i}")`.
    V4,
    /// 5.x: points are the first four bytes of `MD5("{id}:{i}")`, big-endian.
    V5,
}

/// redis-rb `Redis::Distributed` over node ids (`Redis#id`) in list order:
/// 160 points per node, no weights, predecessor rule, the last node wins a
/// tie, keys through `/^\{(.+?)\}/` then CRC-32.
pub fn redis_rb(ids: &[&[u8]], version: RedisRbVersion) -> ClientRing {
    redis_rb_ring(ids, version, 160, KeyTag::RedisRb)
}

/// redis-rb's `HashRing.new(nodes, replicas)`: `replicas` points per node,
/// keys hashed by `tag` (`KeyTag::None` for a bare `HashRing`, which hashes
/// the whole key).
pub fn redis_rb_ring(
    ids: &[&[u8]],
    version: RedisRbVersion,
    replicas: u32,
    tag: KeyTag,
) -> ClientRing {
    let mut pts = Vec::with_capacity(ids.len() * replicas as usize);
    let mut digits = [0u8; 10];
    for (owner, id) in ids.iter().enumerate() {
        for i in 0..replicas {
            let parts: [&[u8]; 3] = [id, b":", decimal(i, &mut digits)];
            let p = match version {
                RedisRbVersion::V4 => crc32_parts(&parts),
                RedisRbVersion::V5 => {
                    let d = md5_parts(&parts);
                    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
                }
            };
            pts.push((p, owner as u32));
        }
    }
    ClientRing::from_points(
        ids.len(),
        pts,
        Ties::Last,
        Boundary::Predecessor,
        KeyHash::Crc32,
        tag,
    )
}

/// PHP's `round()` for the non-negative values of Predis's replica formula,
/// as PHP up to 8.3 computes it: the value is first rounded to 15
/// significant digits ("pre-rounding"), then half away from zero.
fn php_round(x: f64) -> f64 {
    fn half_up(v: f64) -> f64 {
        let t = (v + 0.5) as u64 as f64;
        if v >= 0.0 {
            t
        } else {
            0.0
        }
    }
    if x.is_nan() || x <= 0.0 || x >= 1e15 {
        return if x > 0.0 { x } else { 0.0 };
    }
    // floor(log10(x)) without libm.
    let mut log = 0i32;
    let mut p = 1.0f64;
    while p * 10.0 <= x {
        p *= 10.0;
        log += 1;
    }
    while p > x {
        p /= 10.0;
        log -= 1;
    }
    let places = 14 - log;
    if places > 0 && places < 15 {
        let f = (0..places).fold(1.0f64, |a, _| a * 10.0);
        half_up(half_up(x * f) / f)
    } else {
        half_up(x)
    }
}

/// Predis `HashRing`'s points per node: `round(w / W * n * 128)`.
pub(crate) fn predis_replicas(weights: &[u32]) -> impl Iterator<Item = u32> + '_ {
    let total: f64 = weights.iter().map(|&w| w as f64).sum();
    let count = weights.len() as f64;
    weights
        .iter()
        .map(move |&w| php_round(w as f64 / total * count * 128.0) as u32)
}

/// Predis `HashRing` (its default distributor) over node strings
/// (`host:port`, or the socket path) and weights (Predis's default is 100).
pub fn predis(nodes: &[(&[u8], u32)]) -> ClientRing {
    let weights: Vec<u32> = nodes.iter().map(|n| n.1).collect();
    let mut pts = Vec::new();
    let mut digits = [0u8; 10];
    for ((owner, &(name, _)), replicas) in nodes.iter().enumerate().zip(predis_replicas(&weights)) {
        for i in 0..replicas {
            pts.push((
                crc32_parts(&[name, b":", decimal(i, &mut digits)]),
                owner as u32,
            ));
        }
    }
    ClientRing::from_points(
        nodes.len(),
        pts,
        Ties::Last,
        Boundary::Predecessor,
        KeyHash::Crc32,
        KeyTag::Redis,
    )
}

/// A ketama-family ring over `(name, weight, fixed groups)` in list order.
fn ketama(
    profile: KetamaProfile,
    nodes: &[(&[u8], u32, Option<u32>)],
    key_hash: KeyHash,
    tag: KeyTag,
) -> ClientRing {
    let servers: Vec<(&[u8], u32, u32, Option<u32>)> = nodes
        .iter()
        .enumerate()
        .map(|(i, &(n, w, g))| (n, w, i as u32, g))
        .collect();
    ClientRing {
        ring: build_ring(profile, &servers),
        key_hash,
        tag,
        #[cfg(feature = "regex")]
        pattern: None,
        len: nodes.len(),
    }
}

/// Predis `KetamaRing` over node strings and weights.
pub fn predis_ketama(nodes: &[(&[u8], u32)]) -> ClientRing {
    let profile = KetamaProfile {
        count: GroupCount::PredisF64,
        words: 4,
        boundary: Boundary::LowerBound,
        ties: Ties::Last,
    };
    let n: Vec<_> = nodes.iter().map(|&(s, w)| (s, w, None)).collect();
    ketama(profile, &n, KeyHash::Md5, KeyTag::Redis)
}

/// libmemcached 1.1 `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED` over names (`host`
/// for port 11211, else `host:port`) and weights, in the order added; ties
/// go to the lower server index.
pub fn libmemcached_ketama(nodes: &[(&[u8], u32)]) -> ClientRing {
    let profile = KetamaProfile {
        count: GroupCount::LibmemcachedF32,
        words: 4,
        boundary: Boundary::LowerBound,
        ties: Ties::First,
    };
    let n: Vec<_> = nodes.iter().map(|&(s, w)| (s, w, None)).collect();
    ketama(profile, &n, KeyHash::Md5, KeyTag::None)
}

/// uhashring `HashRing(nodes, hash_fn='ketama')` over node keys and weights.
pub fn uhashring_ketama(nodes: &[(&[u8], u32)]) -> ClientRing {
    let profile = KetamaProfile {
        count: GroupCount::UhashringExact { vnodes: 40 },
        words: 4,
        boundary: Boundary::UpperBound,
        ties: Ties::Last,
    };
    let n: Vec<_> = nodes.iter().map(|&(s, w)| (s, w, None)).collect();
    ketama(profile, &n, KeyHash::Md5, KeyTag::None)
}

/// uhashring `HashRing(nodes, hash_fn='ketama', vnodes=..., replicas=...)`
/// over `(node key, weight, vnodes)`: `(vnodes · n · w) // W` groups per
/// node (each node's own `vnodes`), `replicas` words (1 to 4) per digest.
pub fn uhashring_ketama_with(nodes: &[(&[u8], u32, u32)], replicas: usize) -> ClientRing {
    let total: u64 = nodes.iter().map(|n| n.1 as u64).sum();
    let profile = KetamaProfile {
        count: GroupCount::UhashringExact { vnodes: 40 },
        words: replicas,
        boundary: Boundary::UpperBound,
        ties: Ties::Last,
    };
    let n: Vec<_> = nodes
        .iter()
        .map(|&(s, w, v)| {
            let g = GroupCount::UhashringExact { vnodes: v }.groups(w, total, nodes.len());
            (s, w, Some(g))
        })
        .collect();
    ketama(profile, &n, KeyHash::Md5, KeyTag::None)
}

/// npm hashring's compatibility mode: how many digest words a group gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NodeHashringCompat {
    /// `'ketama'` (the default): 4 words.
    #[default]
    Ketama,
    /// `'hash_ring'`: 3 words, as Python hash_ring.
    HashRing,
}

crate::names::named!(NodeHashringCompat, "compatibility", [Ketama => "ketama", HashRing => "hash_ring"]);

/// npm hashring 3.x over `(point name, weight, own vnodes)`: `vnodes` groups
/// scaled by weight (`Math.floor(w/W * vnodes * n)`), or a server's own
/// `vnodes` unscaled.
pub fn node_hashring(
    nodes: &[(&[u8], u32, Option<u32>)],
    vnodes: u32,
    compat: NodeHashringCompat,
) -> ClientRing {
    let profile = KetamaProfile {
        count: GroupCount::NodeHashringF64 { vnodes },
        words: match compat {
            NodeHashringCompat::Ketama => 4,
            NodeHashringCompat::HashRing => 3,
        },
        boundary: Boundary::LowerBound,
        ties: Ties::First,
    };
    ketama(profile, nodes, KeyHash::Md5Utf8Lossy, KeyTag::None)
}

/// npm hashring 3.x with another digest than MD5 (its `algorithm`
/// argument): the same ring, each group the first `words` little-endian
/// words of `algorithm(name-i)` and keys word 0 of `algorithm(key)`.
pub fn node_hashring_digest(
    nodes: &[(&[u8], u32, Option<u32>)],
    vnodes: u32,
    compat: NodeHashringCompat,
    algorithm: Algorithm,
) -> ClientRing {
    if algorithm == Algorithm::Md5 {
        return node_hashring(nodes, vnodes, compat);
    }
    let words = match compat {
        NodeHashringCompat::Ketama => 4,
        NodeHashringCompat::HashRing => 3,
    };
    let total: u64 = nodes.iter().map(|n| n.1 as u64).sum();
    let count = GroupCount::NodeHashringF64 { vnodes };
    let mut pts = Vec::new();
    let mut digits = [0u8; 10];
    for (owner, &(name, w, fixed)) in nodes.iter().enumerate() {
        let groups = fixed.unwrap_or_else(|| count.groups(w, total, nodes.len()));
        for i in 0..groups {
            let d = algorithm.digest_parts(&[name, b"-", decimal(i, &mut digits)]);
            for k in 0..words {
                pts.push((d.le32(k), owner as u32));
            }
        }
    }
    ClientRing::from_points(
        nodes.len(),
        pts,
        Ties::First,
        Boundary::LowerBound,
        KeyHash::DigestUtf8Lossy(algorithm),
        KeyTag::None,
    )
}

/// The MD5 of `data`, exposed for callers building their own node strings.
pub fn digest(data: &[u8]) -> [u8; 16] {
    md5(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_round_matches_php() {
        assert_eq!(php_round(127.99999999999997), 128.0);
        assert_eq!(php_round(2.5), 3.0);
        assert_eq!(php_round(2.4999999999999996), 3.0); // pre-rounded to 2.5
        assert_eq!(php_round(2.4999), 2.0);
        assert_eq!(php_round(0.5), 1.0);
        assert_eq!(php_round(0.49), 0.0);
        assert_eq!(php_round(0.0), 0.0);
    }

    fn three() -> [&'static [u8]; 3] {
        [b"127.0.0.1:6379", b"127.0.0.1:6380", b"127.0.0.1:6381"]
    }

    /// docs/client-side-sharding.md, "Check values: three servers", produced by
    /// the real libraries; full proof is in tests/partition_vectors.rs.
    #[test]
    fn reference_table() {
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
        let route = |p: &ClientRing| keys.map(|k| 6379 + p.node_for(k));
        let ids4: Vec<Vec<u8>> = three()
            .iter()
            .map(|h| [b"redis://", *h, b"/0"].concat())
            .collect();
        let ids: Vec<&[u8]> = ids4.iter().map(|v| v.as_slice()).collect();
        assert_eq!(
            route(&redis_rb(&ids, RedisRbVersion::V4)),
            [6380, 6381, 6379, 6381, 6380, 6380, 6381, 6380, 6381]
        );
        assert_eq!(
            route(&redis_rb(&ids, RedisRbVersion::V5)),
            [6380, 6380, 6381, 6380, 6381, 6379, 6381, 6380, 6380]
        );
        let ids21: Vec<Vec<u8>> = three().iter().map(|h| [b"redis://", *h].concat()).collect();
        let ids: Vec<&[u8]> = ids21.iter().map(|v| v.as_slice()).collect();
        assert_eq!(
            route(&redis_rb(&ids, RedisRbVersion::V5)),
            [6381, 6380, 6381, 6381, 6380, 6381, 6381, 6380, 6379]
        );
        let w: Vec<(&[u8], u32)> = three().iter().map(|&h| (h, 100)).collect();
        assert_eq!(
            route(&predis(&w)),
            [6381, 6379, 6379, 6380, 6379, 6380, 6380, 6380, 6380]
        );
        let md5_row = [6379, 6381, 6381, 6379, 6381, 6379, 6381, 6380, 6379];
        assert_eq!(route(&predis_ketama(&w)), md5_row);
        assert_eq!(route(&libmemcached_ketama(&w)), md5_row);
        assert_eq!(route(&uhashring_ketama(&w)), md5_row);
        let nh: Vec<(&[u8], u32, Option<u32>)> = three().iter().map(|&h| (h, 1, None)).collect();
        assert_eq!(
            route(&node_hashring(&nh, 40, NodeHashringCompat::Ketama)),
            md5_row
        );
        assert_eq!(
            route(&node_hashring(&nh, 40, NodeHashringCompat::HashRing)),
            [6379, 6381, 6380, 6379, 6381, 6379, 6381, 6380, 6381]
        );
        // An exact point hit: lower bound vs upper bound (docs/client-side-sharding.md,
        // "Check values: three servers").
        assert_eq!(6379 + predis_ketama(&w).node_for(b"127.0.0.1:6379-0"), 6379);
        assert_eq!(
            6379 + uhashring_ketama(&w).node_for(b"127.0.0.1:6379-0"),
            6380
        );
        // redis-rb 4.8 tags.
        let ids: Vec<&[u8]> = ids4.iter().map(|v| v.as_slice()).collect();
        let rb = redis_rb(&ids, RedisRbVersion::V4);
        // `a{}b{c}` has no tag for redis-rb; ruby-redis 4.8.0 answers 6379, the
        // whole key's server (tests/vectors/partition/redis-rb-4.json).
        assert_eq!(
            [&b"{user1000}.following"[..], b"a{}b{c}", b"{}x}"].map(|k| 6379 + rb.node_for(k)),
            [6379, 6379, 6381]
        );
    }
}
