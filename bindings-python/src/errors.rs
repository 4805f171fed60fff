//! The exception classes, and the one place each core error becomes one.
//!
//! The classes are built when the module loads, from the core's class tree
//! (`keyroute::error::CLASSES`: names, parents, codes, docstrings), so the
//! tree is the one JS builds too (`tests/vectors/errors.json`). Every class
//! has its code as the class attribute `code`; every raised error carries
//! its own code (`code()` of the core error) as the instance attribute
//! `code`. The message is the core error's `Display`; what the error names
//! (keys, slots, pool, field, rule, node id) is also an attribute, so
//! callers need not parse messages.

use keyroute::error::{ClassDetails, ErrorClass, CLASSES, DETAILS};
use keyroute::error::{ConfigError as CoreConfig, PartitionError as CorePartition};
use keyroute::error::{PlanError as CorePlan, PolicyError as CorePolicy, ServerError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple, PyType};
use pyo3::BoundObject;
use std::convert::Infallible;

/// The classes, in the order of `CLASSES`.
static TYPES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// Builds one class from its row: `type(name, bases, namespace)`.
fn build<'py>(
    py: Python<'py>,
    class: &ErrorClass,
    details: &ClassDetails,
    built: &[Py<PyType>],
) -> PyResult<Bound<'py, PyType>> {
    let named = |name: &str| -> PyResult<Bound<'py, PyAny>> {
        if name == "ValueError" {
            return Ok(py.get_type::<pyo3::exceptions::PyValueError>().into_any());
        }
        let i = CLASSES
            .iter()
            .position(|c| c.name == name)
            .filter(|&i| i < built.len())
            .ok_or_else(|| {
                pyo3::exceptions::PyRuntimeError::new_err(format!("no error class {name}"))
            })?;
        Ok(built[i].bind(py).clone().into_any())
    };
    let mut bases = Vec::new();
    if let Some(parent) = class.parent {
        bases.push(named(parent)?);
    }
    for extra in details.python_bases {
        bases.push(named(extra)?);
    }
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "keyroute")?;
    namespace.set_item("__doc__", details.doc)?;
    namespace.set_item("code", class.code)?;
    let ty = py
        .get_type::<PyType>()
        .call1((class.name, PyTuple::new(py, bases)?, namespace))?;
    Ok(ty.cast_into::<PyType>()?)
}

/// Builds every class and adds it to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let types = TYPES.get_or_try_init(py, || -> PyResult<Vec<Py<PyType>>> {
        let mut built: Vec<Py<PyType>> = Vec::with_capacity(CLASSES.len());
        for (class, details) in CLASSES.iter().zip(DETAILS) {
            let ty = build(py, class, details, &built)?;
            built.push(ty.unbind());
        }
        Ok(built)
    })?;
    for (class, ty) in CLASSES.iter().zip(types) {
        m.add(class.name, ty.bind(py))?;
    }
    Ok(())
}

/// The class of errors with core code `code` (the base for a code no class
/// lists, which the core's tests rule out).
fn class_for<'py>(py: Python<'py>, code: &str) -> Bound<'py, PyType> {
    let i = CLASSES
        .iter()
        .position(|c| c.codes.contains(&code) || c.code == code)
        .unwrap_or(0);
    match TYPES.get(py) {
        Some(types) => types[i].bind(py).clone(),
        // The module has not loaded: no error of ours can be raised yet.
        None => py.get_type::<pyo3::exceptions::PyValueError>(),
    }
}

/// An error of the class the core lists for `code`, with `message`, and
/// `code` as its instance attribute.
pub(crate) fn raise(py: Python<'_>, code: &'static str, message: impl Into<String>) -> PyErr {
    let err = PyErr::from_type(class_for(py, code), message.into());
    with_attrs(py, err, [("code", Ok(obj(py, code)))])
}

/// The base class `KeyrouteError`, for a failure no code names.
pub(crate) fn keyroute_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, "ERR_KEYROUTE", message)
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
    let code = e.code();
    match e {
        keyroute::error::TopologyError::SlotNotServed { slot } => {
            with_attrs(py, raise(py, code, msg), [("slot", Ok(obj(py, slot)))])
        }
        keyroute::error::TopologyError::NoRuleMatched { position } => no_rule_matched(py, position),
        _ => raise(py, code, msg),
    }
}

/// A core [`RedirectError`](keyroute::error::RedirectError) as its Python class.
pub(crate) fn redirect_error(e: keyroute::error::RedirectError) -> PyErr {
    Python::attach(|py| raise(py, e.code(), e.to_string()))
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
    let code = e.code();
    let key = |c: usize, p: usize| Ok(PyBytes::new(py, &arg(c, p)).into_any());
    let pair = |(c, p): (usize, usize)| PyTuple::new(py, [c, p]).map(Bound::into_any);
    let named =
        |err: PyErr, command: &str| with_attrs(py, err, [("command", Ok(obj(py, command)))]);
    match e {
        E::UnknownCommand { name } => with_attrs(
            py,
            raise(py, code, msg),
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
            raise(py, code, msg),
            [
                ("command", Ok(obj(py, command.as_str()))),
                ("subcommand", Ok(obj(py, subcommand.as_str()))),
            ],
        ),
        E::WrongArity { command } => named(raise(py, code, msg), &command),
        E::NoKeyArguments { command } => named(raise(py, code, msg), &command),
        E::InvalidArguments { command } => named(raise(py, code, msg), &command),
        E::NotSplittable { command } => named(raise(py, code, msg), &command),
        E::CrossSlot {
            first,
            other,
            first_slot,
            other_slot,
        } => with_attrs(
            py,
            raise(py, code, msg),
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
            raise(py, code, msg),
            [
                ("first", key(first.0, first.1)),
                ("other", key(other.0, other.1)),
                ("first_slot", Ok(obj(py, first_slot))),
                ("other_slot", Ok(obj(py, other_slot))),
                ("first_pos", pair(first)),
                ("other_pos", pair(other)),
            ],
        ),
        E::NoRuleMatched { pos } => no_rule_matched(py, pos),
        _ => raise(py, code, msg),
    }
}

/// A key no rule matches; `position` is its place in the caller's list
/// (0 for a single key, the argument position for a command).
pub(crate) fn no_rule_matched(py: Python<'_>, position: usize) -> PyErr {
    with_attrs(
        py,
        raise(
            py,
            keyroute::error::NoRuleMatched.code(),
            format!("key {position}: no rule of the hashing policy matches it"),
        ),
        [("position", Ok(obj(py, position)))],
    )
}

/// A core [`PolicyError`](keyroute::error::PolicyError) as its Python class.
pub(crate) fn policy_error(py: Python<'_>, e: CorePolicy) -> PyErr {
    let msg = e.to_string();
    let code = e.code();
    let rule = |rule: usize, reason: String| {
        with_attrs(
            py,
            raise(py, code, msg.clone()),
            [("rule", Ok(obj(py, rule))), ("reason", Ok(obj(py, reason)))],
        )
    };
    match e {
        CorePolicy::NoTagGroup { rule: i } => rule(i, "no named group `tag`".to_owned()),
        CorePolicy::RuleTooLong { rule: i, len, max } => {
            rule(i, format!("{len} characters; at most {max} are allowed"))
        }
        CorePolicy::Unsupported { rule: i, reason } => rule(i, reason),
        CorePolicy::DiffersFromPcre {
            rule: i,
            offset,
            construct,
        } => with_attrs(
            py,
            raise(py, code, msg.clone()),
            [
                ("rule", Ok(obj(py, i))),
                (
                    "reason",
                    Ok(obj(py, format!("{construct} at offset {offset}"))),
                ),
                ("construct", Ok(obj(py, construct))),
                ("offset", Ok(obj(py, offset))),
            ],
        ),
        _ => raise(py, code, msg),
    }
}

/// A core [`PartitionError`](keyroute::error::PartitionError) as its Python class.
pub(crate) fn partition_error(py: Python<'_>, e: CorePartition) -> PyErr {
    let msg = e.to_string();
    let code = e.code();
    match e {
        CorePartition::Server(
            ServerError::BadFormat { server }
            | ServerError::BadPort { server }
            | ServerError::BadWeight { server }
            | ServerError::ZeroWeight { server }
            | ServerError::Unresolved { server },
        ) => with_attrs(py, raise(py, code, msg), [("server", Ok(obj(py, server)))]),
        CorePartition::BadEntry { server, field, .. } => with_attrs(
            py,
            raise(py, code, msg),
            [
                ("server", Ok(obj(py, server))),
                ("field", Ok(obj(py, field))),
            ],
        ),
        CorePartition::BadTagPattern { pattern, reason } => with_attrs(
            py,
            raise(py, code, msg),
            [
                ("pattern", Ok(obj(py, pattern))),
                ("reason", Ok(obj(py, reason))),
            ],
        ),
        CorePartition::OptionNotApplicable { scheme, option } => with_attrs(
            py,
            raise(py, code, msg),
            [
                ("scheme", Ok(obj(py, scheme))),
                ("option", Ok(obj(py, option))),
            ],
        ),
        _ => raise(py, code, msg),
    }
}

/// A core [`ConfigError`](keyroute::error::ConfigError) as a `ConfigError`
/// with `pool`, `field` and `line` (each `None` when it names none); a
/// field's underlying pool error is its `__cause__`.
pub(crate) fn config_error(py: Python<'_>, e: CoreConfig) -> PyErr {
    let msg = e.to_string();
    let code = e.code();
    let (pool, field, line, cause) = match e {
        CoreConfig::Syntax { line, .. } => (None, None, Some(line), None),
        CoreConfig::UnknownPool { pool } | CoreConfig::DuplicatePool { pool } => {
            (Some(pool), None, None, None)
        }
        CoreConfig::UnknownField { pool, field } | CoreConfig::DuplicateField { pool, field } => {
            (Some(pool), Some(field), None, None)
        }
        CoreConfig::MissingField { pool, field } | CoreConfig::BadValue { pool, field, .. } => {
            (Some(pool), Some(field.to_owned()), None, None)
        }
        CoreConfig::Field { pool, field, error } => (
            Some(pool),
            Some(field.to_owned()),
            None,
            Some(partition_error(py, error)),
        ),
        _ => (None, None, None, None),
    };
    let err = with_attrs(
        py,
        raise(py, code, msg),
        [
            ("pool", Ok(obj(py, pool))),
            ("field", Ok(obj(py, field))),
            ("line", Ok(obj(py, line))),
        ],
    );
    err.set_cause(py, cause);
    err
}

/// A core [`PlanError`](keyroute::error::PlanError) as its Python class.
/// Errors that name a node carry it as `id`; a `CLUSTER NODES` line as `line`.
pub(crate) fn plan_error(py: Python<'_>, e: CorePlan) -> PyErr {
    let msg = e.to_string();
    let code = e.code();
    match e {
        CorePlan::OpenSlots { slots } => with_attrs(
            py,
            raise(py, code, msg),
            [("slots", PyList::new(py, slots).map(Bound::into_any))],
        ),
        CorePlan::Uncovered { ranges } => with_attrs(
            py,
            raise(py, code, msg),
            [("ranges", PyList::new(py, ranges).map(Bound::into_any))],
        ),
        CorePlan::Overlap {
            slot,
            first,
            second,
        } => with_attrs(
            py,
            raise(py, code, msg),
            [
                ("slot", Ok(obj(py, slot))),
                ("first", Ok(obj(py, first))),
                ("second", Ok(obj(py, second))),
            ],
        ),
        CorePlan::UnknownNode { id } => {
            with_attrs(py, raise(py, code, msg), [("id", Ok(obj(py, id)))])
        }
        CorePlan::BadWeight { text } => {
            with_attrs(py, raise(py, code, msg), [("text", Ok(obj(py, text)))])
        }
        CorePlan::DuplicateNode { id }
        | CorePlan::BadRange { id, .. }
        | CorePlan::BadNodeId { id }
        | CorePlan::NoAddress { id }
        | CorePlan::TargetWithLoad { id } => {
            with_attrs(py, raise(py, code, msg), [("id", Ok(obj(py, id)))])
        }
        CorePlan::BadAddress { id, addr } => with_attrs(
            py,
            raise(py, code, msg),
            [("id", Ok(obj(py, id))), ("addr", Ok(obj(py, addr)))],
        ),
        CorePlan::BadNodesLine { line, .. } => {
            with_attrs(py, raise(py, code, msg), [("line", Ok(obj(py, line)))])
        }
        _ => raise(py, code, msg),
    }
}

/// A core [`MovedError`](keyroute::plan::MovedError) as its Python class.
pub(crate) fn moved_error(py: Python<'_>, e: keyroute::plan::MovedError) -> PyErr {
    let msg = e.to_string();
    let code = e.code();
    match e {
        keyroute::plan::MovedError::DifferentKeyHash { old, new } => with_attrs(
            py,
            raise(py, code, msg),
            [("old", Ok(obj(py, old))), ("new", Ok(obj(py, new)))],
        ),
        _ => raise(py, code, msg),
    }
}
