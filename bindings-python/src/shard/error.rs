//! The sharding refusals as exception classes, and the one place a core
//! [`ShardError`] becomes one.
//!
//! The tree and the codes are the core's (`ShardError::code`), the message
//! is its `Display`; what the refusal names is also an attribute:
//! `command`, `shards` (names), `shard_indexes`, `position` (in a pipeline
//! or transaction, else `None`), and per class `reason` (keyless), the two
//! origins `positions` / `commands` (a transaction), the core's cause as
//! `__cause__` (unroutable).

use keyroute::shard::{ShardError, Unroutable};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::{command_error, obj, topology_error, with_attrs, KeyrouteError};

pyo3::create_exception!(
    keyroute,
    ShardingError,
    KeyrouteError,
    "A sharded client's refusal: nothing was sent to any shard."
);
pyo3::create_exception!(
    keyroute,
    CrossShardError,
    ShardingError,
    "The keys of a command that cannot be split are on several shards (or, with a cluster map, in several slots)."
);
pyo3::create_exception!(
    keyroute,
    NotColocatedError,
    CrossShardError,
    "strict_tags: the keys of a command that is not split do not share one hash tag."
);
pyo3::create_exception!(
    keyroute,
    CrossShardTransactionError,
    CrossShardError,
    "A transaction (or WATCH) whose commands cannot run on one shard."
);
pyo3::create_exception!(
    keyroute,
    KeylessCommandError,
    ShardingError,
    "A command without keys that no shard is the home of: run it on a shard's own client."
);
pyo3::create_exception!(
    keyroute,
    UnroutableCommandError,
    ShardingError,
    "A command the table cannot route (unknown, wrong arity) or a key no shard serves."
);
pyo3::create_exception!(
    keyroute,
    TransactionStateError,
    ShardingError,
    "MULTI, WATCH, EXEC or DISCARD out of turn."
);

pyo3::create_exception!(
    keyroute,
    PartialReplyError,
    KeyrouteError,
    "A split or fanned-out command some of whose shards gave no reply: the others' replies are not returned."
);
pyo3::create_exception!(
    keyroute,
    PartialWriteError,
    PartialReplyError,
    "A split or fanned-out command that may change state reached some shards and not others: `applied` names the shards whose parts took effect."
);

/// Adds the classes to the module, each with its code as the class
/// attribute `code`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = [
        (py.get_type::<ShardingError>(), "ERR_KEYROUTE_SHARDING"),
        (py.get_type::<CrossShardError>(), "ERR_KEYROUTE_CROSS_SHARD"),
        (
            py.get_type::<NotColocatedError>(),
            "ERR_KEYROUTE_NOT_COLOCATED",
        ),
        (
            py.get_type::<CrossShardTransactionError>(),
            "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION",
        ),
        (py.get_type::<KeylessCommandError>(), "ERR_KEYROUTE_KEYLESS"),
        (
            py.get_type::<UnroutableCommandError>(),
            "ERR_KEYROUTE_UNROUTABLE",
        ),
        (
            py.get_type::<TransactionStateError>(),
            "ERR_KEYROUTE_TRANSACTION_STATE",
        ),
        (
            py.get_type::<PartialReplyError>(),
            "ERR_KEYROUTE_PARTIAL_REPLY",
        ),
        (
            py.get_type::<PartialWriteError>(),
            "ERR_KEYROUTE_PARTIAL_WRITE",
        ),
    ];
    for (class, code) in classes {
        class.setattr("code", code)?;
        m.add(class.name()?, class)?;
    }
    Ok(())
}

/// A core refusal as its Python class. `argv` gives the bytes of the
/// refused command's arguments, for a cause that names a key.
pub(crate) fn shard_error(py: Python<'_>, e: ShardError, argv: &dyn Fn(usize) -> Vec<u8>) -> PyErr {
    let msg = e.to_string();
    let position = e.position();
    let common = |err: PyErr, e: &ShardError| {
        with_attrs(
            py,
            err,
            [
                ("command", Ok(obj(py, e.command()))),
                ("shards", PyList::new(py, e.shards()).map(Bound::into_any)),
                (
                    "shard_indexes",
                    PyList::new(py, e.shard_indexes()).map(Bound::into_any),
                ),
                ("position", Ok(obj(py, position))),
            ],
        )
    };
    let inner = e.inner();
    let err = match inner {
        ShardError::CrossShard { .. } => CrossShardError::new_err(msg),
        ShardError::NotColocated { .. } => NotColocatedError::new_err(msg),
        ShardError::CrossShardTransaction { first, other, .. } => with_attrs(
            py,
            CrossShardTransactionError::new_err(msg),
            [
                (
                    "positions",
                    PyTuple::new(py, [obj(py, first.position), obj(py, other.position)])
                        .map(Bound::into_any),
                ),
                (
                    "commands",
                    PyTuple::new(py, [first.command.as_str(), other.command.as_str()])
                        .map(Bound::into_any),
                ),
            ],
        ),
        ShardError::Keyless { reason, .. } => with_attrs(
            py,
            KeylessCommandError::new_err(msg),
            [("reason", Ok(obj(py, reason.as_str())))],
        ),
        ShardError::Unroutable { cause, .. } => {
            let err = UnroutableCommandError::new_err(msg);
            let cause = match cause.clone() {
                Unroutable::Command(c) => command_error(py, c, &|_, p| argv(p)),
                Unroutable::Topology(t) => topology_error(py, t),
                _ => KeyrouteError::new_err(cause_text(cause)),
            };
            err.set_cause(py, Some(cause));
            err
        }
        ShardError::Transaction { .. } => TransactionStateError::new_err(msg),
        ShardError::Partial {
            write,
            applied,
            applied_indexes,
            unanswered,
            ..
        } => {
            let err = if *write {
                PartialWriteError::new_err(msg)
            } else {
                PartialReplyError::new_err(msg)
            };
            with_attrs(
                py,
                err,
                [
                    ("write", Ok(obj(py, *write))),
                    ("applied", PyList::new(py, applied).map(Bound::into_any)),
                    (
                        "applied_indexes",
                        PyList::new(py, applied_indexes).map(Bound::into_any),
                    ),
                    ("failed", PyList::new(py, e.shards()).map(Bound::into_any)),
                    (
                        "failed_indexes",
                        PyList::new(py, e.shard_indexes()).map(Bound::into_any),
                    ),
                    (
                        "unanswered",
                        PyList::new(py, unanswered).map(Bound::into_any),
                    ),
                    ("errors", Ok(pyo3::types::PyDict::new(py).into_any())),
                ],
            )
        }
        _ => ShardingError::new_err(msg),
    };
    common(err, inner)
}

/// The text of a cause this binding has no class for.
#[cold]
fn cause_text(cause: &Unroutable) -> String {
    format!("{cause:?}")
}
