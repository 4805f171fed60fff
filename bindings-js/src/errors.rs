//! The one place each core error becomes a description the JS wrapper turns
//! into a typed `Error`: JSON `{"family", "code", "message", ...fields}`.
//! `family` picks the class (`topology`, `redirect`, `command`, `policy`,
//! `plan`, `partition`, `config`, `sharding`), `code` the kind; the message
//! is the core error's `Display`.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt::{Display, Write};

use keyroute::error::{
    CommandError, ConfigError, NoRuleMatched, PartitionError, PlanError, PolicyError,
    RedirectError, TopologyError,
};
use keyroute::plan::MovedError;
use keyroute::shard::{Conflict, ShardError, Unroutable};
use wasm_bindgen::JsValue;

/// A JSON object under construction.
struct Json(String);

impl Json {
    fn new(family: &str, code: &str, message: &dyn Display) -> Self {
        let mut j = Json(String::from("{"));
        j.str("family", family).str("message", &message.to_string());
        if !code.is_empty() {
            j.str("code", code);
        }
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
    let j = &mut Json::new("topology", "", e);
    let j = match e {
        E::SlotNotServed { slot } => j
            .str("code", "ERR_KEYROUTE_SLOT_NOT_SERVED")
            .num("slot", slot),
        E::Overlap { slot, .. } => j.str("code", "ERR_KEYROUTE_OVERLAP").num("slot", slot),
        E::Malformed { at, expected } => j
            .str("code", "ERR_KEYROUTE_MALFORMED_REPLY")
            .str("at", at)
            .str("expected", expected),
        E::BadRange { at, .. } => j.str("code", "ERR_KEYROUTE_BAD_RANGE").str("at", at),
        E::NoPrimary { shard } => j.str("code", "ERR_KEYROUTE_NO_PRIMARY").num("shard", shard),
        E::NoAddress { at } => j.str("code", "ERR_KEYROUTE_NO_ADDRESS").str("at", at),
        E::NoRuleMatched { position } => return no_rule(*position),
        E::TooManyShards { max } => j
            .str("code", "ERR_KEYROUTE_TOO_MANY_SHARDS")
            .num("max", max),
        E::NoServerForKey { position, .. } => j
            .str("code", "ERR_KEYROUTE_NO_SERVER_FOR_KEY")
            .num("position", position),
        _ => j.str("code", "ERR_KEYROUTE_TOPOLOGY"),
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
    Json::new("redirect", "ERR_KEYROUTE_REDIRECT", e)
        .str("reason", reason)
        .done()
}

/// A key no rule of the policy matches; `position` in the caller's list.
pub(crate) fn no_rule(position: usize) -> String {
    let msg = format!("key {position}: {NoRuleMatched}");
    Json::new("policy", "ERR_KEYROUTE_NO_RULE_MATCHED", &msg)
        .num("position", position)
        .done()
}

pub(crate) fn command(e: &CommandError) -> String {
    use CommandError as E;
    let j = &mut Json::new("command", "", e);
    let j = match e {
        E::Empty => j.str("code", "ERR_KEYROUTE_EMPTY_COMMAND"),
        E::UnknownCommand { name } => j
            .str("code", "ERR_KEYROUTE_UNKNOWN_COMMAND")
            .str("command", name)
            .raw("subcommand", "null"),
        E::UnknownSubcommand {
            command,
            subcommand,
        } => j
            .str("code", "ERR_KEYROUTE_UNKNOWN_COMMAND")
            .str("command", command)
            .str("subcommand", subcommand),
        E::WrongArity { command } => j
            .str("code", "ERR_KEYROUTE_WRONG_ARITY")
            .str("command", command),
        E::NoKeyArguments { command } => j
            .str("code", "ERR_KEYROUTE_NO_KEY_ARGUMENTS")
            .str("command", command),
        E::InvalidArguments { command } => j
            .str("code", "ERR_KEYROUTE_INVALID_ARGUMENTS")
            .str("command", command),
        E::CrossSlot {
            first,
            other,
            first_slot,
            other_slot,
        } => j
            .str("code", "ERR_KEYROUTE_CROSSSLOT")
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
            .str("code", "ERR_KEYROUTE_CROSSSLOT_TRANSACTION")
            .raw("firstPosition", &format!("[{},{}]", first.0, first.1))
            .raw("otherPosition", &format!("[{},{}]", other.0, other.1))
            .num("firstSlot", first_slot)
            .num("otherSlot", other_slot),
        E::NotSplittable { command } => j
            .str("code", "ERR_KEYROUTE_NOT_SPLITTABLE")
            .str("command", command),
        E::NoRuleMatched { pos } => return no_rule(*pos),
        E::MalformedReply { at, expected } => j
            .str("code", "ERR_KEYROUTE_MALFORMED_REPLY")
            .str("at", at)
            .str("expected", expected),
        _ => j.str("code", "ERR_KEYROUTE_COMMAND"),
    };
    j.done()
}

pub(crate) fn policy(e: &PolicyError) -> String {
    use PolicyError as E;
    let j = &mut Json::new("policy", "", e);
    let j = match e {
        E::NoRules => j.str("code", "ERR_KEYROUTE_POLICY_NO_RULES"),
        E::TooManyRules { max } => j
            .str("code", "ERR_KEYROUTE_POLICY_TOO_MANY_RULES")
            .num("max", max),
        E::RuleTooLong { rule, len, max } => j
            .str("code", "ERR_KEYROUTE_POLICY_RULE_TOO_LONG")
            .num("rule", rule)
            .num("max", max)
            .str(
                "reason",
                &format!("{len} characters long; at most {max} are allowed"),
            ),
        E::NoTagGroup { rule } => j
            .str("code", "ERR_KEYROUTE_POLICY_NO_TAG_GROUP")
            .num("rule", rule)
            .str("reason", "no named group `tag`"),
        E::Unsupported { rule, reason } => j
            .str("code", "ERR_KEYROUTE_POLICY_UNSUPPORTED")
            .num("rule", rule)
            .str("reason", reason),
        E::DiffersFromPcre {
            rule,
            offset,
            construct,
        } => j
            .str("code", "ERR_KEYROUTE_POLICY_NOT_PCRE")
            .num("rule", rule)
            .num("offset", offset)
            .str("construct", construct)
            .str("reason", &format!("{construct} at offset {offset}")),
        _ => j.str("code", "ERR_KEYROUTE_POLICY"),
    };
    j.done()
}

pub(crate) fn plan(e: &PlanError) -> String {
    use PlanError as E;
    let code = match e {
        E::NoNodes => "NO_NODES",
        E::DuplicateNode { .. } => "DUPLICATE_NODE",
        E::UnknownNode { .. } => "UNKNOWN_NODE",
        E::BadRange { .. } => "BAD_RANGE",
        E::BadWeight { .. } => "BAD_WEIGHT",
        E::WeightsTooPrecise => "WEIGHTS_TOO_PRECISE",
        E::AllWeightsZero => "ALL_WEIGHTS_ZERO",
        E::Overlap { .. } => "OVERLAP",
        E::Uncovered { .. } => "UNCOVERED",
        E::OpenSlots { .. } => "OPEN_SLOTS",
        E::Infeasible => "INFEASIBLE",
        E::BadSlotStats { .. } => "BAD_SLOT_STATS",
        E::NoNodeId { .. } => "NO_NODE_ID",
        E::BadNodesLine { .. } => "BAD_NODES_LINE",
        E::BadNodeId { .. } => "BAD_NODE_ID",
        E::BadAddress { .. } => "BAD_ADDRESS",
        E::NoAddress { .. } => "NO_ADDRESS",
        E::BadLoadBy { .. } => "BAD_LOAD_BY",
        E::BadSample { .. } => "BAD_SAMPLE",
        E::LoadTooLarge { .. } => "LOAD_TOO_LARGE",
        E::BadLoadFile { .. } => "BAD_LOAD_FILE",
        E::BadLoadReply { .. } => "BAD_LOAD_REPLY",
        E::TargetWithLoad { .. } => "TARGET_WITH_LOAD",
        _ => "OTHER",
    };
    let j = &mut Json::new("plan", &format!("ERR_KEYROUTE_PLAN_{code}"), e);
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

/// The code of a partition error (a pool that cannot be built).
fn partition_code(e: &PartitionError) -> &'static str {
    use PartitionError as E;
    match e {
        E::NoServers => "NO_SERVERS",
        E::DuplicateName { .. } => "DUPLICATE_NAME",
        E::ZeroWeight => "ZERO_WEIGHT",
        E::WeightTooLarge => "WEIGHT_TOO_LARGE",
        E::TooManyServers => "TOO_MANY_SERVERS",
        E::RandomDistribution => "RANDOM_DISTRIBUTION",
        E::UnknownScheme { .. } => "UNKNOWN_SCHEME",
        E::UnknownHash { .. } => "UNKNOWN_HASH",
        E::UnknownDistribution { .. } => "UNKNOWN_DISTRIBUTION",
        E::BadHashTag { .. } => "BAD_HASH_TAG",
        E::LiveSetLength { .. } => "LIVE_SET_LENGTH",
        E::NoLiveServers => "NO_LIVE_SERVERS",
        E::OptionNotApplicable { .. } => "OPTION_NOT_APPLICABLE",
        E::BadTableSize { .. } => "BAD_TABLE_SIZE",
        E::UnknownOption { .. } => "UNKNOWN_OPTION",
        E::UnknownValue(_) | E::BadOption { .. } => "BAD_OPTION",
        E::TooManyPoints { .. } => "TOO_MANY_POINTS",
        E::BadEntry { .. } => "BAD_ENTRY",
        E::BadTagPattern { .. } => "BAD_TAG_PATTERN",
        E::RandomTie { .. } => "RANDOM_TIE",
        E::NoServerForKey { .. } => "NO_SERVER_FOR_KEY",
        E::Server(_) => "BAD_SERVER",
        _ => "OTHER",
    }
}

/// A value that is not one of an option's names: a `TypeError` with
/// Node's `ERR_INVALID_ARG_VALUE`, as every other bad argument.
pub(crate) fn unknown_name(e: &keyroute::error::UnknownName) -> String {
    Json::new("value", "ERR_INVALID_ARG_VALUE", e)
        .str("option", e.what)
        .str("value", &e.given)
        .done()
}

/// A pool that cannot be built.
pub(crate) fn partition(e: &PartitionError) -> String {
    use PartitionError as E;
    let code = format!("ERR_KEYROUTE_PARTITION_{}", partition_code(e));
    let j = &mut Json::new("partition", &code, e);
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
        E::BadTagPattern { pattern, .. } => j.str("pattern", pattern),
        _ => j,
    };
    j.done()
}

/// A nutcracker configuration that cannot be read: `pool` and `field` name
/// the place when there is one, `cause` the partition error behind it.
pub(crate) fn config(e: &ConfigError) -> String {
    use ConfigError as E;
    let code = match e {
        E::Syntax { .. } => "SYNTAX",
        E::NoPools => "NO_POOLS",
        E::UnknownPool { .. } => "UNKNOWN_POOL",
        E::PoolNotChosen { .. } => "POOL_NOT_CHOSEN",
        E::DuplicatePool { .. } => "DUPLICATE_POOL",
        E::UnknownField { .. } => "UNKNOWN_FIELD",
        E::DuplicateField { .. } => "DUPLICATE_FIELD",
        E::MissingField { .. } => "MISSING_FIELD",
        E::BadValue { .. } => "BAD_VALUE",
        E::Field { .. } => "FIELD",
        _ => "OTHER",
    };
    let j = &mut Json::new("config", &format!("ERR_KEYROUTE_CONFIG_{code}"), e);
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
    let j = &mut Json::new("partition", "ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH", e);
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
    let j = &mut Json::new("sharding", e.code(), e);
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
