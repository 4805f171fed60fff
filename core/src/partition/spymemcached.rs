//! spymemcached 2.12 (Java memcached) `KetamaNodeLocator` and
//! `ArrayModNodeLocator` (docs/client-side-sharding.md, "spymemcached"):
//!
//! ```text
//! hash(key)   = one of DefaultHashAlgorithm over the key as a Java String:
//!               native   String.hashCode() (UTF-16 units, h = 31·h + c, 32 bits)
//!               crc      (crc32(UTF-8) >> 16) & 0x7fff
//!               fnv1_64, fnv1a_64, fnv1_32, fnv1a_32   FNV over UTF-16 units,
//!                        in 64-bit arithmetic, the low 32 bits kept
//!               ketama   word 0 (little-endian) of md5(UTF-8)
//! array-mod   = nodes[hash(key) mod N]
//! ketama      = the first point >= hash(key), wrapping to the first point;
//!               a point several servers produce goes to the last (a TreeMap)
//! points      = weighted (a weight on every server): floor(w/W·160/4·N) groups
//!               by twemproxy's float formula, 4 little-endian words of
//!               md5("<node key>-<i>") each, whatever the hash;
//!               unweighted with hash ketama: 40 such groups;
//!               unweighted with another hash: hash("<node key>-<i>"), i < 160
//! node key    = format spymemcached: the InetSocketAddress as Java 14+ prints
//!               it without its leading '/': "name/ip:port", "ip:port",
//!               "[v6 in full]:port"; format libmemcached: its host name
//!               (the name, or the address), ":port" unless the port is 11211
//! ```
//!
//! Java keys are Strings, sent as UTF-8: a key that is not UTF-8 was never
//! written by spymemcached and is refused.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::hash::{crc32, ketama_hash, le32, md5_parts};
use super::ketama::{decimal, GroupCount};
use super::ring::{Boundary, Ring, Ties};
use super::server::Server;
use super::Partitioner;
use crate::error::{PartitionError, ServerError};

/// spymemcached's `DefaultHashAlgorithm`, by its name without `_HASH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpyHash {
    /// `NATIVE_HASH`: `String.hashCode()`.
    Native,
    /// `CRC_HASH`: bits 16 to 30 of the CRC-32 of the UTF-8 bytes.
    Crc,
    /// `FNV1_64_HASH` over UTF-16 units, low 32 bits.
    Fnv1_64,
    /// `FNV1A_64_HASH` over UTF-16 units, low 32 bits.
    Fnv1a64,
    /// `FNV1_32_HASH` over UTF-16 units.
    Fnv1_32,
    /// `FNV1A_32_HASH` over UTF-16 units.
    Fnv1a32,
    /// `KETAMA_HASH`: word 0 (little-endian) of the MD5 of the UTF-8 bytes.
    Ketama,
}

crate::names::named!(SpyHash, "hash", [
    Native => "native",
    Crc => "crc",
    Fnv1_64 => "fnv1_64",
    Fnv1a64 => "fnv1a_64",
    Fnv1_32 => "fnv1_32",
    Fnv1a32 => "fnv1a_32",
    Ketama => "ketama",
]);

const FNV64_INIT: u64 = 0xcbf2_9ce4_8422_2325;
const FNV64_PRIME: u64 = 0x100_0000_01b3;
const FNV32_INIT: u64 = 2_166_136_261;
const FNV32_PRIME: u64 = 16_777_619;

fn fnv(text: &str, init: u64, prime: u64, xor_first: bool) -> u32 {
    let mut h = init;
    for c in text.encode_utf16() {
        if xor_first {
            h ^= c as u64;
            h = h.wrapping_mul(prime);
        } else {
            h = h.wrapping_mul(prime);
            h ^= c as u64;
        }
    }
    h as u32
}

impl SpyHash {
    /// `hash(String)` of the text, as the library's `long` (always below 2^32).
    pub fn hash(self, text: &str) -> u32 {
        match self {
            SpyHash::Native => text
                .encode_utf16()
                .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
                as u32,
            SpyHash::Crc => (crc32(text.as_bytes()) >> 16) & 0x7fff,
            SpyHash::Fnv1_64 => fnv(text, FNV64_INIT, FNV64_PRIME, false),
            SpyHash::Fnv1a64 => fnv(text, FNV64_INIT, FNV64_PRIME, true),
            SpyHash::Fnv1_32 => fnv(text, FNV32_INIT, FNV32_PRIME, false),
            SpyHash::Fnv1a32 => fnv(text, FNV32_INIT, FNV32_PRIME, true),
            SpyHash::Ketama => ketama_hash(text.as_bytes()),
        }
    }
}

/// `KetamaNodeKeyFormatter.Format`: how a server is named on the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NodeKeyFormat {
    /// `SPYMEMCACHED` (the default): the socket address as Java prints it,
    /// without its leading `/`.
    #[default]
    Spymemcached,
    /// `LIBMEMCACHED`: the host name, with `:port` unless it is 11211.
    Libmemcached,
}

crate::names::named!(NodeKeyFormat, "format", [
    Spymemcached => "spymemcached",
    Libmemcached => "libmemcached",
]);

/// Why a key is refused: it has no Java String.
pub const NOT_UTF8: &str =
    "the key is not UTF-8: spymemcached's keys are Java Strings, sent as UTF-8";

/// An IP address literal: IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ip {
    /// Dotted-quad IPv4.
    V4([u8; 4]),
    /// IPv6, eight groups.
    V6([u16; 8]),
}

/// A dotted quad: four decimal numbers up to 255 without leading zeros.
fn parse_v4(t: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = t.split('.');
    for o in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        if !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = u8::try_from(p.parse::<u16>().ok()?).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// Groups of 1 to 4 hex digits separated by `:`, the last two possibly a
/// dotted quad; `None` for an empty side of `::`.
fn v6_groups(t: &str, out: &mut [u16; 8], n: &mut usize) -> Option<()> {
    if t.is_empty() {
        return Some(());
    }
    let parts: alloc::vec::Vec<&str> = t.split(':').collect();
    for (i, p) in parts.iter().enumerate() {
        if i + 1 == parts.len() && p.contains('.') {
            let q = parse_v4(p)?;
            for pair in [[q[0], q[1]], [q[2], q[3]]] {
                *out.get_mut(*n)? = u16::from_be_bytes(pair);
                *n += 1;
            }
            continue;
        }
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        *out.get_mut(*n)? = u16::from_str_radix(p, 16).ok()?;
        *n += 1;
    }
    Some(())
}

/// IPv6 text: eight groups, or fewer around one `::`.
fn parse_v6(t: &str) -> Option<[u16; 8]> {
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut h, mut k) = (0, 0);
    match t.split_once("::") {
        Some((a, b)) => {
            v6_groups(a, &mut head, &mut h)?;
            v6_groups(b, &mut tail, &mut k)?;
            if h + k > 7 || b.contains("::") {
                return None;
            }
            head[8 - k..].copy_from_slice(&tail[..k]);
            Some(head)
        }
        None => {
            v6_groups(t, &mut head, &mut h)?;
            (h == 8).then_some(head)
        }
    }
}

/// Parses an IP literal (IPv6 optionally in brackets).
pub fn parse_ip(text: &str) -> Option<Ip> {
    let t = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    match t.contains(':') {
        true => parse_v6(t).map(Ip::V6),
        false => parse_v4(t).map(Ip::V4),
    }
}

/// An address as Java's `getHostAddress()` writes it: dotted IPv4 (an
/// IPv4-mapped IPv6 address becomes IPv4, as `InetAddress` makes it), or
/// IPv6 as eight groups of hex digits, nothing compressed; and whether it
/// is IPv6.
fn java_address(ip: Ip) -> (String, bool) {
    let v4 = |q: [u8; 4]| format!("{}.{}.{}.{}", q[0], q[1], q[2], q[3]);
    match ip {
        Ip::V4(q) => (v4(q), false),
        Ip::V6([0, 0, 0, 0, 0, 0xffff, a, b]) => {
            let ([q0, q1], [q2, q3]) = (a.to_be_bytes(), b.to_be_bytes());
            (v4([q0, q1, q2, q3]), false)
        }
        Ip::V6(g) => {
            let mut s = String::new();
            for (i, x) in g.iter().enumerate() {
                if i > 0 {
                    s.push(':');
                }
                s.push_str(&format!("{x:x}"));
            }
            (s, true)
        }
    }
}

/// A host Java would read as an IPv4 literal in a form this parser does not
/// take (`10.1`, `010.0.0.1`): refused rather than named differently.
fn numeric_like(host: &str) -> bool {
    !host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// The string `KetamaNodeKeyFormatter` names `s` by (before `-i`).
pub fn node_key(s: &Server, format: NodeKeyFormat) -> Result<String, PartitionError> {
    let bad = || {
        PartitionError::Server(ServerError::BadFormat {
            server: s.written().to_string(),
        })
    };
    let port = match (s.is_socket(), s.port()) {
        (false, Some(p)) => p,
        _ => return Err(bad()),
    };
    let host = s.host();
    // name/ip (a resolved name), an IP literal, or a name alone.
    let (name, ip) = match host.split_once('/') {
        Some((name, ip)) => {
            let ip = parse_ip(ip).ok_or_else(bad)?;
            if name.is_empty() || name.contains(':') {
                return Err(bad());
            }
            (Some(name), Some(ip))
        }
        None => match parse_ip(host) {
            Some(ip) => (None, Some(ip)),
            None if host.contains(':') || numeric_like(host) => return Err(bad()),
            None => (Some(host), None),
        },
    };
    Ok(match format {
        NodeKeyFormat::Spymemcached => {
            let Some(ip) = ip else {
                return Err(PartitionError::Server(ServerError::Unresolved {
                    server: s.written().to_string(),
                }));
            };
            let (addr, v6) = java_address(ip);
            let addr = if v6 { format!("[{addr}]") } else { addr };
            match name {
                Some(n) => format!("{n}/{addr}:{port}"),
                None => format!("{addr}:{port}"),
            }
        }
        NodeKeyFormat::Libmemcached => {
            // getHostName(): the name given, else the address (the name a
            // reverse lookup would find is not keyroute's to know).
            let host = match (name, ip) {
                (Some(n), _) => n.to_string(),
                (None, ip) => ip.map(|ip| java_address(ip).0).unwrap_or_default(),
            };
            match port {
                11211 => host,
                p => format!("{host}:{p}"),
            }
        }
    })
}

/// The address a weights map is keyed by (`InetSocketAddress.equals`: the
/// address and port when resolved, else the name without case, and port).
pub fn weight_key(s: &Server) -> String {
    let host = s.host();
    let a = host.rsplit_once('/').map_or(host, |p| p.1);
    let addr = match parse_ip(a) {
        Some(ip) => java_address(ip).0,
        None => a.to_ascii_lowercase(),
    };
    format!("{addr}:{}", s.port().unwrap_or(0))
}

/// Groups of 4 points per server in weighted mode (twemproxy's float formula).
pub fn weighted_groups(w: u32, total: u64, n: usize) -> u32 {
    GroupCount::TwemproxyF32.groups(w, total, n)
}

/// Which locator a [`Spymemcached`] is.
#[derive(Debug, Clone)]
enum Locator {
    Ketama(Ring<u32>),
    ArrayMod,
}

/// A spymemcached node locator over a pool.
#[derive(Debug, Clone)]
pub struct Spymemcached {
    locator: Locator,
    hash: SpyHash,
    len: usize,
}

impl Spymemcached {
    /// `ArrayModNodeLocator(nodes, hash)` over `len` servers.
    pub fn array_mod(len: usize, hash: SpyHash) -> Spymemcached {
        Spymemcached {
            locator: Locator::ArrayMod,
            hash,
            len,
        }
    }

    /// `KetamaNodeLocator` over node keys in list order, with `weights` when
    /// the library is given a weights map (then one for every server).
    pub fn ketama(keys: &[&str], weights: Option<&[u32]>, hash: SpyHash) -> Spymemcached {
        let mut pts: Vec<(u32, u32)> = Vec::new();
        let total: u64 = weights.map_or(0, |w| w.iter().map(|&w| w as u64).sum());
        let mut digits = [0u8; 10];
        for (owner, key) in keys.iter().enumerate() {
            let md5_groups = match (weights, hash) {
                (Some(w), _) => Some(weighted_groups(w[owner], total, keys.len())),
                (None, SpyHash::Ketama) => Some(40),
                (None, _) => None,
            };
            match md5_groups {
                Some(groups) => {
                    for i in 0..groups {
                        let d = md5_parts(&[key.as_bytes(), b"-", decimal(i, &mut digits)]);
                        for k in 0..4 {
                            pts.push((le32(&d, k), owner as u32));
                        }
                    }
                }
                None => {
                    for i in 0..160 {
                        pts.push((hash.hash(&format!("{key}-{i}")), owner as u32));
                    }
                }
            }
        }
        Spymemcached {
            locator: Locator::Ketama(Ring::new(pts, Ties::Last, Boundary::LowerBound)),
            hash,
            len: keys.len(),
        }
    }

    /// The key hash.
    pub fn hash(&self) -> SpyHash {
        self.hash
    }

    /// The ketama ring (`None` for array-mod).
    pub fn ring(&self) -> Option<&Ring<u32>> {
        match &self.locator {
            Locator::Ketama(r) => Some(r),
            Locator::ArrayMod => None,
        }
    }

    /// The server of `key`, or why it is refused ([`NOT_UTF8`]). Not
    /// inlined: the pool's lookups are inlined into every front end, and
    /// this body (seven hashes) would be copied into each.
    #[inline(never)]
    pub fn try_node_for(&self, key: &[u8]) -> Result<usize, &'static str> {
        let text = core::str::from_utf8(key).map_err(|_| NOT_UTF8)?;
        let h = self.hash.hash(text);
        Ok(match &self.locator {
            Locator::ArrayMod => (h as u64 % self.len as u64) as usize,
            Locator::Ketama(r) => r.lookup(h).unwrap_or(0) as usize,
        })
    }
}

impl Partitioner for Spymemcached {
    fn len(&self) -> usize {
        self.len
    }

    /// The server; for a key that is not UTF-8 (refused), the first.
    fn node_for(&self, key: &[u8]) -> usize {
        self.try_node_for(key).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser agrees with the standard library's on literals and on
    /// near misses.
    #[test]
    fn ip_literals_as_core_net_reads_them() {
        extern crate std;
        use std::net::IpAddr;
        let cases = [
            "10.0.0.1",
            "255.255.255.255",
            "256.0.0.1",
            "01.0.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "::",
            "::1",
            "1::",
            "fe80::1a",
            "fe80:0:0:0:0:0:0:1a",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "::ffff:10.0.0.6",
            "::10.0.0.6",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "12345::",
            "g::1",
            ":1",
            "1:",
            "1:::2",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "",
            ".",
            "0.0.0.0",
            "1.2.3.04",
            "[::1]",
        ];
        for c in cases {
            let ours = parse_ip(c).map(|ip| match ip {
                Ip::V4(q) => IpAddr::from(q),
                Ip::V6(g) => IpAddr::from(g),
            });
            let theirs: Option<IpAddr> = c.trim_matches(['[', ']']).parse().ok();
            assert_eq!(ours, theirs, "{c}");
        }
    }

    #[test]
    fn hashes() {
        // String.hashCode() of "a" is 97, of "ab" 97·31 + 98.
        assert_eq!(SpyHash::Native.hash("ab"), 97 * 31 + 98);
        assert_eq!(SpyHash::Native.hash(""), 0);
        // FNV-1a 32 check value: fnv1a32("a") = 0xe40c292c.
        assert_eq!(SpyHash::Fnv1a32.hash("a"), 0xe40c_292c);
        assert_eq!(SpyHash::Fnv1_32.hash("a"), 0x050c_5d7e);
        // fnv1a64("a") = 0xaf63dc4c8601ec8c, low 32 bits.
        assert_eq!(SpyHash::Fnv1a64.hash("a"), 0x8601_ec8c);
        assert_eq!(SpyHash::Crc.hash("123456789"), (0xCBF4_3926 >> 16) & 0x7fff);
        // A character outside the BMP is two UTF-16 units.
        let s = "\u{1F600}";
        let units: Vec<u16> = s.encode_utf16().collect();
        assert_eq!(
            SpyHash::Native.hash(s),
            (units[0] as i32 * 31 + units[1] as i32) as u32
        );
    }

    #[test]
    fn node_keys() {
        let k = |s: &str, f| node_key(&Server::parse(s).unwrap(), f);
        use NodeKeyFormat::*;
        assert_eq!(k("10.0.0.1:11211", Spymemcached).unwrap(), "10.0.0.1:11211");
        assert_eq!(
            k("a/10.0.0.1:11211", Spymemcached).unwrap(),
            "a/10.0.0.1:11211"
        );
        assert_eq!(
            k("[::1]:11212", Spymemcached).unwrap(),
            "[0:0:0:0:0:0:0:1]:11212"
        );
        assert_eq!(
            k("[::ffff:10.0.0.6]:11211", Spymemcached).unwrap(),
            "10.0.0.6:11211"
        );
        assert!(matches!(
            k("cache-a:11211", Spymemcached),
            Err(PartitionError::Server(ServerError::Unresolved { .. }))
        ));
        assert_eq!(k("cache-a:11211", Libmemcached).unwrap(), "cache-a");
        assert_eq!(k("a/10.0.0.1:11212", Libmemcached).unwrap(), "a:11212");
        assert_eq!(
            k("[fe80::1a]:11212", Libmemcached).unwrap(),
            "fe80:0:0:0:0:0:0:1a:11212"
        );
        assert!(k("10.1:11211", Libmemcached).is_err());
        assert!(k("/tmp/m.sock", Spymemcached).is_err());
    }
}
