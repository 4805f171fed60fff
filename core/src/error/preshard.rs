//! Errors of presharding plans (moving instances between hosts).

use alloc::string::String;
use core::fmt;

use super::PlanError;
use crate::partition::Scheme;

/// A presharding input that cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreshardError {
    /// No instances at all.
    NoInstances,
    /// Two instances with the same name.
    DuplicateInstance {
        /// The name.
        name: String,
    },
    /// A server without an alias in a scheme that hashes the alias: its
    /// name is its address, so moving it would move its keys.
    NoAlias {
        /// The server as configured.
        server: String,
    },
    /// A scheme that always hashes the address (libmemcached, Predis,
    /// node-hashring, pymemcache): no instance can move without its keys.
    AddressHashed {
        /// The scheme.
        scheme: Scheme,
    },
    /// A unix-socket instance: it cannot move to another host.
    NotMovable {
        /// The server as configured.
        server: String,
    },
    /// A port that is not a number in 1..=65535.
    BadPort {
        /// The instance.
        name: String,
    },
    /// No free port left on a host.
    NoFreePort {
        /// The host.
        host: String,
    },
    /// The weights cannot be planned (all zero, too precise).
    Plan(PlanError),
}

impl fmt::Display for PreshardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoInstances => f.write_str("no instances to place"),
            Self::DuplicateInstance { name } => write!(f, "instance {name} is given twice"),
            Self::NoAlias { server } => write!(
                f,
                "server {server:?} has no alias: its keys are placed by its address, so it cannot \
                 move without them; give every server an alias first (a resharding of its own)"
            ),
            Self::AddressHashed { scheme } => write!(
                f,
                "{scheme} hashes server addresses: moving an instance moves its keys"
            ),
            Self::NotMovable { server } => {
                write!(
                    f,
                    "{server:?} is a unix socket: it cannot move to another host"
                )
            }
            Self::BadPort { name } => write!(f, "instance {name}: bad port"),
            Self::NoFreePort { host } => write!(f, "no free port left on {host}"),
            Self::Plan(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for PreshardError {}

impl From<PlanError> for PreshardError {
    fn from(e: PlanError) -> Self {
        PreshardError::Plan(e)
    }
}

impl PreshardError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoInstances => "ERR_KEYROUTE_PRESHARD_NO_INSTANCES",
            Self::DuplicateInstance { .. } => "ERR_KEYROUTE_PRESHARD_DUPLICATE_INSTANCE",
            Self::NoAlias { .. } => "ERR_KEYROUTE_PRESHARD_NO_ALIAS",
            Self::AddressHashed { .. } => "ERR_KEYROUTE_PRESHARD_ADDRESS_HASHED",
            Self::NotMovable { .. } => "ERR_KEYROUTE_PRESHARD_NOT_MOVABLE",
            Self::BadPort { .. } => "ERR_KEYROUTE_PRESHARD_BAD_PORT",
            Self::NoFreePort { .. } => "ERR_KEYROUTE_PRESHARD_NO_FREE_PORT",
            Self::Plan(e) => e.code(),
        }
    }
}
