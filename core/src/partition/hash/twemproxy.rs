//! The twelve key hashes of twemproxy 0.5.0 (`src/hashkit/`), bit for bit.
//!
//! Their names promise more than they deliver, and keyroute reproduces what
//! they do, not what they are called:
//! - `fnv1a_64` (the default) is 32-bit: the low half of FNV-1a-64, computed in
//!   a `uint32_t` with offset `0x84222325` and prime `0x1b3`.
//! - `crc16` keeps the XMODEM register in a `uint32_t` and never masks it: the
//!   low 16 bits are CRC-16/XMODEM, the upper 16 hold leftover register bits.
//! - `crc32` is libmemcached's 15-bit `(crc32 >> 16) & 0x7fff`; only `crc32a`
//!   is the real CRC-32.
//! - `one_at_a_time`, the four FNVs and the 3-byte tail of `hsieh` read bytes
//!   through a plain `char`, so bytes `>= 0x80` depend on [`CharSign`].

use core::fmt;
use core::str::FromStr;

use super::{crc32, ketama_hash, CharSign};

/// A twemproxy key hash, named as in a nutcracker pool's `hash:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TwemproxyHash {
    /// `one_at_a_time`: Jenkins one-at-a-time.
    OneAtATime,
    /// `md5`: word 0 of the MD5, little-endian.
    Md5,
    /// `crc16`: the unmasked 32-bit XMODEM register.
    Crc16,
    /// `crc32`: bits 16..31 of CRC-32, masked to 15 bits.
    Crc32,
    /// `crc32a`: CRC-32/IEEE.
    Crc32a,
    /// `fnv1_64`: the low 32 bits of FNV-1-64.
    Fnv1_64,
    /// `fnv1a_64`: the low 32 bits of FNV-1a-64, twemproxy's default.
    #[default]
    Fnv1a64,
    /// `fnv1_32`: FNV-1-32.
    Fnv1_32,
    /// `fnv1a_32`: FNV-1a-32.
    Fnv1a32,
    /// `hsieh`: Paul Hsieh's SuperFastHash, seed 0.
    Hsieh,
    /// `murmur`: libmemcached's MurmurHash2 with a length-derived seed.
    Murmur,
    /// `jenkins`: Bob Jenkins' lookup3 `hashlittle`, `initval` 13.
    Jenkins,
}

impl TwemproxyHash {
    /// Every hash, in the order twemproxy's `hash_type` table lists them.
    pub const ALL: [TwemproxyHash; 12] = [
        Self::OneAtATime,
        Self::Md5,
        Self::Crc16,
        Self::Crc32,
        Self::Crc32a,
        Self::Fnv1_64,
        Self::Fnv1a64,
        Self::Fnv1_32,
        Self::Fnv1a32,
        Self::Hsieh,
        Self::Murmur,
        Self::Jenkins,
    ];

    /// The name used in a nutcracker config.
    pub const fn name(self) -> &'static str {
        match self {
            Self::OneAtATime => "one_at_a_time",
            Self::Md5 => "md5",
            Self::Crc16 => "crc16",
            Self::Crc32 => "crc32",
            Self::Crc32a => "crc32a",
            Self::Fnv1_64 => "fnv1_64",
            Self::Fnv1a64 => "fnv1a_64",
            Self::Fnv1_32 => "fnv1_32",
            Self::Fnv1a32 => "fnv1a_32",
            Self::Hsieh => "hsieh",
            Self::Murmur => "murmur",
            Self::Jenkins => "jenkins",
        }
    }

    /// The hash of `key` as twemproxy computes it where `char` has `sign`.
    ///
    /// This is the raw function: the empty-key and single-server rules of a
    /// pool live in [`Twemproxy`](crate::partition::Twemproxy).
    pub fn hash(self, key: &[u8], sign: CharSign) -> u32 {
        match self {
            Self::OneAtATime => one_at_a_time(key, sign),
            Self::Md5 => ketama_hash(key),
            Self::Crc16 => crc16_unmasked(key),
            Self::Crc32 => (crc32(key) >> 16) & 0x7fff,
            Self::Crc32a => crc32(key),
            Self::Fnv1_64 => fnv1_64(key, sign),
            Self::Fnv1a64 => fnv1a_64(key, sign),
            Self::Fnv1_32 => fnv1_32(key, sign),
            Self::Fnv1a32 => fnv1a_32(key, sign),
            Self::Hsieh => hsieh(key, sign),
            Self::Murmur => murmur2_libmemcached(key),
            Self::Jenkins => lookup3_hashlittle(key, 13),
        }
    }
}

impl fmt::Display for TwemproxyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `hash:` name twemproxy does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownHash;

impl core::fmt::Display for UnknownHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("unknown twemproxy hash: expected one of ")?;
        for (i, h) in TwemproxyHash::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(h.name())?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownHash {}

impl FromStr for TwemproxyHash {
    type Err = UnknownHash;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|h| h.name() == s)
            .ok_or(UnknownHash)
    }
}

/// Jenkins one-at-a-time over `char`s.
pub fn one_at_a_time(key: &[u8], sign: CharSign) -> u32 {
    let mut v: u32 = 0;
    for &b in key {
        v = v.wrapping_add(sign.widen32(b));
        v = v.wrapping_add(v << 10);
        v ^= v >> 6;
    }
    v = v.wrapping_add(v << 3);
    v ^= v >> 11;
    v.wrapping_add(v << 15)
}

/// The XMODEM table (polynomial 0x1021), widened to the `uint32_t` register.
const CRC16_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u16) << 8;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000 != 0 {
                (c << 1) ^ 0x1021
            } else {
                c << 1
            };
            k += 1;
        }
        t[i] = c as u32;
        i += 1;
    }
    t
};

/// twemproxy's `crc16`: XMODEM in a 32-bit register that is never masked.
pub fn crc16_unmasked(key: &[u8]) -> u32 {
    let mut crc: u32 = 0;
    for &b in key {
        crc = (crc << 8) ^ CRC16_TABLE[(((crc >> 8) ^ b as u32) & 0xff) as usize];
    }
    crc
}

/// The low 32 bits of FNV-1-64, bytes widened to 64 bits through `char`.
pub fn fnv1_64(key: &[u8], sign: CharSign) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        h ^= sign.widen64(b);
    }
    h as u32
}

/// twemproxy's `fnv1a_64`: FNV-1a-64's constants truncated to 32 bits, which
/// yields exactly the low 32 bits of FNV-1a-64 (multiplication and xor never
/// carry information downwards).
pub fn fnv1a_64(key: &[u8], sign: CharSign) -> u32 {
    let mut h: u32 = 0x8422_2325;
    for &b in key {
        h ^= sign.widen32(b);
        h = h.wrapping_mul(0x1b3);
    }
    h
}

/// FNV-1-32 over `char`s.
pub fn fnv1_32(key: &[u8], sign: CharSign) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in key {
        h = h.wrapping_mul(16_777_619);
        h ^= sign.widen32(b);
    }
    h
}

/// FNV-1a-32 over `char`s.
pub fn fnv1a_32(key: &[u8], sign: CharSign) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in key {
        h ^= sign.widen32(b);
        h = h.wrapping_mul(16_777_619);
    }
    h
}

#[inline(always)]
fn le16(key: &[u8], i: usize) -> u32 {
    u16::from_le_bytes([key[i], key[i + 1]]) as u32
}

/// SuperFastHash (seed 0, empty input hashes to 0). The 3-byte tail widens
/// its last byte through `char`; the 1-byte tail reads it unsigned.
pub fn hsieh(key: &[u8], sign: CharSign) -> u32 {
    if key.is_empty() {
        return 0;
    }
    let mut h: u32 = 0;
    let mut chunks = key.chunks_exact(4);
    for c in &mut chunks {
        h = h.wrapping_add(le16(c, 0));
        let tmp = (le16(c, 2) << 11) ^ h;
        h = (h << 16) ^ tmp;
        h = h.wrapping_add(h >> 11);
    }
    let t = chunks.remainder();
    match t.len() {
        3 => {
            h = h.wrapping_add(le16(t, 0));
            h ^= h << 16;
            h ^= sign.widen32(t[2]) << 18;
            h = h.wrapping_add(h >> 11);
        }
        2 => {
            h = h.wrapping_add(le16(t, 0));
            h ^= h << 11;
            h = h.wrapping_add(h >> 17);
        }
        1 => {
            h = h.wrapping_add(t[0] as u32);
            h ^= h << 10;
            h = h.wrapping_add(h >> 1);
        }
        _ => {}
    }
    h ^= h << 3;
    h = h.wrapping_add(h >> 5);
    h ^= h << 4;
    h = h.wrapping_add(h >> 17);
    h ^= h << 25;
    h.wrapping_add(h >> 6)
}

/// libmemcached's MurmurHash2: seed `0xdeadbeef * len`, little-endian reads.
pub fn murmur2_libmemcached(key: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    let len = key.len() as u32;
    let mut h = 0xdead_beef_u32.wrapping_mul(len) ^ len;
    let mut chunks = key.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let t = chunks.remainder();
    if !t.is_empty() {
        if t.len() >= 3 {
            h ^= (t[2] as u32) << 16;
        }
        if t.len() >= 2 {
            h ^= (t[1] as u32) << 8;
        }
        h ^= t[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}

/// Bob Jenkins' lookup3 `hashlittle` with `initval`, on a little-endian
/// machine (all of its aligned, half-aligned and byte paths agree there).
pub fn lookup3_hashlittle(key: &[u8], initval: u32) -> u32 {
    let init = 0xdead_beef_u32
        .wrapping_add(key.len() as u32)
        .wrapping_add(initval);
    let (mut a, mut b, mut c) = (init, init, init);
    let word = |s: &[u8], i: usize| -> u32 {
        let mut w = 0u32;
        for j in 0..4 {
            if let Some(&x) = s.get(i + j) {
                w |= (x as u32) << (8 * j);
            }
        }
        w
    };
    let mut k = key;
    while k.len() > 12 {
        a = a.wrapping_add(word(k, 0));
        b = b.wrapping_add(word(k, 4));
        c = c.wrapping_add(word(k, 8));
        // mix(a, b, c)
        a = a.wrapping_sub(c);
        a ^= c.rotate_left(4);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= a.rotate_left(6);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= b.rotate_left(8);
        b = b.wrapping_add(a);
        a = a.wrapping_sub(c);
        a ^= c.rotate_left(16);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= a.rotate_left(19);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= b.rotate_left(4);
        b = b.wrapping_add(a);
        k = &k[12..];
    }
    if k.is_empty() {
        return c;
    }
    // The last 1..=12 bytes, zero-padded.
    a = a.wrapping_add(word(k, 0));
    b = b.wrapping_add(word(k, 4));
    c = c.wrapping_add(word(k, 8));
    // final(a, b, c)
    c ^= b;
    c = c.wrapping_sub(b.rotate_left(14));
    a ^= c;
    a = a.wrapping_sub(c.rotate_left(11));
    b ^= a;
    b = b.wrapping_sub(a.rotate_left(25));
    c ^= b;
    c = c.wrapping_sub(b.rotate_left(16));
    a ^= c;
    a = a.wrapping_sub(c.rotate_left(4));
    b ^= a;
    b = b.wrapping_sub(a.rotate_left(14));
    c ^= b;
    c.wrapping_sub(b.rotate_left(24))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of the check-value table (docs/client-side-sharding.md, "Check values: twemproxy
    /// hashes"), in column order.
    const KEYS: [&[u8]; 9] = [
        b"",
        b"a",
        b"foo",
        b"hello",
        b"123456789",
        b"foo\xe9",
        b"\xff\xfe\xfd",
        b"abc\xe9",
        b"abcdefghijklmnopqrstuvwxyz012345",
    ];

    /// twemproxy 0.5.0's `src/hashkit/*.c` compiled on x86-64 (signed char),
    /// docs/client-side-sharding.md, "Check values: twemproxy hashes".
    const SIGNED: [(&str, [u32; 9]); 12] = [
        (
            "one_at_a_time",
            [
                0x00000000, 0xca2e9442, 0x238678dd, 0xc8fd181b, 0xc66b58c5, 0xae24aed0, 0x475549b8,
                0x79f9ba7c, 0x3a9c751a,
            ],
        ),
        (
            "md5",
            [
                0xd98c1dd4, 0xb975c10c, 0xdb18bdac, 0x2a40415d, 0x94e7f925, 0xcad6546f, 0xc24e6789,
                0x7a01c130, 0xdb827e35,
            ],
        ),
        (
            "crc16",
            [
                0x00000000, 0x00007c87, 0x0c3caf96, 0x6b4fc362, 0x869031c3, 0x3cafbe02, 0x1e0dc11f,
                0x749de813, 0xb1894b57,
            ],
        ),
        (
            "crc32",
            [
                0x00000000, 0x000068b7, 0x00000c73, 0x00003610, 0x00004bf4, 0x00004731, 0x000008ea,
                0x00007e8b, 0x0000624d,
            ],
        ),
        (
            "crc32a",
            [
                0x00000000, 0xe8b7be43, 0x8c736521, 0x3610a686, 0xcbf43926, 0x4731d66a, 0x08eaaf6d,
                0x7e8b328c, 0x624d474c,
            ],
        ),
        (
            "fnv1_64",
            [
                0x84222325, 0x8601b7be, 0x6ba13533, 0xbdbdd4c7, 0x2bf916d6, 0x1d129a40, 0x93edf087,
                0x047bb018, 0x0656baa1,
            ],
        ),
        (
            "fnv1a_64",
            [
                0x84222325, 0x8601ec8c, 0xfed9d577, 0x80aabd0b, 0x23c6cdfc, 0xf3da6a7a, 0x8f0e92d7,
                0x11f88b46, 0x5ea4cde5,
            ],
        ),
        (
            "fnv1_32",
            [
                0x811c9dc5, 0x050c5d7e, 0x408f5e13, 0xb6fa7167, 0x24148816, 0x4b4ee800, 0x914c9107,
                0x46218cf8, 0xd9947361,
            ],
        ),
        (
            "fnv1a_32",
            [
                0x811c9dc5, 0xe40c292c, 0xa9f37ed7, 0x4f9f2cab, 0xbb86b11c, 0xb3af749a, 0xbf6d4517,
                0x82cc05c6, 0xb0b3d4e5,
            ],
        ),
        (
            "hsieh",
            [
                0x00000000, 0x93642e87, 0x76d4d427, 0x13842ac5, 0xe4fc1670, 0xde094b61, 0xd989515e,
                0xf9899142, 0xeacaefd1,
            ],
        ),
        (
            "murmur",
            [
                0x00000000, 0x4b41757c, 0xc4e0338f, 0x521b0bff, 0xb7760690, 0x0f1f185f, 0xc2e4b7ff,
                0xd1ed609a, 0xd5824194,
            ],
        ),
        (
            "jenkins",
            [
                0xdeadbefc, 0xe0a38690, 0x99f84f99, 0x2e0cc8f3, 0x19777af6, 0x6f8e8c0e, 0x222bd93e,
                0x4dd8696c, 0x107a4720,
            ],
        ),
    ];

    /// The same code built with unsigned `char`: only these values differ
    /// (columns 5, 6 and 7; `None` means unchanged), docs/client-side-sharding.md,
    /// "Check values: twemproxy hashes".
    const UNSIGNED: [(&str, [Option<u32>; 3]); 6] = [
        (
            "one_at_a_time",
            [Some(0xe7fda2c5), Some(0x24954c01), Some(0x29c199c5)],
        ),
        (
            "fnv1_64",
            [Some(0xe2ed6540), Some(0x69e81d87), Some(0xfb844f18)],
        ),
        (
            "fnv1a_64",
            [Some(0x0c25fb7a), Some(0xe477c1d7), Some(0xee07e846)],
        ),
        (
            "fnv1_32",
            [Some(0xb4b11700), Some(0xb08ed807), Some(0xb9de73f8)],
        ),
        (
            "fnv1a_32",
            [Some(0xc84fbb9a), Some(0x8d61d617), Some(0x41352ec6)],
        ),
        ("hsieh", [None, Some(0x991af43a), None]),
    ];

    #[test]
    fn signed_char_check_values() {
        for (name, want) in SIGNED {
            let h: TwemproxyHash = name.parse().expect(name);
            assert_eq!(h.name(), name);
            for (key, w) in KEYS.iter().zip(want) {
                assert_eq!(h.hash(key, CharSign::Signed), w, "{name} {key:x?}");
            }
        }
    }

    #[test]
    fn unsigned_char_check_values() {
        for h in TwemproxyHash::ALL {
            let diff = UNSIGNED.iter().find(|(n, _)| *n == h.name());
            let signed = SIGNED.iter().find(|(n, _)| *n == h.name()).unwrap().1;
            for (i, key) in KEYS.iter().enumerate() {
                let want = match diff {
                    Some((_, d)) if (5..8).contains(&i) => d[i - 5].unwrap_or(signed[i]),
                    _ => signed[i],
                };
                assert_eq!(h.hash(key, CharSign::Unsigned), want, "{} {key:x?}", h);
            }
        }
    }

    #[test]
    fn documented_quirks() {
        // PR twitter/twemproxy#367: the unmasked register.
        assert_eq!(crc16_unmasked(b"FM|ivector_2129920"), 0xaa75_a961);
        assert_eq!(
            crc16_unmasked(b"FM|ivector_2129920") & 0xffff,
            crate::crc16(b"FM|ivector_2129920") as u32
        );
        // fnv1a_64 is the low half of the true FNV-1a-64 of "a" (0xaf63dc4c8601ec8c).
        assert_eq!(fnv1a_64(b"a", CharSign::Signed), 0x8601_ec8c);
        assert_eq!("random".parse::<TwemproxyHash>(), Err(UnknownHash));
        assert_eq!(TwemproxyHash::default(), TwemproxyHash::Fnv1a64);
    }
}
