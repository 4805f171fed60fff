//! The one place each core error becomes a description the JS wrapper turns
//! into a typed `Error`: JSON `{"class", "code", "message", ...fields}`.
//! `code` is the core error's `code()`, `class` the class the core's tree
//! lists for it (`keyroute::error::class_of`; absent for a bad argument
//! value, which becomes a `TypeError`), the message the core error's
//! `Display`.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt::{Display, Write};

use keyroute::error::{
    CommandError, ConfigError, NoRuleMatched, PartitionError, PlanError, PolicyError,
    RedirectError, ServerError, TopologyError,
};
use keyroute::plan::MovedError;
use keyroute::shard::{Conflict, ShardError, Unroutable};
use wasm_bindgen::JsValue;

/// A JSON object under construction.
struct Json(String);

impl Json {
    fn new(code: &str, message: &dyn Display) -> Self {
        let mut j = Json(String::from("{"));
        if let Some(class) = keyroute::error::class_of(code) {
            j.str("class", class.name);
        }
        j.str("code", code).str("message", &message.to_string());
        j
    }

    fn key(&mut self, name: &str) -> &mut Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        quote(&mut self.0, name);
        self.0.push(':');
        self
    }

    fn str(&mut self, name: &str, value: &str) -> &mut Self {
        self.key(name);
        quote(&mut self.0, value);
        self
    }

    fn num(&mut self, name: &str, value: impl Display) -> &mut Self {
        self.key(name);
        let _ = write!(self.0, "{value}");
        self
    }

    fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.key(name);
        self.0.push_str(json);
        self
    }

    fn done(&mut self) -> String {
        self.0.push('}');
        core::mem::take(&mut self.0)
    }
}

/// Appends `s` as a JSON string.
pub(crate) fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON description as the value a `Result` throws.
pub(crate) fn js(json: String) -> JsValue {
    JsValue::from_str(&json)
}

pub(crate) fn topology(e: &TopologyError) -> String {
    use TopologyError as E;
    let j = &mut Json::new(e.code(), e);
    let j = match e {
        E::SlotNotServed { slot } | E::Overlap { slot, .. } => j.num("slot", slot),
        E::Malformed { at, expected } => j.str("at", at).str("expected", expected),
        E::BadRange { at, .. } | E::NoAddress { at } => j.str("at", at),
        E::NoPrimary { shard } => j.num("shard", shard),
        E::NoRuleMatched { position } => return no_rule(*position),
        E::TooManyShards { max } => j.num("max", max),
        E::NoServerForKey { position, .. } => j.num("position", position),
        _ => j,
    };
    j.done()
}

pub(crate) fn redirect(e: &RedirectError) -> String {
    let reason = match e {
        RedirectError::NotARedirect => "notARedirect",
        RedirectError::BadSlot => "badSlot",
        RedirectError::BadEndpoint => "badEndpoint",
        RedirectError::UnknownHost => "unknownHost",
        RedirectError::TooManyShards => "tooManyShards",
        _ => "other",
    };
    Json::new(e.code(), e).str("reason", reason).done()
}

/// A key no rule of the policy matches; `position` in the caller's list.
pub(crate) fn no_rule(position: usize) -> String {
    let msg = format!("key {position}: {NoRuleMatched}");
    Json::new(NoRuleMatched.code(), &msg)
        .num("position", position)
        .done()
}

pub(crate) fn command(e: &CommandError) -> String {
    use CommandError as E;
    let j = &mut Json::new(e.code(), e);
    let j = match e {
        E::UnknownCommand { name } => j.str("command", name).raw("subcommand", "null"),
        E::UnknownSubcommand {
            command,
            subcommand,
        } => j.str("command", command).str("subcommand", subcommand),
        E::WrongArity { command }
        | E::NoKeyArguments { command }
        | E::InvalidArguments { command }
        | E::NotSplittable { command } => j.str("command", command),
        E::CrossSlot {
            first,
            other,
            first_slot,
            other_slot,
        } => j
            .num("firstPosition", first)
            .num("otherPosition", other)
            .num("firstSlot", first_slot)
            .num("otherSlot", other_slot),
        E::CrossSlotTransaction {
            first,
            other,
            first_slot,
            other_slot,
        } => j
            .raw("firstPosition", &format!("[{},{}]", first.0, first.1))
            .raw("otherPosition", &format!("[{},{}]", other.0, other.1))
            .num("firstSlot", first_slot)
            .num("otherSlot", other_slot),
        E::NoRuleMatched { pos } => return no_rule(*pos),
        E::MalformedReply { at, expected } => j.str("at", at).str("expected", expected),
        _ => j,
    };
    j.done()
}

pub(crate) fn policy(e: &PolicyError) -> String {
    use PolicyError as E;
    let j = &mut Json::new(e.code(), e);
    let j = match e {
        E::TooManyRules { max } => j.num("max", max),
        E::RuleTooLong { rule, len, max } => j.num("rule", rule).num("max", max).str(
            "reason",
            &format!("{len} characters long; at most {max} are allowed"),
        ),
        E::NoTagGroup { rule } => j.num("rule", rule).str("reason", "no named group `tag`"),
        E::Unsupported { rule, reason } => j.num("rule", rule).str("reason", reason),
        E::DiffersFromPcre {
            rule,
            offset,
            construct,
        } => j
            .num("rule", rule)
            .num("offset", offset)
            .str("construct", construct)
            .str("reason", &format!("{construct} at offset {offset}")),
        _ => j,
    };
    j.done()
}

pub(crate) fn plan(e: &PlanError) -> String {
    use PlanError as E;
    let j = &mut Json::new(e.code(), e);
    let j = match e {
        E::DuplicateNode { id }
        | E::UnknownNode { id }
        | E::BadRange { id, .. }
        | E::BadNodeId { id }
        | E::NoAddress { id }
        | E::TargetWithLoad { id } => j.str("id", id),
        E::BadAddress { id, addr } => j.str("id", id).str("addr", addr),
        E::BadNodesLine { line, .. } => j.num("line", line),
        E::Overlap {
            slot,
            first,
            second,
        } => j
            .num("slot", slot)
            .str("first", first)
            .str("second", second),
        E::BadWeight { text } => j.str("text", text),
        E::OpenSlots { slots } => {
            let list: alloc::vec::Vec<String> = slots.iter().map(u16::to_string).collect();
            j.raw("slots", &format!("[{}]", list.join(",")))
        }
        E::Uncovered { ranges } => {
            let list: alloc::vec::Vec<String> =
                ranges.iter().map(|(a, b)| format!("[{a},{b}]")).collect();
            j.raw("ranges", &format!("[{}]", list.join(",")))
        }
        _ => j,
    };
    j.done()
}

/// A value that is not one of an option's names: a `TypeError` with
/// Node's `ERR_INVALID_ARG_VALUE`, as every other bad argument.
pub(crate) fn unknown_name(e: &keyroute::error::UnknownName) -> String {
    Json::new(e.code(), e)
        .str("option", e.what)
        .str("value", &e.given)
        .done()
}

/// A pool that cannot be built.
pub(crate) fn partition(e: &PartitionError) -> String {
    use PartitionError as E;
    let j = &mut Json::new(e.code(), e);
    let j = match e {
        E::DuplicateName { name } => j.str("server", name),
        E::UnknownScheme { name } | E::UnknownHash { name } | E::UnknownDistribution { name } => {
            j.str("value", name)
        }
        E::OptionNotApplicable { scheme, option } => j.str("scheme", scheme).str("option", option),
        E::UnknownOption { name } => j.str("option", name),
        E::UnknownValue(u) => j.str("option", u.what).str("value", &u.given),
        E::BadOption { option, .. } => j.str("option", option),
        E::TooManyPoints { points, max } => j.num("points", points).num("max", max),
        E::BadEntry { server, field, .. } => j.str("server", server).str("field", field),
        E::BadTagPattern { pattern, reason } => j.str("pattern", pattern).str("reason", reason),
        E::Server(
            ServerError::BadFormat { server }
            | ServerError::BadPort { server }
            | ServerError::BadWeight { server }
            | ServerError::ZeroWeight { server }
            | ServerError::Unresolved { server },
        ) => j.str("server", server),
        _ => j,
    };
    j.done()
}

/// A nutcracker configuration that cannot be read: `pool` and `field` name
/// the place when there is one, `cause` the partition error behind it.
pub(crate) fn config(e: &ConfigError) -> String {
    use ConfigError as E;
    let j = &mut Json::new(e.code(), e);
    let j = match e {
        E::Syntax { line, .. } => j.num("line", line),
        E::UnknownPool { pool } | E::DuplicatePool { pool } => j.str("pool", pool),
        E::PoolNotChosen { pools } => j.num("pools", pools),
        E::UnknownField { pool, field } | E::DuplicateField { pool, field } => {
            j.str("pool", pool).str("field", field)
        }
        E::MissingField { pool, field } | E::BadValue { pool, field, .. } => {
            j.str("pool", pool).str("field", field)
        }
        E::Field { pool, field, error } => j
            .str("pool", pool)
            .str("field", field)
            .raw("cause", &partition(error)),
        _ => j,
    };
    j.done()
}

/// Two configurations whose moved fraction cannot be computed.
pub(crate) fn moved(e: &MovedError) -> String {
    let j = &mut Json::new(e.code(), e);
    let j = match e {
        MovedError::DifferentKeyHash { old, new } => j.str("oldHash", old).str("newHash", new),
        _ => j,
    };
    j.done()
}

/// `[1,2]`.
fn numbers(items: impl IntoIterator<Item = usize>) -> String {
    let mut s = String::from("[");
    for (i, n) in items.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{n}");
    }
    s.push(']');
    s
}

/// A position, or `null`.
fn position(p: Option<usize>) -> String {
    p.map_or_else(|| String::from("null"), |p| p.to_string())
}

/// A sharded client's refusal: the core's code, message, command and
/// shards (names and indexes), the pipeline position, and what each kind
/// names besides: a transaction's two commands (`positions`, `commands`)
/// and `conflict`, the `slots` of a cluster refusal, a keyless command's
/// `reason`, an unroutable command's `cause`. `strict` marks the refusals
/// of strict tags (kept for callers of the earlier `CrossShardError.strict`).
pub(crate) fn shard(e: &ShardError) -> String {
    let j = &mut Json::new(e.code(), e);
    j.str("command", e.command());
    let mut names = String::from("[");
    for (i, n) in e.shards().iter().enumerate() {
        if i > 0 {
            names.push(',');
        }
        quote(&mut names, n);
    }
    names.push(']');
    if !e.shards().is_empty() {
        j.raw("shards", &names)
            .raw("shardIndexes", &numbers(e.shard_indexes().iter().copied()));
    }
    j.raw("position", &position(e.position()));
    let slots = |s: Option<(u16, u16)>| {
        s.map_or_else(|| String::from("null"), |(a, b)| format!("[{a},{b}]"))
    };
    match e.inner() {
        ShardError::CrossShard { slots: s, .. } => j.raw("slots", &slots(*s)),
        ShardError::NotColocated { .. } => j.raw("strict", "true"),
        ShardError::CrossShardTransaction {
            first,
            other,
            conflict,
            ..
        } => {
            let pair = match conflict {
                Conflict::Slots(a, b) => Some((*a, *b)),
                _ => None,
            };
            let mut commands = String::from("[");
            quote(&mut commands, &first.command);
            commands.push(',');
            quote(&mut commands, &other.command);
            commands.push(']');
            j.raw(
                "positions",
                &format!(
                    "[{},{}]",
                    position(first.position),
                    position(other.position)
                ),
            )
            .raw("commands", &commands)
            .str("conflict", conflict.as_str())
            .raw("slots", &slots(pair))
            .raw(
                "strict",
                if *conflict == Conflict::Tags {
                    "true"
                } else {
                    "false"
                },
            )
        }
        ShardError::Keyless { reason, .. } => j.str("reason", reason.as_str()),
        ShardError::Partial {
            write, unanswered, ..
        } => {
            let (applied, applied_indexes) = e.applied();
            let names = |list: &[String]| {
                let mut s = String::from("[");
                for (i, n) in list.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    quote(&mut s, n);
                }
                s.push(']');
                s
            };
            j.raw("write", if *write { "true" } else { "false" })
                .raw("applied", &names(applied))
                .raw("appliedIndexes", &numbers(applied_indexes.iter().copied()))
                .raw("failed", &names(e.shards()))
                .raw("failedIndexes", &numbers(e.shard_indexes().iter().copied()))
                .raw("unanswered", &names(unanswered))
        }
        ShardError::Unroutable { cause, .. } => match cause {
            Unroutable::Command(c) => j.raw("cause", &command(c)),
            Unroutable::Topology(t) => j.raw("cause", &topology(t)),
            _ => j,
        },
        _ => j,
    };
    j.done()
}
