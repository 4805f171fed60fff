//! The exception classes of pools, hashing policies and plans, and the one
//! place each of those core errors becomes one (`errors.rs` holds the
//! classes of slots, maps and commands).
//!
//! Every class derives from `KeyrouteError(ValueError)`; the message is the
//! core error's `Display`, and what the error names (pool, field, rule,
//! node id, slots) is also an attribute.

use keyroute::error::{ConfigError as CoreConfig, PartitionError as CorePartition};
use keyroute::error::{PlanError as CorePlan, PolicyError as CorePolicy, ServerError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors::{obj, with_attrs, KeyrouteError};

pyo3::create_exception!(
    keyroute,
    PolicyError,
    KeyrouteError,
    "A hashing policy that cannot be built, or that has no rule for a key."
);
pyo3::create_exception!(
    keyroute,
    InvalidRuleError,
    PolicyError,
    "A rule the policy cannot use: no `tag` group, too long, or a construct PCRE2 reads otherwise."
);
pyo3::create_exception!(
    keyroute,
    NoRuleMatchedError,
    PolicyError,
    "No rule of the hashing policy matches the key."
);
pyo3::create_exception!(
    keyroute,
    PartitionError,
    KeyrouteError,
    "A sharded pool that cannot be built as configured."
);
pyo3::create_exception!(
    keyroute,
    ServerSpecError,
    PartitionError,
    "A server entry that cannot be read (format, port or weight)."
);
pyo3::create_exception!(
    keyroute,
    OptionNotApplicableError,
    PartitionError,
    "An option the chosen scheme does not have."
);
pyo3::create_exception!(
    keyroute,
    ConfigError,
    PartitionError,
    "A nutcracker configuration that cannot be read or routed; names the pool and field."
);
pyo3::create_exception!(
    keyroute,
    PlanError,
    KeyrouteError,
    "A resharding input that cannot be planned."
);
pyo3::create_exception!(
    keyroute,
    OpenSlotsError,
    PlanError,
    "Slots in the middle of a migration (importing or migrating)."
);
pyo3::create_exception!(
    keyroute,
    UncoveredSlotsError,
    PlanError,
    "Slots that no node serves."
);
pyo3::create_exception!(
    keyroute,
    SlotOverlapError,
    PlanError,
    "Two nodes claim the same slot."
);
pyo3::create_exception!(
    keyroute,
    UnknownNodeError,
    PlanError,
    "A weight, drain or target for a node the layout does not have."
);
pyo3::create_exception!(
    keyroute,
    BadWeightError,
    PlanError,
    "A weight that is not a non-negative integer, decimal or fraction."
);
pyo3::create_exception!(
    keyroute,
    DifferentKeyHashError,
    PlanError,
    "Two pool configurations hash keys differently: only a key list says what moves."
);

/// Adds every class of this file to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("InvalidRuleError", py.get_type::<InvalidRuleError>())?;
    m.add("NoRuleMatchedError", py.get_type::<NoRuleMatchedError>())?;
    m.add("PartitionError", py.get_type::<PartitionError>())?;
    m.add("ServerSpecError", py.get_type::<ServerSpecError>())?;
    m.add(
        "OptionNotApplicableError",
        py.get_type::<OptionNotApplicableError>(),
    )?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("PlanError", py.get_type::<PlanError>())?;
    m.add("OpenSlotsError", py.get_type::<OpenSlotsError>())?;
    m.add("UncoveredSlotsError", py.get_type::<UncoveredSlotsError>())?;
    m.add("SlotOverlapError", py.get_type::<SlotOverlapError>())?;
    m.add("UnknownNodeError", py.get_type::<UnknownNodeError>())?;
    m.add("BadWeightError", py.get_type::<BadWeightError>())?;
    m.add(
        "DifferentKeyHashError",
        py.get_type::<DifferentKeyHashError>(),
    )?;
    Ok(())
}

/// A key no rule matches; `position` is its place in the caller's list
/// (0 for a single key, the argument position for a command).
pub(crate) fn no_rule_matched(py: Python<'_>, position: usize) -> PyErr {
    with_attrs(
        py,
        NoRuleMatchedError::new_err(format!(
            "key {position}: no rule of the hashing policy matches it"
        )),
        [("position", Ok(obj(py, position)))],
    )
}

/// A core [`PolicyError`](keyroute::error::PolicyError) as its Python class.
pub(crate) fn policy_error(py: Python<'_>, e: CorePolicy) -> PyErr {
    let msg = e.to_string();
    let rule = |rule: usize, reason: String| {
        with_attrs(
            py,
            InvalidRuleError::new_err(msg.clone()),
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
            InvalidRuleError::new_err(msg.clone()),
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
        _ => PolicyError::new_err(msg),
    }
}

/// A core [`PartitionError`](keyroute::error::PartitionError) as its Python class.
pub(crate) fn partition_error(py: Python<'_>, e: CorePartition) -> PyErr {
    let msg = e.to_string();
    match e {
        CorePartition::Server(
            ServerError::BadFormat { server }
            | ServerError::BadPort { server }
            | ServerError::BadWeight { server }
            | ServerError::ZeroWeight { server }
            | ServerError::Unresolved { server },
        ) => with_attrs(
            py,
            ServerSpecError::new_err(msg),
            [("server", Ok(obj(py, server)))],
        ),
        CorePartition::OptionNotApplicable { scheme, option } => with_attrs(
            py,
            OptionNotApplicableError::new_err(msg),
            [
                ("scheme", Ok(obj(py, scheme))),
                ("option", Ok(obj(py, option))),
            ],
        ),
        _ => PartitionError::new_err(msg),
    }
}

/// A core [`ConfigError`](keyroute::error::ConfigError) as a `ConfigError`
/// with `pool`, `field` and `line` (each `None` when it names none); a
/// field's underlying pool error is its `__cause__`.
pub(crate) fn config_error(py: Python<'_>, e: CoreConfig) -> PyErr {
    let msg = e.to_string();
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
        ConfigError::new_err(msg),
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
    match e {
        CorePlan::OpenSlots { slots } => with_attrs(
            py,
            OpenSlotsError::new_err(msg),
            [("slots", PyList::new(py, slots).map(Bound::into_any))],
        ),
        CorePlan::Uncovered { ranges } => with_attrs(
            py,
            UncoveredSlotsError::new_err(msg),
            [("ranges", PyList::new(py, ranges).map(Bound::into_any))],
        ),
        CorePlan::Overlap {
            slot,
            first,
            second,
        } => with_attrs(
            py,
            SlotOverlapError::new_err(msg),
            [
                ("slot", Ok(obj(py, slot))),
                ("first", Ok(obj(py, first))),
                ("second", Ok(obj(py, second))),
            ],
        ),
        CorePlan::UnknownNode { id } => with_attrs(
            py,
            UnknownNodeError::new_err(msg),
            [("id", Ok(obj(py, id)))],
        ),
        CorePlan::BadWeight { text } => with_attrs(
            py,
            BadWeightError::new_err(msg),
            [("text", Ok(obj(py, text)))],
        ),
        CorePlan::DuplicateNode { id }
        | CorePlan::BadRange { id, .. }
        | CorePlan::BadNodeId { id }
        | CorePlan::NoAddress { id } => {
            with_attrs(py, PlanError::new_err(msg), [("id", Ok(obj(py, id)))])
        }
        CorePlan::BadAddress { id, addr } => with_attrs(
            py,
            PlanError::new_err(msg),
            [("id", Ok(obj(py, id))), ("addr", Ok(obj(py, addr)))],
        ),
        CorePlan::BadNodesLine { line, .. } => {
            with_attrs(py, PlanError::new_err(msg), [("line", Ok(obj(py, line)))])
        }
        _ => PlanError::new_err(msg),
    }
}

/// A core [`MovedError`](keyroute::plan::MovedError) as its Python class.
pub(crate) fn moved_error(py: Python<'_>, e: keyroute::plan::MovedError) -> PyErr {
    let msg = e.to_string();
    match e {
        keyroute::plan::MovedError::DifferentKeyHash { old, new } => with_attrs(
            py,
            DifferentKeyHashError::new_err(msg),
            [("old", Ok(obj(py, old))), ("new", Ok(obj(py, new)))],
        ),
        _ => PlanError::new_err(msg),
    }
}
