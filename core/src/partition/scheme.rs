//! [`Scheme`]: the sharding schemes by name, and the [`Options`] each has.

use alloc::string::ToString;
use core::fmt;
use core::str::FromStr;

use super::clients::NodeHashringCompat;
use super::hash::twemproxy::TwemproxyHash;
use super::hash::CharSign;
use super::jedis::JedisVersion;
use super::jump::JumpHash;
use super::server::Server;
use super::tags::KeyTag;
use crate::error::PartitionError;

macro_rules! schemes {
    ($($(#[$doc:meta])* $v:ident => $name:literal,)*) => {
        /// A sharding scheme: one real implementation's behaviour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Scheme {
            $($(#[$doc])* $v,)*
        }

        impl Scheme {
            /// Every scheme.
            pub const ALL: &'static [Scheme] = &[$(Scheme::$v,)*];

            /// The scheme's name: lower case with hyphens.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Scheme::$v => $name,)*
                }
            }
        }
    };
}

schemes! {
    /// twemproxy 0.5.0 `distribution: ketama` (hash from [`Options::hash`]).
    TwemproxyKetama => "twemproxy-ketama",
    /// twemproxy 0.5.0 `distribution: modula`.
    TwemproxyModula => "twemproxy-modula",
    /// libmemcached `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED`.
    LibmemcachedKetama => "libmemcached-ketama",
    /// Predis 1.x `HashRing`, the default `cluster => 'predis'`.
    Predis => "predis",
    /// Predis 1.x `KetamaRing`.
    PredisKetama => "predis-ketama",
    /// redis-rb 4.x `Redis::Distributed` (CRC-32 points).
    RedisRb4 => "redis-rb-4",
    /// redis-rb 5.x `Redis::Distributed` (MD5 points).
    RedisRb5 => "redis-rb-5",
    /// Jedis sharding (version from [`Options::jedis`]).
    Jedis => "jedis",
    /// uhashring 2.x default ring (128-bit MD5 points).
    Uhashring => "uhashring",
    /// uhashring 2.x `hash_fn='ketama'`.
    UhashringKetama => "uhashring-ketama",
    /// npm hashring 3.x.
    NodeHashring => "node-hashring",
    /// pymemcache 4 `HashClient` (rendezvous over murmur3).
    Pymemcache => "pymemcache",
    /// Jump consistent hash over XXH3 (or XXH64).
    Jump => "jump",
    /// Weighted rendezvous over XXH64; go-redis `Ring` with unit weights.
    Rendezvous => "rendezvous",
    /// Maglev over XXH64.
    Maglev => "maglev",
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = PartitionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .iter()
            .copied()
            .find(|x| x.name() == s)
            .ok_or_else(|| PartitionError::UnknownScheme {
                name: s.to_string(),
            })
    }
}

/// redis-rb's node id when a server has no explicit `id:` (its alias).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RedisRbId {
    /// `redis://host:port/0` (unix: `unix://path/0` in 4.x, `path/0` in
    /// 5.x): redis-rb 4.x, and 5.x with redis-client before 0.21.
    #[default]
    WithDb,
    /// `redis://host:port` (unix: `unix://path`): redis-rb 5.x with
    /// redis-client 0.21 or later.
    WithoutDb,
}

crate::names::named!(RedisRbId, "redis_rb_id", [WithDb => "with_db", WithoutDb => "without_db"]);

/// Options of the schemes that have any. Each scheme reads only its own;
/// setting another scheme's option is an error, so a typo cannot be ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// twemproxy: the key hash (`fnv1a_64` by default).
    pub hash: Option<TwemproxyHash>,
    /// twemproxy: the two `hash_tag` bytes.
    pub hash_tag: Option<[u8; 2]>,
    /// twemproxy: how `char` widens on the platform reproduced.
    pub char_sign: CharSign,
    /// redis-rb: the default node id form.
    pub redis_rb_id: RedisRbId,
    /// Jedis: the releases whose point names to reproduce.
    pub jedis: JedisVersion,
    /// npm hashring: `'default port'`.
    pub default_port: Option<u16>,
    /// npm hashring: `compatibility`.
    pub compatibility: NodeHashringCompat,
    /// npm hashring: `'vnode count'` (40); uhashring default ring: `vnodes` (160).
    pub vnodes: Option<u32>,
    /// jump: the key hash.
    pub jump_hash: JumpHash,
    /// maglev: the table size (a prime; 65537 by default).
    pub table_size: Option<u64>,
    /// The hash-tag rule, replacing the scheme's own (only for jedis, jump,
    /// rendezvous and maglev, whose tag rule is the application's choice).
    pub tag: Option<KeyTag>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            hash: None,
            hash_tag: None,
            char_sign: CharSign::Signed,
            redis_rb_id: RedisRbId::WithDb,
            jedis: JedisVersion::V4,
            default_port: None,
            compatibility: NodeHashringCompat::Ketama,
            vnodes: None,
            jump_hash: JumpHash::Xxh3,
            table_size: None,
            tag: None,
        }
    }
}

/// An option value as a binding or the command line hands it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionValue<'a> {
    /// A name or text (a `str`, or `bytes` where a value is bytes, such as
    /// `hash_tag`).
    Text(&'a [u8]),
    /// A number.
    Int(u64),
}

impl Options {
    /// Every option's name, as [`Options::set`] takes them.
    pub const NAMES: &'static [&'static str] = &[
        "hash",
        "hash_tag",
        "char_sign",
        "redis_rb_id",
        "jedis",
        "default_port",
        "compatibility",
        "vnodes",
        "jump_hash",
        "table_size",
        "tag",
    ];

    /// Sets the option `name` (`hash_tag`, or in a language's own case,
    /// `hashTag`: case and `_`/`-` are ignored) from `value`, parsing names
    /// as the core names them. Every binding and the CLI set options through
    /// this one function; whether the scheme has the option is checked when
    /// the pool is built.
    pub fn set(&mut self, name: &str, value: OptionValue<'_>) -> Result<(), PartitionError> {
        let key = |n: &str| {
            n.bytes()
                .filter(|b| !matches!(b, b'_' | b'-'))
                .map(|b| b.to_ascii_lowercase())
                .collect::<alloc::vec::Vec<u8>>()
        };
        let wanted = key(name);
        let Some(&option) = Options::NAMES.iter().find(|n| key(n) == wanted) else {
            return Err(PartitionError::UnknownOption {
                name: name.to_string(),
            });
        };
        let (given_text, given_number) = match value {
            OptionValue::Text(t) => (Some(t), None),
            OptionValue::Int(n) => (None, Some(n)),
        };
        let bad = |expected| PartitionError::BadOption { option, expected };
        let text = || given_text.ok_or(bad("a name"));
        let number = || given_number.ok_or(bad("a number"));
        let name_of = || text().and_then(|t| core::str::from_utf8(t).map_err(|_| bad("a name")));
        let unknown = PartitionError::UnknownValue;
        match option {
            "hash" => {
                let h = name_of()?;
                self.hash = Some(h.parse().map_err(|_| PartitionError::UnknownHash {
                    name: h.to_string(),
                })?);
            }
            "hash_tag" => {
                let t = text()?;
                self.hash_tag =
                    Some(
                        <[u8; 2]>::try_from(t).map_err(|_| PartitionError::BadHashTag {
                            tag: alloc::string::String::from_utf8_lossy(t).into_owned(),
                        })?,
                    );
            }
            "char_sign" => self.char_sign = name_of()?.parse().map_err(unknown)?,
            "redis_rb_id" => self.redis_rb_id = name_of()?.parse().map_err(unknown)?,
            "jedis" => self.jedis = name_of()?.parse().map_err(unknown)?,
            "compatibility" => self.compatibility = name_of()?.parse().map_err(unknown)?,
            "jump_hash" => self.jump_hash = name_of()?.parse().map_err(unknown)?,
            "tag" => self.tag = Some(KeyTag::parse(text()?).map_err(unknown)?),
            "default_port" => {
                let p = number()?;
                self.default_port = Some(
                    u16::try_from(p)
                        .ok()
                        .filter(|&p| p > 0)
                        .ok_or(bad("a port in 1..=65535"))?,
                );
            }
            "vnodes" => {
                let n = number()?;
                self.vnodes = Some(
                    u32::try_from(n)
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(bad("a positive number below 2^32"))?,
                );
            }
            _ => {
                let n = number()?;
                self.table_size = Some(n);
            }
        }
        Ok(())
    }
}

pub(crate) fn not_applicable(scheme: Scheme, option: &'static str) -> PartitionError {
    PartitionError::OptionNotApplicable {
        scheme: scheme.name(),
        option,
    }
}

/// Which options and server features each scheme has.
pub(crate) fn validate(
    scheme: Scheme,
    servers: &[Server],
    o: &Options,
) -> Result<(), PartitionError> {
    use Scheme::*;
    let d = Options::default();
    let twem = matches!(scheme, TwemproxyKetama | TwemproxyModula);
    let checks: [(&'static str, bool, bool); 11] = [
        ("hash", o.hash != d.hash, twem),
        ("hash_tag", o.hash_tag != d.hash_tag, twem),
        ("char_sign", o.char_sign != d.char_sign, twem),
        (
            "redis_rb_id",
            o.redis_rb_id != d.redis_rb_id,
            scheme == RedisRb5,
        ),
        ("jedis", o.jedis != d.jedis, scheme == Jedis),
        (
            "default_port",
            o.default_port != d.default_port,
            scheme == NodeHashring,
        ),
        (
            "compatibility",
            o.compatibility != d.compatibility,
            scheme == NodeHashring,
        ),
        (
            "vnodes",
            o.vnodes != d.vnodes,
            matches!(scheme, NodeHashring | Uhashring),
        ),
        ("jump_hash", o.jump_hash != d.jump_hash, scheme == Jump),
        ("table_size", o.table_size != d.table_size, scheme == Maglev),
        (
            "tag",
            o.tag != d.tag,
            matches!(scheme, Jedis | Jump | Rendezvous | Maglev),
        ),
    ];
    for (name, set, allowed) in checks {
        if set && !allowed {
            return Err(not_applicable(scheme, name));
        }
    }
    if servers.is_empty() {
        return Err(PartitionError::NoServers);
    }
    if servers.len() > (1 << 24) {
        return Err(PartitionError::TooManyServers);
    }
    let jedis4 = scheme == Jedis && o.jedis == JedisVersion::V4;
    let weighted = !(jedis4 || matches!(scheme, RedisRb4 | RedisRb5 | Pymemcache | Jump));
    let named = !(jedis4
        || matches!(
            scheme,
            LibmemcachedKetama | NodeHashring | Pymemcache | Jump
        ));
    let total: u64 = servers.iter().map(|s| s.weight() as u64).sum();
    if total > 1 << 24 {
        return Err(PartitionError::WeightTooLarge);
    }
    for s in servers {
        if s.weight_given().is_some() && !weighted {
            return Err(not_applicable(scheme, "weight"));
        }
        if s.alias().is_some() && !named {
            return Err(not_applicable(scheme, "alias"));
        }
    }
    Ok(())
}
