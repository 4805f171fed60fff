//! Errors, one small enum per concern, one file per concern. Every variant
//! says what was wrong and names the offending part; none needs allocation
//! to be raised on a hot path except where it carries the text it reports.
//!
//! Every error has `code()`: a stable `ERR_KEYROUTE_*` string per variant,
//! the one the Python and JS packages expose. [`CLASSES`] is the class tree
//! both packages build from those codes (`tests/vectors/errors.json`).

#[cfg(feature = "alloc")]
mod command;
#[cfg(feature = "alloc")]
mod config;
#[cfg(feature = "alloc")]
mod moved;
#[cfg(feature = "alloc")]
mod names;
#[cfg(feature = "alloc")]
mod partition;
#[cfg(feature = "alloc")]
mod plan;
mod policy;
#[cfg(feature = "alloc")]
mod preshard;
mod redirect;
#[cfg(feature = "alloc")]
mod resp;
#[cfg(feature = "alloc")]
pub(crate) mod shard;
#[cfg(feature = "alloc")]
mod topology;
mod tree;

#[cfg(feature = "alloc")]
pub use self::command::CommandError;
#[cfg(feature = "alloc")]
pub use self::config::ConfigError;
#[cfg(feature = "alloc")]
pub use self::moved::MovedError;
#[cfg(feature = "alloc")]
pub use self::names::UnknownName;
#[cfg(feature = "alloc")]
pub use self::partition::{PartitionError, ServerError};
#[cfg(feature = "alloc")]
pub use self::plan::PlanError;
pub use self::policy::NoRuleMatched;
#[cfg(feature = "alloc")]
pub use self::policy::PolicyError;
#[cfg(feature = "alloc")]
pub use self::preshard::PreshardError;
pub use self::redirect::RedirectError;
#[cfg(feature = "alloc")]
pub use self::resp::RespError;
#[cfg(feature = "alloc")]
pub use self::shard::{
    Conflict, KeylessReason, Origin, Outcome, ShardError, TransactionState, Unroutable,
};
#[cfg(feature = "alloc")]
pub use self::topology::TopologyError;
pub use self::tree::{class_of, ClassDetails, ErrorClass, CLASSES, DETAILS, OUTSIDE_CLASSES};

#[cfg(all(test, feature = "alloc"))]
mod tests;
