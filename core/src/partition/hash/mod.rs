//! The hash functions the sharding schemes use, each exactly as the scheme's
//! reference implementation computes it, quirks included.
//!
//! - [`twemproxy`]: the twelve key hashes of twemproxy 0.5.0 (`hash:` in a
//!   nutcracker pool), with their sign-extension quirk behind [`CharSign`].
//! - [`murmur`]: MurmurHash64A (Jedis), MurmurHash3 x86 32-bit (pymemcache).
//! - Here: MD5 and its ketama words, CRC-32/IEEE, xxHash64 and XXH3-64.

pub mod digest;
pub mod murmur;
pub mod twemproxy;

use md5::{Digest, Md5};

/// How a C `char` is converted to a 32- or 64-bit integer by the hash
/// functions that take `(uint32_t)key[i]` from a `const char *`.
///
/// twemproxy and libmemcached compute several hashes from plain `char`, so a
/// byte `>= 0x80` is sign-extended (`0xE9` becomes `0xFFFF_FFE9`) where `char`
/// is signed, and not where it is unsigned. The same binary therefore routes
/// non-ASCII keys differently on x86-64 and on arm64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CharSign {
    /// `char` is signed: x86 and x86-64 (every Debian amd64 and i386 build).
    #[default]
    Signed,
    /// `char` is unsigned: aarch64/arm64, ppc64el and s390x Linux builds.
    Unsigned,
}

crate::names::named!(CharSign, "char_sign", [Signed => "signed", Unsigned => "unsigned"]);

impl CharSign {
    /// The byte as C converts a `char` holding it to `uint32_t`.
    #[inline(always)]
    pub const fn widen32(self, b: u8) -> u32 {
        match self {
            CharSign::Signed => b as i8 as i32 as u32,
            CharSign::Unsigned => b as u32,
        }
    }

    /// The byte as C converts a `char` holding it to `uint64_t`.
    #[inline(always)]
    pub const fn widen64(self, b: u8) -> u64 {
        match self {
            CharSign::Signed => b as i8 as i64 as u64,
            CharSign::Unsigned => b as u64,
        }
    }
}

/// The MD5 digest of `data`.
#[inline]
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// The MD5 digest of the concatenation of `parts`, without building it.
#[inline]
pub fn md5_parts(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Word `k` (0..4) of a digest, read little-endian: the ketama point and key
/// hash of every libketama descendant (`d[4k] | d[4k+1]<<8 | ...`).
#[inline(always)]
pub const fn le32(d: &[u8; 16], k: usize) -> u32 {
    u32::from_le_bytes([d[4 * k], d[4 * k + 1], d[4 * k + 2], d[4 * k + 3]])
}

/// The ketama key hash: word 0 of the key's MD5.
#[inline]
pub fn ketama_hash(key: &[u8]) -> u32 {
    le32(&md5(key), 0)
}

/// The reflected CRC-32 table (polynomial 0xEDB88320).
const CRC32_TABLE: [u32; 256] = crate::crc32::TABLE;

/// CRC-32/IEEE (zlib's `crc32`, PHP's `crc32`, Ruby's `Zlib.crc32`).
/// Catalogue check value: `crc32(b"123456789") == 0xCBF43926`.
#[inline]
pub const fn crc32(data: &[u8]) -> u32 {
    crate::crc32::crc32(data)
}

/// The CRC-32 of the concatenation of `parts`.
#[inline]
pub fn crc32_parts(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for p in parts {
        for &b in *p {
            crc = CRC32_TABLE[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
        }
    }
    !crc
}

/// xxHash64 of `data` with `seed` (the XXH64 of the xxHash reference library).
#[inline]
pub fn xxh64(data: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh64::xxh64(data, seed)
}

/// XXH3-64 of `data` with seed 0 (`XXH3_64bits` of the reference library).
#[inline]
pub fn xxh3_64(data: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_check_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32_parts(&[b"1234", b"", b"56789"]), 0xCBF4_3926);
        // RFC 1321 test suite.
        assert_eq!(md5(b"abc")[..4], [0x90, 0x01, 0x50, 0x98]);
        assert_eq!(md5_parts(&[b"a", b"bc"]), md5(b"abc"));
        // xxHash reference sanity values (XXH64 and XXH3 of the empty input).
        assert_eq!(xxh64(b"", 0), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh3_64(b""), 0x2D06_8005_38D3_94C2);
    }

    #[test]
    fn ketama_words_of_a_point_string() {
        // docs/client-side-sharding.md, "twemproxy: the ketama continuum": the four
        // points of "127.0.0.1:6379-0".
        let d = md5(b"127.0.0.1:6379-0");
        let words: [u32; 4] = core::array::from_fn(|k| le32(&d, k));
        assert_eq!(words, [0x8bb7_5706, 0x0810_66aa, 0x6c98_c6fe, 0x28ff_9e77]);
    }

    #[test]
    fn char_sign_widening() {
        assert_eq!(CharSign::Signed.widen32(0xE9), 0xFFFF_FFE9);
        assert_eq!(CharSign::Unsigned.widen32(0xE9), 0xE9);
        assert_eq!(CharSign::Signed.widen32(0x7F), 0x7F);
        assert_eq!(CharSign::Signed.widen64(0x80), 0xFFFF_FFFF_FFFF_FF80);
    }
}
