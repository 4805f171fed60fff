//! One server of a pool, as its configuration wrote it.
//!
//! The forms accepted are nutcracker's: `host:port:weight [name]` and
//! `/path/to.sock:weight [name]`, parsed from the right as twemproxy's
//! `conf_add_server` does, plus the shorter `host:port`, `host:port name` and
//! `/path` that client libraries take. IPv6 hosts may be written bare, as
//! nutcracker reads them (`::1:6379:1`), or in brackets (`[::1]:6379`).
//!
//! Also, for the libraries that take them (each scheme refuses the forms it
//! lacks, see `scheme.rs`): a bare name without a port (`node1`,
//! `localhost`), and a redis-rb URL `redis://host:port/db` (or `rediss://`),
//! whose database and TLS flag are part of redis-rb's node id. A server given
//! as a mapping entry (`{"name": {"weight": 2}}`) is built by
//! `super::entry`.

use alloc::borrow::ToOwned;
use alloc::string::String;

use crate::error::ServerError;

/// One configured server: where it is, its weight and its optional alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    written: String,
    host: String,
    port: Option<String>,
    weight: u32,
    weight_given: bool,
    alias: Option<String>,
    /// `redis://` (false) or `rediss://` (true), and the database, for a
    /// server written as a URL.
    url: Option<(bool, u32)>,
    /// The server's own number of virtual nodes (a mapping entry's `vnodes`).
    vnodes: Option<u32>,
    /// Built from a mapping entry: the library names the server by the
    /// entry's key, which [`written`](Server::written) holds.
    entry: bool,
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A decimal port in 1..=65535, leading zeros allowed as `atoi` allows them.
fn parse_port(text: &str) -> Option<u16> {
    if !is_digits(text) {
        return None;
    }
    let digits = text.trim_start_matches('0');
    if digits.len() > 5 {
        return None;
    }
    match digits.parse::<u32>().unwrap_or(0) {
        p @ 1..=65535 => Some(p as u16),
        _ => None,
    }
}

fn parse_weight(text: &str, line: &str) -> Result<u32, ServerError> {
    if !is_digits(text) {
        return Err(ServerError::BadWeight {
            server: line.to_owned(),
        });
    }
    match text.trim_start_matches('0') {
        "" => Err(ServerError::ZeroWeight {
            server: line.to_owned(),
        }),
        d if d.len() > 9 => Err(ServerError::BadWeight {
            server: line.to_owned(),
        }),
        d => Ok(d.parse().unwrap_or(1)),
    }
}

impl Server {
    /// Parses a nutcracker `servers:` entry, where the weight is required:
    /// `host:port:weight [name]` or `/path:weight [name]`.
    pub fn parse_nutcracker(line: &str) -> Result<Server, ServerError> {
        Self::parse_inner(line, true)
    }

    /// Parses a server as client libraries list it: `host:port`,
    /// `host:port:weight`, `/path`, `/path:weight`, each optionally followed
    /// by a space and an alias. The weight defaults to 1.
    pub fn parse(text: &str) -> Result<Server, ServerError> {
        Self::parse_inner(text, false)
    }

    fn parse_inner(line: &str, weight_required: bool) -> Result<Server, ServerError> {
        let bad = || ServerError::BadFormat {
            server: line.to_owned(),
        };
        let (addr, alias) = match line.rfind(' ') {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        if alias == Some("") || addr.is_empty() {
            return Err(bad());
        }
        if !weight_required {
            if let Some(s) = Self::parse_url(line, addr, alias)? {
                return Ok(s);
            }
        }
        let (host, port, weight) = if addr.starts_with('/') {
            match addr.rsplit_once(':') {
                Some((path, w)) if !path.is_empty() => (path, None, Some(w)),
                _ if weight_required => return Err(bad()),
                _ => (addr, None, None),
            }
        } else if let Some(rest) = addr.strip_prefix('[') {
            // [v6]:port[:weight]
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            let after = after.strip_prefix(':').ok_or_else(bad)?;
            match after.split_once(':') {
                Some((p, w)) => (host, Some(p), Some(w)),
                None if weight_required => return Err(bad()),
                None => (host, Some(after), None),
            }
        } else if !weight_required && !addr.contains(':') {
            // A bare name (`node1`, `localhost`): for the libraries that
            // name servers so or add a default port themselves.
            (addr, None, None)
        } else {
            let (left, last) = addr.rsplit_once(':').ok_or_else(bad)?;
            match left.rsplit_once(':') {
                // host:port:weight, unless only the weight form is optional
                // and `left` is a bare IPv6 host ("::1:6379" has no weight).
                Some((host, p)) if weight_required || (is_digits(p) && !host.ends_with(':')) => {
                    (host, Some(p), Some(last))
                }
                _ if weight_required => return Err(bad()),
                _ => (left, Some(last), None),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        if let Some(p) = port {
            parse_port(p).ok_or_else(|| ServerError::BadPort {
                server: line.to_owned(),
            })?;
        }
        let (weight, weight_given) = match weight {
            Some(w) => (parse_weight(w, line)?, true),
            None => (1, false),
        };
        Ok(Server {
            written: line.to_owned(),
            host: host.to_owned(),
            port: port.map(str::to_owned),
            weight,
            weight_given,
            alias: alias.map(str::to_owned),
            url: None,
            vnodes: None,
            entry: false,
        })
    }

    /// `redis://host[:port][/db]` or `rediss://...` (IPv6 hosts in
    /// brackets), or `None` when `addr` is not such a URL.
    fn parse_url(
        line: &str,
        addr: &str,
        alias: Option<&str>,
    ) -> Result<Option<Server>, ServerError> {
        let bad = || ServerError::BadFormat {
            server: line.to_owned(),
        };
        let (tls, rest) = if let Some(r) = addr.strip_prefix("redis://") {
            (false, r)
        } else if let Some(r) = addr.strip_prefix("rediss://") {
            (true, r)
        } else {
            return Ok(None);
        };
        let (hostport, db) = match rest.split_once('/') {
            Some((hp, "")) => (hp, 0),
            Some((hp, d)) if is_digits(d) && d.len() <= 9 => (hp, d.parse().unwrap_or(0)),
            Some(_) => return Err(bad()),
            None => (rest, 0),
        };
        let (host, port) = if let Some(r) = hostport.strip_prefix('[') {
            let (h, after) = r.split_once(']').ok_or_else(bad)?;
            match after {
                "" => (h, None),
                p => (h, Some(p.strip_prefix(':').ok_or_else(bad)?)),
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, _)) if h.contains(':') => return Err(bad()),
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() || host.contains(['@', '?', '#']) {
            return Err(bad());
        }
        let port = match port {
            Some(p) => {
                parse_port(p).ok_or_else(|| ServerError::BadPort {
                    server: line.to_owned(),
                })?;
                p
            }
            None => "6379",
        };
        Ok(Some(Server {
            written: line.to_owned(),
            host: host.to_owned(),
            port: Some(port.to_owned()),
            weight: 1,
            weight_given: false,
            alias: alias.map(str::to_owned),
            url: Some((tls, db)),
            vnodes: None,
            entry: false,
        }))
    }

    /// A server from a mapping entry, as `super::entry` reads it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn entry(
        key: &str,
        host: &str,
        port: Option<&str>,
        weight: Option<u32>,
        vnodes: Option<u32>,
    ) -> Server {
        Server {
            written: key.to_owned(),
            host: host.to_owned(),
            port: port.map(str::to_owned),
            weight: weight.unwrap_or(1),
            weight_given: weight.is_some(),
            alias: None,
            url: None,
            vnodes,
            entry: true,
        }
    }

    /// A server from its parts, as bindings receive them: an address
    /// (`host:port`, `[v6]:port` or a socket path), an optional weight and an
    /// optional alias. [`written`](Self::written) is then
    /// `address[:weight][ alias]`.
    pub fn from_parts(
        address: &str,
        weight: Option<u32>,
        alias: Option<&str>,
    ) -> Result<Server, ServerError> {
        let bad = || ServerError::BadFormat {
            server: address.to_owned(),
        };
        if alias.is_some_and(|a| a.is_empty() || a.contains(' ')) || address.contains(' ') {
            return Err(bad());
        }
        let mut text = address.to_owned();
        if let Some(w) = weight {
            if w == 0 {
                return Err(ServerError::ZeroWeight {
                    server: address.to_owned(),
                });
            }
            text = alloc::format!("{text}:{w}");
        }
        if let Some(a) = alias {
            text = alloc::format!("{text} {a}");
        }
        let s = Self::parse(&text)?;
        // The weight must have been read as the weight, not as a port.
        if s.weight_given() != weight {
            return Err(bad());
        }
        Ok(s)
    }

    /// The server exactly as written in the configuration.
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The host name or address, or the unix socket path.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port as written (`None` for a unix socket).
    pub fn port_text(&self) -> Option<&str> {
        self.port.as_deref()
    }

    /// The port number (`None` for a unix socket).
    pub fn port(&self) -> Option<u16> {
        self.port.as_deref().and_then(parse_port)
    }

    /// The weight: as written, or 1.
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// The weight if the configuration gave one.
    pub fn weight_given(&self) -> Option<u32> {
        self.weight_given.then_some(self.weight)
    }

    /// The alias (twemproxy's server name), if any.
    pub fn alias(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// For a server written as a URL (`redis://host:port/db`): whether it
    /// is `rediss://` (TLS), and the database.
    pub fn url(&self) -> Option<(bool, u32)> {
        self.url
    }

    /// The server's own number of virtual nodes (a mapping entry's
    /// `vnodes`), if it has one.
    pub fn vnodes(&self) -> Option<u32> {
        self.vnodes
    }

    /// Whether the server was given as a mapping entry, whose key names it
    /// ([`written`](Self::written)).
    pub fn is_entry(&self) -> bool {
        self.entry
    }

    /// A unix socket path (written with a leading `/`, no port).
    pub fn is_socket(&self) -> bool {
        self.port.is_none() && self.host.starts_with('/')
    }

    /// A bare name written without a port (`node1`, `localhost`).
    pub fn is_portless(&self) -> bool {
        self.port.is_none() && !self.host.starts_with('/')
    }

    /// `host:port` (the host in brackets if it contains `:`), or the socket path.
    pub fn address(&self) -> String {
        match &self.port {
            None => self.host.clone(),
            Some(p) if self.host.contains(':') => alloc::format!("[{}]:{}", self.host, p),
            Some(p) => alloc::format!("{}:{}", self.host, p),
        }
    }

    /// `host:port` as the text wrote it, IPv6 hosts without brackets: the form
    /// twemproxy hashes. For a socket, the path followed by `:`.
    pub fn address_unbracketed(&self) -> String {
        alloc::format!("{}:{}", self.host, self.port.as_deref().unwrap_or(""))
    }

    /// Sets the weight (a builder for lists given in code).
    pub fn with_weight(mut self, weight: u32) -> Result<Server, ServerError> {
        if weight == 0 {
            return Err(ServerError::ZeroWeight {
                server: self.written,
            });
        }
        self.weight = weight;
        self.weight_given = true;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nutcracker_forms() {
        let s = Server::parse_nutcracker("127.0.0.1:6379:2 alpha").unwrap();
        assert_eq!(
            (s.host(), s.port(), s.weight(), s.alias()),
            ("127.0.0.1", Some(6379), 2, Some("alpha"))
        );
        let s = Server::parse_nutcracker("/tmp/r.sock:3").unwrap();
        assert_eq!(
            (s.host(), s.port(), s.weight(), s.address_unbracketed()),
            ("/tmp/r.sock", None, 3, "/tmp/r.sock:".into())
        );
        let s = Server::parse_nutcracker("::1:6379:1").unwrap();
        assert_eq!((s.host(), s.port_text()), ("::1", Some("6379")));
        let s = Server::parse_nutcracker("127.0.0.1:06379:1").unwrap();
        assert_eq!(
            (s.port(), s.address_unbracketed()),
            (Some(6379), "127.0.0.1:06379".into())
        );
        for bad in [
            "127.0.0.1:6379",
            "127.0.0.1",
            "",
            " x",
            "/p.sock",
            "h:0:1",
            "h:70000:1",
            "h:p:1",
        ] {
            assert!(Server::parse_nutcracker(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Server::parse_nutcracker("h:1:0"),
            Err(ServerError::ZeroWeight { .. })
        ));
        assert!(matches!(
            Server::parse_nutcracker("h:1:x"),
            Err(ServerError::BadWeight { .. })
        ));
    }

    #[test]
    fn client_forms() {
        let s = Server::parse("127.0.0.1:6379").unwrap();
        assert_eq!(
            (s.port(), s.weight(), s.weight_given()),
            (Some(6379), 1, None)
        );
        let s = Server::parse("[::1]:6380:5 b").unwrap();
        assert_eq!(
            (s.host(), s.port(), s.weight(), s.alias(), s.address()),
            ("::1", Some(6380), 5, Some("b"), "[::1]:6380".into())
        );
        let s = Server::parse("::1:6379").unwrap();
        assert_eq!(
            (s.host(), s.port(), s.weight_given()),
            ("::1", Some(6379), None)
        );
        let s = Server::parse("/tmp/r.sock").unwrap();
        assert_eq!((s.host(), s.port()), ("/tmp/r.sock", None));
        let s = Server::parse("nohost").unwrap();
        assert!(s.is_portless() && !s.is_socket() && s.port().is_none());
        assert!(Server::parse_nutcracker("nohost:1").is_err());
        let s = Server::parse("redis://127.0.0.1:7002/1 id").unwrap();
        assert_eq!(
            (s.host(), s.port(), s.url(), s.alias()),
            ("127.0.0.1", Some(7002), Some((false, 1)), Some("id"))
        );
        let s = Server::parse("rediss://[::1]").unwrap();
        assert_eq!(
            (s.host(), s.port(), s.url()),
            ("::1", Some(6379), Some((true, 0)))
        );
        for bad in [
            "redis://",
            "redis://h:0",
            "redis://h:1/x",
            "redis://::1:6379",
            "redis://u@h",
        ] {
            assert!(Server::parse(bad).is_err(), "{bad}");
        }
        let s = Server::from_parts("10.0.0.1:6379", Some(3), Some("a")).unwrap();
        assert_eq!(
            (s.written(), s.weight(), s.alias()),
            ("10.0.0.1:6379:3 a", 3, Some("a"))
        );
        assert_eq!(
            Server::from_parts("::1:6379", None, None).unwrap().port(),
            Some(6379)
        );
        assert!(Server::from_parts("10.0.0.1", Some(3), None).is_err());
        assert!(Server::from_parts("10.0.0.1:6379", Some(0), None).is_err());
        assert!(Server::from_parts("10.0.0.1:6379", None, Some("a b")).is_err());
        assert!(Server::parse("h:1").unwrap().with_weight(0).is_err());
    }
}
