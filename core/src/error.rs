//! Errors, one small enum per concern. Every variant says what was wrong and
//! names the offending part; none needs allocation to be raised on a hot path
//! except where it carries the text it reports.

use core::fmt;

#[cfg(feature = "alloc")]
pub use crate::names::UnknownName;

#[cfg(feature = "alloc")]
use alloc::string::String;
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// A cluster topology that cannot be built or cannot answer.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopologyError {
    /// No shard serves this slot, as the server's
    /// `CLUSTERDOWN Hash slot not served`.
    SlotNotServed {
        /// The slot nobody serves.
        slot: u16,
    },
    /// Two shards claim the same slot.
    Overlap {
        /// The first slot claimed twice.
        slot: u16,
        /// `host:port` of the primary that claimed it first.
        first: String,
        /// `host:port` of the primary that claimed it again.
        second: String,
    },
    /// The reply does not have the shape of the command's reply.
    Malformed {
        /// Where in the reply, e.g. `CLUSTER SLOTS[2][1]`.
        at: String,
        /// What was expected there.
        expected: &'static str,
    },
    /// A slot number outside 0..=16383, or a range that ends before it starts.
    BadRange {
        /// Where in the reply.
        at: String,
        /// First slot as given.
        start: i64,
        /// Last slot as given.
        end: i64,
    },
    /// A shard in a `CLUSTER SHARDS` reply with slots but no primary.
    NoPrimary {
        /// Index of the shard in the reply.
        shard: usize,
    },
    /// A node has no usable address and no answering node was given to stand in.
    NoAddress {
        /// Where in the reply.
        at: String,
    },
    /// The map's hashing policy has no rule matching the key.
    NoRuleMatched {
        /// Position of the key in the caller's list (0 for a single key).
        position: usize,
    },
    /// The shards given for a cluster map and the map's primaries differ.
    PrimaryMismatch {
        /// The primary (`host:port`) named on one side only.
        name: String,
        /// Whether it is a primary of the map (and no shard was given for
        /// it), or a shard given that the map does not have as a primary.
        in_map: bool,
    },
    /// More shards than a map holds (`CLUSTER SHARDS` entries, or primaries
    /// in `CLUSTER SLOTS`).
    TooManyShards {
        /// The limit, [`crate::cluster::MAX_SHARDS`].
        max: usize,
    },
    /// The pool's library has no server for the key
    /// ([`PartitionError::NoServerForKey`]).
    NoServerForKey {
        /// The pool's scheme.
        scheme: &'static str,
        /// Why: what the library does with the key instead.
        reason: &'static str,
        /// Position of the key in the caller's list (0 for a single key).
        position: usize,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SlotNotServed { slot } => write!(f, "hash slot {slot} is not served by any shard"),
            Self::Overlap { slot, first, second } if first == second => {
                write!(f, "slot {slot} is claimed twice by {first}")
            }
            Self::Overlap { slot, first, second } => {
                write!(f, "slot {slot} is claimed by both {first} and {second}")
            }
            Self::Malformed { at, expected } => write!(f, "malformed reply at {at}: expected {expected}"),
            Self::BadRange { at, start, end } => {
                write!(f, "bad slot range at {at}: {start}..={end} (slots are 0..=16383)")
            }
            Self::NoPrimary { shard } => write!(f, "shard {shard} of the reply has slots but no primary"),
            Self::NoRuleMatched { position } => {
                write!(f, "key {position}: no rule of the hashing policy matches it")
            }
            Self::NoServerForKey {
                scheme,
                reason,
                position,
            } => write!(f, "key {position}: {scheme} has no server for it: {reason}"),
            Self::PrimaryMismatch { name, in_map: true } => {
                write!(f, "the cluster's primary {name} is not among the shards given: give a client for every primary")
            }
            Self::PrimaryMismatch { name, in_map: false } => {
                write!(f, "{name} is not a primary of the cluster map: give the primaries as host:port")
            }
            Self::NoAddress { at } => write!(
                f,
                "node at {at} has no usable address (empty, \"?\" or null) and no answering node was given"
            ),
            Self::TooManyShards { max } => {
                write!(f, "more than {max} shards: a cluster map holds at most {max}")
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for TopologyError {}

/// A `MOVED`/`ASK` error text that cannot be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectError {
    /// The text is not `MOVED <slot> <host>:<port>` or `ASK <slot> <host>:<port>`.
    NotARedirect,
    /// The slot is not a number in 0..=16383.
    BadSlot,
    /// The endpoint has no `:port`, or the port is not a number in 1..=65535.
    BadEndpoint,
    /// The endpoint's host is empty or `?` and no answering node was given.
    UnknownHost,
    /// A `MOVED` to a new node when the map already holds
    /// [`crate::cluster::MAX_SHARDS`] shards; the map is unchanged.
    TooManyShards,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotARedirect => "not a redirect: expected \"MOVED <slot> <host>:<port>\" or \"ASK <slot> <host>:<port>\"",
            Self::BadSlot => "bad slot in redirect: expected a number in 0..=16383",
            Self::BadEndpoint => "bad endpoint in redirect: expected <host>:<port> with a port in 1..=65535",
            Self::UnknownHost => "redirect names no host (empty or \"?\") and no answering node was given",
            Self::TooManyShards => "MOVED to a new node refused: the map already holds 65535 shards, the most it can",
        })
    }
}

impl core::error::Error for RedirectError {}

/// A command the table cannot answer for, or that the server would refuse
/// before routing it.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The argument vector is empty.
    Empty,
    /// No such command (the server: `unknown command`).
    UnknownCommand {
        /// The name as given (lossy UTF-8).
        name: String,
    },
    /// No such subcommand of a container command (the server: `unknown subcommand`).
    UnknownSubcommand {
        /// The container command, lower case.
        command: String,
        /// The subcommand as given (lossy UTF-8).
        subcommand: String,
    },
    /// The argument count fails the command's arity (the server: `wrong number of arguments`).
    WrongArity {
        /// The command, lower case (`container|sub` for subcommands).
        command: String,
    },
    /// `COMMAND GETKEYS` only: the command takes no keys at all.
    NoKeyArguments {
        /// The command.
        command: String,
    },
    /// `COMMAND GETKEYS` only: the arguments give no keys
    /// (the server: `Invalid arguments specified for command`).
    InvalidArguments {
        /// The command.
        command: String,
    },
    /// Keys in different hash slots (the server: `CROSSSLOT`).
    CrossSlot {
        /// Position in argv of the first key.
        first: usize,
        /// Position in argv of the first key in another slot.
        other: usize,
        /// Slot of the first key.
        first_slot: u16,
        /// Slot of the other key.
        other_slot: u16,
    },
    /// Keys of a MULTI/EXEC block in different hash slots (EXEC would fail).
    CrossSlotTransaction {
        /// (command index, argv position) of the first key.
        first: (usize, usize),
        /// (command index, argv position) of the first key in another slot.
        other: (usize, usize),
        /// Slot of the first key.
        first_slot: u16,
        /// Slot of the other key.
        other_slot: u16,
    },
    /// A command whose keys span slots and whose atomicity a split would break.
    NotSplittable {
        /// The command.
        command: String,
    },
    /// The table's hashing policy has no rule matching a key.
    NoRuleMatched {
        /// Position in argv of the key.
        pos: usize,
    },
    /// A `COMMAND` reply that cannot be read.
    MalformedReply {
        /// Where in the reply.
        at: String,
        /// What was expected there.
        expected: &'static str,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty command"),
            Self::UnknownCommand { name } => write!(f, "unknown command '{name}'"),
            Self::UnknownSubcommand { command, subcommand } => {
                write!(f, "unknown subcommand '{subcommand}' of '{command}'")
            }
            Self::WrongArity { command } => write!(f, "wrong number of arguments for '{command}' command"),
            Self::NoKeyArguments { command } => write!(f, "'{command}' has no key arguments"),
            Self::InvalidArguments { command } => write!(f, "invalid arguments for '{command}': no keys found"),
            Self::CrossSlot { first, other, first_slot, other_slot } => write!(
                f,
                "keys in request don't hash to the same slot: argument {first} is in slot {first_slot}, \
                 argument {other} in slot {other_slot}"
            ),
            Self::CrossSlotTransaction { first, other, first_slot, other_slot } => write!(
                f,
                "keys in the transaction don't hash to the same slot: command {} argument {} is in slot \
                 {first_slot}, command {} argument {} in slot {other_slot}",
                first.0, first.1, other.0, other.1
            ),
            Self::NotSplittable { command } => write!(
                f,
                "'{command}' keys span several slots and splitting it would break its atomicity"
            ),
            Self::NoRuleMatched { pos } => {
                write!(f, "argument {pos}: no rule of the hashing policy matches this key")
            }
            Self::MalformedReply { at, expected } => {
                write!(f, "malformed COMMAND reply at {at}: expected {expected}")
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for CommandError {}

/// A server entry of a sharded pool that cannot be read.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerError {
    /// Not `host:port[:weight] [name]` or `/path[:weight] [name]`.
    BadFormat {
        /// The entry as written.
        server: String,
    },
    /// The port is not a number in 1..=65535.
    BadPort {
        /// The entry as written.
        server: String,
    },
    /// The weight is not a positive decimal number below 10^9.
    BadWeight {
        /// The entry as written.
        server: String,
    },
    /// The weight is zero, which twemproxy refuses.
    ZeroWeight {
        /// The entry as written.
        server: String,
    },
    /// A host name without its address, where the library names a server
    /// by the address the name resolved to (spymemcached's node keys).
    Unresolved {
        /// The entry as written.
        server: String,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadFormat { server } => write!(
                f,
                "server {server:?}: expected \"host:port:weight [name]\" or \"/path/to.sock:weight [name]\""
            ),
            Self::BadPort { server } => write!(f, "server {server:?}: the port is not a number in 1..=65535"),
            Self::BadWeight { server } => write!(f, "server {server:?}: the weight is not a positive number"),
            Self::ZeroWeight { server } => write!(f, "server {server:?}: the weight is zero"),
            Self::Unresolved { server } => write!(
                f,
                "server {server:?}: the library names a server by the address its name resolved \
                 to: write it as \"name/ip:port\" or \"ip:port\""
            ),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for ServerError {}

/// `"a", "b", "c"`
#[cfg(feature = "alloc")]
fn names<'a>(f: &mut fmt::Formatter<'_>, names: impl Iterator<Item = &'a str>) -> fmt::Result {
    for (i, n) in names.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "\"{n}\"")?;
    }
    Ok(())
}

/// A sharded pool that cannot be built as configured.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartitionError {
    /// The server list is empty.
    NoServers,
    /// Two servers have the same name (alias, or address where that is the name).
    DuplicateName {
        /// The name given twice.
        name: String,
    },
    /// A weight of zero.
    ZeroWeight,
    /// The weights add up to more than the scheme can lay out.
    WeightTooLarge,
    /// More servers than the scheme can index.
    TooManyServers,
    /// `distribution: random`: twemproxy picks with `random()`, which no one
    /// can reproduce.
    RandomDistribution,
    /// A scheme name keyroute does not know.
    UnknownScheme {
        /// The name as given.
        name: String,
    },
    /// A hash function name the scheme does not know.
    UnknownHash {
        /// The name as given.
        name: String,
    },
    /// A distribution name twemproxy does not know.
    UnknownDistribution {
        /// The name as given.
        name: String,
    },
    /// A `hash_tag` that is not exactly two bytes.
    BadHashTag {
        /// The tag as given.
        tag: String,
    },
    /// A live-server set whose length is not the number of servers.
    LiveSetLength {
        /// The number of servers.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// Every server is marked as ejected: twemproxy has nowhere to send keys.
    NoLiveServers,
    /// An option the chosen scheme does not have.
    OptionNotApplicable {
        /// The scheme.
        scheme: &'static str,
        /// The option.
        option: &'static str,
    },
    /// An option name keyroute does not know.
    UnknownOption {
        /// The name as given.
        name: String,
    },
    /// An option value that is not one of the option's names.
    UnknownValue(UnknownName),
    /// An option value of the wrong kind or out of range.
    BadOption {
        /// The option.
        option: &'static str,
        /// What it takes.
        expected: &'static str,
    },
    /// A maglev table size that is not a prime at least as large as the
    /// number of servers, or is larger than 2^24.
    BadTableSize {
        /// The size as given.
        size: u64,
    },
    /// More ring points than a pool may have
    /// ([`crate::partition::MAX_RING_POINTS`]).
    TooManyPoints {
        /// The points the configuration would lay out.
        points: u64,
        /// The limit.
        max: u64,
    },
    /// A server given as a mapping entry with a field the library does not
    /// read that way (see `partition::entry`).
    BadEntry {
        /// The entry's key.
        server: String,
        /// The field.
        field: String,
        /// What the library takes there.
        expected: &'static str,
    },
    /// redis-rb's `tag:` pattern that keyroute cannot read as Ruby does
    /// (see `partition::ruby_tag`).
    BadTagPattern {
        /// The pattern as given.
        pattern: String,
        /// What in it is refused, or why it does not compile.
        reason: String,
    },
    /// Two servers' points coincide where the library breaks the tie at
    /// random (go-redis v5 to v7 iterate a Go map), so no answer is certain.
    RandomTie {
        /// The two servers, as written.
        servers: [String; 2],
    },
    /// A key the library reproduced has no server for: phpredis
    /// RedisArray computes a position past its host list (see
    /// `partition::phpredis`), where it reads past its own memory; Dalli's
    /// client refuses an empty key (`partition::dalli`).
    NoServerForKey {
        /// The scheme.
        scheme: &'static str,
        /// Why: what the library does with the key instead.
        reason: &'static str,
    },
    /// A server entry that cannot be read.
    Server(ServerError),
}

#[cfg(feature = "alloc")]
impl fmt::Display for PartitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoServers => f.write_str("the server list is empty"),
            Self::DuplicateName { name } => write!(f, "two servers are named {name:?}"),
            Self::ZeroWeight => f.write_str("a server has weight zero"),
            Self::WeightTooLarge => f.write_str("the weights add up to more than the scheme can lay out"),
            Self::TooManyServers => f.write_str("too many servers"),
            Self::RandomDistribution => f.write_str(
                "distribution \"random\" cannot be reproduced: twemproxy picks a server with random()",
            ),
            Self::UnknownScheme { name } => {
                write!(f, "unknown scheme {name:?}: expected one of ")?;
                names(f, crate::partition::Scheme::ALL.iter().map(|s| s.name()))
            }
            Self::UnknownHash { name } => {
                write!(f, "unknown hash {name:?}: expected one of ")?;
                names(f, crate::partition::hash::twemproxy::TwemproxyHash::ALL.iter().map(|h| h.name()))
            }
            Self::UnknownDistribution { name } => {
                write!(f, "unknown distribution {name:?} (expected ketama or modula)")
            }
            Self::BadHashTag { tag } => write!(f, "hash_tag {tag:?} is not exactly two characters"),
            Self::LiveSetLength { expected, got } => {
                write!(f, "the live set has {got} entries for {expected} servers")
            }
            Self::NoLiveServers => f.write_str("every server is ejected"),
            Self::OptionNotApplicable { scheme, option } => {
                write!(f, "scheme {scheme} has no option {option}")
            }
            Self::UnknownOption { name } => {
                write!(f, "unknown option \"{name}\": expected one of ")?;
                names(f, crate::partition::Options::NAMES.iter().copied())
            }
            Self::UnknownValue(e) => e.fmt(f),
            Self::BadOption { option, expected } => write!(f, "option {option}: expected {expected}"),
            Self::BadTableSize { size } => write!(
                f,
                "maglev table size {size} is not a prime >= the number of servers and <= 2^24"
            ),
            Self::TooManyPoints { points, max } => write!(
                f,
                "the ring would have {points} points; at most {max} are allowed (fewer servers, \
                 smaller weights or vnodes)"
            ),
            Self::BadEntry {
                server,
                field,
                expected,
            } => write!(f, "server {server:?}: field {field:?}: expected {expected}"),
            Self::BadTagPattern { pattern, reason } => {
                write!(f, "tag pattern {pattern:?} is refused: {reason}")
            }
            Self::RandomTie { servers } => write!(
                f,
                "servers {:?} and {:?} share a ring point, which the library gives to either at random",
                servers[0], servers[1]
            ),
            Self::NoServerForKey { scheme, reason } => {
                write!(f, "{scheme} has no server for this key: {reason}")
            }
            Self::Server(e) => e.fmt(f),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for PartitionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Server(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "alloc")]
impl From<ServerError> for PartitionError {
    fn from(e: ServerError) -> Self {
        PartitionError::Server(e)
    }
}

/// No rule of a hashing policy matches the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoRuleMatched;

impl fmt::Display for NoRuleMatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no rule of the hashing policy matches the key")
    }
}

impl core::error::Error for NoRuleMatched {}

/// A hashing policy that cannot be built.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// A policy needs at least one rule.
    NoRules,
    /// More rules than allowed.
    TooManyRules {
        /// The limit.
        max: usize,
    },
    /// A rule longer than allowed.
    RuleTooLong {
        /// Index of the rule.
        rule: usize,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A rule without a named group `tag`.
    NoTagGroup {
        /// Index of the rule.
        rule: usize,
    },
    /// A rule the engine cannot compile (bad syntax, too large).
    Unsupported {
        /// Index of the rule.
        rule: usize,
        /// Why.
        reason: String,
    },
    /// A construct that PCRE2, the engine of Redis Software's policies,
    /// reads in a way this engine does not reproduce (possessive
    /// quantifiers, atomic groups, look-around, backreferences, `$`, `\Z`,
    /// and the others listed in `docs/policies.md`): keys would hash
    /// differently, so the rule is refused.
    DiffersFromPcre {
        /// Index of the rule.
        rule: usize,
        /// Byte offset of the construct in the rule.
        offset: usize,
        /// The construct, and what PCRE2 makes of it.
        construct: &'static str,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRules => f.write_str("a hashing policy needs at least one rule"),
            Self::TooManyRules { max } => write!(f, "a hashing policy has at most {max} rules"),
            Self::RuleTooLong { rule, len, max } => {
                write!(
                    f,
                    "rule {rule} is {len} characters long; at most {max} are allowed"
                )
            }
            Self::NoTagGroup { rule } => {
                write!(f, "rule {rule} has no named group `tag`, e.g. (?<tag>...)")
            }
            Self::Unsupported { rule, reason } => write!(f, "rule {rule} cannot be used: {reason}"),
            Self::DiffersFromPcre {
                rule,
                offset,
                construct,
            } => write!(
                f,
                "rule {rule} cannot be used: {construct} at offset {offset}; PCRE2 reads it \
                 differently than this engine can, so keys would not hash as Redis Software \
                 hashes them"
            ),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for PolicyError {}

/// A nutcracker (twemproxy) YAML configuration that cannot be read, or a pool
/// in it that cannot be routed. Every variant names the pool and the field.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Text that is not the YAML subset nutcracker reads (a mapping of pools,
    /// each a mapping of `key: value` and one `servers:` sequence).
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong there.
        problem: &'static str,
    },
    /// The document has no pools.
    NoPools,
    /// The pool asked for is not in the document.
    UnknownPool {
        /// The name asked for.
        pool: String,
    },
    /// No pool was named and the document has several.
    PoolNotChosen {
        /// How many pools the document has.
        pools: usize,
    },
    /// Two pools with the same name.
    DuplicatePool {
        /// The name given twice.
        pool: String,
    },
    /// A directive nutcracker does not know.
    UnknownField {
        /// The pool.
        pool: String,
        /// The directive.
        field: String,
    },
    /// A directive given twice in one pool.
    DuplicateField {
        /// The pool.
        pool: String,
        /// The directive.
        field: String,
    },
    /// A directive nutcracker requires is missing (`listen`, `servers`).
    MissingField {
        /// The pool.
        pool: String,
        /// The directive.
        field: &'static str,
    },
    /// A directive whose value is not what nutcracker accepts (a boolean that
    /// is not `true`/`false`, a number that is not one, a list for a scalar).
    BadValue {
        /// The pool.
        pool: String,
        /// The directive.
        field: &'static str,
        /// The value as written.
        value: String,
    },
    /// A directive whose value cannot be routed: an unknown hash or
    /// distribution, `random`, a bad `hash_tag`, a bad or duplicate server,
    /// an empty server list, a zero weight.
    Field {
        /// The pool.
        pool: String,
        /// The directive.
        field: &'static str,
        /// What is wrong with it.
        error: PartitionError,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { line, problem } => write!(f, "nutcracker config line {line}: {problem}"),
            Self::NoPools => f.write_str("nutcracker config has no pools"),
            Self::UnknownPool { pool } => write!(f, "nutcracker config has no pool {pool:?}"),
            Self::PoolNotChosen { pools } => {
                write!(
                    f,
                    "nutcracker config has {pools} pools: name the one to use"
                )
            }
            Self::DuplicatePool { pool } => {
                write!(f, "nutcracker config defines pool {pool:?} twice")
            }
            Self::UnknownField { pool, field } => {
                write!(f, "pool {pool:?}: unknown directive {field:?}")
            }
            Self::DuplicateField { pool, field } => {
                write!(f, "pool {pool:?}: directive {field:?} given twice")
            }
            Self::MissingField { pool, field } => {
                write!(f, "pool {pool:?}: directive {field:?} is missing")
            }
            Self::BadValue { pool, field, value } => {
                write!(f, "pool {pool:?}, {field}: invalid value {value:?}")
            }
            Self::Field { pool, field, error } => write!(f, "pool {pool:?}, {field}: {error}"),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Field { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A resharding input that cannot be planned.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// No nodes at all.
    NoNodes,
    /// The same node id twice.
    DuplicateNode {
        /// The id.
        id: String,
    },
    /// A weight, drain or target for a node the input does not have.
    UnknownNode {
        /// The id.
        id: String,
    },
    /// A slot range outside 0..=16383 or backwards.
    BadRange {
        /// The node.
        id: String,
        /// First slot.
        start: u32,
        /// Last slot.
        end: u32,
    },
    /// A weight that is not a non-negative integer, decimal or fraction.
    BadWeight {
        /// The text given.
        text: String,
    },
    /// Weights whose common denominator overflows.
    WeightsTooPrecise,
    /// Every weight is zero.
    AllWeightsZero,
    /// Two nodes claim a slot.
    Overlap {
        /// The slot.
        slot: u16,
        /// One node.
        first: String,
        /// The other node.
        second: String,
    },
    /// Slots nobody serves.
    Uncovered {
        /// The unserved ranges.
        ranges: Vec<(u16, u16)>,
    },
    /// Slots in the middle of a migration (importing or migrating).
    OpenSlots {
        /// The open slots.
        slots: Vec<u16>,
    },
    /// Explicit targets that cannot add up to 16384.
    Infeasible,
    /// Per-slot statistics of the wrong length.
    BadSlotStats {
        /// The length given.
        len: usize,
    },
    /// A primary without a node id (needed to name it in the plan).
    NoNodeId {
        /// Its address.
        addr: String,
    },
    /// A `CLUSTER NODES` line that cannot be read.
    BadNodesLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A node id that is not 40 lowercase hexadecimal characters, as the
    /// server makes them.
    BadNodeId {
        /// The id as given.
        id: String,
    },
    /// A node address that is not `host:port` (an IPv4 or IPv6 address or a
    /// host name, a port in 1..=65535).
    BadAddress {
        /// The node.
        id: String,
        /// The address as given.
        addr: String,
    },
    /// A script that needs the address of a node given without one (the
    /// legacy script names every node's).
    NoAddress {
        /// The node.
        id: String,
    },
    /// A load source that is not `keys`, `memory`, `slot-stats` or
    /// `slot-stats:<statistic>`.
    BadLoadBy {
        /// The name given.
        given: String,
    },
    /// A sample size for a load other than memory, or a memory sample
    /// outside 1..=1000 keys per slot.
    BadSample {
        /// The sample size given.
        sample: u32,
    },
    /// A slot's load above 2^53 - 1, or a total above 2^62.
    LoadTooLarge {
        /// The slot, when one slot's load is too large.
        slot: Option<u16>,
    },
    /// A load file that is not a JSON object of slot numbers to integers.
    BadLoadFile {
        /// Byte offset of the problem.
        offset: usize,
        /// What was expected there.
        expected: String,
    },
    /// A reply to a load measurement that cannot be read, or an error reply.
    BadLoadReply {
        /// The node asked (`host:port`).
        node: String,
        /// The command.
        command: String,
        /// What is wrong.
        reason: String,
    },
    /// An explicit slot-count target in a load plan, where the load decides
    /// the counts.
    TargetWithLoad {
        /// The node given a target.
        id: String,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoNodes => f.write_str("no nodes to plan for"),
            Self::DuplicateNode { id } => write!(f, "node {id} is given twice"),
            Self::UnknownNode { id } => write!(f, "unknown node id {id}"),
            Self::BadRange { id, start, end } => {
                write!(f, "node {id}: bad slot range {start}-{end}")
            }
            Self::BadWeight { text } => {
                write!(
                    f,
                    "bad weight {text:?}: expected a non-negative integer, decimal or fraction"
                )
            }
            Self::WeightsTooPrecise => {
                f.write_str("weights too precise: their common denominator overflows")
            }
            Self::AllWeightsZero => {
                f.write_str("every weight is zero: no node could hold the slots")
            }
            Self::Overlap {
                slot,
                first,
                second,
            } => write!(f, "slot {slot} is held by both {first} and {second}"),
            Self::Uncovered { ranges } => {
                f.write_str("slots served by no node:")?;
                for (a, b) in ranges.iter().take(10) {
                    write!(f, " {a}-{b}")?;
                }
                Ok(())
            }
            Self::OpenSlots { slots } => {
                f.write_str("slots in the middle of a migration (finish or fix them first):")?;
                for s in slots.iter().take(20) {
                    write!(f, " {s}")?;
                }
                Ok(())
            }
            Self::Infeasible => f.write_str("the targets cannot add up to 16384 slots"),
            Self::BadSlotStats { len } => {
                write!(f, "per-slot statistics need 16384 entries, got {len}")
            }
            Self::NoNodeId { addr } => write!(f, "primary {addr} has no node id"),
            Self::BadNodesLine { line, reason } => write!(f, "CLUSTER NODES line {line}: {reason}"),
            Self::BadNodeId { id } => write!(
                f,
                "node id {id:?} is not 40 lowercase hexadecimal characters, as the server makes them"
            ),
            Self::BadAddress { id, addr } => write!(
                f,
                "node {id}: address {addr:?} is not host:port (an IP address or host name, a port in \
                 1..=65535)"
            ),
            Self::NoAddress { id } => write!(
                f,
                "node {id} has no address, which the legacy script needs for every node: give it as \
                 id=host:port"
            ),
            Self::BadLoadBy { given } => write!(
                f,
                "unknown load {given:?}: expected \"keys\", \"memory\", \"slot-stats\" or \
                 \"slot-stats:<key-count|cpu-usec|network-bytes-in|network-bytes-out|memory-bytes>\""
            ),
            Self::BadSample { sample } => write!(
                f,
                "sample {sample}: a memory load samples 1 to 1000 keys per slot; other loads take \
                 no sample"
            ),
            Self::LoadTooLarge { slot: Some(s) } => {
                write!(f, "slot {s}: a load above 2^53 - 1")
            }
            Self::LoadTooLarge { slot: None } => f.write_str("a total load above 2^62"),
            Self::BadLoadFile { offset, expected } => {
                write!(f, "load file, byte {offset}: expected {expected}")
            }
            Self::BadLoadReply {
                node,
                command,
                reason,
            } => {
                if node.is_empty() {
                    write!(f, "load measurement: {reason}")
                } else {
                    write!(f, "{node}: {command}: {reason}")
                }
            }
            Self::TargetWithLoad { id } => write!(
                f,
                "node {id} has a slot-count target, but a load plan sets slot counts by load: \
                 give weights instead"
            ),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for PlanError {}
