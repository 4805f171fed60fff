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
}
