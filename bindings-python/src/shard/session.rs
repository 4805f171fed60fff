//! `ShardSession`: the core's MULTI / EXEC / WATCH state of one sharded
//! connection or pipeline, over one `ShardRouter`.

// The core's refusals are large and unboxed (its shard module says why);
// the closures here only pass them on.
#![allow(clippy::result_large_err)]

use pyo3::prelude::*;

use super::error::shard_error;
use super::ShardRouter;
use crate::argv::{commands, Argv};

/// The transaction state of one sharded connection or pipeline: which
/// shard a transaction (or WATCH) is pinned to, and the refusals. Methods
/// that refuse leave the state as it was.
#[pyclass(module = "keyroute")]
pub(crate) struct ShardSession {
    router: Py<ShardRouter>,
    inner: keyroute::shard::Session,
}

impl ShardSession {
    /// Runs `f` on the state with the arguments of `argv`.
    fn with_argv<T>(
        &mut self,
        argv: &Bound<'_, PyAny>,
        f: impl FnOnce(
            &mut keyroute::shard::Session,
            &keyroute::shard::ShardRouter,
            &[std::borrow::Cow<'_, [u8]>],
        ) -> Result<T, keyroute::shard::ShardError>,
    ) -> PyResult<T> {
        let py = argv.py();
        let args = Argv::new(argv, "argv")?;
        let bytes = args.bytes("argv")?;
        let router = &self.router.get().inner;
        f(&mut self.inner, router, &bytes).map_err(|e| shard_error(py, e, &|p| arg(&bytes, p)))
    }
}

fn arg(bytes: &[std::borrow::Cow<'_, [u8]>], p: usize) -> Vec<u8> {
    bytes.get(p).map(|b| b.to_vec()).unwrap_or_default()
}

#[pymethods]
impl ShardSession {
    /// No transaction and nothing watched, over `router`.
    #[new]
    #[pyo3(signature = (router, /))]
    fn new(router: Py<ShardRouter>) -> Self {
        ShardSession {
            router,
            inner: keyroute::shard::Session::new(),
        }
    }

    /// The router the session asks.
    #[getter]
    fn router(&self, py: Python<'_>) -> Py<ShardRouter> {
        self.router.clone_ref(py)
    }

    /// WATCH: `argv` is the whole command (`["WATCH", key, ...]`); every key
    /// must be on the transaction's shard. Returns the shard to send it to.
    #[pyo3(signature = (argv, /))]
    fn watch(&mut self, argv: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.with_argv(argv, |s, r, a| s.watch(r, a))
    }

    /// UNWATCH outside MULTI: the shard the watch went to (send UNWATCH
    /// there), or `None` when there is nothing to send.
    fn unwatch(&mut self) -> Option<usize> {
        self.inner.unwatch()
    }

    /// A command run while watching, before MULTI, on the connection that
    /// holds the watch: returns the watched shard it must run on.
    #[pyo3(signature = (argv, /))]
    fn while_watching(&mut self, argv: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.with_argv(argv, |s, r, a| s.while_watching(r, a))
    }

    /// MULTI.
    fn multi(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner
            .multi()
            .map_err(|e| shard_error(py, e, &|_| Vec::new()))
    }

    /// Queues `argv` in the transaction: its keys must be on the
    /// transaction's shard.
    #[pyo3(signature = (argv, /))]
    fn queue(&mut self, argv: &Bound<'_, PyAny>) -> PyResult<()> {
        self.with_argv(argv, |s, r, a| s.queue(r, a))
    }

    /// EXEC: the shard to run the transaction on, or `None` when there is
    /// nothing to send. Ends the transaction and the watch, whatever the
    /// outcome.
    fn exec(&mut self, py: Python<'_>) -> PyResult<Option<usize>> {
        self.inner
            .exec()
            .map_err(|e| shard_error(py, e, &|_| Vec::new()))
    }

    /// A whole MULTI/EXEC block at once (the commands between MULTI and
    /// EXEC): the shard to run it on, or `None` for nothing to send. A
    /// refusal leaves the state as it was.
    #[pyo3(signature = (commands, /))]
    fn transaction(&mut self, commands: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
        let py = commands.py();
        let commands = self::commands(commands)?;
        let bytes = commands
            .iter()
            .enumerate()
            .map(|(i, c)| c.bytes(&format!("commands[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        let router = &self.router.get().inner;
        self.inner.transaction(router, &bytes).map_err(|e| {
            let at = e.position().and_then(|p| bytes.get(p));
            shard_error(py, e, &|p| at.map_or_else(Vec::new, |a| arg(a, p)))
        })
    }

    /// DISCARD, or a pipeline reset: ends the transaction and the watch.
    /// Returns the shard that was pinned, if any.
    fn reset(&mut self) -> Option<usize> {
        self.inner.reset()
    }

    /// The shard the transaction is pinned to, if a key has pinned it.
    #[getter]
    fn pinned(&self) -> Option<usize> {
        self.inner.pinned()
    }

    /// Whether keys are watched.
    #[getter]
    fn watching(&self) -> bool {
        self.inner.watching()
    }

    /// Whether MULTI was given and EXEC or DISCARD not yet.
    #[getter]
    fn in_multi(&self) -> bool {
        self.inner.in_multi()
    }

    /// How many commands are queued in the transaction.
    #[getter]
    fn queued(&self) -> usize {
        self.inner.queued()
    }

    fn __repr__(&self) -> String {
        format!(
            "ShardSession(pinned={}, watching={}, in_multi={}, queued={})",
            self.inner
                .pinned()
                .map_or_else(|| "None".to_owned(), |s| s.to_string()),
            if self.inner.watching() {
                "True"
            } else {
                "False"
            },
            if self.inner.in_multi() {
                "True"
            } else {
                "False"
            },
            self.inner.queued()
        )
    }
}
