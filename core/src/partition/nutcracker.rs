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
const DIRECTIVES: [&str; 17] = [
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

#[derive(Debug)]
enum Value {
    Scalar(String),
    Seq(Vec<String>),
}

#[derive(Debug)]
struct RawPool {
    name: String,
    fields: Vec<(&'static str, Value)>,
}

fn syntax(line: usize, problem: &'static str) -> ConfigError {
    ConfigError::Syntax { line, problem }
}

/// Cuts a `#` comment (at the start or after a space, outside quotes).
fn strip_comment(s: &str) -> &str {
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    for i in 0..b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if (b[i] == b'\'' || b[i] == b'"') && (i == 0 || b[i - 1] == b' ') => {
                quote = Some(b[i])
            }
            None if b[i] == b'#' && (i == 0 || b[i - 1] == b' ') => return &s[..i],
            None => {}
        }
    }
    s
}

fn hex_digit(c: char) -> Option<u32> {
    c.to_digit(16)
}

/// A scalar: plain, `'single'` or `"double"` quoted.
fn scalar(text: &str, line: usize) -> Result<String, ConfigError> {
    let t = text.trim();
    if let Some(body) = t.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                return match chars.next() {
                    None => Ok(out),
                    Some(_) => Err(syntax(line, "text after a closing quote")),
                };
            }
            out.push(c);
        }
        return Err(syntax(line, "unterminated single-quoted scalar"));
    }
    if let Some(body) = t.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    return match chars.next() {
                        None => Ok(out),
                        Some(_) => Err(syntax(line, "text after a closing quote")),
                    }
                }
                '\\' => {
                    let e = chars
                        .next()
                        .ok_or_else(|| syntax(line, "unterminated escape"))?;
                    let hex = |n: usize,
                               chars: &mut core::str::Chars<'_>|
                     -> Result<char, ConfigError> {
                        let mut v = 0u32;
                        for _ in 0..n {
                            let d = chars
                                .next()
                                .and_then(hex_digit)
                                .ok_or_else(|| syntax(line, "bad hex escape"))?;
                            v = v * 16 + d;
                        }
                        char::from_u32(v).ok_or_else(|| syntax(line, "escape is not a character"))
                    };
                    out.push(match e {
                        '\\' => '\\',
                        '"' => '"',
                        '/' => '/',
                        ' ' => ' ',
                        'n' => '\n',
                        't' | '\t' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        'x' => hex(2, &mut chars)?,
                        'u' => hex(4, &mut chars)?,
                        'U' => hex(8, &mut chars)?,
                        _ => return Err(syntax(line, "unknown escape in double-quoted scalar")),
                    });
                }
                c => out.push(c),
            }
        }
        return Err(syntax(line, "unterminated double-quoted scalar"));
    }
    match t.chars().next() {
        Some('[' | '{') => Err(syntax(
            line,
            "flow collections are not accepted by nutcracker",
        )),
        Some('&' | '*' | '!' | '|' | '>' | '%' | '@' | '`') => Err(syntax(
            line,
            "unsupported YAML (anchor, alias, tag or block scalar)",
        )),
        _ => Ok(t.to_string()),
    }
}

/// Splits `key: value` at the first `:` followed by a space or the end.
fn split_key(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    for i in 0..b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if i == 0 && (b[i] == b'\'' || b[i] == b'"') => quote = Some(b[i]),
            None if b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ') => {
                return Some((&s[..i], &s[i + 1..]))
            }
            None => {}
        }
    }
    None
}

fn parse_raw(yaml: &str) -> Result<Vec<RawPool>, ConfigError> {
    let mut pools: Vec<RawPool> = Vec::new();
    let mut field_indent: Option<usize> = None;
    // The open `servers:`-like sequence: (field index, item indent).
    let mut seq: Option<Option<usize>> = None;
    for (n, raw) in yaml.lines().enumerate() {
        let line = n + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let rest = strip_comment(&raw[indent..]).trim_end();
        if rest.is_empty() {
            continue;
        }
        if rest.starts_with('\t') {
            return Err(syntax(line, "tab in indentation"));
        }
        if indent == 0 && (rest == "---" || rest.starts_with("--- ") || rest == "...") {
            return Err(syntax(
                line,
                "document markers (--- and ...) are not accepted by nutcracker",
            ));
        }
        if indent == 0 {
            let (k, v) = split_key(rest).ok_or_else(|| syntax(line, "expected \"pool:\""))?;
            if !v.trim().is_empty() {
                return Err(syntax(line, "a pool must be a mapping of directives"));
            }
            let name = scalar(k, line)?;
            if pools.iter().any(|p| p.name == name) {
                return Err(ConfigError::DuplicatePool { pool: name });
            }
            pools.push(RawPool {
                name,
                fields: Vec::new(),
            });
            field_indent = None;
            seq = None;
            continue;
        }
        let pool = pools
            .last_mut()
            .ok_or_else(|| syntax(line, "indented line before any pool"))?;
        if let Some(item) = rest
            .strip_prefix('-')
            .filter(|r| r.is_empty() || r.starts_with(' '))
        {
            let Some(item_indent) = seq.as_mut() else {
                return Err(syntax(line, "sequence item outside a sequence directive"));
            };
            if indent < field_indent.unwrap_or(0) || item_indent.is_some_and(|i| i != indent) {
                return Err(syntax(line, "sequence items at different indentation"));
            }
            *item_indent = Some(indent);
            let value = scalar(item, line)?;
            if item.trim().is_empty() {
                return Err(syntax(line, "empty sequence item"));
            }
            if let Some((_, Value::Seq(items))) = pool.fields.last_mut() {
                items.push(value);
            }
            continue;
        }
        match field_indent {
            None => field_indent = Some(indent),
            Some(i) if i != indent => {
                return Err(syntax(line, "directive at unexpected indentation"))
            }
            _ => {}
        }
        let (k, v) =
            split_key(rest).ok_or_else(|| syntax(line, "expected \"directive: value\""))?;
        let key = scalar(k, line)?;
        let Some(&field) = DIRECTIVES.iter().find(|d| **d == key) else {
            return Err(ConfigError::UnknownField {
                pool: pool.name.clone(),
                field: key,
            });
        };
        if pool.fields.iter().any(|(f, _)| *f == field) {
            return Err(ConfigError::DuplicateField {
                pool: pool.name.clone(),
                field: key,
            });
        }
        if v.trim().is_empty() {
            pool.fields.push((field, Value::Seq(Vec::new())));
            seq = Some(None);
        } else {
            pool.fields.push((field, Value::Scalar(scalar(v, line)?)));
            seq = None;
        }
    }
    if pools.is_empty() {
        return Err(ConfigError::NoPools);
    }
    Ok(pools)
}

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
            "pool \"p\", hash: unknown hash \"foo\""
        );
    }
}
