//! Warnings about a configuration change (docs/resharding.md, "Warnings about a pool
//! change"): what moves keys
//! between servers that both configurations keep, and what makes the
//! hash-space figures describe real keys less well.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::space::describe;
use crate::partition::ketama::GroupCount;
use crate::partition::pool::Router;
use crate::partition::{KeyTag, Pool, Scheme, Server};

/// A kept server whose number of ring points changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointCount {
    /// The server as the new configuration writes it.
    pub server: String,
    /// Points before.
    pub old: u32,
    /// Points after.
    pub new: u32,
}

/// Something about a change that moves more keys than an ideal consistent
/// hash would, or that the hash-space figures do not capture.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// Servers that both configurations keep get a different number of ring
    /// points (twemproxy's float rounding gives 156 instead of 160 at some
    /// pool sizes, e.g. 25, 50, 100), so arcs change hands between them.
    PointCountChange {
        /// Servers before.
        old_servers: usize,
        /// Servers after.
        new_servers: usize,
        /// Every kept server whose count changes.
        changes: Vec<PointCount>,
    },
    /// Kept servers whose weight changes: `(server, old, new)`.
    WeightChange {
        /// The servers, as the new configuration writes them.
        servers: Vec<(String, u32, u32)>,
    },
    /// Weights are unequal and the pool changes: every server's points
    /// depend on its share `w / W`, which changes for all of them.
    UnequalWeights,
    /// Servers hashed by their address (no alias, or a scheme that always
    /// hashes the address): moving one to another host or port changes the
    /// keys it owns.
    AddressNames {
        /// The servers as configured (old and new, each once).
        servers: Vec<String>,
    },
    /// Servers identified by their position in the list (jump, unnamed
    /// Jedis shards): only appending or removing the last one is minimal.
    PositionalNames,
    /// twemproxy `auto_eject_hosts: true`: each proxy drops failing servers
    /// on its own and remaps their keys, so proxies can disagree.
    AutoEjectHosts {
        /// Set in the old configuration.
        old: bool,
        /// Set in the new configuration.
        new: bool,
    },
    /// The scheme changes.
    SchemeChange {
        /// Old scheme.
        old: Scheme,
        /// New scheme.
        new: Scheme,
    },
    /// The key hash changes: nearly every key moves.
    KeyHashChange {
        /// Old key hash.
        old: &'static str,
        /// New key hash.
        new: &'static str,
    },
    /// The hash-tag rule changes: keys with tags hash differently, beyond
    /// what the hash-space figures show.
    TagChange {
        /// Old rule.
        old: KeyTag,
        /// New rule.
        new: KeyTag,
    },
    /// The `char` signedness changes: keys with bytes `>= 0x80` hash
    /// differently, beyond what the hash-space figures show.
    CharSignChange,
    /// One side hashes non-UTF-8 keys as lossy UTF-8 text (npm hashring):
    /// those keys hash differently, beyond what the figures show.
    LossyUtf8Change,
    /// twemproxy `crc32` keeps 15 bits: every key hashes below 2^15, so the
    /// hash-space figures say nothing about keys; give the keys.
    NarrowHash,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PointCountChange {
                old_servers,
                new_servers,
                changes,
            } => {
                write!(
                    f,
                    "{} of the servers kept get a different number of ring points ({old_servers} -> {new_servers} servers",
                    changes.len()
                )?;
                if let Some(c) = changes.first() {
                    write!(f, "; e.g. {}: {} -> {} points", c.server, c.old, c.new)?;
                }
                f.write_str("), so keys also move between servers that stay")
            }
            Self::WeightChange { servers } => {
                write!(f, "{} kept server(s) change weight", servers.len())?;
                if let Some((s, a, b)) = servers.first() {
                    write!(f, " (e.g. {s}: {a} -> {b})")?;
                }
                f.write_str(": every server's share of the ring changes")
            }
            Self::UnequalWeights => f.write_str(
                "weights are unequal: each server's points follow its share w/W of the total, \
                 which changes for every server when the pool changes",
            ),
            Self::AddressNames { servers } => {
                write!(
                    f,
                    "{} server(s) are hashed by their address (no alias)",
                    servers.len()
                )?;
                if let Some(s) = servers.first() {
                    write!(f, ", e.g. {s:?}")?;
                }
                f.write_str(": moving one to another host or port moves its keys; name servers with aliases")
            }
            Self::PositionalNames => f.write_str(
                "servers are identified by their position in the list: inserting, removing or \
                 reordering anywhere but at the end moves keys between servers that stay",
            ),
            Self::AutoEjectHosts { old, new } => write!(
                f,
                "auto_eject_hosts is true in the {} configuration: each proxy ejects failing \
                 servers on its own and remaps their keys, so proxies can disagree",
                match (old, new) {
                    (true, true) => "old and the new",
                    (true, false) => "old",
                    _ => "new",
                }
            ),
            Self::SchemeChange { old, new } => write!(f, "the scheme changes: {old} -> {new}"),
            Self::KeyHashChange { old, new } => write!(
                f,
                "the key hash changes ({old} -> {new}): nearly every key moves"
            ),
            Self::TagChange { old, new } => write!(
                f,
                "the hash-tag rule changes ({old:?} -> {new:?}): keys with tags hash differently, \
                 beyond what the hash-space figures show; give the keys"
            ),
            Self::CharSignChange => f.write_str(
                "the char signedness changes: keys with bytes >= 0x80 hash differently, beyond \
                 what the hash-space figures show; give the keys",
            ),
            Self::LossyUtf8Change => f.write_str(
                "one side hashes non-UTF-8 keys as lossy UTF-8 text: those keys hash differently, \
                 beyond what the hash-space figures show; give the keys",
            ),
            Self::NarrowHash => f.write_str(
                "twemproxy crc32 keeps 15 bits: every key hashes below 2^15, so hash-space \
                 figures do not describe keys; give the keys",
            ),
        }
    }
}

/// Points per server in configuration order, for the ketama profiles whose
/// counts follow the pool's size and weights; `None` for the others.
fn point_counts(pool: &Pool) -> Option<Vec<u32>> {
    let s = pool.servers();
    let formula = |count: GroupCount, weight: fn(&Server) -> u32| {
        let total: u64 = s.iter().map(|x| weight(x) as u64).sum();
        s.iter()
            .map(|x| 4 * count.groups(weight(x), total, s.len()))
            .collect()
    };
    match (pool.scheme(), pool.router()) {
        (Scheme::TwemproxyKetama, Router::Twemproxy(t)) => t.ketama_points(),
        (Scheme::LibmemcachedKetama, _) => {
            Some(formula(GroupCount::LibmemcachedF32, Server::weight))
        }
        (Scheme::PredisKetama, _) => Some(formula(GroupCount::PredisF64, predis_weight)),
        (Scheme::UhashringKetama, _) => Some(formula(
            GroupCount::UhashringExact { vnodes: 40 },
            Server::weight,
        )),
        _ => None,
    }
}

fn predis_weight(s: &Server) -> u32 {
    s.weight_given().unwrap_or(100)
}

/// The weight the scheme uses.
fn weight(scheme: Scheme, s: &Server) -> u32 {
    match scheme {
        Scheme::Predis | Scheme::PredisKetama => predis_weight(s),
        _ => s.weight(),
    }
}

/// Schemes whose layout follows each server's share `w / W`.
fn share_weighted(s: Scheme) -> bool {
    use Scheme::*;
    matches!(
        s,
        TwemproxyKetama
            | LibmemcachedKetama
            | Predis
            | PredisKetama
            | UhashringKetama
            | NodeHashring
            | Maglev
    )
}

/// Whether `s`'s hashed name is its address under `scheme`, or its position.
enum Naming {
    Address,
    Alias,
    Position,
}

fn naming(scheme: Scheme, s: &Server) -> Naming {
    use Scheme::*;
    match scheme {
        LibmemcachedKetama | Predis | PredisKetama | NodeHashring | Pymemcache => Naming::Address,
        Jump => Naming::Position,
        Jedis if s.alias().is_none() => Naming::Position,
        _ if s.alias().is_some() => Naming::Alias,
        _ => Naming::Address,
    }
}

pub(crate) fn warnings(old: &Pool, new: &Pool, auto_eject: (bool, bool)) -> Vec<Warning> {
    let mut out = Vec::new();
    let (a, b) = (describe(old), describe(new));
    if old.scheme() != new.scheme() {
        out.push(Warning::SchemeChange {
            old: old.scheme(),
            new: new.scheme(),
        });
    }
    if a.key_fn != b.key_fn {
        out.push(Warning::KeyHashChange {
            old: a.key_fn.name(),
            new: b.key_fn.name(),
        });
    }
    if a.tag != b.tag {
        out.push(Warning::TagChange {
            old: a.tag,
            new: b.tag,
        });
    }
    if a.key_fn == b.key_fn && a.sign != b.sign {
        out.push(Warning::CharSignChange);
    }
    if a.key_fn == b.key_fn && a.utf8_lossy != b.utf8_lossy {
        out.push(Warning::LossyUtf8Change);
    }
    let narrow = |p: &Pool| {
        matches!(p.router(), Router::Twemproxy(t)
            if t.hash() == crate::partition::hash::twemproxy::TwemproxyHash::Crc32)
    };
    if narrow(old) || narrow(new) {
        out.push(Warning::NarrowHash);
    }
    // Kept servers: the same backend address in both.
    let kept: Vec<(usize, usize)> = new
        .servers()
        .iter()
        .enumerate()
        .filter_map(|(j, s)| {
            let addr = s.address();
            old.servers()
                .iter()
                .position(|o| o.address() == addr)
                .map(|i| (i, j))
        })
        .collect();
    if let (Some(pa), Some(pb)) = (point_counts(old), point_counts(new)) {
        let changes: Vec<PointCount> = kept
            .iter()
            .filter(|&&(i, j)| pa[i] != pb[j])
            .map(|&(i, j)| PointCount {
                server: new.servers()[j].written().into(),
                old: pa[i],
                new: pb[j],
            })
            .collect();
        if !changes.is_empty() {
            out.push(Warning::PointCountChange {
                old_servers: old.servers().len(),
                new_servers: new.servers().len(),
                changes,
            });
        }
    }
    let (so, sn) = (old.scheme(), new.scheme());
    let changed: Vec<(String, u32, u32)> = kept
        .iter()
        .filter_map(|&(i, j)| {
            let (wa, wb) = (weight(so, &old.servers()[i]), weight(sn, &new.servers()[j]));
            (wa != wb).then(|| (new.servers()[j].written().into(), wa, wb))
        })
        .collect();
    if !changed.is_empty() {
        out.push(Warning::WeightChange { servers: changed });
    }
    let unequal = |p: &Pool| {
        let mut w = p.servers().iter().map(|s| weight(p.scheme(), s));
        let first = w.next();
        w.any(|x| Some(x) != first)
    };
    let membership_changes = kept.len() != old.servers().len() || kept.len() != new.servers().len();
    if (share_weighted(so) || share_weighted(sn))
        && (unequal(old) || unequal(new))
        && membership_changes
    {
        out.push(Warning::UnequalWeights);
    }
    let mut named: Vec<String> = Vec::new();
    let mut positional = false;
    for p in [old, new] {
        for s in p.servers() {
            match naming(p.scheme(), s) {
                Naming::Address if !named.iter().any(|n| n == s.written()) => {
                    named.push(s.written().into())
                }
                Naming::Position => positional = true,
                _ => {}
            }
        }
    }
    if !named.is_empty() {
        out.push(Warning::AddressNames { servers: named });
    }
    if positional {
        out.push(Warning::PositionalNames);
    }
    if auto_eject.0 || auto_eject.1 {
        out.push(Warning::AutoEjectHosts {
            old: auto_eject.0,
            new: auto_eject.1,
        });
    }
    out
}
