//! The keyword options of `Pool(...)`, read into the core's `Options`.
//!
//! Every option is named as in the core and takes the lower-case names the
//! core documents; an option the scheme does not have is refused by the core
//! (`OptionNotApplicableError`) rather than ignored.

use keyroute::partition::clients::NodeHashringCompat;
use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::hash::CharSign;
use keyroute::partition::jedis::JedisVersion;
use keyroute::partition::jump::JumpHash;
use keyroute::partition::{KeyTag, Options, RedisRbId};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::more_errors::PartitionError;

/// `Pool`'s keyword options as given (`None`: not given).
#[derive(Default)]
pub(crate) struct PoolOptions<'py> {
    pub hash: Option<String>,
    pub hash_tag: Option<Bound<'py, PyAny>>,
    pub char_sign: Option<String>,
    pub redis_rb_id: Option<String>,
    pub jedis: Option<String>,
    pub default_port: Option<u16>,
    pub compatibility: Option<String>,
    pub vnodes: Option<u32>,
    pub jump_hash: Option<String>,
    pub table_size: Option<u64>,
    pub tag: Option<Bound<'py, PyAny>>,
}

/// A `PartitionError` for an option value that is not one of `expected`.
fn bad(option: &str, value: &str, expected: &str) -> PyErr {
    PartitionError::new_err(format!("{option} {value:?}: expected {expected}"))
}

/// Looks `value` up among `(name, choice)` pairs.
fn choose<T: Copy>(option: &str, value: &str, choices: &[(&str, T)]) -> PyResult<T> {
    match choices.iter().find(|(name, _)| *name == value) {
        Some(&(_, v)) => Ok(v),
        None => {
            let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
            Err(bad(option, value, &format!("one of {}", names.join(", "))))
        }
    }
}

/// The bytes of a `str` or `bytes` option value.
fn text_or_bytes(option: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "{option} must be a str or bytes, not {}",
        v.get_type().name()?
    )))
}

/// Two bytes, as twemproxy's `hash_tag`.
fn pair(option: &str, v: &Bound<'_, PyAny>) -> PyResult<[u8; 2]> {
    let b = text_or_bytes(option, v)?;
    <[u8; 2]>::try_from(b.as_slice()).map_err(|_| {
        PartitionError::new_err(format!(
            "{option} {:?} is not exactly two characters",
            String::from_utf8_lossy(&b)
        ))
    })
}

impl PoolOptions<'_> {
    /// The core options.
    pub(crate) fn to_core(&self) -> PyResult<Options> {
        let mut o = Options::default();
        if let Some(h) = &self.hash {
            let names: Vec<&str> = TwemproxyHash::ALL.iter().map(|h| h.name()).collect();
            o.hash = Some(
                h.parse()
                    .map_err(|_| bad("hash", h, &format!("one of {}", names.join(", "))))?,
            );
        }
        if let Some(t) = &self.hash_tag {
            o.hash_tag = Some(pair("hash_tag", t)?);
        }
        if let Some(s) = &self.char_sign {
            o.char_sign = choose(
                "char_sign",
                s,
                &[
                    ("signed", CharSign::Signed),
                    ("unsigned", CharSign::Unsigned),
                ],
            )?;
        }
        if let Some(s) = &self.redis_rb_id {
            o.redis_rb_id = choose(
                "redis_rb_id",
                s,
                &[
                    ("with_db", RedisRbId::WithDb),
                    ("without_db", RedisRbId::WithoutDb),
                ],
            )?;
        }
        if let Some(s) = &self.jedis {
            o.jedis = choose(
                "jedis",
                s,
                &[
                    ("2.9", JedisVersion::V2_9),
                    ("3", JedisVersion::V3),
                    ("4", JedisVersion::V4),
                ],
            )?;
        }
        o.default_port = self.default_port;
        if let Some(s) = &self.compatibility {
            o.compatibility = choose(
                "compatibility",
                s,
                &[
                    ("ketama", NodeHashringCompat::Ketama),
                    ("hash_ring", NodeHashringCompat::HashRing),
                ],
            )?;
        }
        if self.vnodes == Some(0) {
            return Err(bad("vnodes", "0", "a positive number"));
        }
        o.vnodes = self.vnodes;
        if let Some(s) = &self.jump_hash {
            o.jump_hash = choose(
                "jump_hash",
                s,
                &[("xxh3", JumpHash::Xxh3), ("xxh64", JumpHash::Xxh64)],
            )?;
        }
        o.table_size = self.table_size;
        if let Some(t) = &self.tag {
            o.tag = Some(key_tag(t)?);
        }
        Ok(o)
    }
}

/// A tag rule: `"none"`, `"redis"`, `"redis-rb"`, `"jedis"`, or two
/// characters (the open and close bytes, as twemproxy's `hash_tag`).
fn key_tag(v: &Bound<'_, PyAny>) -> PyResult<KeyTag> {
    let b = text_or_bytes("tag", v)?;
    Ok(match b.as_slice() {
        b"none" => KeyTag::None,
        b"redis" => KeyTag::Redis,
        b"redis-rb" => KeyTag::RedisRb,
        b"jedis" => KeyTag::Jedis,
        &[open, close] => KeyTag::Pair(open, close),
        _ => {
            return Err(bad(
                "tag",
                &String::from_utf8_lossy(&b),
                "\"none\", \"redis\", \"redis-rb\", \"jedis\" or two characters",
            ))
        }
    })
}
