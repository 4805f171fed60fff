//! The YAML subset nutcracker reads, line by line: pools at column 0, each a
//! mapping of directives at one indentation, scalar values (plain, single-
//! or double-quoted) and block sequences of scalars. Anything else is a
//! [`ConfigError::Syntax`] with its line number.

use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::DIRECTIVES;
use crate::error::ConfigError;

#[derive(Debug)]
pub(super) enum Value {
    Scalar(String),
    Seq(Vec<String>),
}

#[derive(Debug)]
pub(super) struct RawPool {
    pub(super) name: String,
    pub(super) fields: Vec<(&'static str, Value)>,
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

pub(super) fn parse_raw(yaml: &str) -> Result<Vec<RawPool>, ConfigError> {
    let mut pools: Vec<RawPool> = Vec::new();
    // Pool names seen: a document of many pools is read in time n log n.
    let mut names: BTreeSet<String> = BTreeSet::new();
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
            if !names.insert(name.clone()) {
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
