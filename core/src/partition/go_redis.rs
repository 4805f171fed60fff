//! go-redis `Ring` (docs/client-side-sharding.md, "go-redis Ring"): shards
//! are named by the keys of `RingOptions.Addrs`; the address plays no part,
//! and there are no weights.
//!
//! - v8 and v9 (`go-redis-ring`): rendezvous over xxHash64, which is
//!   keyroute's [`Rendezvous`](super::rendezvous::Rendezvous) with unit
//!   weights and the Redis Cluster tag rule.
//! - v5 to v7 (`go-redis-ring-v5`): [`ring_v5`], 100 points per shard name,
//!   point `i` = `crc32(decimal(i) ++ name)`, the key's point
//!   `crc32(tag(key))`, the first point `>=` it, wrapping.
//!
//! Both versions add shards in the iteration order of a Go map, which is
//! random: where two shards' points coincide (v5) or two names hash alike
//! (v9), the winner changes from one process to the next, and the pool is
//! refused with [`PartitionError::RandomTie`].

use alloc::vec::Vec;

use super::clients::{ClientRing, KeyHash};
use super::hash::{crc32_parts, xxh64};
use super::ketama::decimal;
use super::ring::{Boundary, Ties};
use super::tags::KeyTag;

/// Points per shard in go-redis v5 to v7 (`NewRing`'s `nreplicas`).
pub const V5_POINTS: u32 = 100;

/// The two positions of shards whose points (or name hashes) coincide.
pub type Tie = (usize, usize);

/// go-redis v5 to v7 `Ring` over shard names in list order, or the first
/// pair of shards that share a point.
pub fn ring_v5(names: &[&[u8]]) -> Result<ClientRing, Tie> {
    let mut pts = Vec::with_capacity(names.len() * V5_POINTS as usize);
    let mut digits = [0u8; 10];
    for (owner, name) in names.iter().enumerate() {
        for i in 0..V5_POINTS {
            pts.push((crc32_parts(&[decimal(i, &mut digits), name]), owner as u32));
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
        names.len(),
        pts,
        Ties::Last,
        Boundary::LowerBound,
        KeyHash::Crc32,
        KeyTag::Redis,
    ))
}

/// go-redis v8/v9: the first pair of shard names with equal xxHash64
/// values (their scores tie for every key), if any.
pub fn v9_tie(names: &[&[u8]]) -> Option<Tie> {
    let mut hashes: Vec<(u64, usize)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (xxh64(n, 0), i))
        .collect();
    hashes.sort_unstable();
    hashes
        .windows(2)
        .find(|w| w[0].0 == w[1].0)
        .map(|w| (w[0].1, w[1].1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::Partitioner;

    #[test]
    fn v5_points_have_no_separator() {
        // Point 12 of "shard1" is crc32("12shard1").
        let ring = ring_v5(&[b"shard1"]).unwrap();
        let p = crate::partition::hash::crc32(b"12shard1");
        assert!(ring.ring().points().any(|(q, o)| q == p && o == 0));
        assert_eq!(ring.ring().len(), 100);
    }

    #[test]
    fn v5_ties_between_shards_are_refused() {
        // "a" and "b" never tie; a name given twice ties everywhere.
        assert!(ring_v5(&[b"a", b"b"]).is_ok());
        assert_eq!(ring_v5(&[b"a", b"b", b"a"]).err(), Some((0, 2)));
        assert_eq!(v9_tie(&[b"a", b"b", b"b"]), Some((1, 2)));
        assert_eq!(v9_tie(&[b"a", b"b"]), None);
    }

    #[test]
    fn v5_lookup_is_the_first_point_at_or_after_the_key() {
        let names: [&[u8]; 3] = [b"shard1", b"shard2", b"shard3"];
        let ring = ring_v5(&names).unwrap();
        let mut pts: Vec<(u32, usize)> = Vec::new();
        for (o, n) in names.iter().enumerate() {
            for i in 0..100u32 {
                let s = [alloc::format!("{i}").as_bytes(), n].concat();
                pts.push((crate::partition::hash::crc32(&s), o));
            }
        }
        pts.sort_unstable();
        for k in 0..300u32 {
            let key = alloc::format!("key:{k}");
            let h = crate::partition::hash::crc32(key.as_bytes());
            let want = pts.iter().find(|p| p.0 >= h).unwrap_or(&pts[0]).1;
            assert_eq!(ring.node_for(key.as_bytes()), want);
        }
    }
}
