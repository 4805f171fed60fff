//! [`Pool`]: a server list and a [`Scheme`], the type the bindings wrap.
//!
//! A pool answers with the server's position in the list as given
//! ([`Pool::index_for`]) or the server as written ([`Pool::node_for`]),
//! whatever order the scheme sorts its servers in internally.

use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use super::buckets::Buckets;
use super::clients::{self, ClientRing, RedisRbVersion};
use super::jedis::JedisRing;
use super::jump::Jump;
use super::maglev::{Maglev, DEFAULT_TABLE_SIZE};
use super::meta::MetaRing;
use super::nutcracker::{parse_nutcracker, NutcrackerPool};
use super::phpredis::RedisArray;
use super::rendezvous::{Pymemcache, Rendezvous};
use super::scheme::{
    node_hashring_own_groups, not_applicable, validate, Options, RedisRbId, Scheme,
};
use super::server::Server;
use super::tags::KeyTag;
use super::twemproxy::{Distribution, Twemproxy};
use super::Partitioner;
use crate::error::{ConfigError, PartitionError};

/// A pool's routing state, for the planner in `crate::plan` (which reads the
/// ring points, continuum or table of the two configurations it compares).
#[derive(Debug, Clone)]
pub(crate) enum Router {
    Twemproxy(Twemproxy),
    Ring(ClientRing),
    Jedis(JedisRing),
    Meta(MetaRing),
    Pymemcache(Pymemcache),
    Jump(Jump),
    Rendezvous(Rendezvous),
    Maglev(Maglev),
    Buckets(Buckets),
    PhpRedis(RedisArray),
    DalliKeys(super::dalli::ClientKeys),
    Spymemcached(super::spymemcached::Spymemcached),
}

/// A server list routed by one scheme.
///
/// Cloning a pool shares its routing state (the ring, continuum or table:
/// the large part) instead of copying it; [`Pool::set_live`] on a clone
/// copies it first.
#[derive(Debug, Clone)]
pub struct Pool {
    scheme: Scheme,
    servers: Vec<Server>,
    router: Arc<Router>,
}

/// The node name of the schemes that hash `alias`, else `host:port`.
fn alias_or_address(s: &Server) -> String {
    s.alias()
        .map_or_else(|| s.address_unbracketed_or_path(), str::to_string)
}

impl Server {
    fn address_unbracketed_or_path(&self) -> String {
        match self.port_text() {
            Some(p) => alloc::format!("{}:{}", self.host(), p),
            None => self.host().to_string(),
        }
    }
}

/// redis-rb's node id: the `id` option (the alias), else the client's
/// `id` as redis-rb 4.x or 5.x (with `form`) builds it.
fn redis_rb_id(s: &Server, scheme: Scheme, form: RedisRbId) -> String {
    if let Some(id) = s.alias() {
        return id.to_string();
    }
    let (tls, db) = s.url().unwrap_or((false, 0));
    let proto = if tls { "rediss" } else { "redis" };
    match (s.port_text(), scheme, form) {
        (Some(p), Scheme::RedisRb5, RedisRbId::WithoutDb) => {
            let host = match s.host().contains(':') {
                true => alloc::format!("[{}]", s.host()),
                false => s.host().to_string(),
            };
            match db {
                0 => alloc::format!("{proto}://{host}:{p}"),
                db => alloc::format!("{proto}://{host}:{p}/{db}"),
            }
        }
        (Some(p), _, _) => alloc::format!("{proto}://{}:{}/{db}", s.host(), p),
        (None, Scheme::RedisRb5, RedisRbId::WithDb) => alloc::format!("{}/0", s.host()),
        (None, Scheme::RedisRb5, _) => alloc::format!("unix://{}", s.host()),
        (None, _, _) => alloc::format!("unix://{}/0", s.host()),
    }
}

/// redis-rb `Distributed`'s `tag:` option on its ring: a Ruby pattern, or
/// the named rules `none` and `redis-rb`.
fn redis_rb_tag(
    ring: ClientRing,
    scheme: Scheme,
    o: &Options,
) -> Result<ClientRing, PartitionError> {
    let Some(pattern) = o
        .tag_pattern
        .as_deref()
        .filter(|_| scheme != Scheme::RedisRbHashring)
    else {
        return Ok(ring);
    };
    if crate::names::same_name(pattern, "none") {
        return Ok(ring.with_tag(KeyTag::None));
    }
    if crate::names::same_name(pattern, "redis-rb") {
        return Ok(ring);
    }
    #[cfg(feature = "regex")]
    {
        Ok(ring.with_pattern(super::ruby_tag::RubyTag::new(pattern)?))
    }
    #[cfg(not(feature = "regex"))]
    Err(PartitionError::BadTagPattern {
        pattern: pattern.to_string(),
        reason: "keyroute was built without its regex feature".to_string(),
    })
}

fn unique(names: &[String]) -> Result<(), PartitionError> {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    match sorted.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(PartitionError::DuplicateName { name: w[0].clone() }),
        None => Ok(()),
    }
}

fn bytes(names: &[String]) -> Vec<&[u8]> {
    names.iter().map(|n| n.as_bytes()).collect()
}

impl Pool {
    /// A pool of servers written as `host:port[:weight][ alias]` (see
    /// [`Server::parse`]) with the scheme's default options.
    pub fn new<I, S>(scheme: Scheme, servers: I) -> Result<Pool, PartitionError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::with_options(scheme, servers, &Options::default())
    }

    /// A pool of servers written as `host:port[:weight][ alias]` with options.
    pub fn with_options<I, S>(
        scheme: Scheme,
        servers: I,
        options: &Options,
    ) -> Result<Pool, PartitionError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let servers = servers
            .into_iter()
            .map(|s| Server::parse(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_servers(scheme, servers, options)
    }

    /// A pool of parsed servers.
    pub fn from_servers(
        scheme: Scheme,
        servers: Vec<Server>,
        o: &Options,
    ) -> Result<Pool, PartitionError> {
        validate(scheme, &servers, o)?;
        let weights: Vec<u32> = servers.iter().map(Server::weight).collect();
        let router = match scheme {
            Scheme::TwemproxyKetama | Scheme::TwemproxyModula => {
                let dist = if scheme == Scheme::TwemproxyKetama {
                    Distribution::Ketama
                } else {
                    Distribution::Modula
                };
                Router::Twemproxy(Twemproxy::from_servers(
                    &servers,
                    o.hash.unwrap_or_default(),
                    dist,
                    o.hash_tag,
                    o.char_sign,
                )?)
            }
            Scheme::LibmemcachedKetama => {
                let names: Vec<String> = servers
                    .iter()
                    .map(|s| match s.port() {
                        Some(11211) => s.host().to_string(),
                        _ => s.address_unbracketed_or_path(),
                    })
                    .collect();
                let list: Vec<(&[u8], u32)> = bytes(&names).into_iter().zip(weights).collect();
                Router::Ring(clients::libmemcached_ketama(&list))
            }
            Scheme::Predis | Scheme::PredisKetama => {
                // The connection string is hashed; aliases only name the connection.
                let names: Vec<String> = servers
                    .iter()
                    .map(Server::address_unbracketed_or_path)
                    .collect();
                let list: Vec<(&[u8], u32)> = bytes(&names)
                    .into_iter()
                    .zip(&servers)
                    .map(|(n, s)| (n, s.weight_given().unwrap_or(100)))
                    .collect();
                Router::Ring(if scheme == Scheme::Predis {
                    clients::predis(&list)
                } else {
                    clients::predis_ketama(&list)
                })
            }
            Scheme::RedisRb4 | Scheme::RedisRb5 | Scheme::RedisRbHashring => {
                let ids: Vec<String> = servers
                    .iter()
                    .map(|s| redis_rb_id(s, scheme, o.redis_rb_id))
                    .collect();
                unique(&ids)?;
                let v = if scheme == Scheme::RedisRb5 {
                    RedisRbVersion::V5
                } else {
                    RedisRbVersion::V4
                };
                let (replicas, tag) = match scheme {
                    Scheme::RedisRbHashring => (o.replicas.unwrap_or(160), KeyTag::None),
                    _ => (160, KeyTag::RedisRb),
                };
                let ring = clients::redis_rb_ring(&bytes(&ids), v, replicas, tag);
                Router::Ring(redis_rb_tag(ring, scheme, o)?)
            }
            Scheme::Jedis => {
                let list: Vec<(Option<&[u8]>, u32)> = servers
                    .iter()
                    .map(|s| (s.alias().map(str::as_bytes), s.weight()))
                    .collect();
                Router::Jedis(JedisRing::new(
                    &list,
                    o.jedis,
                    o.tag.unwrap_or(KeyTag::None),
                ))
            }
            Scheme::Uhashring | Scheme::UhashringKetama => {
                // A mapping entry is named by its key, a listed server by its
                // alias or address.
                let names: Vec<String> = servers
                    .iter()
                    .map(|s| match s.is_entry() {
                        true => s.written().to_string(),
                        false => alias_or_address(s),
                    })
                    .collect();
                unique(&names)?;
                let default_vnodes = match scheme {
                    Scheme::Uhashring => 160,
                    _ => 40,
                };
                let list: Vec<(&[u8], u32, u32)> = bytes(&names)
                    .into_iter()
                    .zip(&servers)
                    .map(|(n, s)| {
                        (
                            n,
                            s.weight(),
                            s.vnodes().or(o.vnodes).unwrap_or(default_vnodes),
                        )
                    })
                    .collect();
                if scheme == Scheme::Uhashring {
                    Router::Meta(MetaRing::with_vnodes(&list))
                } else {
                    let words = o.replicas.unwrap_or(4) as usize;
                    Router::Ring(clients::uhashring_ketama_with(&list, words))
                }
            }
            Scheme::NodeHashring => {
                let vnodes = o.vnodes.unwrap_or(40);
                let names: Vec<String> = servers
                    .iter()
                    .map(|s| match (o.default_port, s.port(), s.is_entry()) {
                        (Some(d), Some(p), _) if d == p => s.host().to_string(),
                        (_, _, true) => s.written().to_string(),
                        _ => s.address_unbracketed_or_path(),
                    })
                    .collect();
                let list: Vec<(&[u8], u32, Option<u32>)> = bytes(&names)
                    .into_iter()
                    .zip(&servers)
                    .map(|(n, s)| (n, s.weight(), node_hashring_own_groups(s, vnodes)))
                    .collect();
                Router::Ring(clients::node_hashring_digest(
                    &list,
                    vnodes,
                    o.compatibility,
                    o.algorithm.unwrap_or_default(),
                ))
            }
            Scheme::Pymemcache => {
                let names: Vec<String> = servers
                    .iter()
                    .map(Server::address_unbracketed_or_path)
                    .collect();
                unique(&names)?;
                Router::Pymemcache(Pymemcache::new(&bytes(&names)))
            }
            Scheme::Jump => Router::Jump(Jump::new(
                servers.len() as u32,
                o.jump_hash,
                o.tag.unwrap_or(KeyTag::None),
            )),
            Scheme::GoRedisRing | Scheme::GoRedisRingV5 => {
                // A shard's name (the key of `RingOptions.Addrs`): its
                // alias, else its address.
                let names: Vec<String> = servers.iter().map(alias_or_address).collect();
                unique(&names)?;
                let tie = |(a, b): super::go_redis::Tie| PartitionError::RandomTie {
                    servers: [
                        servers[a].written().to_string(),
                        servers[b].written().to_string(),
                    ],
                };
                let list = bytes(&names);
                if scheme == Scheme::GoRedisRingV5 {
                    Router::Ring(super::go_redis::ring_v5(&list).map_err(tie)?)
                } else {
                    if let Some(t) = super::go_redis::v9_tie(&list) {
                        return Err(tie(t));
                    }
                    let unit: Vec<(&[u8], u32)> = list.iter().map(|&n| (n, 1)).collect();
                    Router::Rendezvous(Rendezvous::new(&unit, KeyTag::Redis))
                }
            }
            Scheme::PhpredisArray => {
                // The host strings as configured (no weights, no aliases).
                let hosts: Vec<&[u8]> = servers.iter().map(|s| s.written().as_bytes()).collect();
                Router::PhpRedis(RedisArray::new(&hosts, o.algorithm, o.consistent))
            }
            Scheme::Dalli => {
                // host:port, the default port added; a socket by its path.
                let names: Vec<String> = servers
                    .iter()
                    .map(|s| match (s.is_socket(), s.port()) {
                        (true, _) => s.host().to_string(),
                        (false, Some(p)) => alloc::format!("{}:{p}", s.host()),
                        (false, None) => alloc::format!("{}:11211", s.host()),
                    })
                    .collect();
                unique(&names)?;
                let list: Vec<(&[u8], u32)> = bytes(&names).into_iter().zip(weights).collect();
                let ring =
                    super::dalli::ring(&list).map_err(|(a, b)| PartitionError::RandomTie {
                        servers: [
                            servers[a].written().to_string(),
                            servers[b].written().to_string(),
                        ],
                    })?;
                if o.client_keys {
                    let ns = o.namespace.as_deref().map(str::as_bytes);
                    Router::DalliKeys(super::dalli::ClientKeys::new(ring, ns))
                } else {
                    Router::Ring(ring)
                }
            }
            Scheme::SpymemcachedArrayMod => {
                // Names play no part: only the order (each must still be
                // an address spymemcached can hold).
                for s in &servers {
                    super::spymemcached::node_key(
                        s,
                        super::spymemcached::NodeKeyFormat::Libmemcached,
                    )?;
                }
                Router::Spymemcached(super::spymemcached::Spymemcached::array_mod(
                    servers.len(),
                    o.spy_hash.unwrap_or(super::spymemcached::SpyHash::Native),
                ))
            }
            Scheme::SpymemcachedKetama => {
                use super::spymemcached::{node_key, weight_key, SpyHash, Spymemcached};
                let keys = servers
                    .iter()
                    .map(|s| node_key(s, o.format))
                    .collect::<Result<Vec<String>, _>>()?;
                unique(&keys)?;
                // A weights map names every server or none (a server it
                // lacks makes the library fail).
                let given = servers
                    .iter()
                    .filter(|s| s.weight_given().is_some())
                    .count();
                let weights = match given {
                    0 => None,
                    g if g == servers.len() => {
                        let addrs: Vec<String> = servers.iter().map(weight_key).collect();
                        unique(&addrs)?;
                        Some(weights.as_slice())
                    }
                    _ => {
                        return Err(PartitionError::BadOption {
                            option: "weight",
                            expected: "a weight on every server or on none (spymemcached's \
                                       weights map must name each server)",
                        })
                    }
                };
                let names: Vec<&str> = keys.iter().map(String::as_str).collect();
                Router::Spymemcached(Spymemcached::ketama(
                    &names,
                    weights,
                    o.spy_hash.unwrap_or(SpyHash::Ketama),
                ))
            }
            Scheme::PythonMemcached => {
                // Names play no part: only the order and the weights.
                Router::Buckets(Buckets::python_memcached(&weights))
            }
            Scheme::Rendezvous | Scheme::Maglev => {
                let names: Vec<String> = servers.iter().map(alias_or_address).collect();
                unique(&names)?;
                let list: Vec<(&[u8], u32)> = bytes(&names).into_iter().zip(weights).collect();
                if scheme == Scheme::Rendezvous {
                    Router::Rendezvous(Rendezvous::new(&list, o.tag.unwrap_or(KeyTag::Redis)))
                } else {
                    Router::Maglev(Maglev::new(
                        &list,
                        o.table_size.unwrap_or(DEFAULT_TABLE_SIZE),
                        o.tag.unwrap_or(KeyTag::None),
                    )?)
                }
            }
        };
        Ok(Pool {
            scheme,
            servers,
            router: Arc::new(router),
        })
    }

    /// A pool of servers given as a mapping in the library's own form
    /// (npm hashring's and uhashring's; see [`super::entry`]), in the
    /// mapping's order. A scheme whose library takes no mapping refuses it.
    pub fn from_entries(
        scheme: Scheme,
        entries: &[(&str, super::entry::EntryValue<'_>)],
        options: &Options,
    ) -> Result<Pool, PartitionError> {
        let servers = entries
            .iter()
            .map(|&(k, v)| super::entry::server_from_entry(scheme, k, v))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_servers(scheme, servers, options)
    }

    /// The pool named `pool` of a nutcracker YAML configuration (or its only
    /// pool when `pool` is `None`), routed as twemproxy 0.5.0 routes it.
    ///
    /// ```
    /// use keyroute::partition::Pool;
    /// let yaml = "alpha:\n  listen: 127.0.0.1:22121\n  hash: md5\n  servers:\n   - 127.0.0.1:6379:1\n   - 127.0.0.1:6380:1\n   - 127.0.0.1:6381:1\n";
    /// let pool = Pool::from_nutcracker(yaml, Some("alpha"))?;
    /// assert_eq!(pool.node_for(b"foo"), "127.0.0.1:6379:1");
    /// # Ok::<(), keyroute::error::ConfigError>(())
    /// ```
    pub fn from_nutcracker(yaml: &str, pool: Option<&str>) -> Result<Pool, ConfigError> {
        let pools = parse_nutcracker(yaml)?;
        let count = pools.len();
        let chosen = match pool {
            Some(name) => pools.into_iter().find(|p| p.name == name).ok_or_else(|| {
                ConfigError::UnknownPool {
                    pool: name.to_string(),
                }
            })?,
            None if count == 1 => pools.into_iter().next().expect("one pool"),
            None => return Err(ConfigError::PoolNotChosen { pools: count }),
        };
        Self::from_nutcracker_pool(chosen)
    }

    /// A pool from one parsed nutcracker pool.
    pub fn from_nutcracker_pool(p: NutcrackerPool) -> Result<Pool, ConfigError> {
        let scheme = match p.distribution {
            Distribution::Ketama => Scheme::TwemproxyKetama,
            Distribution::Modula => Scheme::TwemproxyModula,
        };
        let options = Options {
            hash: Some(p.hash),
            hash_tag: p.hash_tag,
            ..Options::default()
        };
        let name = p.name;
        Pool::from_servers(scheme, p.servers, &options).map_err(|error| ConfigError::Field {
            pool: name,
            field: "servers",
            error,
        })
    }

    fn partitioner(&self) -> &dyn Partitioner {
        match &*self.router {
            Router::Twemproxy(p) => p,
            Router::Ring(p) => p,
            Router::Jedis(p) => p,
            Router::Meta(p) => p,
            Router::Pymemcache(p) => p,
            Router::Jump(p) => p,
            Router::Rendezvous(p) => p,
            Router::Maglev(p) => p,
            Router::Buckets(p) => p,
            Router::PhpRedis(p) => p,
            Router::DalliKeys(p) => p,
            Router::Spymemcached(p) => p,
        }
    }

    /// The routing state (crate-internal: the planner reads it).
    pub(crate) fn router(&self) -> &Router {
        &self.router
    }

    /// Whether `other` shares this pool's routing state (it is a clone).
    pub fn shares_routing_with(&self, other: &Pool) -> bool {
        Arc::ptr_eq(&self.router, &other.router)
    }

    /// A weak handle that makes this pool again, sharing its routing state,
    /// while some clone of it is alive; it keeps nothing alive itself.
    pub fn handle(&self) -> PoolHandle {
        PoolHandle {
            scheme: self.scheme,
            servers: self.servers.clone(),
            router: Arc::downgrade(&self.router),
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The servers, in configuration order.
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// The position, in the list as given, of the server that holds `key`.
    #[inline]
    pub fn index_for(&self, key: &[u8]) -> usize {
        match &*self.router {
            Router::Twemproxy(p) => p.node_for(key),
            Router::Ring(p) => p.node_for(key),
            Router::Jedis(p) => p.node_for(key),
            Router::Meta(p) => p.node_for(key),
            Router::Pymemcache(p) => p.node_for(key),
            Router::Jump(p) => p.node_for(key),
            Router::Rendezvous(p) => p.node_for(key),
            Router::Maglev(p) => p.node_for(key),
            Router::Buckets(p) => p.node_for(key),
            Router::PhpRedis(p) => p.node_for(key),
            Router::DalliKeys(p) => p.node_for(key),
            Router::Spymemcached(p) => p.node_for(key),
        }
    }

    /// The position of `key`'s server, or [`PartitionError::NoServerForKey`]
    /// where the library reproduced has no server for it (phpredis
    /// RedisArray computes a position past its host list for the keys whose
    /// value is 0; see [`super::phpredis`]). [`Pool::index_for`] answers the
    /// last server for those keys: every front end that must not place them
    /// (the bindings, the command line, the sharded clients) asks this.
    #[inline]
    pub fn try_index_for(&self, key: &[u8]) -> Result<usize, PartitionError> {
        if !self.may_refuse_keys() {
            return Ok(self.index_for(key));
        }
        match &*self.router {
            Router::PhpRedis(p) => p.try_node_for(key).ok_or(PartitionError::NoServerForKey {
                scheme: self.scheme.name(),
                reason: super::phpredis::PAST_THE_END,
            }),
            Router::DalliKeys(d) => {
                d.try_node_for(key)
                    .map_err(|reason| PartitionError::NoServerForKey {
                        scheme: self.scheme.name(),
                        reason,
                    })
            }
            Router::Spymemcached(s) => {
                s.try_node_for(key)
                    .map_err(|reason| PartitionError::NoServerForKey {
                        scheme: self.scheme.name(),
                        reason,
                    })
            }
            // may_refuse_keys names no other.
            _ => Ok(self.index_for(key)),
        }
    }

    /// Whether [`Pool::try_index_for`] may refuse a key: false when it is
    /// [`Pool::index_for`] for every key (a planner placing many keys asks
    /// this once). The one list of the routers that refuse keys:
    /// `try_index_for` asks it first, and every router is named, so that a
    /// new one must be put on one side.
    #[inline]
    pub(crate) fn may_refuse_keys(&self) -> bool {
        match &*self.router {
            Router::PhpRedis(_) | Router::DalliKeys(_) | Router::Spymemcached(_) => true,
            Router::Twemproxy(_)
            | Router::Ring(_)
            | Router::Jedis(_)
            | Router::Meta(_)
            | Router::Pymemcache(_)
            | Router::Jump(_)
            | Router::Rendezvous(_)
            | Router::Maglev(_)
            | Router::Buckets(_) => false,
        }
    }

    /// The server that holds `key` as written, or the error of
    /// [`Pool::try_index_for`].
    #[inline]
    pub fn try_node_for(&self, key: &[u8]) -> Result<&str, PartitionError> {
        Ok(self.servers[self.try_index_for(key)?].written())
    }

    /// The hash tag `key` carries under the pool's scheme: the bytes the
    /// scheme hashes in place of the whole key, or `None` when it hashes the
    /// whole key (no tag, or a scheme without tags).
    pub fn key_tag<'k>(&self, key: &'k [u8]) -> Option<&'k [u8]> {
        let hashed = match &*self.router {
            Router::Twemproxy(p) => p.tagged(key),
            Router::Ring(p) => p.hashed(key),
            Router::Jedis(p) => p.tag().apply(key),
            Router::Jump(p) => p.tag().apply(key),
            Router::Rendezvous(p) => p.tag().apply(key),
            Router::Maglev(p) => p.tag().apply(key),
            Router::Meta(_) | Router::Pymemcache(_) | Router::Buckets(_) => key,
            Router::PhpRedis(_) => super::phpredis::part(key),
            Router::DalliKeys(_) | Router::Spymemcached(_) => key,
        };
        // A tag never includes its delimiters, so it is always shorter.
        (hashed.len() < key.len()).then_some(hashed)
    }

    /// Whether `keys` are together by construction rather than by chance:
    /// every key carries the same tag, or they are all the same key
    /// (redis-rb's `ensure_same_node` rule). Placement alone can put keys
    /// with different tags on one server today and on two after a server is
    /// added; this check cannot be fooled that way.
    pub fn same_tag<'a, I>(&self, keys: I) -> bool
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let mut keys = keys.into_iter();
        let Some(first) = keys.next() else {
            return true;
        };
        let tag = self.key_tag(first);
        let mut all_tagged = tag.is_some();
        let mut tags_equal = true;
        let mut keys_equal = true;
        for k in keys {
            let t = self.key_tag(k);
            all_tagged &= t.is_some();
            tags_equal &= t == tag;
            keys_equal &= k == first;
        }
        (all_tagged && tags_equal) || keys_equal
    }

    /// The server that holds `key`, exactly as the configuration wrote it.
    #[inline]
    pub fn node_for(&self, key: &[u8]) -> &str {
        self.servers[self.index_for(key)].written()
    }

    /// Writes the position of each key's server into `out`, in order, and
    /// returns how many were written (the shorter of the two lengths).
    pub fn indexes_for<'a, I>(&self, keys: I, out: &mut [u32]) -> usize
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let mut n = 0;
        for (slot, key) in out.iter_mut().zip(keys) {
            *slot = self.index_for(key) as u32;
            n += 1;
        }
        n
    }

    /// [`set_live`](Self::set_live) as a builder: the pool with only the
    /// servers marked `true` live (the name the Python and JS packages use).
    pub fn with_live(mut self, live: &[bool]) -> Result<Pool, PartitionError> {
        self.set_live(live)?;
        Ok(self)
    }

    /// twemproxy only: which servers are live (`auto_eject_hosts` ejected the
    /// others), in configuration order; the continuum is rebuilt as
    /// nutcracker rebuilds it.
    pub fn set_live(&mut self, live: &[bool]) -> Result<(), PartitionError> {
        // Checked first: a shared ring is copied only to be changed.
        if matches!(&*self.router, Router::Twemproxy(_)) {
            if let Router::Twemproxy(t) = Arc::make_mut(&mut self.router) {
                return t.set_live(live);
            }
        }
        Err(not_applicable(self.scheme, "live set"))
    }
}

/// A weak handle to a pool ([`Pool::handle`]).
#[derive(Debug, Clone)]
pub struct PoolHandle {
    scheme: Scheme,
    servers: Vec<Server>,
    router: Weak<Router>,
}

impl PoolHandle {
    /// The pool, sharing its routing state, if some clone of it is alive.
    pub fn upgrade(&self) -> Option<Pool> {
        Some(Pool {
            scheme: self.scheme,
            servers: self.servers.clone(),
            router: self.router.upgrade()?,
        })
    }
}

impl Partitioner for Pool {
    fn len(&self) -> usize {
        self.partitioner().len()
    }

    #[inline]
    fn node_for(&self, key: &[u8]) -> usize {
        self.index_for(key)
    }
}
