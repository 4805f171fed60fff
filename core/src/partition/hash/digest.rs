//! The message digests a library may be told to hash with by name: npm
//! hashring's `algorithm` (any of Node's `crypto.createHash` names; keyroute
//! has the common ones) and phpredis RedisArray's (PHP's `hash()` names).

/// A message digest, by the name the libraries give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// MD5 (16 bytes), every library's default.
    #[default]
    Md5,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-224 (28 bytes).
    Sha224,
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
    /// PHP's `crc32b` (4 bytes): the CRC-32/IEEE, big-endian. Node's
    /// crypto has no such digest.
    Crc32b,
}

crate::names::named!(Algorithm, "algorithm", [
    Md5 => "md5",
    Sha1 => "sha1",
    Sha224 => "sha224",
    Sha256 => "sha256",
    Sha384 => "sha384",
    Sha512 => "sha512",
    Crc32b => "crc32b",
]);

/// A digest's bytes (at most 64), without allocating.
#[derive(Debug, Clone, Copy)]
pub struct DigestBytes {
    bytes: [u8; 64],
    len: usize,
}

impl DigestBytes {
    /// The digest.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Byte `i`, or 0 past the end (as JavaScript's `undefined << n` is 0).
    #[inline]
    pub fn byte_or_zero(&self, i: usize) -> u8 {
        if i < self.len {
            self.bytes[i]
        } else {
            0
        }
    }

    /// Word `k` read little-endian (`d[4k] | d[4k+1] << 8 | ...`), bytes
    /// past the end read as 0.
    #[inline]
    pub fn le32(&self, k: usize) -> u32 {
        u32::from_le_bytes(core::array::from_fn(|j| self.byte_or_zero(4 * k + j)))
    }
}

fn digest_of<D: md5::Digest>(parts: &[&[u8]]) -> DigestBytes {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    let out = h.finalize();
    let mut bytes = [0u8; 64];
    bytes[..out.len()].copy_from_slice(&out);
    DigestBytes {
        bytes,
        len: out.len(),
    }
}

impl Algorithm {
    /// The digest of the concatenation of `parts`.
    pub fn digest_parts(self, parts: &[&[u8]]) -> DigestBytes {
        match self {
            Algorithm::Md5 => digest_of::<md5::Md5>(parts),
            Algorithm::Sha1 => digest_of::<sha1::Sha1>(parts),
            Algorithm::Sha224 => digest_of::<sha2::Sha224>(parts),
            Algorithm::Sha256 => digest_of::<sha2::Sha256>(parts),
            Algorithm::Sha384 => digest_of::<sha2::Sha384>(parts),
            Algorithm::Sha512 => digest_of::<sha2::Sha512>(parts),
            Algorithm::Crc32b => {
                let mut bytes = [0u8; 64];
                bytes[..4].copy_from_slice(&super::crc32_parts(parts).to_be_bytes());
                DigestBytes { bytes, len: 4 }
            }
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> DigestBytes {
        self.digest_parts(&[data])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_values() {
        // FIPS 180 "abc" test vectors (first bytes).
        let abc = |a: Algorithm| a.digest(b"abc").as_slice()[..4].to_vec();
        assert_eq!(abc(Algorithm::Md5), [0x90, 0x01, 0x50, 0x98]);
        assert_eq!(abc(Algorithm::Sha1), [0xa9, 0x99, 0x3e, 0x36]);
        assert_eq!(abc(Algorithm::Sha224), [0x23, 0x09, 0x7d, 0x22]);
        assert_eq!(abc(Algorithm::Sha256), [0xba, 0x78, 0x16, 0xbf]);
        assert_eq!(abc(Algorithm::Sha384), [0xcb, 0x00, 0x75, 0x3f]);
        assert_eq!(abc(Algorithm::Sha512), [0xdd, 0xaf, 0x35, 0xa1]);
        // PHP: hash('crc32b', 'abc') === '352441c2'.
        assert_eq!(abc(Algorithm::Crc32b), [0x35, 0x24, 0x41, 0xc2]);
        let d = Algorithm::Md5.digest(b"abc");
        assert_eq!(d.as_slice().len(), 16);
        assert_eq!(d.le32(4), 0);
        assert_eq!(d.le32(0), 0x9850_0190);
    }
}
