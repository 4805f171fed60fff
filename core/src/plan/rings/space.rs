//! What a pool hashes a key with, and where each hash value goes.

use alloc::vec::Vec;

use super::geometry::{segments, Geometry};
use crate::partition::buckets::BucketHash;
use crate::partition::clients::KeyHash;
use crate::partition::hash::digest::Algorithm;
use crate::partition::hash::twemproxy::TwemproxyHash;
use crate::partition::hash::CharSign;
use crate::partition::jump::JumpHash;
use crate::partition::pool::Router;
use crate::partition::ring::{Boundary, Point, Ring};
use crate::partition::{Distribution, KeyTag, Pool};

/// The function from a key's hashed bytes to the value the scheme places.
/// Two configurations share a hash space only when this is equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFn {
    /// A twemproxy hash other than `md5` and `crc32a`.
    Twemproxy(TwemproxyHash),
    /// Word 0 (little-endian) of the MD5: ketama's key hash, twemproxy `md5`.
    Md5Word0,
    /// CRC-32/IEEE: redis-rb, Predis `HashRing`, twemproxy `crc32a`.
    Crc32,
    /// MurmurHash64A, seed 0x1234ABCD, in Java's signed order (Jedis).
    Murmur64Jedis,
    /// The whole MD5 as a big-endian 128-bit integer (uhashring's default).
    Md5Full,
    /// XXH3-64, seed 0.
    Xxh3,
    /// XXH64, seed 0.
    Xxh64,
    /// pymemcache: murmur3 over `node-key` text, no key hash of its own.
    KeyText,
    /// python-memcached: bits 16 to 30 of the CRC-32.
    Crc32High15,
    /// phpredis RedisArray's value (of its C-string tag): the CRC-32
    /// register, or its `algorithm`'s.
    PhpRedis(Option<Algorithm>),
    /// Dalli with its client's key handling: CRC-32 of the transformed key.
    DalliClientKey,
    /// spymemcached's hash of the key as a Java String.
    Spymemcached(crate::partition::spymemcached::SpyHash),
}

impl KeyFn {
    /// A name for messages.
    pub fn name(self) -> &'static str {
        match self {
            KeyFn::Twemproxy(h) => h.name(),
            KeyFn::Md5Word0 => "md5 (word 0)",
            KeyFn::Crc32 => "crc32",
            KeyFn::Murmur64Jedis => "murmur64a (Jedis)",
            KeyFn::Md5Full => "md5 (128-bit)",
            KeyFn::Xxh3 => "xxh3",
            KeyFn::Xxh64 => "xxh64",
            KeyFn::KeyText => "murmur3 of node-key (pymemcache)",
            KeyFn::Crc32High15 => "crc32 bits 16-30 (python-memcached)",
            KeyFn::PhpRedis(None) => "crc32 register (phpredis)",
            KeyFn::PhpRedis(Some(a)) => a.as_str(),
            KeyFn::DalliClientKey => "crc32 of Dalli's client key",
            KeyFn::Spymemcached(h) => h.as_str(),
        }
    }
}

/// A pool seen as a function of the key hash.
#[derive(Debug)]
pub(crate) struct Described<'a> {
    pub key_fn: KeyFn,
    /// The hash space is `[0, 2^bits)`.
    pub bits: u32,
    /// Which bytes of a key are hashed.
    pub tag: KeyTag,
    /// How bytes `>= 0x80` widen, for the twemproxy hashes where it matters.
    pub sign: Option<CharSign>,
    /// Non-UTF-8 keys are hashed as their lossy UTF-8 text (npm hashring).
    pub utf8_lossy: bool,
    pub geometry: Geometry<'a>,
}

fn ring_segments<P: Point + Into<u128>>(ring: &Ring<P>, bits: u32) -> Vec<(u128, u32)> {
    let pts: Vec<(u128, u32)> = ring.points().map(|(p, o)| (p.into(), o)).collect();
    segments(&pts, ring.boundary(), bits)
}

/// Whether twemproxy's hash reads bytes as `char` (docs/client-side-sharding.md,
/// "twemproxy hash functions").
fn sign_sensitive(h: TwemproxyHash) -> bool {
    use TwemproxyHash::*;
    matches!(
        h,
        OneAtATime | Fnv1_64 | Fnv1a64 | Fnv1_32 | Fnv1a32 | Hsieh
    )
}

pub(crate) fn describe(pool: &Pool) -> Described<'_> {
    let plain = |key_fn, bits, tag, geometry| Described {
        key_fn,
        bits,
        tag,
        sign: None,
        utf8_lossy: false,
        geometry,
    };
    match pool.router() {
        Router::Twemproxy(t) => {
            let key_fn = match t.hash() {
                TwemproxyHash::Md5 => KeyFn::Md5Word0,
                TwemproxyHash::Crc32a => KeyFn::Crc32,
                h => KeyFn::Twemproxy(h),
            };
            let geometry = if pool.servers().len() == 1 {
                // The single-server shortcut: no hashing at all.
                Geometry::Segments(alloc::vec![(0, 0)])
            } else {
                match t.distribution() {
                    Distribution::Modula => {
                        Geometry::Modula(t.modula_continuum().unwrap_or_default())
                    }
                    _ => {
                        let pts: Vec<(u128, u32)> =
                            t.points().map(|(p, o)| (p as u128, o)).collect();
                        Geometry::Segments(segments(&pts, Boundary::LowerBound, 32))
                    }
                }
            };
            Described {
                key_fn,
                bits: 32,
                tag: t
                    .hash_tag()
                    .map_or(KeyTag::None, |[a, b]| KeyTag::Pair(a, b)),
                sign: sign_sensitive(t.hash()).then(|| t.char_sign()),
                utf8_lossy: false,
                geometry,
            }
        }
        Router::Ring(r) => {
            let (key_fn, utf8_lossy) = match r.key_hash_kind() {
                KeyHash::Crc32 => (KeyFn::Crc32, false),
                KeyHash::Md5Utf8Lossy => (KeyFn::Md5Word0, true),
                _ => (KeyFn::Md5Word0, false),
            };
            Described {
                utf8_lossy,
                ..plain(
                    key_fn,
                    32,
                    r.tag(),
                    Geometry::Segments(ring_segments(r.ring(), 32)),
                )
            }
        }
        Router::Jedis(j) => plain(
            KeyFn::Murmur64Jedis,
            64,
            j.tag(),
            Geometry::Segments(ring_segments(j.ring(), 64)),
        ),
        Router::Meta(m) => plain(
            KeyFn::Md5Full,
            128,
            KeyTag::None,
            Geometry::Segments(ring_segments(m.ring(), 128)),
        ),
        Router::Pymemcache(_) => plain(KeyFn::KeyText, 64, KeyTag::None, Geometry::Keys(pool)),
        Router::Jump(j) => plain(
            match j.hash() {
                JumpHash::Xxh64 => KeyFn::Xxh64,
                _ => KeyFn::Xxh3,
            },
            64,
            j.tag(),
            Geometry::Jump(pool.servers().len() as u32),
        ),
        Router::Rendezvous(r) => plain(KeyFn::Xxh64, 64, r.tag(), Geometry::Rendezvous(r)),
        Router::Maglev(m) => plain(KeyFn::Xxh64, 64, m.tag(), Geometry::Table(m.table())),
        // Measured on sample keys, whose C-string tags the pool applies
        // itself; the key function keeps other schemes out of a comparison.
        Router::PhpRedis(p) => plain(
            KeyFn::PhpRedis(p.algorithm()),
            32,
            KeyTag::None,
            Geometry::Keys(pool),
        ),
        // Measured on sample keys (keys that are not UTF-8 are refused).
        Router::Spymemcached(s) => plain(
            KeyFn::Spymemcached(s.hash()),
            32,
            KeyTag::None,
            Geometry::Keys(pool),
        ),
        Router::DalliKeys(_) => plain(
            KeyFn::DalliClientKey,
            32,
            KeyTag::None,
            Geometry::Keys(pool),
        ),
        Router::Buckets(b) => match b.hash() {
            BucketHash::Crc32High15 => plain(
                KeyFn::Crc32High15,
                15,
                KeyTag::None,
                Geometry::Modula(b.buckets().to_vec()),
            ),
        },
    }
}
