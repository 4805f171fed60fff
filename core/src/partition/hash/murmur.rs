//! Two MurmurHash variants, as the sharding clients that use them compute them.
//!
//! twemproxy's `murmur` (libmemcached's MurmurHash2) lives with the other
//! twemproxy hashes in [`twemproxy`](super::twemproxy).

/// MurmurHash64A (Austin Appleby): 8-byte little-endian blocks, a
/// little-endian zero-padded tail.
///
/// Jedis's `Hashing.MURMUR_HASH` is this with seed `0x1234ABCD`, with the
/// result read as a signed Java `long`.
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut blocks = data.chunks_exact(8);
    for b in &mut blocks {
        let mut k = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut t = [0u8; 8];
        t[..tail.len()].copy_from_slice(tail);
        h ^= u64::from_le_bytes(t);
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^ (h >> R)
}

/// MurmurHash3 x86 32-bit over a stream of bytes.
pub fn murmur3_32<I>(bytes: I, seed: u32) -> u32
where
    I: IntoIterator<Item = u8>,
{
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let scramble = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    let mut h = seed;
    let mut len: u32 = 0;
    let mut block = 0u32;
    for b in bytes {
        block |= (b as u32) << (8 * (len % 4));
        len = len.wrapping_add(1);
        if len % 4 == 0 {
            h ^= scramble(block);
            h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
            block = 0;
        }
    }
    if len % 4 != 0 {
        h ^= scramble(block);
    }
    h ^= len;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// MurmurHash3 x86 32-bit of a slice, a word at a time: the same value as
/// [`murmur3_32`] over its bytes.
pub fn murmur3_32_slice(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let scramble = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    let mut h = seed;
    let mut blocks = data.chunks_exact(4);
    for b in &mut blocks {
        h ^= scramble(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k |= (b as u32) << (8 * i);
        }
        h ^= scramble(k);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The byte pymemcache's pure-Python `murmur3_32` takes from each character
/// of a `str`: `ord(c) & 0xFF`. `text` is the UTF-8 of that `str`; bytes that
/// are not UTF-8 decode as U+FFFD, as Python's `errors="replace"` would.
pub fn python_char_bytes(text: &[u8]) -> impl Iterator<Item = u8> + '_ {
    text.utf8_chunks().flat_map(|chunk| {
        let bad = if chunk.invalid().is_empty() {
            None
        } else {
            Some(0xFD)
        };
        chunk.valid().chars().map(|c| c as u32 as u8).chain(bad)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jedis_check_values() {
        // docs/client-side-sharding.md, "Check values: other hashes": Jedis
        // MurmurHash.hash64A(bytes, 0x1234ABCD).
        let seed = 0x1234_ABCD;
        assert_eq!(murmur64a(b"", seed), 0x742d_0865_aa62_7b0b);
        assert_eq!(murmur64a(b"a", seed), 0x6ee2_d45a_1217_e2fd);
        assert_eq!(murmur64a(b"foo", seed), 0x9df7_e7ee_73c2_b95f);
        assert_eq!(murmur64a(b"hello", seed), 0x9c6a_0b91_ce5d_8807);
        assert_eq!(murmur64a(b"SHARD-0-NODE-0", seed), 0xbd32_a55c_5369_ab7c);
        // Envoy / libstdc++ std::hash, seed 0xc70f6907 (docs/client-side-sharding.md,
        // "Envoy, Codis and Dragonfly").
        assert_eq!(murmur64a(b"foo", 0xc70f_6907), 0x85a8_e535_edf1_1e5a);
    }

    proptest::proptest! {
        #[test]
        fn slice_equals_stream(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..50), seed in proptest::prelude::any::<u32>()) {
            proptest::prop_assert_eq!(murmur3_32_slice(&data, seed), murmur3_32(data.iter().copied(), seed));
        }
    }

    #[test]
    fn pymemcache_check_values() {
        // docs/client-side-sharding.md, "pymemcache": "hello" -> 0x248bfa47; "é" is
        // the one byte 0xE9.
        assert_eq!(murmur3_32(python_char_bytes(b"hello"), 0), 0x248b_fa47);
        assert_eq!(
            murmur3_32(python_char_bytes("é".as_bytes()), 0),
            0x44c6_d4b2
        );
        assert_eq!(murmur3_32([], 0), 0);
    }
}
