//! Commands: key extraction, same-slot checks, routes and splits, as module
//! functions over the built-in table and as methods of `CommandTable`
//! (which can learn module commands from a live `COMMAND` reply).

use keyroute::command::Mode;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::argv::{commands, Argv};
use crate::errors::{command_error, CommandError};
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

/// Runs `f` over the bytes of `argv`; a core error becomes its Python
/// class, with the keys a CROSSSLOT names.
fn with_argv<'py, R>(
    argv: &Bound<'py, PyAny>,
    f: impl FnOnce(
        &Argv<'py>,
        &[std::borrow::Cow<'_, [u8]>],
    ) -> Result<R, keyroute::error::CommandError>,
) -> PyResult<R> {
    let args = Argv::new(argv, "argv")?;
    let bytes = args.bytes("argv")?;
    f(&args, &bytes).map_err(|e| command_error(argv.py(), e, &|_, p| bytes[p].to_vec()))
}

fn keys<'py>(t: &Table, argv: &Bound<'py, PyAny>, m: &str) -> PyResult<Bound<'py, PyList>> {
    let m = mode(m)?;
    let found = with_argv(argv, |args, bytes| {
        t.keys(bytes, m).map(|keys| {
            keys.iter()
                .map(|k| args.bytes_object(k.pos, &bytes[k.pos]))
                .collect::<Vec<_>>()
        })
    })?;
    PyList::new(argv.py(), found)
}

fn key_positions<'py>(
    t: &Table,
    argv: &Bound<'py, PyAny>,
    m: &str,
) -> PyResult<Bound<'py, PyList>> {
    let py = argv.py();
    let m = mode(m)?;
    let found = with_argv(argv, |_, bytes| t.keys(bytes, m))?;
    let items = found
        .iter()
        .map(|k| {
            let flags = PyTuple::new(py, k.flags.names().collect::<Vec<_>>())?;
            PyTuple::new(py, [k.pos.into_pyobject(py)?.into_any(), flags.into_any()])
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

fn check(t: &Table, argv: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
    with_argv(argv, |_, bytes| t.check(bytes))
}

fn check_transaction(t: &Table, cmds: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
    let all = commands(cmds)?;
    let bytes = all
        .iter()
        .enumerate()
        .map(|(i, c)| c.bytes(&format!("commands[{i}]")))
        .collect::<PyResult<Vec<_>>>()?;
    t.check_transaction(&bytes)
        .map_err(|e| command_error(cmds.py(), e, &|c, p| bytes[c][p].to_vec()))
}

fn route(t: &Table, argv: &Bound<'_, PyAny>) -> PyResult<RoutePlan> {
    route_plan(with_argv(argv, |_, bytes| t.route(bytes))?)
}

fn split(t: &Table, argv: &Bound<'_, PyAny>) -> PyResult<Split> {
    let (s, parts) = with_argv(argv, |args, bytes| {
        t.split(bytes).map(|s| {
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
            (s, parts)
        })
    })?;
    split_result(argv.py(), s, parts)
}

/// The keys of `argv`, in the order the server finds them. `mode`:
/// `"routing"` (what cluster routing and CROSSSLOT use) or `"keyspecs"`
/// (what `COMMAND GETKEYS` answers).
#[pyfunction(name = "command_keys", signature = (argv, /, *, mode = "routing"))]
pub(crate) fn command_keys<'py>(
    argv: &Bound<'py, PyAny>,
    mode: &str,
) -> PyResult<Bound<'py, PyList>> {
    keys(&Table::builtin(), argv, mode)
}

/// `(position, flags)` of every key of `argv`; flags as
/// `COMMAND GETKEYSANDFLAGS` names them (none in routing mode).
#[pyfunction(name = "command_key_positions", signature = (argv, /, *, mode = "routing"))]
pub(crate) fn command_key_positions<'py>(
    argv: &Bound<'py, PyAny>,
    mode: &str,
) -> PyResult<Bound<'py, PyList>> {
    key_positions(&Table::builtin(), argv, mode)
}

/// The one slot all keys of `argv` share, or `None` when it has no keys;
/// raises `CrossSlotError` where the server answers CROSSSLOT.
#[pyfunction(name = "check", signature = (argv, /, *, policy = None))]
pub(crate) fn check_fn<'py>(
    argv: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<Option<u16>> {
    check(&builtin(policy), argv)
}

/// `check` for a MULTI/EXEC block: every key of every command must share
/// one slot; raises `CrossSlotTransactionError` otherwise.
#[pyfunction(name = "check_transaction", signature = (commands, /, *, policy = None))]
pub(crate) fn check_transaction_fn<'py>(
    commands: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<Option<u16>> {
    check_transaction(&builtin(policy), commands)
}

/// Where `argv` goes, and how to combine replies from several nodes.
#[pyfunction(name = "route", signature = (argv, /, *, policy = None))]
pub(crate) fn route_fn<'py>(
    argv: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<RoutePlan> {
    route(&builtin(policy), argv)
}

/// `argv` broken into one command per slot, and how to merge the replies.
#[pyfunction(name = "split", signature = (argv, /, *, policy = None))]
pub(crate) fn split_fn<'py>(
    argv: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<Split> {
    split(&builtin(policy), argv)
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
    fn extend_from_command_reply(&mut self, reply: &Bound<'_, PyAny>) -> PyResult<usize> {
        let py = reply.py();
        let value = to_value(reply, "COMMAND").map_err(|e| match e {
            ReplyError::Python(e) => e,
            ReplyError::Malformed(msg) => CommandError::new_err(msg),
        })?;
        self.table
            .extend_from_command_reply(&value)
            .map_err(|e| command_error(py, e, &|_, _| Vec::new()))
    }

    #[pyo3(signature = (argv, /, *, mode = "routing"))]
    fn command_keys<'py>(
        &self,
        argv: &Bound<'py, PyAny>,
        mode: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        keys(&self.table, argv, mode)
    }

    #[pyo3(signature = (argv, /, *, mode = "routing"))]
    fn command_key_positions<'py>(
        &self,
        argv: &Bound<'py, PyAny>,
        mode: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        key_positions(&self.table, argv, mode)
    }

    #[pyo3(signature = (argv, /))]
    fn check(&self, argv: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
        check(&self.table, argv)
    }

    #[pyo3(signature = (commands, /))]
    fn check_transaction(&self, commands: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
        check_transaction(&self.table, commands)
    }

    #[pyo3(signature = (argv, /))]
    fn route(&self, argv: &Bound<'_, PyAny>) -> PyResult<RoutePlan> {
        route(&self.table, argv)
    }

    #[pyo3(signature = (argv, /))]
    fn split(&self, argv: &Bound<'_, PyAny>) -> PyResult<Split> {
        split(&self.table, argv)
    }

    /// Whether a top-level command of this name (any case) is known.
    fn __contains__(&self, name: &Bound<'_, PyAny>) -> PyResult<bool> {
        crate::key::with_key(name, |n| self.table.get(n).is_some())
    }

    /// The number of top-level commands.
    fn __len__(&self) -> usize {
        self.table.commands().len()
    }
}
