//! Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software
//! Network Load Balancer", NSDI 2016, §3.4), with weights, defined so any
//! language can rebuild the same table:
//! ```text
//! M         = table size, a prime (65537 by default)
//! offset(s) = XXH64(name_s, seed 0) mod M
//! skip(s)   = XXH64(name_s, seed 1) mod (M - 1) + 1
//! pref(s, j) = (offset(s) + j * skip(s)) mod M        j = 0, 1, 2, ...
//! fill: for round t = 1, 2, ... and, within a round, each server s in list
//!       order: if claimed(s) * max_weight < t * weight(s), s claims its next
//!       preferred empty entry (skipping its preferences already taken) and
//!       claimed(s) += 1; stop as soon as all M entries are claimed.
//! key:  table[XXH64(tag(key), seed 0) mod M]
//! ```
//! With equal weights every server claims once per round: the paper's
//! Listing 1. A server of weight `w` claims `w/max_weight` entries per round,
//! so it owns close to `M · w / sum(weights)` entries.

use alloc::vec::Vec;

use super::hash::xxh64;
use super::tags::KeyTag;
use super::Partitioner;
use crate::error::PartitionError;

/// The table size used unless one is configured: the paper's and Envoy's.
pub const DEFAULT_TABLE_SIZE: u64 = 65_537;

/// The largest table keyroute builds (2^24 entries, 64 MiB).
pub const MAX_TABLE_SIZE: u64 = 1 << 24;

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}

/// A Maglev lookup table.
#[derive(Debug, Clone)]
pub struct Maglev {
    table: Vec<u32>,
    tag: KeyTag,
    len: usize,
}

impl Maglev {
    /// Servers as `(name, weight)` in list order, `size` entries (a prime at
    /// least as large as the number of servers, at most [`MAX_TABLE_SIZE`]).
    pub fn new(servers: &[(&[u8], u32)], size: u64, tag: KeyTag) -> Result<Maglev, PartitionError> {
        if servers.is_empty() {
            return Err(PartitionError::NoServers);
        }
        if !is_prime(size) || size > MAX_TABLE_SIZE || size < servers.len() as u64 {
            return Err(PartitionError::BadTableSize { size });
        }
        if servers.iter().any(|s| s.1 == 0) {
            return Err(PartitionError::ZeroWeight);
        }
        let m = size;
        let max_w = servers.iter().map(|s| s.1 as u64).max().unwrap_or(1);
        let perm: Vec<(u64, u64)> = servers
            .iter()
            .map(|&(name, _)| (xxh64(name, 0) % m, xxh64(name, 1) % (m - 1) + 1))
            .collect();
        let mut next = alloc::vec![0u64; servers.len()];
        let mut claimed = alloc::vec![0u64; servers.len()];
        let mut table = alloc::vec![u32::MAX; m as usize];
        let mut filled = 0u64;
        let mut round = 0u64;
        while filled < m {
            round += 1;
            for (s, &(_, w)) in servers.iter().enumerate() {
                if claimed[s] * max_w >= round * w as u64 {
                    continue;
                }
                let (offset, skip) = perm[s];
                loop {
                    // offset < m and skip < m, so this stays below 2^49.
                    let c = ((offset + (next[s] % m) * skip) % m) as usize;
                    next[s] += 1;
                    if table[c] == u32::MAX {
                        table[c] = s as u32;
                        break;
                    }
                }
                claimed[s] += 1;
                filled += 1;
                if filled == m {
                    break;
                }
            }
        }
        Ok(Maglev {
            table,
            tag,
            len: servers.len(),
        })
    }

    /// The hash-tag rule applied to keys.
    pub fn tag(&self) -> KeyTag {
        self.tag
    }

    /// The lookup table: the server of each entry.
    pub fn table(&self) -> &[u32] {
        &self.table
    }
}

impl Partitioner for Maglev {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        let h = xxh64(self.tag.apply(key), 0);
        self.table[(h % self.table.len() as u64) as usize] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_and_checked() {
        let names: Vec<alloc::string::String> =
            (0..7).map(|i| alloc::format!("10.0.0.{i}:6379")).collect();
        let servers: Vec<(&[u8], u32)> = names.iter().map(|n| (n.as_bytes(), 1)).collect();
        let m = Maglev::new(&servers, 65_537, KeyTag::None).unwrap();
        let mut count = [0u32; 7];
        for &s in m.table() {
            count[s as usize] += 1;
        }
        // Equal weights: every server owns floor(M/N) or ceil(M/N) entries.
        assert!(
            count
                .iter()
                .all(|&c| c == 65_537 / 7 || c == 65_537 / 7 + 1),
            "{count:?}"
        );
        assert_eq!(
            Maglev::new(&servers, 65_536, KeyTag::None).unwrap_err(),
            PartitionError::BadTableSize { size: 65_536 }
        );
        assert_eq!(
            Maglev::new(&servers, 5, KeyTag::None).unwrap_err(),
            PartitionError::BadTableSize { size: 5 }
        );
        // Weights 1 and 3: a quarter and three quarters of the table.
        let m = Maglev::new(&[(b"a", 1), (b"b", 3)], 10_007, KeyTag::None).unwrap();
        let b = m.table().iter().filter(|&&s| s == 1).count();
        assert!((7_500..=7_510).contains(&b), "{b}");
    }
}
