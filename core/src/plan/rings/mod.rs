//! What changing a client-side sharding configuration moves: for two
//! [`Pool`]s of any scheme, the exact share of the key-hash space that goes
//! from each old server to each new server, warnings about what makes the
//! change move more than it should, and the exact moved-key set of a key list.
//!
//! A key *moves* when its backend changes: the old and new servers have a
//! different address (`host:port`, or the socket path). A server whose weight
//! or alias changed but whose address did not still holds the same data.
//!
//! How each scheme is measured ([`Basis`]):
//!
//! | schemes | basis | how |
//! | --- | --- | --- |
//! | twemproxy ketama, libmemcached, Predis (both), redis-rb, uhashring-ketama, node-hashring | [`Basis::HashSpace`], 32 bits | the two rings' segment starts swept together |
//! | Jedis | `HashSpace`, 64 bits | the same, over signed-order MurmurHash64A |
//! | uhashring (default) | `HashSpace`, 128 bits | the same, over the whole MD5 |
//! | twemproxy modula | `HashSpace`, 32 bits | residues: closed-form counts inside each ring segment, or one period `lcm(T1, T2)` of two continua (at most 2^26 steps) |
//! | maglev, same table size | `HashSpace`, 64 bits | the tables diffed entry by entry, each entry weighing `#{h < 2^64 : h mod M = e}` |
//! | jump, rendezvous, maglev of two sizes, modula with a longer period | [`Basis::HashSample`] | `2^k` hash values `splitmix64`-generated (see [`RingChange::sample_log2`]) |
//! | pymemcache | [`Basis::KeySample`] | `2^k` keys `keyroute-sample:{i}`: its scores hash the key text |
//!
//! The hash space is the space of hash *values*: a key-hash that spreads
//! keys unevenly (twemproxy's `fnv1a_64` on short sequential keys, or its
//! 15-bit `crc32`) moves a different share of real keys. With a key list,
//! [`RingChange::moved_keys`] is exact for those keys.
//!
//! ```
//! use keyroute::partition::{Pool, Scheme};
//! use keyroute::plan::RingChange;
//!
//! let s: Vec<String> = (0..4).map(|i| format!("127.0.0.1:{}:1", 6379 + i)).collect();
//! let old = Pool::new(Scheme::TwemproxyKetama, &s[..3])?;
//! let new = Pool::new(Scheme::TwemproxyKetama, &s)?;
//! let change = RingChange::new(&old, &new);
//! let f = change.fraction().unwrap();
//! // Everything that moves goes to the new server (docs/resharding.md,
//! // "Ring schemes: what moves": 29.87%).
//! assert_eq!(f.moved(), f.to_added());
//! assert!((f.moved().as_f64() - 0.2987).abs() < 0.0001);
//! # Ok::<(), keyroute::error::PartitionError>(())
//! ```

mod geometry;
mod share;
mod space;
mod warnings;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use self::geometry::{measure, Measured, Wide};
pub use self::share::Share;
use self::space::describe;
pub use self::warnings::{PointCount, Warning};
use crate::error::MovedError;
use crate::partition::Pool;

/// The default sample size, `2^20`, for the schemes measured on a sample.
pub const DEFAULT_SAMPLE_LOG2: u32 = 20;

/// What a [`MovedFraction`] was computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Basis {
    /// Every hash value in `[0, 2^bits)`: exact.
    HashSpace {
        /// Width of the key hash.
        bits: u32,
    },
    /// `2^log2_samples` hash values in `[0, 2^bits)`: value `i` is the top
    /// `bits` bits of `splitmix64(2i) ++ splitmix64(2i+1)` (splitmix64 with
    /// seed 0, output `n` for input `n`, 0-based). Exact for that sample.
    HashSample {
        /// Width of the key hash.
        bits: u32,
        /// The sample has `2^log2_samples` values.
        log2_samples: u32,
    },
    /// `2^log2_samples` keys `keyroute-sample:{i}`: exact for those keys.
    KeySample {
        /// The sample has `2^log2_samples` keys.
        log2_samples: u32,
    },
}

impl Basis {
    /// Whether the figures hold for the whole hash space.
    pub fn is_exact(self) -> bool {
        matches!(self, Basis::HashSpace { .. })
    }
}

/// Where the hash space goes between two configurations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedFraction {
    old: Vec<String>,
    new: Vec<String>,
    old_addr: Vec<String>,
    new_addr: Vec<String>,
    basis: Basis,
    bits: u32,
    counts: Vec<Wide>,
}

impl MovedFraction {
    /// The old servers as configured (rows).
    pub fn old_nodes(&self) -> &[String] {
        &self.old
    }

    /// The new servers as configured (columns).
    pub fn new_nodes(&self) -> &[String] {
        &self.new
    }

    /// What the figures were computed over.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    fn sum(&self, keep: impl Fn(usize, usize) -> bool) -> Share {
        let n = self.new.len();
        let mut w = Wide::default();
        for (k, &c) in self.counts.iter().enumerate() {
            if keep(k / n, k % n) {
                w.add(c);
            }
        }
        Share::from_count(w, self.bits)
    }

    /// The share that old server `i` held and new server `j` holds.
    pub fn cell(&self, i: usize, j: usize) -> Share {
        Share::from_count(self.counts[i * self.new.len() + j], self.bits)
    }

    /// Old server `i`'s share (its row).
    pub fn old_share(&self, i: usize) -> Share {
        let n = self.new.len();
        let mut w = Wide::default();
        self.counts[i * n..(i + 1) * n]
            .iter()
            .for_each(|&c| w.add(c));
        Share::from_count(w, self.bits)
    }

    /// New server `j`'s share (its column).
    pub fn new_share(&self, j: usize) -> Share {
        let mut w = Wide::default();
        let n = self.new.len();
        self.counts
            .iter()
            .skip(j)
            .step_by(n)
            .for_each(|&c| w.add(c));
        Share::from_count(w, self.bits)
    }

    /// Whether the hash values of cell `(i, j)` change backend: old server
    /// `i` and new server `j` have different addresses.
    pub fn moves(&self, i: usize, j: usize) -> bool {
        self.old_addr[i] != self.new_addr[j]
    }

    /// The share whose backend changes.
    pub fn moved(&self) -> Share {
        self.sum(|i, j| self.moves(i, j))
    }

    /// The share old server `i` gives away.
    pub fn moved_from(&self, i: usize) -> Share {
        self.sum(|a, j| a == i && self.moves(a, j))
    }

    /// The moved share that goes to a backend the old configuration lacks.
    pub fn to_added(&self) -> Share {
        self.sum(|i, j| self.moves(i, j) && !self.old_addr.contains(&self.new_addr[j]))
    }

    /// The moved share that leaves a backend the new configuration lacks,
    /// for a backend both have.
    pub fn from_removed(&self) -> Share {
        self.sum(|i, j| {
            self.moves(i, j)
                && self.old_addr.contains(&self.new_addr[j])
                && !self.new_addr.contains(&self.old_addr[i])
        })
    }

    /// The moved share that goes between backends both configurations have:
    /// what an ideal consistent hash never moves.
    pub fn between_kept(&self) -> Share {
        self.sum(|i, j| {
            self.moves(i, j)
                && self.old_addr.contains(&self.new_addr[j])
                && self.new_addr.contains(&self.old_addr[i])
        })
    }
}

/// A key whose backend changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovedKey<'k, 'p> {
    /// The key.
    pub key: &'k [u8],
    /// Its old server's position in the old configuration.
    pub old_index: usize,
    /// Its new server's position in the new configuration.
    pub new_index: usize,
    /// The old server as configured ([`Pool::node_for`]).
    pub old: &'p str,
    /// The new server as configured.
    pub new: &'p str,
}

/// A change from one configuration of a sharded pool to another.
#[derive(Debug, Clone)]
pub struct RingChange<'p> {
    old: &'p Pool,
    new: &'p Pool,
    auto_eject: (bool, bool),
    sample_log2: u32,
}

impl<'p> RingChange<'p> {
    /// The change from `old` to `new`.
    pub fn new(old: &'p Pool, new: &'p Pool) -> Self {
        RingChange {
            old,
            new,
            auto_eject: (false, false),
            sample_log2: DEFAULT_SAMPLE_LOG2,
        }
    }

    /// Whether each configuration has twemproxy's `auto_eject_hosts: true`
    /// (a [`Pool`] does not record it; a nutcracker pool does).
    pub fn auto_eject_hosts(&mut self, old: bool, new: bool) -> &mut Self {
        self.auto_eject = (old, new);
        self
    }

    /// The sample size `2^k` for schemes measured on a sample (`k` is
    /// clamped to 4..=28; default [`DEFAULT_SAMPLE_LOG2`]).
    pub fn sample_log2(&mut self, k: u32) -> &mut Self {
        self.sample_log2 = k.clamp(4, 28);
        self
    }

    /// The old configuration.
    pub fn old(&self) -> &'p Pool {
        self.old
    }

    /// The new configuration.
    pub fn new_pool(&self) -> &'p Pool {
        self.new
    }

    /// The share of the hash space each old server hands to each new server.
    pub fn fraction(&self) -> Result<MovedFraction, MovedError> {
        let (a, b) = (describe(self.old), describe(self.new));
        if a.key_fn != b.key_fn {
            return Err(MovedError::DifferentKeyHash {
                old: a.key_fn.name(),
                new: b.key_fn.name(),
            });
        }
        let (n_old, n_new) = (self.old.servers().len(), self.new.servers().len());
        let mut counts = vec![Wide::default(); n_old * n_new];
        let k = self.sample_log2;
        let (basis, bits) = match measure(&a.geometry, &b.geometry, a.bits, n_new, k, &mut counts) {
            Measured::Exact => (Basis::HashSpace { bits: a.bits }, a.bits),
            Measured::HashSample => (
                Basis::HashSample {
                    bits: a.bits,
                    log2_samples: k,
                },
                k,
            ),
            Measured::KeySample => (Basis::KeySample { log2_samples: k }, k),
        };
        let names = |p: &Pool| p.servers().iter().map(|s| s.written().into()).collect();
        let addrs = |p: &Pool| p.servers().iter().map(|s| s.address()).collect();
        Ok(MovedFraction {
            old: names(self.old),
            new: names(self.new),
            old_addr: addrs(self.old),
            new_addr: addrs(self.new),
            basis,
            bits,
            counts,
        })
    }

    /// The keys whose backend changes, in the order given.
    pub fn moved_keys<'k, I>(&self, keys: I) -> Vec<MovedKey<'k, 'p>>
    where
        I: IntoIterator<Item = &'k [u8]>,
    {
        let (old, new) = (self.old.servers(), self.new.servers());
        let addrs = |s: &[crate::partition::Server]| -> Vec<String> {
            s.iter().map(|x| x.address()).collect()
        };
        let (old_addr, new_addr) = (addrs(old), addrs(new));
        keys.into_iter()
            .filter_map(|key| {
                let (i, j) = (self.old.index_for(key), self.new.index_for(key));
                (old_addr[i] != new_addr[j]).then(|| MovedKey {
                    key,
                    old_index: i,
                    new_index: j,
                    old: old[i].written(),
                    new: new[j].written(),
                })
            })
            .collect()
    }

    /// What makes this change move more keys than it should, or makes the
    /// figures describe keys less well.
    pub fn warnings(&self) -> Vec<Warning> {
        warnings::warnings(self.old, self.new, self.auto_eject)
    }
}

#[cfg(test)]
mod tests;
