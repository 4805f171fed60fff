//! uhashring's default ring (`HashRing(nodes)`, its "meta" implementation):
//! every point and key is the full MD5 read as a 128-bit big-endian integer
//! (`int(md5(...).hexdigest(), 16)`), `vnodes · weight` points
//! `md5("{node}-{w}")` per node (160 by default), a dict keyed by point (the
//! later node wins a tie), and the first point strictly greater than the
//! key's hash, wrapping to the first.

use alloc::vec::Vec;

use super::hash::{md5, md5_parts};
use super::ketama::decimal;
use super::ring::{Boundary, Ring, Ties};
use super::Partitioner;

/// uhashring's default ring.
#[derive(Debug, Clone)]
pub struct MetaRing {
    ring: Ring<u128>,
    len: usize,
}

impl MetaRing {
    /// Nodes as `(name, weight)` in insertion order, `vnodes` points per unit
    /// of weight (uhashring's default is 160).
    pub fn new(nodes: &[(&[u8], u32)], vnodes: u32) -> MetaRing {
        let list: Vec<(&[u8], u32, u32)> = nodes.iter().map(|&(n, w)| (n, w, vnodes)).collect();
        Self::with_vnodes(&list)
    }

    /// Nodes as `(name, weight, vnodes)`: each node's own `vnodes` points
    /// per unit of weight (uhashring's dict nodes may set theirs).
    pub fn with_vnodes(nodes: &[(&[u8], u32, u32)]) -> MetaRing {
        let mut pts = Vec::new();
        let mut digits = [0u8; 10];
        for (i, &(name, weight, vnodes)) in nodes.iter().enumerate() {
            for w in 0..vnodes.saturating_mul(weight) {
                let d = md5_parts(&[name, b"-", decimal(w, &mut digits)]);
                pts.push((u128::from_be_bytes(d), i as u32));
            }
        }
        MetaRing {
            ring: Ring::new(pts, Ties::Last, Boundary::UpperBound),
            len: nodes.len(),
        }
    }

    /// The ring of 128-bit points.
    pub fn ring(&self) -> &Ring<u128> {
        &self.ring
    }
}

impl Partitioner for MetaRing {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        self.ring.lookup(u128::from_be_bytes(md5(key))).unwrap_or(0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_table() {
        // docs/client-side-sharding.md, "Check values: three servers": uhashring
        // default over 127.0.0.1:6379..6381.
        let nodes: [(&[u8], u32); 3] = [
            (b"127.0.0.1:6379", 1),
            (b"127.0.0.1:6380", 1),
            (b"127.0.0.1:6381", 1),
        ];
        let ring = MetaRing::new(&nodes, 160);
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
            keys.map(|k| 6379 + ring.node_for(k)),
            [6380, 6380, 6381, 6381, 6381, 6381, 6381, 6381, 6379]
        );
    }
}
