//! Client-side sharding pools from the command line: a nutcracker YAML
//! pool, or a scheme and a server list.

use keyroute::error::ConfigError;
use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::{parse_nutcracker, Options, Pool, Scheme};

use crate::{Failure, USAGE};

/// A pool and what the command line said about it.
pub struct Loaded {
    pub pool: Pool,
    /// `pool NAME of FILE`, or `SCHEME over N servers`.
    pub label: String,
    /// twemproxy `auto_eject_hosts: true`.
    pub auto_eject: bool,
}

/// Where a pool comes from, as flags give it.
#[derive(Default, Clone)]
pub struct PoolSource {
    pub nutcracker: Option<String>,
    pub pool: Option<String>,
    pub scheme: Option<String>,
    pub servers: Option<String>,
    pub hash: Option<String>,
    pub hash_tag: Option<String>,
}

impl PoolSource {
    /// Takes `flag` (with its value) if it is one of the pool flags.
    pub fn take(
        &mut self,
        flag: &str,
        value: &mut dyn FnMut() -> Result<String, Failure>,
    ) -> Result<bool, Failure> {
        let slot = match flag {
            "--nutcracker" => &mut self.nutcracker,
            "--pool" => &mut self.pool,
            "--scheme" => &mut self.scheme,
            "--servers" => &mut self.servers,
            "--hash" => &mut self.hash,
            "--hash-tag" => &mut self.hash_tag,
            _ => return Ok(false),
        };
        *slot = Some(value()?);
        Ok(true)
    }

    /// Whether any pool flag was given.
    pub fn given(&self) -> bool {
        self.nutcracker.is_some() || self.scheme.is_some() || self.servers.is_some()
    }

    pub fn load(&self) -> Result<Loaded, Failure> {
        let usage = |m: String| Failure::Usage(m);
        match (&self.nutcracker, &self.scheme, &self.servers) {
            (Some(path), None, None) => {
                if self.hash.is_some() || self.hash_tag.is_some() {
                    return Err(usage(format!(
                        "--hash and --hash-tag go with --scheme; a nutcracker pool has its own\n{USAGE}"
                    )));
                }
                nutcracker(path, self.pool.as_deref())
            }
            (None, Some(scheme), Some(list)) => {
                if self.pool.is_some() {
                    return Err(usage(format!("--pool goes with --nutcracker\n{USAGE}")));
                }
                from_list(scheme, list, self.hash.as_deref(), self.hash_tag.as_deref())
            }
            (None, Some(_), None) => Err(usage(format!("--scheme needs --servers\n{USAGE}"))),
            (None, None, Some(_)) => Err(usage(format!("--servers needs --scheme\n{USAGE}"))),
            (Some(_), _, _) => Err(usage(format!(
                "give either --nutcracker or --scheme with --servers, not both\n{USAGE}"
            ))),
            (None, None, None) => Err(usage(format!(
                "a pool needs --nutcracker FILE or --scheme NAME --servers LIST\n{USAGE}"
            ))),
        }
    }
}

fn nutcracker(path: &str, pool: Option<&str>) -> Result<Loaded, Failure> {
    let fail = |e: ConfigError| Failure::Usage(format!("{path}: {e}"));
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
    let pools = parse_nutcracker(&text).map_err(fail)?;
    let count = pools.len();
    let chosen = match pool {
        Some(name) => pools
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| fail(ConfigError::UnknownPool { pool: name.into() }))?,
        None if count == 1 => pools.into_iter().next().expect("one pool"),
        None => return Err(fail(ConfigError::PoolNotChosen { pools: count })),
    };
    let (name, auto_eject) = (chosen.name.clone(), chosen.auto_eject_hosts);
    let pool = Pool::from_nutcracker_pool(chosen).map_err(fail)?;
    Ok(Loaded {
        label: format!("pool {name} of {path} ({})", pool.scheme()),
        pool,
        auto_eject,
    })
}

/// `host:port[:weight][ alias]` entries separated by commas.
fn from_list(
    scheme: &str,
    list: &str,
    hash: Option<&str>,
    tag: Option<&str>,
) -> Result<Loaded, Failure> {
    let bad = |e: keyroute::error::PartitionError| Failure::Usage(format!("{scheme} pool: {e}"));
    let scheme: Scheme = scheme
        .parse()
        .map_err(|e| Failure::Usage(format!("--scheme: {e}; one of {}", names())))?;
    let mut options = Options::default();
    if let Some(h) = hash {
        options.hash = Some(
            h.parse::<TwemproxyHash>()
                .map_err(|_| Failure::Usage(format!("--hash {h:?}: not a twemproxy hash")))?,
        );
    }
    if let Some(t) = tag {
        let b = t.as_bytes();
        if b.len() != 2 {
            return Err(Failure::Usage(format!(
                "--hash-tag {t:?}: expected two characters"
            )));
        }
        options.hash_tag = Some([b[0], b[1]]);
    }
    let servers: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let pool = Pool::with_options(scheme, &servers, &options).map_err(bad)?;
    Ok(Loaded {
        label: format!("{scheme} server list"),
        pool,
        auto_eject: false,
    })
}

fn names() -> String {
    Scheme::ALL
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}
