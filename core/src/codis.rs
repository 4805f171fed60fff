//! Codis slots: where a Codis proxy (1.x to 3.2) puts a key, and
//! [`SlotScheme`], the choice between Redis Cluster's slots and Codis's
//! wherever keyroute computes a slot (`docs/client-side-sharding.md`,
//! "Envoy, Codis and Dragonfly").
//!
//! ```text
//! part = the bytes between the first `{` and the first `}` after it, when
//!        both exist (the part may be empty); else the whole key
//! slot = crc32_ieee(part) mod 1024
//! ```
//!
//! Unlike Redis Cluster, an empty tag counts: `a{}b` hashes the empty
//! string (CRC-32 0, slot 0). Which group serves a slot is state kept by
//! Codis's coordinator, so only the slot number can be computed.

use crate::crc32::crc32;

/// The number of Codis slots.
pub const CODIS_SLOT_COUNT: u16 = 1024;

/// The bytes of `key` a Codis proxy hashes (its tag, which may be empty).
pub const fn codis_tag(key: &[u8]) -> &[u8] {
    let mut s = 0;
    while s < key.len() {
        if key[s] == b'{' {
            let mut e = s + 1;
            while e < key.len() {
                if key[e] == b'}' {
                    let (_, rest) = key.split_at(s + 1);
                    let (tag, _) = rest.split_at(e - s - 1);
                    return tag;
                }
                e += 1;
            }
            return key;
        }
        s += 1;
    }
    key
}

/// The Codis slot of `key`: `crc32(tag or key) % 1024`.
pub const fn codis_slot(key: &[u8]) -> u16 {
    (crc32(codis_tag(key)) % CODIS_SLOT_COUNT as u32) as u16
}

/// Which slot scheme a key's slot is computed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SlotScheme {
    /// Redis Cluster (and Valkey): CRC-16/XMODEM mod 16384, the default.
    #[default]
    RedisCluster,
    /// Codis: CRC-32 mod 1024, empty tags allowed.
    Codis,
}

impl SlotScheme {
    /// Every slot scheme.
    pub const ALL: &'static [SlotScheme] = &[SlotScheme::RedisCluster, SlotScheme::Codis];
    /// Their names, in the order of `ALL`.
    pub const NAMES: &'static [&'static str] = &["redis-cluster", "codis"];

    /// The scheme's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SlotScheme::RedisCluster => "redis-cluster",
            SlotScheme::Codis => "codis",
        }
    }

    /// The number of slots (16384 or 1024).
    pub const fn slot_count(self) -> u16 {
        match self {
            SlotScheme::RedisCluster => crate::slot::SLOT_COUNT,
            SlotScheme::Codis => CODIS_SLOT_COUNT,
        }
    }

    /// The slot of `key` under this scheme.
    #[inline]
    pub fn slot(self, key: &[u8]) -> u16 {
        match self {
            SlotScheme::RedisCluster => crate::slot::key_slot_fast(key),
            SlotScheme::Codis => codis_slot(key),
        }
    }

    /// The part of `key` the scheme hashes, when it has a tag (`None`:
    /// the whole key is hashed).
    pub fn tag(self, key: &[u8]) -> Option<&[u8]> {
        let t = match self {
            SlotScheme::RedisCluster => crate::hash_tag(key),
            SlotScheme::Codis => codis_tag(key),
        };
        (t.len() < key.len()).then_some(t)
    }

    /// A scheme by name (`-` and `_` alike, case as written).
    pub fn parse(name: &str) -> Option<SlotScheme> {
        let same = |n: &str| {
            n.len() == name.len()
                && n.bytes()
                    .zip(name.bytes())
                    .all(|(a, b)| a == b || (matches!(a, b'-' | b'_') && matches!(b, b'-' | b'_')))
        };
        SlotScheme::ALL.iter().copied().find(|s| same(s.as_str()))
    }
}

#[cfg(feature = "alloc")]
impl core::str::FromStr for SlotScheme {
    type Err = crate::names::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SlotScheme::parse(s).ok_or_else(|| crate::names::UnknownName {
            what: "slot scheme",
            given: alloc::string::ToString::to_string(s),
            expected: SlotScheme::NAMES,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/client-side-sharding.md, "Check values: three servers", the
    /// Codis row, and "Hash-tag rules", the Codis column.
    #[test]
    fn check_values() {
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
            keys.map(codis_slot),
            [289, 170, 152, 646, 995, 198, 80, 490, 380]
        );
        assert_eq!(codis_tag(b"{user1000}.x"), b"user1000");
        assert_eq!(codis_tag(b"x{tag}y"), b"tag");
        assert_eq!(codis_tag(b"a{}b{c}"), b"");
        assert_eq!(codis_slot(b"a{}b{c}"), 0);
        assert_eq!(codis_tag(b"{}x}"), b"");
        assert_eq!(codis_tag(b"{a}{b}"), b"a");
        assert_eq!(codis_tag(b"{abc"), b"{abc");
        assert_eq!(SlotScheme::Codis.tag(b"k"), None);
        assert_eq!(
            SlotScheme::parse("redis_cluster"),
            Some(SlotScheme::RedisCluster)
        );
        assert_eq!(SlotScheme::RedisCluster.slot(b"foo"), 12182);
    }

    proptest::proptest! {
        #[test]
        fn tag_equals_the_naive_rule(key in proptest::collection::vec(proptest::prop_oneof![proptest::prelude::Just(b'{'), proptest::prelude::Just(b'}'), proptest::prelude::any::<u8>()], 0..24)) {
            let naive: &[u8] = match key.iter().position(|&b| b == b'{') {
                Some(s) => match key[s + 1..].iter().position(|&b| b == b'}') {
                    Some(e) => &key[s + 1..s + 1 + e],
                    None => &key,
                },
                None => &key,
            };
            proptest::prop_assert_eq!(codis_tag(&key), naive);
            proptest::prop_assert!(codis_slot(&key) < CODIS_SLOT_COUNT);
        }
    }
}
