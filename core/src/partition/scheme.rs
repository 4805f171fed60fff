//! [`Scheme`]: the sharding schemes by name, and the [`Options`] each has.

use alloc::string::ToString;
use core::fmt;
use core::str::FromStr;

use super::clients::NodeHashringCompat;
use super::hash::digest::Algorithm;
use super::hash::twemproxy::TwemproxyHash;
use super::hash::CharSign;
use super::jedis::JedisVersion;
use super::jump::JumpHash;
use super::server::Server;
use super::spymemcached::{NodeKeyFormat, SpyHash};
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
    /// redis-rb 4.x `Redis::HashRing` used directly: the whole key hashed,
    /// [`Options::replicas`] points per node.
    RedisRbHashring => "redis-rb-hashring",
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
    /// go-redis v8/v9 `Ring`: rendezvous over XXH64 of shard names.
    GoRedisRing => "go-redis-ring",
    /// go-redis v5 to v7 `Ring`: 100 CRC-32 points per shard name.
    GoRedisRingV5 => "go-redis-ring-v5",
    /// python-memcached 1.62: each server `weight` times in a bucket list,
    /// CRC-32 bits 16 to 30 modulo its length.
    PythonMemcached => "python-memcached",
    /// phpredis 5.3 `RedisArray`: CRC-32 (or [`Options::algorithm`]) scaled
    /// to the host count, or its [`Options::consistent`] ring.
    PhpredisArray => "phpredis-array",
    /// Dalli 3.0 `Dalli::Ring` (Ruby memcached): SHA-1 points by weight,
    /// CRC-32 keys, the last point at or below.
    Dalli => "dalli",
    /// spymemcached 2.12 `KetamaNodeLocator`: [`Options::spy_hash`] (ketama
    /// by default), [`Options::format`] node keys, weights when every
    /// server has one.
    SpymemcachedKetama => "spymemcached-ketama",
    /// spymemcached 2.12 `ArrayModNodeLocator`: `hash(key) mod N`
    /// ([`Options::spy_hash`], native by default).
    SpymemcachedArrayMod => "spymemcached-array-mod",
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
    /// The `tag` value as given: redis-rb's `tag:` reads it as a Ruby
    /// regular expression (`none` and `redis-rb` name the built-in rules).
    pub tag_pattern: Option<alloc::string::String>,
    /// redis-rb `HashRing.new(nodes, replicas)`: points per node (160);
    /// uhashring ketama `replicas`: words per digest (4).
    pub replicas: Option<u32>,
    /// npm hashring: the digest (`new HashRing(servers, algorithm)`, md5);
    /// phpredis RedisArray: its `algorithm` (CRC-32 when unset).
    pub algorithm: Option<Algorithm>,
    /// phpredis RedisArray: `consistent` (a ring of 160 MD5 points per host).
    pub consistent: bool,
    /// Dalli: keys as `Dalli::Client` hands them to its ring (empty keys
    /// refused, the namespace prefixed, long keys shortened with an MD5).
    pub client_keys: bool,
    /// Dalli (with `client_keys`): the client's `namespace`.
    pub namespace: Option<alloc::string::String>,
    /// spymemcached: the `hash` option read as a `DefaultHashAlgorithm`
    /// (`hash` sets both this and [`Options::hash`] where the name is both
    /// libraries'; each scheme reads its own).
    pub spy_hash: Option<SpyHash>,
    /// spymemcached ketama: the node key format.
    pub format: NodeKeyFormat,
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
            tag_pattern: None,
            replicas: None,
            algorithm: None,
            consistent: false,
            client_keys: false,
            namespace: None,
            spy_hash: None,
            format: NodeKeyFormat::Spymemcached,
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
    /// A boolean (Python's `True`, JavaScript's `true`): only a flag
    /// option (`consistent`) takes one.
    Flag(bool),
    /// A value of another kind (an object): accepted only where the
    /// library keeps it without reading it (uhashring's `instance`).
    Other,
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
        "replicas",
        "algorithm",
        "consistent",
        "client_keys",
        "namespace",
        "format",
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
            OptionValue::Other | OptionValue::Flag(_) => (None, None),
        };
        let bad = |expected| PartitionError::BadOption { option, expected };
        let text = || given_text.ok_or(bad("a name"));
        let number = || given_number.ok_or(bad("a number"));
        let name_of = || text().and_then(|t| core::str::from_utf8(t).map_err(|_| bad("a name")));
        let unknown = PartitionError::UnknownValue;
        match option {
            "hash" => {
                // twemproxy's names or spymemcached's: the scheme checks
                // that the name is one of its own (`validate`).
                let h = name_of()?;
                let (twem, spy) = (h.parse().ok(), h.parse().ok());
                if twem.is_none() && spy.is_none() {
                    return Err(PartitionError::UnknownHash {
                        name: h.to_string(),
                    });
                }
                (self.hash, self.spy_hash) = (twem, spy);
            }
            "format" => self.format = name_of()?.parse().map_err(unknown)?,
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
            "tag" => {
                let t = text()?;
                let pattern = core::str::from_utf8(t).ok();
                // Refused when it is neither a rule nor text (a pattern);
                // which reading applies is the scheme's (`validate`).
                self.tag = match KeyTag::parse(t) {
                    Ok(tag) => Some(tag),
                    Err(e) if pattern.is_none() => return Err(unknown(e)),
                    Err(_) => None,
                };
                self.tag_pattern = pattern.map(ToString::to_string);
            }
            "algorithm" => self.algorithm = Some(name_of()?.parse().map_err(unknown)?),
            "consistent" | "client_keys" => {
                // A boolean from a binding, or `true`/`false` as text (the
                // command line).
                let flag = match (value, given_text) {
                    (OptionValue::Flag(b), _) => b,
                    (_, Some(b"false")) => false,
                    (_, Some(b"true")) => true,
                    _ => return Err(bad("true or false")),
                };
                match option {
                    "consistent" => self.consistent = flag,
                    _ => self.client_keys = flag,
                }
            }
            "namespace" => self.namespace = Some(name_of()?.to_string()),
            "replicas" => {
                let n = number()?;
                self.replicas = Some(
                    u32::try_from(n)
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(bad("a positive number below 2^32"))?,
                );
            }
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

/// The most points a pool's ring (or continuum, or list of virtual nodes)
/// may have: 2^22 = 4,194,304.
///
/// Every ring is built in memory before the first key is routed, so its
/// size must be bounded, as nutcracker bounds its continuum to 160 points
/// per server. The bound is on the total, whatever gives it (servers,
/// weights, `vnodes`): 2^22 holds the default rings of 26,214 servers (or
/// weight units, where points scale with weight) in every scheme, costs at
/// most 80 MiB (uhashring's 128-bit points) and a second to build, and
/// leaves wasm's 4 GiB far away. uhashring with `vnodes=2**31-1`, or npm
/// hashring with `vnodes: 5e7`, is refused instead of exhausting memory.
pub const MAX_RING_POINTS: u64 = 1 << 22;

/// The points the scheme lays out for these servers (virtual nodes for
/// rendezvous, continuum entries for modula; none for jump, pymemcache and
/// maglev, whose table size is bounded on its own), computed with the
/// builders' own formulas before anything is built.
pub(crate) fn ring_points(scheme: Scheme, servers: &[Server], o: &Options) -> u64 {
    use super::ketama::GroupCount;
    use alloc::vec::Vec;
    use Scheme::*;
    let n = servers.len();
    let weights: Vec<u32> = servers.iter().map(Server::weight).collect();
    // Predis's default weight is 100, not 1.
    let predis: Vec<u32> = servers
        .iter()
        .map(|s| s.weight_given().unwrap_or(100))
        .collect();
    let total = |ws: &[u32]| ws.iter().map(|&w| w as u64).sum::<u64>();
    let groups = |count: GroupCount, words: u64, ws: &[u32]| {
        let sum = total(ws);
        ws.iter()
            .map(|&w| count.groups(w, sum, n) as u64 * words)
            .sum::<u64>()
    };
    match scheme {
        TwemproxyKetama => groups(GroupCount::TwemproxyF32, 4, &weights),
        TwemproxyModula | Rendezvous => total(&weights),
        LibmemcachedKetama => groups(GroupCount::LibmemcachedF32, 4, &weights),
        Predis => super::clients::predis_replicas(&predis)
            .map(u64::from)
            .sum(),
        PredisKetama => groups(GroupCount::PredisF64, 4, &predis),
        RedisRb4 | RedisRb5 => 160 * n as u64,
        RedisRbHashring => o.replicas.unwrap_or(160) as u64 * n as u64,
        Jedis if o.jedis == JedisVersion::V4 => 160 * n as u64,
        Jedis => 160 * total(&weights),
        Uhashring => servers
            .iter()
            .map(|s| s.vnodes().or(o.vnodes).unwrap_or(160) as u64 * s.weight() as u64)
            .sum(),
        UhashringKetama => servers
            .iter()
            .map(|s| {
                let vnodes = s.vnodes().or(o.vnodes).unwrap_or(40);
                let g =
                    GroupCount::UhashringExact { vnodes }.groups(s.weight(), total(&weights), n);
                g as u64 * o.replicas.unwrap_or(4) as u64
            })
            .sum(),
        NodeHashring => {
            let words = match o.compatibility {
                NodeHashringCompat::Ketama => 4,
                NodeHashringCompat::HashRing => 3,
            };
            let vnodes = o.vnodes.unwrap_or(40);
            let count = GroupCount::NodeHashringF64 { vnodes };
            let sum = total(&weights);
            servers
                .iter()
                .map(|s| match node_hashring_own_groups(s, vnodes) {
                    Some(g) => g as u64 * words,
                    None => count.groups(s.weight(), sum, n) as u64 * words,
                })
                .sum()
        }
        Pymemcache | Jump | Maglev => 0,
        GoRedisRing => n as u64,
        GoRedisRingV5 => super::go_redis::V5_POINTS as u64 * n as u64,
        PythonMemcached => total(&weights),
        PhpredisArray if o.consistent => 160 * n as u64,
        PhpredisArray => 0,
        Dalli => servers
            .iter()
            .map(|s| super::dalli::point_count(n, s.weight(), total(&weights)))
            .sum(),
        SpymemcachedKetama if servers.iter().any(|s| s.weight_given().is_some()) => {
            groups(GroupCount::TwemproxyF32, 4, &weights)
        }
        SpymemcachedKetama => 160 * n as u64,
        SpymemcachedArrayMod => 0,
    }
}

/// npm hashring: a server's own `vnodes` as its group count, unscaled,
/// unless it equals the pool's count (then the weight scales it, as
/// `if (vnodes !== self.vnode) length = vnodes` leaves it).
pub(crate) fn node_hashring_own_groups(s: &Server, vnodes: u32) -> Option<u32> {
    s.vnodes().filter(|&v| v != vnodes)
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
    let redis_rb = matches!(scheme, RedisRb4 | RedisRb5 | RedisRbHashring);
    let spy = matches!(scheme, SpymemcachedKetama | SpymemcachedArrayMod);
    let checks: [(&'static str, bool, bool); 17] = [
        (
            "hash",
            o.hash != d.hash || o.spy_hash != d.spy_hash,
            twem || spy,
        ),
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
            matches!(scheme, NodeHashring | Uhashring | UhashringKetama),
        ),
        ("jump_hash", o.jump_hash != d.jump_hash, scheme == Jump),
        ("table_size", o.table_size != d.table_size, scheme == Maglev),
        (
            "tag",
            o.tag != d.tag || o.tag_pattern != d.tag_pattern,
            matches!(
                scheme,
                Jedis | Jump | Rendezvous | Maglev | RedisRb4 | RedisRb5
            ),
        ),
        (
            "replicas",
            o.replicas != d.replicas,
            matches!(scheme, RedisRbHashring | UhashringKetama),
        ),
        (
            "algorithm",
            o.algorithm != d.algorithm,
            matches!(scheme, NodeHashring | PhpredisArray),
        ),
        (
            "consistent",
            o.consistent != d.consistent,
            scheme == PhpredisArray,
        ),
        (
            "client_keys",
            o.client_keys != d.client_keys,
            scheme == Dalli,
        ),
        ("namespace", o.namespace != d.namespace, scheme == Dalli),
        ("format", o.format != d.format, scheme == SpymemcachedKetama),
    ];
    for (name, set, allowed) in checks {
        if set && !allowed {
            return Err(not_applicable(scheme, name));
        }
    }
    if !redis_rb && o.tag.is_none() {
        if let Some(p) = &o.tag_pattern {
            // Not a rule name: only redis-rb reads a pattern.
            KeyTag::parse(p.as_bytes()).map_err(PartitionError::UnknownValue)?;
        }
    }
    // `hash` named a function of the other library only.
    match (o.hash, o.spy_hash) {
        (Some(h), None) if spy => {
            return Err(PartitionError::UnknownValue(crate::names::UnknownName {
                what: "hash",
                given: h.name().to_string(),
                expected: SpyHash::NAMES,
            }))
        }
        (None, Some(h)) if twem => {
            return Err(PartitionError::UnknownHash {
                name: h.as_str().to_string(),
            })
        }
        _ => {}
    }
    if o.namespace.is_some() && !o.client_keys {
        // Dalli's namespace is part of its client's key handling.
        return Err(PartitionError::BadOption {
            option: "namespace",
            expected: "client_keys=true with it (the client's key handling adds the namespace)",
        });
    }
    if scheme == NodeHashring && o.algorithm == Some(Algorithm::Crc32b) {
        // Node's crypto.createHash has no crc32b: npm hashring throws.
        return Err(PartitionError::BadOption {
            option: "algorithm",
            expected: "a digest of Node's crypto (md5, sha1, sha224, sha256, sha384, sha512)",
        });
    }
    if scheme == UhashringKetama && o.replicas.is_some_and(|r| r > 4) {
        // Word 4 of an MD5 digest does not exist: uhashring raises IndexError.
        return Err(PartitionError::BadOption {
            option: "replicas",
            expected: "1 to 4 words of an MD5 digest",
        });
    }
    if servers.is_empty() {
        return Err(PartitionError::NoServers);
    }
    if servers.len() > (1 << 24) {
        return Err(PartitionError::TooManyServers);
    }
    let jedis4 = scheme == Jedis && o.jedis == JedisVersion::V4;
    let weighted = !(jedis4
        || redis_rb
        || matches!(
            scheme,
            Pymemcache | Jump | GoRedisRing | GoRedisRingV5 | PhpredisArray | SpymemcachedArrayMod
        ));
    let named = !(jedis4
        || matches!(
            scheme,
            LibmemcachedKetama
                | NodeHashring
                | Pymemcache
                | Jump
                | PhpredisArray
                | Dalli
                | SpymemcachedKetama
                | SpymemcachedArrayMod
        ));
    let total: u64 = servers.iter().map(|s| s.weight() as u64).sum();
    if total > 1 << 24 {
        return Err(PartitionError::WeightTooLarge);
    }
    let points = ring_points(scheme, servers, o);
    if points > MAX_RING_POINTS {
        return Err(PartitionError::TooManyPoints {
            points,
            max: MAX_RING_POINTS,
        });
    }
    // Names without a port: where the library names servers so, or adds
    // its default port itself.
    let portless = matches!(
        scheme,
        Uhashring
            | UhashringKetama
            | NodeHashring
            | Pymemcache
            | Jump
            | Rendezvous
            | Maglev
            | PythonMemcached
            | PhpredisArray
            | Dalli
    );
    for s in servers {
        if s.weight_given().is_some() && !weighted {
            return Err(not_applicable(scheme, "weight"));
        }
        if s.is_portless() && !portless {
            // As before bare names were read: not a server of this scheme.
            return Err(PartitionError::Server(
                crate::error::ServerError::BadFormat {
                    server: s.written().into(),
                },
            ));
        }
        if s.url().is_some() && !redis_rb {
            return Err(not_applicable(scheme, "server URL"));
        }
        if s.vnodes().is_some() && !matches!(scheme, NodeHashring | Uhashring | UhashringKetama) {
            return Err(not_applicable(scheme, "vnodes"));
        }
        if s.alias().is_some() && !named {
            return Err(not_applicable(scheme, "alias"));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::field_reassign_with_default,
    clippy::needless_borrows_for_generic_args
)]
mod tests {
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;
    use crate::partition::pool::Router;
    use crate::partition::ring::Ring;
    use crate::partition::Pool;

    fn servers(n: usize, weight: impl Fn(usize) -> u32) -> Vec<String> {
        (0..n)
            .map(|i| format!("10.0.{}.{}:6379:{}", i / 250, i % 250, weight(i)))
            .collect()
    }

    /// The points the built ring holds (distinct ones: equal points merge).
    fn built(pool: &Pool) -> u64 {
        (match pool.router() {
            Router::Twemproxy(t) => match t.modula_continuum() {
                Some(c) => c.len(),
                None => t.points().count(),
            },
            Router::Ring(r) => r.ring().len(),
            Router::Jedis(r) => r.ring().len(),
            Router::Meta(r) => r.ring().len(),
            Router::Rendezvous(r) => r.vnodes(),
            Router::Buckets(b) => b.buckets().len(),
            Router::PhpRedis(p) => p.ring().map_or(0, Ring::len),
            Router::DalliKeys(d) => d.ring().ring().len(),
            Router::Spymemcached(s) => s.ring().map_or(0, Ring::len),
            Router::Pymemcache(_) | Router::Jump(_) | Router::Maglev(_) => 0,
        }) as u64
    }

    #[test]
    fn the_count_is_what_the_builders_lay_out() {
        for &scheme in Scheme::ALL {
            let weighted = !matches!(
                scheme,
                Scheme::RedisRb4
                    | Scheme::RedisRb5
                    | Scheme::RedisRbHashring
                    | Scheme::Pymemcache
                    | Scheme::Jump
                    | Scheme::GoRedisRing
                    | Scheme::GoRedisRingV5
                    | Scheme::PhpredisArray
                    | Scheme::SpymemcachedArrayMod
            );
            for n in [1, 2, 3, 7, 25] {
                let list = if weighted {
                    servers(n, |i| 1 + (i as u32 * 7) % 5)
                } else {
                    (0..n).map(|i| format!("10.0.0.{i}:6379")).collect()
                };
                let o = Options {
                    jedis: if scheme == Scheme::Jedis {
                        crate::partition::jedis::JedisVersion::V3
                    } else {
                        Options::default().jedis
                    },
                    ..Options::default()
                };
                let pool = Pool::with_options(scheme, &list, &o).unwrap();
                let parsed: Vec<Server> = list.iter().map(|s| Server::parse(s).unwrap()).collect();
                let count = ring_points(scheme, &parsed, &o);
                let have = built(&pool);
                // Equal points merge in the ring; they are rare.
                assert!(
                    have <= count && count - have <= 2,
                    "{scheme} n={n}: {count} vs {have}"
                );
            }
        }
    }

    #[test]
    fn huge_rings_are_refused_naming_the_limit() {
        let three = servers(3, |_| 1);
        let mut o = Options {
            vnodes: Some(i32::MAX as u32),
            ..Options::default()
        };
        let e = Pool::with_options(Scheme::Uhashring, &three, &o).unwrap_err();
        assert_eq!(
            e,
            PartitionError::TooManyPoints {
                points: 3 * i32::MAX as u64,
                max: MAX_RING_POINTS
            }
        );
        assert!(e.to_string().contains("4194304"), "{e}");
        o.vnodes = Some(50_000_000);
        let list: Vec<String> = (0..3).map(|i| format!("10.0.0.{i}:6379")).collect();
        assert!(matches!(
            Pool::with_options(Scheme::NodeHashring, &list, &o),
            Err(PartitionError::TooManyPoints {
                max: MAX_RING_POINTS,
                ..
            })
        ));
        // 26,215 servers of 160 points pass the limit; weights that make
        // jedis lay out 160 points per unit too.
        let many = servers(26_215, |_| 1);
        assert!(matches!(
            Pool::new(Scheme::TwemproxyKetama, &many),
            Err(PartitionError::TooManyPoints {
                points: 4_194_400,
                ..
            })
        ));
        let o = Options {
            jedis: crate::partition::jedis::JedisVersion::V3,
            ..Options::default()
        };
        assert!(matches!(
            Pool::with_options(Scheme::Jedis, servers(2, |_| 20_000), &o),
            Err(PartitionError::TooManyPoints {
                points: 6_400_000,
                ..
            })
        ));
    }

    #[test]
    fn the_limit_itself_is_allowed() {
        let one = [Server::parse("10.0.0.1:6379").unwrap()];
        let mut o = Options {
            vnodes: Some(MAX_RING_POINTS as u32),
            ..Options::default()
        };
        assert_eq!(ring_points(Scheme::Uhashring, &one, &o), MAX_RING_POINTS);
        assert_eq!(validate(Scheme::Uhashring, &one, &o), Ok(()));
        o.vnodes = Some(MAX_RING_POINTS as u32 + 1);
        assert!(validate(Scheme::Uhashring, &one, &o).is_err());
    }
}
