//! twemproxy 0.5.0 (nutcracker): `ketama` and `modula` distributions.
//!
//! What a pool does with a key (`server_pool_idx`, `nc_ketama.c`,
//! `nc_modula.c`), reproduced step by step:
//! 1. Servers are named by their alias, else `host:port` as written (just
//!    `host` when the port is 11211, for libmemcached compatibility), else for
//!    a unix socket `/path:`. The weight is never part of the name.
//! 2. The servers are sorted by name, shorter names first, then bytewise.
//!    Modula and tie-breaking use positions in that order; keyroute answers
//!    with positions in the configuration's order.
//! 3. A pool of one configured server answers it without hashing.
//! 4. With a `hash_tag` pair, the bytes between the first opening byte and
//!    the first closing byte after it are hashed, if there is at least one.
//! 5. The empty key hashes to 0; any other key through the pool's hash.
//! 6. ketama: each live server gets `floorf(...)` groups (see
//!    [`GroupCount::TwemproxyF32`]) of 4 MD5 words of `name-i`, sorted stably;
//!    the first point `>= hash` wins, wrapping to the first. modula: each live
//!    server repeated `weight` times, indexed by `hash % total`.
//!
//! `random` cannot be reproduced (it calls `random()`), so it is refused.

use alloc::vec::Vec;

use super::hash::twemproxy::TwemproxyHash;
use super::hash::CharSign;
use super::ketama::{push_points, GroupCount};
use super::ring::{Boundary, Ring, Ties};
use super::{Partitioner, Server};
use crate::error::PartitionError;

/// `distribution:` of a nutcracker pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Distribution {
    /// `ketama`, the default.
    #[default]
    Ketama,
    /// `modula`.
    Modula,
}

/// The longest point string 0.5.0 hashes (`KETAMA_MAX_HOSTLEN - 1`).
const MAX_POINT_STRING: usize = 272;

/// twemproxy's name comparison: shorter first, then bytes.
fn name_order(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A twemproxy pool's routing state.
#[derive(Debug, Clone)]
pub struct Twemproxy {
    hash: TwemproxyHash,
    distribution: Distribution,
    hash_tag: Option<[u8; 2]>,
    sign: CharSign,
    /// Ring names, sorted twemproxy's way.
    names: Vec<Vec<u8>>,
    /// For each sorted position, the server's position in the configuration.
    config_index: Vec<u32>,
    /// Weights, sorted order.
    weights: Vec<u32>,
    /// Which servers are live (not ejected), sorted order.
    live: Vec<bool>,
    dispatch: Dispatch,
}

#[derive(Debug, Clone)]
enum Dispatch {
    Ketama(Ring<u32>),
    /// Sorted positions, each repeated `weight` times.
    Modula(Vec<u32>),
}

/// The name twemproxy hashes for a server (`conf_add_server`): the alias;
/// else `host` when the port is 11211; else `host:port` as written; for a
/// unix socket, the path followed by `:`.
pub fn ring_name(server: &Server) -> Vec<u8> {
    if let Some(alias) = server.alias() {
        return alias.as_bytes().to_vec();
    }
    if server.port() == Some(11211) {
        return server.host().as_bytes().to_vec();
    }
    server.address_unbracketed().into_bytes()
}

impl Twemproxy {
    /// A pool of configured servers (see [`ring_name`]).
    pub fn from_servers(
        servers: &[Server],
        hash: TwemproxyHash,
        distribution: Distribution,
        hash_tag: Option<[u8; 2]>,
        sign: CharSign,
    ) -> Result<Twemproxy, PartitionError> {
        let names: Vec<Vec<u8>> = servers.iter().map(ring_name).collect();
        let list: Vec<(&[u8], u32)> = names
            .iter()
            .zip(servers)
            .map(|(n, s)| (n.as_slice(), s.weight()))
            .collect();
        Self::new(&list, hash, distribution, hash_tag, sign)
    }

    /// A pool of servers given as `(ring name, weight)` in configuration
    /// order. Names must be distinct and weights positive.
    pub fn new(
        servers: &[(&[u8], u32)],
        hash: TwemproxyHash,
        distribution: Distribution,
        hash_tag: Option<[u8; 2]>,
        sign: CharSign,
    ) -> Result<Twemproxy, PartitionError> {
        if servers.is_empty() {
            return Err(PartitionError::NoServers);
        }
        if servers.len() > u32::MAX as usize / 2 {
            return Err(PartitionError::TooManyServers);
        }
        let mut order: Vec<u32> = (0..servers.len() as u32).collect();
        order.sort_by(|&a, &b| name_order(servers[a as usize].0, servers[b as usize].0));
        for w in order.windows(2) {
            let (a, b) = (servers[w[0] as usize].0, servers[w[1] as usize].0);
            if a == b {
                return Err(PartitionError::DuplicateName {
                    name: alloc::string::String::from_utf8_lossy(a).into_owned(),
                });
            }
        }
        let mut total: u64 = 0;
        for &(_, w) in servers {
            if w == 0 {
                return Err(PartitionError::ZeroWeight);
            }
            total += w as u64;
        }
        if distribution == Distribution::Modula && total > (1 << 26) {
            return Err(PartitionError::WeightTooLarge);
        }
        let mut pool = Twemproxy {
            hash,
            distribution,
            hash_tag,
            sign,
            names: order
                .iter()
                .map(|&i| servers[i as usize].0.to_vec())
                .collect(),
            weights: order.iter().map(|&i| servers[i as usize].1).collect(),
            live: alloc::vec![true; servers.len()],
            config_index: order,
            dispatch: Dispatch::Modula(Vec::new()),
        };
        pool.rebuild();
        Ok(pool)
    }

    /// Marks which servers are live (`live[i]` for the i-th configured
    /// server), as `auto_eject_hosts` leaves them, and rebuilds the
    /// continuum the way `server_pool_update` does.
    pub fn set_live(&mut self, live: &[bool]) -> Result<(), PartitionError> {
        if live.len() != self.names.len() {
            return Err(PartitionError::LiveSetLength {
                expected: self.names.len(),
                got: live.len(),
            });
        }
        if !live.contains(&true) {
            return Err(PartitionError::NoLiveServers);
        }
        for (sorted, &cfg) in self.config_index.iter().enumerate() {
            self.live[sorted] = live[cfg as usize];
        }
        self.rebuild();
        Ok(())
    }

    fn rebuild(&mut self) {
        let live: Vec<usize> = (0..self.names.len()).filter(|&i| self.live[i]).collect();
        self.dispatch = match self.distribution {
            Distribution::Ketama => {
                let total: u64 = live.iter().map(|&i| self.weights[i] as u64).sum();
                let mut pts = Vec::new();
                for &i in &live {
                    let groups =
                        GroupCount::TwemproxyF32.groups(self.weights[i], total, live.len());
                    push_points(
                        &mut pts,
                        i as u32,
                        &self.names[i],
                        b"-",
                        groups,
                        4,
                        Some(MAX_POINT_STRING),
                    );
                }
                Dispatch::Ketama(Ring::new(pts, Ties::First, Boundary::LowerBound))
            }
            Distribution::Modula => Dispatch::Modula(
                live.iter()
                    .flat_map(|&i| core::iter::repeat_n(i as u32, self.weights[i] as usize))
                    .collect(),
            ),
        };
    }

    /// The bytes of `key` that are hashed under the pool's `hash_tag`.
    pub fn tagged<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        let Some([open, close]) = self.hash_tag else {
            return key;
        };
        let Some(s) = key.iter().position(|&b| b == open) else {
            return key;
        };
        match key[s + 1..].iter().position(|&b| b == close) {
            Some(n) if n > 0 => &key[s + 1..s + 1 + n],
            _ => key,
        }
    }

    /// The hash twemproxy dispatches on (after the tag and the empty-key rule).
    pub fn key_hash(&self, key: &[u8]) -> u32 {
        let k = self.tagged(key);
        if k.is_empty() {
            0
        } else {
            self.hash.hash(k, self.sign)
        }
    }

    /// The sorted position of the server for `key`.
    fn sorted_index(&self, key: &[u8]) -> u32 {
        if self.names.len() == 1 {
            return 0;
        }
        let h = self.key_hash(key);
        match &self.dispatch {
            Dispatch::Ketama(ring) => ring.lookup(h).unwrap_or(0),
            Dispatch::Modula(cont) => cont[(h as usize) % cont.len()],
        }
    }

    /// The key hash (`hash:`).
    pub fn hash(&self) -> TwemproxyHash {
        self.hash
    }

    /// The `hash_tag:` pair.
    pub fn hash_tag(&self) -> Option<[u8; 2]> {
        self.hash_tag
    }

    /// How bytes `>= 0x80` widen in the key hash.
    pub fn char_sign(&self) -> CharSign {
        self.sign
    }

    /// `distribution:`.
    pub fn distribution(&self) -> Distribution {
        self.distribution
    }

    /// ketama only: the points each server has on the continuum now, in
    /// configuration order (4 per group of [`GroupCount::TwemproxyF32`];
    /// 0 for an ejected server). `None` for modula.
    pub fn ketama_points(&self) -> Option<Vec<u32>> {
        if self.distribution != Distribution::Ketama {
            return None;
        }
        let live: Vec<usize> = (0..self.names.len()).filter(|&i| self.live[i]).collect();
        let total: u64 = live.iter().map(|&i| self.weights[i] as u64).sum();
        let mut out = alloc::vec![0u32; self.names.len()];
        for &i in &live {
            let g = GroupCount::TwemproxyF32.groups(self.weights[i], total, live.len());
            out[self.config_index[i] as usize] = 4 * g;
        }
        Some(out)
    }

    /// modula only: the continuum `hash % len` indexes, each entry as the
    /// configured index of its server. `None` for ketama.
    pub fn modula_continuum(&self) -> Option<Vec<u32>> {
        match &self.dispatch {
            Dispatch::Modula(cont) => Some(
                cont.iter()
                    .map(|&s| self.config_index[s as usize])
                    .collect(),
            ),
            Dispatch::Ketama(_) => None,
        }
    }

    /// The continuum's points, for inspection: `(point, configured index)`.
    pub fn points(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let ring = match &self.dispatch {
            Dispatch::Ketama(r) => Some(r),
            Dispatch::Modula(_) => None,
        };
        ring.into_iter()
            .flat_map(|r| r.points())
            .map(|(p, o)| (p, self.config_index[o as usize]))
    }
}

impl Partitioner for Twemproxy {
    fn len(&self) -> usize {
        self.names.len()
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        self.config_index[self.sorted_index(key) as usize] as usize
    }
}
