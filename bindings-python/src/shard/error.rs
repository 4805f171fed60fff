//! The sharding refusals as exception classes, and the one place a core
//! [`ShardError`] becomes one.
//!
//! The classes are built with the others (`crate::errors`), from the core's
//! tree; the codes are the core's (`ShardError::code`), the message
//! is its `Display`; what the refusal names is also an attribute:
//! `command`, `shards` (names), `shard_indexes`, `position` (in a pipeline
//! or transaction, else `None`), and per class `reason` (keyless), the two
//! origins `positions` / `commands` (a transaction), the core's cause as
//! `__cause__` (unroutable).

use keyroute::shard::{ShardError, Unroutable};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::{command_error, keyroute_error, obj, raise, topology_error, with_attrs};

/// A core refusal as its Python class. `argv` gives the bytes of the
/// refused command's arguments, for a cause that names a key.
pub(crate) fn shard_error(py: Python<'_>, e: ShardError, argv: &dyn Fn(usize) -> Vec<u8>) -> PyErr {
    let msg = e.to_string();
    let code = e.code();
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
        ShardError::CrossShard { .. } => raise(py, code, msg),
        ShardError::NotColocated { .. } => raise(py, code, msg),
        ShardError::CrossShardTransaction { first, other, .. } => with_attrs(
            py,
            raise(py, code, msg),
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
            raise(py, code, msg),
            [("reason", Ok(obj(py, reason.as_str())))],
        ),
        ShardError::Unroutable { cause, .. } => {
            let err = raise(py, code, msg);
            let cause = match cause.clone() {
                Unroutable::Command(c) => command_error(py, c, &|_, p| argv(p)),
                Unroutable::Topology(t) => topology_error(py, t),
                _ => keyroute_error(py, cause_text(cause)),
            };
            err.set_cause(py, Some(cause));
            err
        }
        ShardError::Transaction { .. } => raise(py, code, msg),
        ShardError::Partial {
            write,
            applied,
            applied_indexes,
            unanswered,
            ..
        } => {
            // The class is the code's: PartialWriteError for a write.
            let err = raise(py, code, msg);
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
        _ => raise(py, code, msg),
    };
    common(err, inner)
}

/// The text of a cause this binding has no class for.
#[cold]
fn cause_text(cause: &Unroutable) -> String {
    format!("{cause:?}")
}
