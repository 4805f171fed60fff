//! Extending the table from a live `COMMAND` reply (module commands).

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::spec::{BeginSearch, Command, CommandFlags, FindKeys, KeyFlags, KeySpec};
use super::CommandTable;
use crate::cluster::Value;
use crate::error::CommandError;

fn bad(at: &str, expected: &'static str) -> CommandError {
    CommandError::MalformedReply {
        at: at.to_string(),
        expected,
    }
}

fn text(v: &Value, at: &str) -> Result<String, CommandError> {
    match v {
        Value::Bytes(b) => core::str::from_utf8(b)
            .map(ToString::to_string)
            .map_err(|_| bad(at, "UTF-8 text")),
        _ => Err(bad(at, "a string")),
    }
}

fn int(v: &Value, at: &str) -> Result<i16, CommandError> {
    v.as_int()
        .and_then(|i| i16::try_from(i).ok())
        .ok_or_else(|| bad(at, "a small integer"))
}

fn list(v: &Value, at: &str) -> Result<Vec<String>, CommandError> {
    match v {
        Value::Array(items) => items.iter().map(|i| text(i, at)).collect(),
        Value::Nil => Ok(Vec::new()),
        _ => Err(bad(at, "an array of strings")),
    }
}

fn field<'a>(v: &'a Value, name: &str, at: &str) -> Result<&'a Value, CommandError> {
    let pairs = v.pairs().ok_or_else(|| bad(at, "a map"))?;
    pairs
        .into_iter()
        .find(|(k, _)| k.as_bytes() == Some(name.as_bytes()))
        .map(|(_, v)| v)
        .ok_or_else(|| bad(at, "a map with the expected fields"))
}

fn key_spec(v: &Value, at: &str) -> Result<KeySpec, CommandError> {
    let mut flags = KeyFlags::empty();
    for f in list(field(v, "flags", at)?, &format!("{at}.flags"))? {
        flags = flags.union(KeyFlags::from_name(&f).unwrap_or_default());
    }
    let bs = field(v, "begin_search", at)?;
    let bs_at = format!("{at}.begin_search");
    let begin = match field(bs, "type", &bs_at)?.as_bytes() {
        Some(b"index") => BeginSearch::Index(int(
            field(field(bs, "spec", &bs_at)?, "index", &bs_at)?,
            &bs_at,
        )?),
        Some(b"keyword") => {
            let spec = field(bs, "spec", &bs_at)?;
            BeginSearch::Keyword {
                keyword: Cow::Owned(text(field(spec, "keyword", &bs_at)?, &bs_at)?),
                startfrom: int(field(spec, "startfrom", &bs_at)?, &bs_at)?,
            }
        }
        _ => BeginSearch::Unknown,
    };
    let fk = field(v, "find_keys", at)?;
    let fk_at = format!("{at}.find_keys");
    let find = match field(fk, "type", &fk_at)?.as_bytes() {
        Some(b"range") => {
            let spec = field(fk, "spec", &fk_at)?;
            FindKeys::Range {
                lastkey: int(field(spec, "lastkey", &fk_at)?, &fk_at)?,
                step: int(field(spec, "keystep", &fk_at)?, &fk_at)?,
                limit: int(field(spec, "limit", &fk_at)?, &fk_at)?,
            }
        }
        Some(b"keynum") => {
            let spec = field(fk, "spec", &fk_at)?;
            FindKeys::Keynum {
                keynumidx: int(field(spec, "keynumidx", &fk_at)?, &fk_at)?,
                firstkey: int(field(spec, "firstkey", &fk_at)?, &fk_at)?,
                step: int(field(spec, "keystep", &fk_at)?, &fk_at)?,
            }
        }
        _ => FindKeys::Unknown,
    };
    Ok(KeySpec { flags, begin, find })
}

fn command(v: &Value, at: &str) -> Result<Command, CommandError> {
    let Value::Array(f) = v else {
        return Err(bad(at, "a command array"));
    };
    if f.len() < 6 {
        return Err(bad(at, "[name, arity, flags, first, last, step, ...]"));
    }
    let name = text(&f[0], &format!("{at}[0]"))?.to_ascii_lowercase();
    let mut flags = CommandFlags::empty();
    for n in list(&f[2], &format!("{at}[2]"))? {
        flags = flags.union(CommandFlags::from_name(&n).unwrap_or_default());
    }
    let strings = |i: usize| -> Result<Cow<'static, [Cow<'static, str>]>, CommandError> {
        match f.get(i) {
            None => Ok(Cow::Borrowed(&[])),
            Some(v) => Ok(Cow::Owned(
                list(v, &format!("{at}[{i}]"))?
                    .into_iter()
                    .map(Cow::Owned)
                    .collect(),
            )),
        }
    };
    let key_specs = match f.get(8) {
        Some(Value::Array(specs)) => specs
            .iter()
            .enumerate()
            .map(|(i, s)| key_spec(s, &format!("{at}[8][{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let mut subcommands = match f.get(9) {
        Some(Value::Array(subs)) => subs
            .iter()
            .enumerate()
            .map(|(i, s)| command(s, &format!("{at}[9][{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    subcommands.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Command {
        name: Cow::Owned(name),
        arity: int(&f[1], &format!("{at}[1]"))?,
        flags,
        legacy_range: (int(&f[3], at)?, int(&f[4], at)?, int(&f[5], at)?),
        acl_categories: strings(6)?,
        tips: strings(7)?,
        key_specs: Cow::Owned(key_specs),
        getkeys: None,
        since: Cow::Borrowed(""),
        group: Cow::Borrowed("module"),
        verified: true,
        subcommands: Cow::Owned(subcommands),
    })
}

impl CommandTable {
    /// Adds the commands of a live `COMMAND` (or `COMMAND INFO ...`) reply
    /// that the table does not know, such as module commands, and returns
    /// how many were added. Known commands keep their built-in entries,
    /// which carry the server's key procedures a reply cannot describe.
    pub fn extend_from_command_reply(&mut self, reply: &Value) -> Result<usize, CommandError> {
        let Value::Array(entries) = reply else {
            return Err(bad("COMMAND", "an array of commands"));
        };
        let mut added = 0;
        for (i, e) in entries.iter().enumerate() {
            if matches!(e, Value::Nil) {
                continue; // COMMAND INFO of an unknown name
            }
            let c = command(e, &format!("COMMAND[{i}]"))?;
            if self.get(c.name.as_bytes()).is_none() {
                self.insert(c);
                added += 1;
            }
        }
        Ok(added)
    }
}
