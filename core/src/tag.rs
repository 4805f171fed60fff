//! Which bytes of a key are hashed: the Redis Cluster hash-tag rule.
//!
//! The rule, as `keyHashSlot` in Redis and Valkey applies it to raw bytes:
//! find the first `{`; if there is none, hash the whole key. Otherwise find
//! the first `}` after it; if there is none, or it immediately follows the
//! `{` (an empty tag), hash the whole key. Otherwise hash the bytes between
//! them. The search never moves on to a later tag: `foo{}{bar}` hashes the
//! whole key and `foo{{bar}}zap` hashes `{bar`.

/// Eight copies of a byte, for word-at-a-time search.
const fn splat(b: u8) -> u64 {
    (b as u64) * 0x0101_0101_0101_0101
}

/// Index of the first byte equal to `needle` in `hay[from..]`, or `None`.
///
/// Reads eight bytes per step and tests them together (SWAR): fewer branches
/// than a byte loop, which matters because on short keys the search, not the
/// CRC, dominates, and it stays usable in `const fn`.
#[inline(always)]
pub(crate) const fn find_byte(hay: &[u8], from: usize, needle: u8) -> Option<usize> {
    let pat = splat(needle);
    if from >= hay.len() {
        return None;
    }
    let (_, mut rest) = hay.split_at(from);
    let mut i = from;
    // Whole chunks: one load each, no per-byte bounds checks.
    while let Some((chunk, tail)) = rest.split_first_chunk::<8>() {
        let w = u64::from_le_bytes(*chunk) ^ pat;
        // Classic "has zero byte": the lowest flagged byte is always exact
        // (borrows only create false flags above a real zero byte).
        let z = w.wrapping_sub(splat(0x01)) & !w & splat(0x80);
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
        rest = tail;
    }
    while let Some((&b, tail)) = rest.split_first() {
        if b == needle {
            return Some(i);
        }
        i += 1;
        rest = tail;
    }
    None
}

/// The bytes of `key` that Redis Cluster hashes to find its slot.
///
/// ```
/// use keyroute::hash_tag;
/// assert_eq!(hash_tag(b"{user1000}.following"), b"user1000");
/// assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}");
/// assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
/// assert_eq!(hash_tag(b"foo{bar}{zap}"), b"bar");
/// assert_eq!(hash_tag(b"plain"), b"plain");
/// ```
#[inline]
pub const fn hash_tag(key: &[u8]) -> &[u8] {
    let Some(open) = find_byte(key, 0, b'{') else {
        return key;
    };
    let Some(close) = find_byte(key, open + 1, b'}') else {
        return key;
    };
    if close == open + 1 {
        return key;
    }
    let (_, after_open) = key.split_at(open + 1);
    let (tag, _) = after_open.split_at(close - open - 1);
    tag
}

/// The naive reference for [`hash_tag`]: a byte loop written straight from the
/// rule, used by the property tests.
pub fn hash_tag_naive(key: &[u8]) -> &[u8] {
    let Some(s) = key.iter().position(|&b| b == b'{') else {
        return key;
    };
    match key[s + 1..].iter().position(|&b| b == b'}') {
        None | Some(0) => key,
        Some(n) => &key[s + 1..s + 1 + n],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edge_forms() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"{", b"{"),
            (b"}", b"}"),
            (b"{}", b"{}"),
            (b"}{", b"}{"),
            (b"{a", b"{a"),
            (b"a}", b"a}"),
            (b"{a}", b"a"),
            (b"x{a}y", b"a"),
            (b"{}{a}", b"{}{a}"),
            (b"a{}b}", b"a{}b}"),
            (b"{{}}", b"{"),
            (b"0123456789abcdef{0123456789}", b"0123456789"),
        ];
        for &(key, tag) in cases {
            assert_eq!(hash_tag(key), tag, "key {:?}", key);
            assert_eq!(hash_tag_naive(key), tag, "key {:?}", key);
        }
    }

    #[test]
    fn find_byte_every_position() {
        // A needle at every offset of a 40-byte buffer, and bytes that differ
        // from the needle by one bit (borrow edge cases of the SWAR test).
        for pos in 0..40 {
            let mut hay = [b'|'; 40];
            hay[pos] = b'{';
            assert_eq!(find_byte(&hay, 0, b'{'), Some(pos));
            for from in 0..=40 {
                let want = if from <= pos { Some(pos) } else { None };
                assert_eq!(find_byte(&hay, from, b'{'), want);
            }
        }
        let hay: [u8; 16] = [
            0x7a,
            0x7c,
            0xfb,
            0x7b ^ 0x80,
            0,
            0xff,
            0x7a,
            0x7c,
            0x01,
            0x7b,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        assert_eq!(find_byte(&hay, 0, b'{'), Some(9));
    }

    fn brace_bytes() -> impl Strategy<Value = std::vec::Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'{'),
                Just(b'}'),
                Just(b'a'),
                Just(0x7a),
                Just(0xfb),
                any::<u8>()
            ],
            0..80,
        )
    }

    proptest! {
        #[test]
        fn fast_equals_naive(key in brace_bytes()) {
            prop_assert_eq!(hash_tag(&key), hash_tag_naive(&key));
        }
    }
}
