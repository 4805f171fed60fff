//! Dalli 3.0 `Dalli::Ring` (Ruby memcached; docs/client-side-sharding.md,
//! "Dalli"):
//!
//! ```text
//! name(s)    = host:port (the port 11211 when none is given, IPv6 without brackets),
//!              or a socket's path
//! points(s)  = floor(N · 160 · w_s / Σw) points (the division in double precision),
//!              point i = the first 8 hex digits of sha1("<name>:<i>") as an integer
//! server     = the last point <= crc32(key), wrapping below the lowest point to the
//!              highest; a single server takes every key
//! ```
//!
//! Dalli sorts its points with Ruby's unstable sort, so where two servers
//! share a point the order of the two is not defined: such a pool is
//! refused ([`PartitionError::RandomTie`](crate::error::PartitionError)).
//!
//! With `client_keys`, keys are first transformed as `Dalli::Client` does
//! ([`client_key`], its `KeyManager`): an empty key is refused; a
//! `namespace` makes the key `<namespace>:<key>`; a key then longer than 250
//! characters (UTF-8 characters for a key that is valid UTF-8, else bytes)
//! becomes its first 212 characters (213 with a namespace), `:md5:`, and the
//! MD5 of the whole namespaced key in lower-case hex.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use sha1::{Digest, Sha1};

use super::clients::{ClientRing, KeyHash};
use super::go_redis::Tie;
use super::ketama::decimal;
use super::ring::{Boundary, Ties};
use super::tags::KeyTag;

/// Dalli's points per server at equal weights (`POINTS_PER_SERVER`).
pub const POINTS_PER_SERVER: u64 = 160;

/// A server's point count: `floor(N · 160 · w / Float(Σw))`.
pub fn point_count(n: usize, weight: u32, total: u64) -> u64 {
    let num = n as u64 * POINTS_PER_SERVER * weight as u64;
    (num as f64 / total as f64) as u64
}

/// `Dalli::Ring` over `(name, weight)` in list order, or the first pair of
/// servers that share a point.
pub fn ring(servers: &[(&[u8], u32)]) -> Result<ClientRing, Tie> {
    let total: u64 = servers.iter().map(|s| s.1 as u64).sum();
    let mut pts = Vec::new();
    let mut digits = [0u8; 10];
    for (owner, &(name, w)) in servers.iter().enumerate() {
        for i in 0..point_count(servers.len(), w, total) {
            let mut h = Sha1::new();
            h.update(name);
            h.update(b":");
            h.update(decimal(i as u32, &mut digits));
            let d = h.finalize();
            pts.push((u32::from_be_bytes([d[0], d[1], d[2], d[3]]), owner as u32));
        }
    }
    let mut sorted = pts.clone();
    sorted.sort_unstable();
    if let Some(w) = sorted
        .windows(2)
        .find(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1)
    {
        return Err((w[0].1 as usize, w[1].1 as usize));
    }
    Ok(ClientRing::from_points(
        servers.len(),
        pts,
        Ties::Last,
        Boundary::Predecessor,
        KeyHash::Crc32,
        KeyTag::None,
    ))
}

/// Why Dalli's client has no server for a key.
pub const EMPTY_KEY: &str = "the client refuses an empty key (\"key cannot be blank\")";

/// Why Dalli's client has no server for a key under a namespace.
pub const MIXED_ENCODINGS: &str = "the client cannot join a namespace that is not ASCII to a key \
     that is not UTF-8 (Ruby's Encoding::CompatibilityError)";

/// `Dalli::KeyManager#validate_key`: the key Dalli's client hashes, or why
/// it refuses the key (a key that is valid UTF-8 is taken as a UTF-8
/// string, any other as a binary one).
pub fn client_key<'k>(
    key: &'k [u8],
    namespace: Option<&[u8]>,
) -> Result<Cow<'k, [u8]>, &'static str> {
    if key.is_empty() {
        return Err(EMPTY_KEY);
    }
    if namespace.is_some_and(|ns| !ns.is_ascii()) && core::str::from_utf8(key).is_err() {
        return Err(MIXED_ENCODINGS);
    }
    let full: Cow<'k, [u8]> = match namespace {
        Some(ns) => Cow::Owned([ns, b":", key].concat()),
        None => Cow::Borrowed(key),
    };
    // Ruby measures a UTF-8 string in characters, a binary one in bytes.
    let text = core::str::from_utf8(&full).ok();
    let length = text.map_or(full.len(), |t| t.chars().count());
    if length <= 250 {
        return Ok(full);
    }
    let keep = if namespace.is_some() { 213 } else { 212 };
    let prefix = match text {
        Some(t) => t.char_indices().nth(keep).map_or(t.len(), |(i, _)| i),
        None => keep,
    };
    let digest = super::hash::md5(&full);
    let mut out = Vec::with_capacity(prefix + 5 + 32);
    out.extend_from_slice(&full[..prefix]);
    out.extend_from_slice(b":md5:");
    for b in digest {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
    }
    Ok(Cow::Owned(out))
}

/// A Dalli ring behind `Dalli::Client`'s key handling (`client_keys`).
#[derive(Debug, Clone)]
pub struct ClientKeys {
    ring: ClientRing,
    namespace: Option<Vec<u8>>,
}

impl ClientKeys {
    /// The ring, with keys transformed under `namespace` first.
    pub fn new(ring: ClientRing, namespace: Option<&[u8]>) -> ClientKeys {
        ClientKeys {
            ring,
            namespace: namespace.map(<[u8]>::to_vec),
        }
    }

    /// The ring itself.
    pub fn ring(&self) -> &ClientRing {
        &self.ring
    }

    /// The server of `key`, or why the client refuses it.
    #[inline]
    pub fn try_node_for(&self, key: &[u8]) -> Result<usize, &'static str> {
        use super::Partitioner;
        let k = client_key(key, self.namespace.as_deref())?;
        Ok(self.ring.node_for(&k))
    }
}

impl super::Partitioner for ClientKeys {
    fn len(&self) -> usize {
        super::Partitioner::len(&self.ring)
    }

    /// The server; for a key the client refuses (empty), the first.
    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        self.try_node_for(key).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::Partitioner;

    #[test]
    fn points_and_lookup() {
        assert_eq!(point_count(3, 1, 3), 160);
        assert_eq!(point_count(2, 1, 4), 80);
        assert_eq!(point_count(2, 3, 4), 240);
        let r = ring(&[(b"a:11211", 1), (b"b:11211", 1)]).unwrap();
        assert_eq!(r.ring().len(), 320);
        // sha1("a:11211:0") starts with the point of server 0.
        let d = Sha1::digest(b"a:11211:0");
        let p = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
        assert!(r.ring().points().any(|(q, o)| q == p && o == 0));
        // A key whose CRC-32 is below every point wraps to the highest.
        let (lowest, _) = r.ring().points().next().unwrap();
        let (_, top) = r.ring().points().last().unwrap();
        assert!(lowest > 0);
        assert_eq!(r.ring().lookup(0), Some(top));
        let _ = r.node_for(b"foo");
    }

    #[test]
    fn client_keys() {
        assert_eq!(client_key(b"", None), Err(EMPTY_KEY));
        assert_eq!(&*client_key(b"k", Some(b"ns")).unwrap(), b"ns:k");
        let long = [b'x'; 251];
        let k = client_key(&long, None).unwrap();
        assert_eq!(k.len(), 212 + 5 + 32);
        assert!(k.starts_with(&[b'x'; 212]) && k[212..217] == *b":md5:");
        let k = client_key(&long[..248], Some(b"ns")).unwrap();
        assert_eq!(
            &k[..218],
            [&b"ns:"[..], &[b'x'; 210], b":md5:"].concat().as_slice()
        );
        // 250 characters of UTF-8 are 500 bytes and are kept whole.
        let e = "é".repeat(250);
        assert_eq!(&*client_key(e.as_bytes(), None).unwrap(), e.as_bytes());
    }
}
