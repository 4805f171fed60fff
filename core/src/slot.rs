//! Key to hash slot, exactly as Redis and Valkey Cluster compute it.

use crate::crc16::{crc16, crc16_fast};
use crate::tag::hash_tag;

/// The number of hash slots in a Redis or Valkey Cluster.
pub const SLOT_COUNT: u16 = 16384;

const SLOT_MASK: u16 = SLOT_COUNT - 1;

/// The hash slot of `key`: CRC-16/XMODEM of its [hash tag](crate::hash_tag),
/// modulo 16384. The same answer as `CLUSTER KEYSLOT`.
///
/// This is a `const fn` with a portable implementation; [`key_slot_fast`]
/// gives the same answer with runtime CPU dispatch for long keys.
///
/// ```
/// assert_eq!(keyroute::key_slot(b"123456789"), 12739);
/// assert_eq!(keyroute::key_slot(b"{user1000}.following"), 3443);
/// ```
#[inline]
pub const fn key_slot(key: &[u8]) -> u16 {
    crc16(hash_tag(key)) & SLOT_MASK
}

/// The hash slot of `key`, the same answer as [`key_slot`], computed with the
/// fastest CRC available at run time (SIMD for long hash inputs with `std`).
#[inline]
pub fn key_slot_fast(key: &[u8]) -> u16 {
    crc16_fast(hash_tag(key)) & SLOT_MASK
}

/// Writes the slot of each key into `out`, in order, and returns how many
/// were written (the shorter of the two lengths).
///
/// ```
/// let mut out = [0u16; 3];
/// let n = keyroute::key_slots([&b"a"[..], b"{a}", b"b"], &mut out);
/// assert_eq!((n, out), (3, [15495, 15495, 3300]));
/// ```
pub fn key_slots<'a, I>(keys: I, out: &mut [u16]) -> usize
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut n = 0;
    for (slot, key) in out.iter_mut().zip(keys) {
        *slot = key_slot_fast(key);
        n += 1;
    }
    n
}

/// The one slot every key matching the glob `pattern` must be in, or `None`
/// when matching keys can be in any slot.
///
/// This is the rule Redis 7.4+ and Valkey 8+ apply to `SCAN ... MATCH`, `KEYS`
/// and `SORT ... BY/GET` in cluster mode: scanning left to right, a `*`, `?`,
/// `[` or `\` before the hash tag is complete means "any slot" (escapes are not
/// resolved); a complete non-empty tag gives its slot; an empty tag `{}` or no
/// tag at all means the pattern stands for one literal key, hashed whole.
///
/// ```
/// use keyroute::{key_slot, pattern_slot};
/// assert_eq!(pattern_slot(b"{user1000}:*"), Some(key_slot(b"user1000")));
/// assert_eq!(pattern_slot(b"user:*"), None);
/// assert_eq!(pattern_slot(b"exact-key"), Some(key_slot(b"exact-key")));
/// ```
pub const fn pattern_slot(pattern: &[u8]) -> Option<u16> {
    // `open`: index of the first `{`, once seen and until an empty tag
    // cancels tag handling for the rest of the pattern.
    let mut open: Option<usize> = None;
    let mut tag_cancelled = false;
    let mut i = 0;
    while i < pattern.len() {
        let b = pattern[i];
        if b == b'*' || b == b'?' || b == b'[' || b == b'\\' {
            return None;
        }
        match open {
            None if !tag_cancelled && b == b'{' => open = Some(i),
            Some(s) if b == b'}' => {
                if i == s + 1 {
                    open = None;
                    tag_cancelled = true;
                } else {
                    let (_, rest) = pattern.split_at(s + 1);
                    let (tag, _) = rest.split_at(i - s - 1);
                    return Some(crc16(tag) & SLOT_MASK);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Some(crc16(pattern) & SLOT_MASK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc16::crc16_bitwise;
    use crate::tag::hash_tag_naive;
    use proptest::prelude::*;

    /// Values from the cluster specification and `binascii.crc_hqx`.
    #[test]
    fn documented_values() {
        let cases: &[(&[u8], u16)] = &[
            (b"", 0),
            (b"123456789", 12739),
            (b"foo", 12182),
            (b"{}", 15257),
            (b"{}{a}", 13650),
            (b"foo{}{bar}", 8363),
            (b"{user1000}.following", 3443),
            (b"a", 15495),
            (b"{a}", 15495),
            (b"x{a}y", 15495),
            (b"{\x00}", 0),
            ("é".as_bytes(), 10180),
        ];
        for &(key, slot) in cases {
            assert_eq!(key_slot(key), slot, "key {:?}", key);
            assert_eq!(key_slot_fast(key), slot, "key {:?}", key);
        }
    }

    #[test]
    fn const_evaluation() {
        const S: u16 = key_slot(b"foo{}{bar}");
        const P: Option<u16> = pattern_slot(b"{a}*");
        assert_eq!(S, 8363);
        assert_eq!(P, Some(15495));
    }

    #[test]
    fn pattern_rules() {
        assert_eq!(pattern_slot(b"*"), None);
        assert_eq!(pattern_slot(b"a?{b}"), None);
        assert_eq!(pattern_slot(b"{a[}"), None);
        assert_eq!(pattern_slot(b"\\{a}"), None);
        assert_eq!(pattern_slot(b"{a}[x]*"), Some(key_slot(b"a")));
        assert_eq!(pattern_slot(b"{}x"), Some(key_slot(b"{}x")));
        // After an empty tag no later tag counts, but glob characters still do.
        assert_eq!(pattern_slot(b"{}{a}"), Some(crc16(b"{}{a}") & SLOT_MASK));
        assert_eq!(pattern_slot(b"{}{a}*"), None);
        assert_eq!(pattern_slot(b"{"), Some(key_slot(b"{")));
        assert_eq!(pattern_slot(b""), Some(0));
    }

    fn naive_slot(key: &[u8]) -> u16 {
        crc16_bitwise(hash_tag_naive(key)) % SLOT_COUNT
    }

    proptest! {
        #[test]
        fn slot_equals_naive(key in proptest::collection::vec(
            prop_oneof![Just(b'{'), Just(b'}'), any::<u8>()], 0..300)) {
            prop_assert_eq!(key_slot(&key), naive_slot(&key));
            prop_assert_eq!(key_slot_fast(&key), naive_slot(&key));
        }

        /// A pattern without glob characters names one key: its slot.
        #[test]
        fn literal_pattern_is_its_key(key in proptest::collection::vec(
            prop_oneof![Just(b'{'), Just(b'}'), Just(b'a'), Just(b'b')], 0..12)) {
            prop_assert_eq!(pattern_slot(&key), Some(key_slot(&key)));
        }

        /// A glob character inside or before the tag means any slot; after a
        /// complete tag it does not matter.
        #[test]
        fn glob_position(prefix in "[ab{}]{0,6}", glob in "[*?\\[\\\\]", suffix in "[ab{}]{0,6}") {
            let p = std::format!("{prefix}{glob}{suffix}");
            let tagged_before = {
                let pre = prefix.as_bytes();
                match pre.iter().position(|&b| b == b'{') {
                    Some(s) => matches!(pre[s + 1..].iter().position(|&b| b == b'}'), Some(n) if n > 0),
                    None => false,
                }
            };
            if tagged_before {
                prop_assert_eq!(pattern_slot(p.as_bytes()), Some(key_slot(prefix.as_bytes())));
            } else {
                prop_assert_eq!(pattern_slot(p.as_bytes()), None);
            }
        }
    }
}
