//! Errors of client-side sharding: a pool, or one of its server entries,
//! that cannot be built as configured.

use core::fmt;

use alloc::string::String;

use super::UnknownName;

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

#[cfg(feature = "alloc")]
impl ServerError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadFormat { .. }
            | Self::BadPort { .. }
            | Self::BadWeight { .. }
            | Self::ZeroWeight { .. }
            | Self::Unresolved { .. } => "ERR_KEYROUTE_PARTITION_BAD_SERVER",
        }
    }
}

#[cfg(feature = "alloc")]
impl PartitionError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoServers => "ERR_KEYROUTE_PARTITION_NO_SERVERS",
            Self::DuplicateName { .. } => "ERR_KEYROUTE_PARTITION_DUPLICATE_NAME",
            Self::ZeroWeight => "ERR_KEYROUTE_PARTITION_ZERO_WEIGHT",
            Self::WeightTooLarge => "ERR_KEYROUTE_PARTITION_WEIGHT_TOO_LARGE",
            Self::TooManyServers => "ERR_KEYROUTE_PARTITION_TOO_MANY_SERVERS",
            Self::RandomDistribution => "ERR_KEYROUTE_PARTITION_RANDOM_DISTRIBUTION",
            Self::UnknownScheme { .. } => "ERR_KEYROUTE_PARTITION_UNKNOWN_SCHEME",
            Self::UnknownHash { .. } => "ERR_KEYROUTE_PARTITION_UNKNOWN_HASH",
            Self::UnknownDistribution { .. } => "ERR_KEYROUTE_PARTITION_UNKNOWN_DISTRIBUTION",
            Self::BadHashTag { .. } => "ERR_KEYROUTE_PARTITION_BAD_HASH_TAG",
            Self::LiveSetLength { .. } => "ERR_KEYROUTE_PARTITION_LIVE_SET_LENGTH",
            Self::NoLiveServers => "ERR_KEYROUTE_PARTITION_NO_LIVE_SERVERS",
            Self::OptionNotApplicable { .. } => "ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE",
            Self::UnknownOption { .. } => "ERR_KEYROUTE_PARTITION_UNKNOWN_OPTION",
            Self::UnknownValue(_) | Self::BadOption { .. } => "ERR_KEYROUTE_PARTITION_BAD_OPTION",
            Self::BadTableSize { .. } => "ERR_KEYROUTE_PARTITION_BAD_TABLE_SIZE",
            Self::TooManyPoints { .. } => "ERR_KEYROUTE_PARTITION_TOO_MANY_POINTS",
            Self::BadEntry { .. } => "ERR_KEYROUTE_PARTITION_BAD_ENTRY",
            Self::BadTagPattern { .. } => "ERR_KEYROUTE_PARTITION_BAD_TAG_PATTERN",
            Self::RandomTie { .. } => "ERR_KEYROUTE_PARTITION_RANDOM_TIE",
            Self::NoServerForKey { .. } => "ERR_KEYROUTE_PARTITION_NO_SERVER_FOR_KEY",
            Self::Server(e) => e.code(),
        }
    }
}
