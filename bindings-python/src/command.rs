//! Commands: key extraction, same-slot checks, routes and splits, as module
//! functions over the built-in table and as methods of `CommandTable`
//! (which can learn module commands from a live `COMMAND` reply).

use keyroute::command::Mode;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::argv::{commands, Argv};
use crate::errors::{command_error, raise};
use crate::policy::{core_policy, HashPolicy};
use crate::route::{route_plan, split_result, RoutePlan, Split};
use crate::value::{to_value, ReplyError};

type Table = keyroute::command::CommandTable;

/// The built-in table, hashing keys by `policy` when one is given.
fn builtin(policy: Option<&Bound<'_, HashPolicy>>) -> Table {
    match policy {
        None => Table::builtin(),
        Some(_) => Table::builtin().with_policy(core_policy(policy)),
    }
}

fn mode(mode: &str) -> PyResult<Mode> {
    match mode {
        "routing" => Ok(Mode::Routing),
        "keyspecs" => Ok(Mode::KeySpecs),
        other => Err(PyValueError::new_err(format!(
            "mode must be 'routing' or 'keyspecs', not '{other}'"
        ))),
    }
}

/// The table a function asks: the built-in one, or a `CommandTable`
/// object's, borrowed only while the core answers, never while Python code
/// runs (an argument generator, `__index__`, `__str__`), so a concurrent
/// `extend_from_command_reply` never meets `RuntimeError: Already borrowed`.
enum Source<'a, 'py> {
    Owned(Table),
    Object(&'a Bound<'py, CommandTable>),
}

impl Source<'_, '_> {
    fn ask<R>(&self, f: impl FnOnce(&Table) -> R) -> R {
        match self {
            Source::Owned(t) => f(t),
            Source::Object(o) => f(&o.borrow().table),
        }
    }
}

/// Reads `argv` (the Python part), asks the table `f` over its bytes, then
/// builds the answer with `then`; a core error becomes its Python class,
/// with the keys a CROSSSLOT names.
fn with_argv<'py, T, R>(
    t: &Source<'_, 'py>,
    argv: &Bound<'py, PyAny>,
    f: impl FnOnce(&Table, &[std::borrow::Cow<'_, [u8]>]) -> Result<T, keyroute::error::CommandError>,
    then: impl FnOnce(&Argv<'py>, &[std::borrow::Cow<'_, [u8]>], T) -> PyResult<R>,
) -> PyResult<R> {
    let args = Argv::new(argv, "argv")?;
    let bytes = args.bytes("argv")?;
    match t.ask(|t| f(t, &bytes)) {
        Ok(v) => then(&args, &bytes, v),
        Err(e) => Err(command_error(argv.py(), e, &|_, p| bytes[p].to_vec())),
    }
}

fn keys<'py>(
    t: &Source<'_, 'py>,
    argv: &Bound<'py, PyAny>,
    m: &str,
) -> PyResult<Bound<'py, PyList>> {
    let m = mode(m)?;
    let py = argv.py();
    with_argv(
        t,
        argv,
        |t, bytes| {
            t.keys(bytes, m)
                .map(|keys| keys.iter().map(|k| k.pos).collect::<Vec<_>>())
        },
        |args, bytes, positions| {
            PyList::new(
                py,
                positions
                    .into_iter()
                    .map(|p| args.bytes_object(p, &bytes[p])),
            )
        },
    )
}

fn key_positions<'py>(
    t: &Source<'_, 'py>,
    argv: &Bound<'py, PyAny>,
    m: &str,
) -> PyResult<Bound<'py, PyList>> {
    let py = argv.py();
    let m = mode(m)?;
    let found = with_argv(
        t,
        argv,
        |t, bytes| {
            t.keys(bytes, m).map(|keys| {
                keys.iter()
                    .map(|k| (k.pos, k.flags.names().collect::<Vec<_>>()))
                    .collect::<Vec<_>>()
            })
        },
        |_, _, found| Ok(found),
    )?;
    let items = found
        .into_iter()
        .map(|(pos, flags)| {
            let flags = PyTuple::new(py, flags)?;
            PyTuple::new(py, [pos.into_pyobject(py)?.into_any(), flags.into_any()])
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

fn check(t: &Source<'_, '_>, argv: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
    with_argv(t, argv, |t, bytes| t.check(bytes), |_, _, slot| Ok(slot))
}

fn check_transaction(t: &Source<'_, '_>, cmds: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
    let all = commands(cmds)?;
    let bytes = all
        .iter()
        .enumerate()
        .map(|(i, c)| c.bytes(&format!("commands[{i}]")))
        .collect::<PyResult<Vec<_>>>()?;
    t.ask(|t| t.check_transaction(&bytes))
        .map_err(|e| command_error(cmds.py(), e, &|c, p| bytes[c][p].to_vec()))
}

fn route(t: &Source<'_, '_>, argv: &Bound<'_, PyAny>) -> PyResult<RoutePlan> {
    route_plan(with_argv(
        t,
        argv,
        |t, bytes| t.route(bytes),
        |_, _, r| Ok(r),
    )?)
}

fn split(t: &Source<'_, '_>, argv: &Bound<'_, PyAny>) -> PyResult<Split> {
    let py = argv.py();
    with_argv(
        t,
        argv,
        |t, bytes| t.split(bytes),
        |args, bytes, s| {
            let parts: Vec<Vec<_>> = s
                .parts
                .iter()
                .map(|p| {
                    p.argv
                        .iter()
                        .map(|&i| args.bytes_object(i, &bytes[i]))
                        .collect()
                })
                .collect();
            split_result(py, s, parts)
        },
    )
}

/// The keys of `argv`, in the order the server finds them. `mode`:
/// `"routing"` (what cluster routing and CROSSSLOT use) or `"keyspecs"`
/// (what `COMMAND GETKEYS` answers).
#[pyfunction(name = "command_keys", signature = (argv, /, *, mode = "routing"))]
pub(crate) fn command_keys<'py>(
    argv: &Bound<'py, PyAny>,
    mode: &str,
) -> PyResult<Bound<'py, PyList>> {
    keys(&Source::Owned(Table::builtin()), argv, mode)
}

/// `(position, flags)` of every key of `argv`; flags as
/// `COMMAND GETKEYSANDFLAGS` names them (none in routing mode).
#[pyfunction(name = "command_key_positions", signature = (argv, /, *, mode = "routing"))]
pub(crate) fn command_key_positions<'py>(
    argv: &Bound<'py, PyAny>,
    mode: &str,
) -> PyResult<Bound<'py, PyList>> {
    key_positions(&Source::Owned(Table::builtin()), argv, mode)
}

/// The one slot all keys of `argv` share, or `None` when it has no keys;
/// raises `CrossSlotError` where the server answers CROSSSLOT.
#[pyfunction(name = "check", signature = (argv, /, *, policy = None))]
pub(crate) fn check_fn<'py>(
    argv: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<Option<u16>> {
    check(&Source::Owned(builtin(policy)), argv)
}

/// `check` for a MULTI/EXEC block: every key of every command must share
/// one slot; raises `CrossSlotTransactionError` otherwise.
#[pyfunction(name = "check_transaction", signature = (commands, /, *, policy = None))]
pub(crate) fn check_transaction_fn<'py>(
    commands: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<Option<u16>> {
    check_transaction(&Source::Owned(builtin(policy)), commands)
}

/// Where `argv` goes, and how to combine replies from several nodes.
#[pyfunction(name = "route", signature = (argv, /, *, policy = None))]
pub(crate) fn route_fn<'py>(
    argv: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<RoutePlan> {
    route(&Source::Owned(builtin(policy)), argv)
}

/// `argv` broken into one command per slot, and how to merge the replies.
#[pyfunction(name = "split", signature = (argv, /, *, policy = None))]
pub(crate) fn split_fn<'py>(
    argv: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<Split> {
    split(&Source::Owned(builtin(policy)), argv)
}

/// Every command the router knows: the built-in table, plus what
/// `extend_from_command_reply` adds (e.g. module commands).
#[pyclass(module = "keyroute")]
pub(crate) struct CommandTable {
    table: Table,
}

impl CommandTable {
    /// The core table.
    pub(crate) fn table(&self) -> &Table {
        &self.table
    }
}

#[pymethods]
impl CommandTable {
    /// The built-in table; `policy`: how `check`, `route` and `split`
    /// hash keys (the open-source hash-tag rule by default).
    #[new]
    #[pyo3(signature = (*, policy = None))]
    fn new(policy: Option<&Bound<'_, HashPolicy>>) -> Self {
        CommandTable {
            table: builtin(policy),
        }
    }

    /// Adds the commands of a live `COMMAND` (or `COMMAND INFO ...`) reply
    /// that the table does not know, and returns how many were added.
    #[pyo3(signature = (reply, /))]
    fn extend_from_command_reply(
        slf: &Bound<'_, Self>,
        reply: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        let py = reply.py();
        // Converted before the table is borrowed: converting runs Python code.
        let value = to_value(reply, "COMMAND").map_err(|e| match e {
            ReplyError::Python(e) => e,
            ReplyError::Malformed(msg) => raise(py, "ERR_KEYROUTE_COMMAND_MALFORMED_REPLY", msg),
        })?;
        let added = slf.borrow_mut().table.extend_from_command_reply(&value);
        added.map_err(|e| command_error(py, e, &|_, _| Vec::new()))
    }

    /// The keys of `argv` by this table, in the order the server finds
    /// them. `mode`: `"routing"` (what cluster routing and CROSSSLOT use) or
    /// `"keyspecs"` (what `COMMAND GETKEYS` answers).
    #[pyo3(signature = (argv, /, *, mode = "routing"))]
    fn command_keys<'py>(
        slf: &Bound<'py, Self>,
        argv: &Bound<'py, PyAny>,
        mode: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        keys(&Source::Object(slf), argv, mode)
    }

    /// `(position, flags)` of every key of `argv` by this table; flags as
    /// `COMMAND GETKEYSANDFLAGS` names them (none in routing mode).
    #[pyo3(signature = (argv, /, *, mode = "routing"))]
    fn command_key_positions<'py>(
        slf: &Bound<'py, Self>,
        argv: &Bound<'py, PyAny>,
        mode: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        key_positions(&Source::Object(slf), argv, mode)
    }

    /// The one slot all keys of `argv` share by this table, or `None` when
    /// it has no keys; raises `CrossSlotError` where the server answers
    /// CROSSSLOT.
    #[pyo3(signature = (argv, /))]
    fn check(slf: &Bound<'_, Self>, argv: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
        check(&Source::Object(slf), argv)
    }

    /// `check` for a MULTI/EXEC block by this table: every key of every
    /// command must share one slot; raises `CrossSlotTransactionError`
    /// otherwise.
    #[pyo3(signature = (commands, /))]
    fn check_transaction(
        slf: &Bound<'_, Self>,
        commands: &Bound<'_, PyAny>,
    ) -> PyResult<Option<u16>> {
        check_transaction(&Source::Object(slf), commands)
    }

    /// Where `argv` goes by this table, and how to combine replies from
    /// several nodes.
    #[pyo3(signature = (argv, /))]
    fn route(slf: &Bound<'_, Self>, argv: &Bound<'_, PyAny>) -> PyResult<RoutePlan> {
        route(&Source::Object(slf), argv)
    }

    /// `argv` broken into one command per slot by this table, and how to
    /// merge the replies.
    #[pyo3(signature = (argv, /))]
    fn split(slf: &Bound<'_, Self>, argv: &Bound<'_, PyAny>) -> PyResult<Split> {
        split(&Source::Object(slf), argv)
    }

    /// Whether a top-level command of this name (any case) is known.
    fn __contains__(slf: &Bound<'_, Self>, name: &Bound<'_, PyAny>) -> PyResult<bool> {
        crate::key::with_key(name, |n| slf.borrow().table.get(n).is_some())
    }

    /// The number of top-level commands.
    fn __len__(slf: &Bound<'_, Self>) -> usize {
        slf.borrow().table.commands().len()
    }
}
