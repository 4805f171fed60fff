//! A reader for nutcracker (twemproxy) configuration files.
//!
//! nutcracker reads YAML through libyaml but accepts only one shape: a
//! mapping of pool names, each a mapping of directives with scalar values and
//! one `servers:` block sequence of scalars. This reader takes that subset,
//! with comments, blank lines, and plain, single- and double-quoted
//! scalars, and refuses what nutcracker refuses (flow sequences, unknown or
//! repeated directives, document markers, booleans other than `true`/`false`, an empty or
//! missing `servers:` or `listen:`), each with a typed [`ConfigError`] that
//! names the pool and the directive. It also refuses `distribution: random`,
//! which nutcracker accepts but nobody can reproduce.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::hash::twemproxy::TwemproxyHash;
use super::server::Server;
use super::twemproxy::{ring_name, Distribution};
use crate::error::{ConfigError, PartitionError};

mod yaml;

use self::yaml::{parse_raw, RawPool, Value};

/// One pool of a nutcracker configuration, with the directives that decide
/// where keys go.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NutcrackerPool {
    /// The pool's name (its key in the document).
    pub name: String,
    /// `servers:`, in configuration order.
    pub servers: Vec<Server>,
    /// `hash:` (default `fnv1a_64`).
    pub hash: TwemproxyHash,
    /// `distribution:` (default `ketama`).
    pub distribution: Distribution,
    /// `hash_tag:`, two bytes.
    pub hash_tag: Option<[u8; 2]>,
    /// `auto_eject_hosts:` (default false). When true, nutcracker drops
    /// failing servers from the continuum; give the live set to
    /// [`Pool::set_live`](super::Pool::set_live) to follow it.
    pub auto_eject_hosts: bool,
    /// `redis:` (default false: memcached).
    pub redis: bool,
}

/// The directives nutcracker 0.5.0 knows.
pub(crate) const DIRECTIVES: [&str; 17] = [
    "listen",
    "hash",
    "hash_tag",
    "distribution",
    "timeout",
    "backlog",
    "client_connections",
    "redis",
    "tcpkeepalive",
    "redis_auth",
    "redis_db",
    "preconnect",
    "auto_eject_hosts",
    "server_connections",
    "server_retry_timeout",
    "server_failure_limit",
    "servers",
];
const BOOLEANS: [&str; 4] = ["redis", "tcpkeepalive", "preconnect", "auto_eject_hosts"];
const NUMBERS: [&str; 7] = [
    "timeout",
    "backlog",
    "client_connections",
    "redis_db",
    "server_connections",
    "server_retry_timeout",
    "server_failure_limit",
];

fn field_error(pool: &str, field: &'static str, error: PartitionError) -> ConfigError {
    ConfigError::Field {
        pool: pool.to_string(),
        field,
        error,
    }
}

fn check(raw: RawPool) -> Result<NutcrackerPool, ConfigError> {
    let name = raw.name;
    let bad = |field: &'static str, value: &str| ConfigError::BadValue {
        pool: name.clone(),
        field,
        value: value.to_string(),
    };
    let mut pool = NutcrackerPool {
        name: name.clone(),
        servers: Vec::new(),
        hash: TwemproxyHash::Fnv1a64,
        distribution: Distribution::Ketama,
        hash_tag: None,
        auto_eject_hosts: false,
        redis: false,
    };
    let mut seen_servers = false;
    for (field, value) in &raw.fields {
        let field = *field;
        match (field, value) {
            ("servers", Value::Seq(items)) => {
                seen_servers = true;
                for item in items {
                    let s = Server::parse_nutcracker(item)
                        .map_err(|e| field_error(&name, "servers", e.into()))?;
                    pool.servers.push(s);
                }
            }
            ("servers", Value::Scalar(v)) => return Err(bad(field, v)),
            (_, Value::Seq(items)) if items.is_empty() => return Err(bad(field, "")),
            (_, Value::Seq(_)) => return Err(bad(field, "a sequence")),
            ("hash", Value::Scalar(v)) => {
                pool.hash = v.parse().map_err(|_| {
                    field_error(
                        &name,
                        field,
                        PartitionError::UnknownHash { name: v.clone() },
                    )
                })?;
            }
            ("distribution", Value::Scalar(v)) => {
                pool.distribution = match v.as_str() {
                    "ketama" => Distribution::Ketama,
                    "modula" => Distribution::Modula,
                    "random" => {
                        return Err(field_error(
                            &name,
                            field,
                            PartitionError::RandomDistribution,
                        ))
                    }
                    _ => {
                        return Err(field_error(
                            &name,
                            field,
                            PartitionError::UnknownDistribution { name: v.clone() },
                        ))
                    }
                };
            }
            ("hash_tag", Value::Scalar(v)) => match v.as_bytes() {
                &[a, b] => pool.hash_tag = Some([a, b]),
                _ => {
                    return Err(field_error(
                        &name,
                        field,
                        PartitionError::BadHashTag { tag: v.clone() },
                    ))
                }
            },
            (f, Value::Scalar(v)) if BOOLEANS.contains(&f) => {
                let b = match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(field, v)),
                };
                match f {
                    "auto_eject_hosts" => pool.auto_eject_hosts = b,
                    "redis" => pool.redis = b,
                    _ => {}
                }
            }
            (f, Value::Scalar(v))
                if NUMBERS.contains(&f)
                    && (v.is_empty()
                        || !v.bytes().all(|c| c.is_ascii_digit())
                        || (f == "server_connections" && v.bytes().all(|c| c == b'0'))) =>
            {
                return Err(bad(field, v));
            }
            _ => {}
        }
    }
    if !raw.fields.iter().any(|(f, _)| *f == "listen") {
        return Err(ConfigError::MissingField {
            pool: name,
            field: "listen",
        });
    }
    if !seen_servers {
        return Err(ConfigError::MissingField {
            pool: name,
            field: "servers",
        });
    }
    if pool.servers.is_empty() {
        return Err(field_error(&name, "servers", PartitionError::NoServers));
    }
    let mut names: Vec<Vec<u8>> = pool.servers.iter().map(ring_name).collect();
    names.sort();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        let dup = String::from_utf8_lossy(&w[0]).into_owned();
        return Err(field_error(
            &name,
            "servers",
            PartitionError::DuplicateName { name: dup },
        ));
    }
    Ok(pool)
}

/// Every pool of a nutcracker configuration, in document order.
pub fn parse_nutcracker(yaml: &str) -> Result<Vec<NutcrackerPool>, ConfigError> {
    parse_raw(yaml)?.into_iter().map(check).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# pools\nalpha:\n  listen: 127.0.0.1:22121\n  hash: fnv1a_64 # default\n  hash_tag: \"{}\"\n  distribution: ketama\n  auto_eject_hosts: true\n  redis: true\n  servers:\n  - 127.0.0.1:6379:1 a\n  - '127.0.0.1:6380:2'\n\nbeta:\n    listen: /tmp/b.sock 0666\n    distribution: modula\n    servers:\n        - \"/tmp/r.sock:1\"\n";

    #[test]
    fn reads_pools() {
        let pools = parse_nutcracker(GOOD).unwrap();
        assert_eq!(pools.len(), 2);
        let a = &pools[0];
        assert_eq!(
            (
                a.name.as_str(),
                a.hash,
                a.hash_tag,
                a.auto_eject_hosts,
                a.redis
            ),
            ("alpha", TwemproxyHash::Fnv1a64, Some(*b"{}"), true, true)
        );
        assert_eq!(
            a.servers.iter().map(|s| s.written()).collect::<Vec<_>>(),
            ["127.0.0.1:6379:1 a", "127.0.0.1:6380:2"]
        );
        assert_eq!(pools[1].distribution, Distribution::Modula);
        assert_eq!(pools[1].servers[0].host(), "/tmp/r.sock");
    }

    #[test]
    fn refuses_what_nutcracker_refuses() {
        let pool = |body: &str| alloc::format!("p:\n  listen: 127.0.0.1:1\n{body}");
        let err = |body: &str| parse_nutcracker(&pool(body)).unwrap_err();
        assert!(matches!(
            err("  hash: foo\n  servers:\n  - h:1:1\n"),
            ConfigError::Field { field: "hash", .. }
        ));
        assert!(matches!(
            err("  distribution: random\n  servers:\n  - h:1:1\n"),
            ConfigError::Field {
                field: "distribution",
                error: PartitionError::RandomDistribution,
                ..
            }
        ));
        assert!(matches!(
            err("  servers:\n"),
            ConfigError::Field {
                field: "servers",
                error: PartitionError::NoServers,
                ..
            }
        ));
        assert!(matches!(
            err("  servers:\n  - h:1:0\n"),
            ConfigError::Field {
                field: "servers",
                error: PartitionError::Server(_),
                ..
            }
        ));
        assert!(matches!(
            err("  servers:\n  - h:1:1 x\n  - h:2:1 x\n"),
            ConfigError::Field {
                error: PartitionError::DuplicateName { .. },
                ..
            }
        ));
        assert!(matches!(
            err("  servers: [h:1:1]\n"),
            ConfigError::Syntax { line: 3, .. }
        ));
        assert!(matches!(
            err("  foo: 1\n  servers:\n  - h:1:1\n"),
            ConfigError::UnknownField { .. }
        ));
        assert!(matches!(
            err("  redis: yes\n  servers:\n  - h:1:1\n"),
            ConfigError::BadValue { field: "redis", .. }
        ));
        assert!(matches!(
            err("  hash_tag: \"{\"\n  servers:\n  - h:1:1\n"),
            ConfigError::Field {
                field: "hash_tag",
                ..
            }
        ));
        assert!(matches!(
            err("  hash: md5\n  hash: md5\n  servers:\n  - h:1:1\n"),
            ConfigError::DuplicateField { .. }
        ));
        assert!(matches!(
            parse_nutcracker("p:\n  servers:\n  - h:1:1\n").unwrap_err(),
            ConfigError::MissingField {
                field: "listen",
                ..
            }
        ));
        assert!(matches!(
            parse_nutcracker("").unwrap_err(),
            ConfigError::NoPools
        ));
        assert!(matches!(
            parse_nutcracker("p: 1\n").unwrap_err(),
            ConfigError::Syntax { line: 1, .. }
        ));
        let e = err("  hash: foo\n  servers:\n  - h:1:1\n");
        assert_eq!(
            alloc::format!("{e}"),
            "pool \"p\", hash: unknown hash \"foo\": expected one of \"one_at_a_time\", \"md5\", \
             \"crc16\", \"crc32\", \"crc32a\", \"fnv1_64\", \"fnv1a_64\", \"fnv1_32\", \"fnv1a_32\", \
             \"hsieh\", \"murmur\", \"jenkins\""
        );
    }

    #[test]
    fn many_pools_are_read_without_comparing_each_with_every_other() {
        // 50,000 pools: the duplicate check once compared each pool's name
        // with every earlier one (1.25 billion comparisons here; 200,000
        // pools took over 60 s), now it looks each up in a set.
        let n = 50_000;
        let mut yaml = String::new();
        for i in 0..n {
            yaml.push_str(&alloc::format!(
                "pool{i}:\n  listen: 127.0.0.1:{}\n  servers:\n   - 10.0.0.1:6379:1\n",
                1 + i % 60000
            ));
        }
        let pool = crate::partition::Pool::from_nutcracker(&yaml, Some("pool37777")).unwrap();
        assert_eq!(pool.servers().len(), 1);
        yaml.push_str("pool5:\n  listen: 127.0.0.1:1\n  servers:\n   - 10.0.0.1:6379:1\n");
        assert_eq!(
            parse_nutcracker(&yaml).unwrap_err(),
            ConfigError::DuplicatePool {
                pool: "pool5".into()
            }
        );
    }
}
