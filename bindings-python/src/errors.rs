//! The exception classes, and the one place each core error becomes one.
//!
//! Every class derives from `KeyrouteError(ValueError)`; the message is the
//! core error's `Display`. Errors that name keys or slots also carry them as
//! attributes, so callers need not parse messages.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use pyo3::BoundObject;
use std::convert::Infallible;

pyo3::create_exception!(
    keyroute,
    KeyrouteError,
    pyo3::exceptions::PyValueError,
    "Base class of the errors keyroute raises for input it cannot route."
);
pyo3::create_exception!(
    keyroute,
    TopologyError,
    KeyrouteError,
    "A cluster topology that cannot be built from a reply, or cannot answer."
);
pyo3::create_exception!(
    keyroute,
    SlotNotServedError,
    TopologyError,
    "No shard serves the slot (the server's CLUSTERDOWN Hash slot not served)."
);
pyo3::create_exception!(
    keyroute,
    RedirectError,
    KeyrouteError,
    "A MOVED/ASK error text that cannot be understood."
);
pyo3::create_exception!(
    keyroute,
    CommandError,
    KeyrouteError,
    "A command the table cannot answer for, or that the server would refuse."
);
pyo3::create_exception!(
    keyroute,
    UnknownCommandError,
    CommandError,
    "No such command or subcommand."
);
pyo3::create_exception!(
    keyroute,
    WrongArityError,
    CommandError,
    "The argument count fails the command's arity."
);
pyo3::create_exception!(
    keyroute,
    NoKeyArgumentsError,
    CommandError,
    "COMMAND GETKEYS semantics: the command takes no key arguments at all."
);
pyo3::create_exception!(
    keyroute,
    InvalidArgumentsError,
    CommandError,
    "COMMAND GETKEYS semantics: the arguments give no keys where some are needed."
);
pyo3::create_exception!(
    keyroute,
    CrossSlotError,
    CommandError,
    "Keys in different hash slots (the server's CROSSSLOT)."
);
pyo3::create_exception!(
    keyroute,
    CrossSlotTransactionError,
    CommandError,
    "Keys of a MULTI/EXEC block in different hash slots: EXEC would fail."
);
pyo3::create_exception!(
    keyroute,
    NotSplittableError,
    CommandError,
    "Keys span several slots and splitting the command would break its atomicity."
);

/// Adds every exception class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("KeyrouteError", py.get_type::<KeyrouteError>())?;
    m.add("TopologyError", py.get_type::<TopologyError>())?;
    m.add("SlotNotServedError", py.get_type::<SlotNotServedError>())?;
    m.add("RedirectError", py.get_type::<RedirectError>())?;
    m.add("CommandError", py.get_type::<CommandError>())?;
    m.add("UnknownCommandError", py.get_type::<UnknownCommandError>())?;
    m.add("WrongArityError", py.get_type::<WrongArityError>())?;
    m.add("NoKeyArgumentsError", py.get_type::<NoKeyArgumentsError>())?;
    m.add(
        "InvalidArgumentsError",
        py.get_type::<InvalidArgumentsError>(),
    )?;
    m.add("CrossSlotError", py.get_type::<CrossSlotError>())?;
    m.add(
        "CrossSlotTransactionError",
        py.get_type::<CrossSlotTransactionError>(),
    )?;
    m.add("NotSplittableError", py.get_type::<NotSplittableError>())?;
    Ok(())
}

/// A Python object from a value whose conversion cannot fail.
pub(crate) fn obj<'py, T>(py: Python<'py>, v: T) -> Bound<'py, PyAny>
where
    T: IntoPyObject<'py, Error = Infallible>,
{
    match v.into_pyobject(py) {
        Ok(o) => o.into_bound().into_any(),
        Err(never) => match never {},
    }
}

/// Sets attributes on a freshly made exception. Setting an attribute on an
/// exception instance fails only when memory runs out; that error then
/// replaces this one.
pub(crate) fn with_attrs<'py>(
    py: Python<'py>,
    err: PyErr,
    attrs: impl IntoIterator<Item = (&'static str, PyResult<Bound<'py, PyAny>>)>,
) -> PyErr {
    let value = err.value(py);
    for (name, v) in attrs {
        if let Err(e) = v.and_then(|v| value.setattr(name, v)) {
            return e;
        }
    }
    err
}

/// A core [`TopologyError`](keyroute::error::TopologyError) as its Python class.
pub(crate) fn topology_error(py: Python<'_>, e: keyroute::error::TopologyError) -> PyErr {
    let msg = e.to_string();
    match e {
        keyroute::error::TopologyError::SlotNotServed { slot } => with_attrs(
            py,
            SlotNotServedError::new_err(msg),
            [("slot", Ok(obj(py, slot)))],
        ),
        keyroute::error::TopologyError::NoRuleMatched { position } => {
            crate::more_errors::no_rule_matched(py, position)
        }
        _ => TopologyError::new_err(msg),
    }
}

/// A core [`RedirectError`](keyroute::error::RedirectError) as its Python class.
pub(crate) fn redirect_error(e: keyroute::error::RedirectError) -> PyErr {
    RedirectError::new_err(e.to_string())
}

/// A core [`CommandError`](keyroute::error::CommandError) as its Python
/// class. `arg(command, position)` gives the bytes of an argument, to attach
/// the keys a CROSSSLOT names (the command index is 0 outside transactions).
pub(crate) fn command_error(
    py: Python<'_>,
    e: keyroute::error::CommandError,
    arg: &dyn Fn(usize, usize) -> Vec<u8>,
) -> PyErr {
    use keyroute::error::CommandError as E;
    let msg = e.to_string();
    let key = |c: usize, p: usize| Ok(PyBytes::new(py, &arg(c, p)).into_any());
    let pair = |(c, p): (usize, usize)| PyTuple::new(py, [c, p]).map(Bound::into_any);
    let named =
        |err: PyErr, command: &str| with_attrs(py, err, [("command", Ok(obj(py, command)))]);
    match e {
        E::UnknownCommand { name } => with_attrs(
            py,
            UnknownCommandError::new_err(msg),
            [
                ("command", Ok(obj(py, name.as_str()))),
                ("subcommand", Ok(py.None().into_bound(py))),
            ],
        ),
        E::UnknownSubcommand {
            command,
            subcommand,
        } => with_attrs(
            py,
            UnknownCommandError::new_err(msg),
            [
                ("command", Ok(obj(py, command.as_str()))),
                ("subcommand", Ok(obj(py, subcommand.as_str()))),
            ],
        ),
        E::WrongArity { command } => named(WrongArityError::new_err(msg), &command),
        E::NoKeyArguments { command } => named(NoKeyArgumentsError::new_err(msg), &command),
        E::InvalidArguments { command } => named(InvalidArgumentsError::new_err(msg), &command),
        E::NotSplittable { command } => named(NotSplittableError::new_err(msg), &command),
        E::CrossSlot {
            first,
            other,
            first_slot,
            other_slot,
        } => with_attrs(
            py,
            CrossSlotError::new_err(msg),
            [
                ("first", key(0, first)),
                ("other", key(0, other)),
                ("first_slot", Ok(obj(py, first_slot))),
                ("other_slot", Ok(obj(py, other_slot))),
                ("first_pos", Ok(obj(py, first))),
                ("other_pos", Ok(obj(py, other))),
            ],
        ),
        E::CrossSlotTransaction {
            first,
            other,
            first_slot,
            other_slot,
        } => with_attrs(
            py,
            CrossSlotTransactionError::new_err(msg),
            [
                ("first", key(first.0, first.1)),
                ("other", key(other.0, other.1)),
                ("first_slot", Ok(obj(py, first_slot))),
                ("other_slot", Ok(obj(py, other_slot))),
                ("first_pos", pair(first)),
                ("other_pos", pair(other)),
            ],
        ),
        E::NoRuleMatched { pos } => crate::more_errors::no_rule_matched(py, pos),
        _ => CommandError::new_err(msg),
    }
}
