//! Servers given as a mapping, in the library's own form: npm hashring's
//! `{"host:port": weight}` or `{"host:port": {weight, vnodes}}`, uhashring's
//! `{"name": weight}` or `{"name": {hostname, port, weight, vnodes,
//! instance, nodename}}`.
//!
//! A mapping is honoured or refused, never half-read: a scheme whose
//! library takes no mapping refuses one, and a field the library does not
//! read, or reads otherwise, is an error naming the field (the libraries
//! themselves ignore unknown keys, so a typo would silently change the ring).
//! Values come as [`OptionValue`]s, as the bindings hand over options.
//!
//! | scheme | number | fields | identity (hashed) |
//! | --- | --- | --- | --- |
//! | `node-hashring` | the weight (`0` means 1, as `+value \|\| 1`) | `weight` (0 means 1), `vnodes` (the server's own group count; 0 means the pool's) | the key as written; its host (text before the first `:`) with a matching `default_port` |
//! | `uhashring`, `uhashring-ketama` | the weight | `weight`, `vnodes`; `hostname`, `port`, `instance`, `nodename` are kept by uhashring but never hashed | the key as written |

use alloc::format;
use alloc::string::String;

use super::scheme::{not_applicable, OptionValue, Scheme};
use super::server::Server;
use crate::error::PartitionError;

/// The value of one mapping entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryValue<'a> {
    /// A bare number (`{"a:1": 3}`): the weight.
    Number(u64),
    /// An object of fields (`{"a:1": {"vnodes": 70}}`).
    Fields(&'a [(&'a str, OptionValue<'a>)]),
    /// A value of another kind, which no library reads as a server.
    Other,
}

fn bad(server: &str, field: &str, expected: &'static str) -> PartitionError {
    PartitionError::BadEntry {
        server: server.into(),
        field: field.into(),
        expected,
    }
}

fn int(server: &str, field: &str, v: OptionValue<'_>) -> Result<u64, PartitionError> {
    match v {
        OptionValue::Int(n) => Ok(n),
        _ => Err(bad(server, field, "a non-negative integer")),
    }
}

fn u32_of(server: &str, field: &str, n: u64) -> Result<u32, PartitionError> {
    u32::try_from(n).map_err(|_| bad(server, field, "a number below 2^32"))
}

/// The server a mapping entry `key: value` stands for under `scheme`.
pub fn server_from_entry(
    scheme: Scheme,
    key: &str,
    value: EntryValue<'_>,
) -> Result<Server, PartitionError> {
    if key.is_empty() || key.contains(' ') {
        return Err(bad(key, "key", "a non-empty name without spaces"));
    }
    if value == EntryValue::Other {
        return Err(bad(
            key,
            "value",
            "a number (the weight) or a mapping of fields",
        ));
    }
    match scheme {
        Scheme::NodeHashring => node_hashring(key, value),
        Scheme::Uhashring | Scheme::UhashringKetama => uhashring(key, value),
        _ => Err(not_applicable(scheme, "servers as a mapping")),
    }
}

fn node_hashring(key: &str, value: EntryValue<'_>) -> Result<Server, PartitionError> {
    // connection-parse: `weight: (typeof value === 'object' ? +value.weight : +value) || 1`,
    // and the vnodes extension `+value.vnodes || 0`.
    let (mut weight, mut vnodes) = (0u64, 0u64);
    match value {
        EntryValue::Number(n) => weight = n,
        EntryValue::Fields(fields) => {
            for &(f, v) in fields {
                match f {
                    "weight" => weight = int(key, f, v)?,
                    "vnodes" => vnodes = int(key, f, v)?,
                    _ => return Err(bad(key, f, "weight or vnodes")),
                }
            }
        }
        EntryValue::Other => return Err(bad(key, "value", "a number or a mapping")),
    }
    let weight = u32_of(key, "weight", weight.max(1))?;
    let vnodes = u32_of(key, "vnodes", vnodes)?;
    // `server.split(':')`: host before the first colon, port the next part.
    let mut parts = key.split(':');
    let host = parts.next().unwrap_or("");
    let port = parts.next();
    Ok(Server::entry(
        key,
        host,
        port,
        Some(weight),
        (vnodes > 0).then_some(vnodes),
    ))
}

fn uhashring(key: &str, value: EntryValue<'_>) -> Result<Server, PartitionError> {
    let mut weight = 1u64;
    let mut vnodes = None;
    let mut host: Option<String> = None;
    let mut port: Option<String> = None;
    match value {
        EntryValue::Number(n) => weight = n,
        EntryValue::Fields(fields) => {
            for &(f, v) in fields {
                match (f, v) {
                    ("weight", v) => weight = int(key, f, v)?,
                    ("vnodes", v) => {
                        let n = u32_of(key, f, int(key, f, v)?)?;
                        if n == 0 {
                            return Err(bad(key, f, "a positive integer"));
                        }
                        vnodes = Some(n);
                    }
                    ("hostname", OptionValue::Text(t)) => {
                        host = Some(String::from_utf8_lossy(t).into_owned())
                    }
                    ("port", OptionValue::Int(p)) => port = Some(format!("{p}")),
                    ("port", OptionValue::Text(t)) => {
                        port = Some(String::from_utf8_lossy(t).into_owned())
                    }
                    ("hostname" | "port" | "instance" | "nodename", _) => {}
                    _ => {
                        return Err(bad(
                            key,
                            f,
                            "weight, vnodes, hostname, port, instance or nodename",
                        ))
                    }
                }
            }
        }
        EntryValue::Other => return Err(bad(key, "value", "a number or a mapping")),
    }
    if weight == 0 {
        return Err(bad(key, "weight", "a positive integer"));
    }
    let weight = u32_of(key, "weight", weight)?;
    let host = host.unwrap_or_else(|| key.into());
    Ok(Server::entry(
        key,
        &host,
        port.as_deref(),
        Some(weight),
        vnodes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_hashring_entries() {
        let s = server_from_entry(Scheme::NodeHashring, "a:11211", EntryValue::Number(0)).unwrap();
        assert_eq!((s.written(), s.weight(), s.vnodes()), ("a:11211", 1, None));
        assert_eq!((s.host(), s.port()), ("a", Some(11211)));
        let f = [
            ("vnodes", OptionValue::Int(70)),
            ("weight", OptionValue::Int(2)),
        ];
        let s = server_from_entry(Scheme::NodeHashring, "a:1", EntryValue::Fields(&f)).unwrap();
        assert_eq!((s.weight(), s.vnodes(), s.is_entry()), (2, Some(70), true));
        let typo = [("vnode", OptionValue::Int(70))];
        assert!(matches!(
            server_from_entry(Scheme::NodeHashring, "a:1", EntryValue::Fields(&typo)),
            Err(PartitionError::BadEntry { .. })
        ));
        assert!(matches!(
            server_from_entry(Scheme::Predis, "a:1", EntryValue::Number(1)),
            Err(PartitionError::OptionNotApplicable { .. })
        ));
    }

    #[test]
    fn uhashring_entries() {
        let f = [
            ("hostname", OptionValue::Text(b"10.0.0.1")),
            ("port", OptionValue::Int(6379)),
            ("instance", OptionValue::Other),
            ("weight", OptionValue::Int(3)),
        ];
        let s = server_from_entry(Scheme::Uhashring, "node1", EntryValue::Fields(&f)).unwrap();
        assert_eq!(
            (s.written(), s.host(), s.port(), s.weight()),
            ("node1", "10.0.0.1", Some(6379), 3)
        );
        let w = [("weight", OptionValue::Other)];
        assert!(server_from_entry(Scheme::Uhashring, "n", EntryValue::Fields(&w)).is_err());
        assert!(server_from_entry(Scheme::Uhashring, "n", EntryValue::Number(0)).is_err());
    }
}
