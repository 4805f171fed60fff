//! Client-side sharding pools from the command line: a nutcracker YAML
//! pool, or a scheme and a server list.

use std::path::Path;

use keyroute::error::ConfigError;
use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::{parse_nutcracker, Options, Pool, Scheme};

use crate::args::PoolArgs;
use crate::input::{read_text, CONFIG_FILE_MAX};
use crate::Failure;

/// A pool and what the command line said about it.
pub struct Loaded {
    pub pool: Pool,
    /// `pool NAME of FILE`, or `SCHEME over N servers`.
    pub label: String,
    /// twemproxy `auto_eject_hosts: true`.
    pub auto_eject: bool,
}

impl PoolArgs {
    /// Whether any option that only a pool takes was given.
    pub fn given(&self) -> bool {
        self.nutcracker.is_some()
            || self.scheme.is_some()
            || self.servers.is_some()
            || self.pool.is_some()
            || self.hash.is_some()
            || self.hash_tag.is_some()
            || !self.options.is_empty()
    }

    pub fn load(&self) -> Result<Loaded, Failure> {
        let usage = |m: &str| Err(Failure::Usage(m.to_string()));
        match (&self.nutcracker, &self.scheme, &self.servers) {
            (Some(path), None, None) => {
                if self.hash.is_some() || self.hash_tag.is_some() || !self.options.is_empty() {
                    return usage(
                        "--hash, --hash-tag and --option go with --scheme; a nutcracker pool has its own",
                    );
                }
                nutcracker(path, self.pool.as_deref())
            }
            (None, Some(scheme), Some(list)) => {
                if self.pool.is_some() {
                    return usage("--pool goes with --nutcracker");
                }
                from_list(
                    *scheme,
                    list,
                    self.hash,
                    self.hash_tag.as_deref(),
                    &self.options,
                )
            }
            (None, Some(_), None) => usage("--scheme needs --servers"),
            (None, None, Some(_)) => usage("--servers needs --scheme"),
            (Some(_), _, _) => {
                usage("give either --nutcracker or --scheme with --servers, not both")
            }
            (None, None, None) => {
                usage("a pool needs --nutcracker FILE or --scheme NAME --servers LIST")
            }
        }
    }
}

fn nutcracker(path: &Path, pool: Option<&str>) -> Result<Loaded, Failure> {
    let shown = path.display();
    let fail = |e: ConfigError| Failure::Usage(format!("{shown}: {e}"));
    let text = read_text(path, CONFIG_FILE_MAX, "a nutcracker configuration")?;
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
        label: format!("pool {name} of {shown} ({})", pool.scheme()),
        pool,
        auto_eject,
    })
}

/// `host:port[:weight][ alias]` entries separated by commas.
fn from_list(
    scheme: Scheme,
    list: &str,
    hash: Option<TwemproxyHash>,
    tag: Option<&str>,
    given: &[String],
) -> Result<Loaded, Failure> {
    let bad = |e: keyroute::error::PartitionError| Failure::Usage(format!("{scheme} pool: {e}"));
    let mut options = Options::default();
    for o in given {
        let Some((name, value)) = o.split_once('=') else {
            return Err(Failure::Usage(format!(
                "--option {o:?}: expected NAME=VALUE"
            )));
        };
        let value = match value.parse::<u64>() {
            Ok(n) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                keyroute::partition::OptionValue::Int(n)
            }
            _ => keyroute::partition::OptionValue::Text(value.as_bytes()),
        };
        options.set(name, value).map_err(bad)?;
    }
    options.hash = hash;
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
