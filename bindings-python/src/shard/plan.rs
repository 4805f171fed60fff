//! The core's plans as Python objects: `ShardSplit` (a command split per
//! shard or sent to every shard, with the core's reduce rule) and
//! `PipelinePlan` (a whole pipeline: each shard's batch, each command's
//! replies).

use keyroute::shard::{Pipeline, Reduce, Step};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use super::reduce::{apply, PyReduce};
use crate::errors::obj;
use crate::key::items_of;

/// A command sent to several shards (split per shard, or the same command
/// to every shard), or, from `split()`, to one; and how its replies become
/// one reply.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct ShardSplit {
    step: Step,
    /// How many arguments the command has (a one-shard part holds them all).
    argc: usize,
    /// How many keys the command has.
    #[pyo3(get)]
    key_count: usize,
    /// `(shard, arguments)` per send, the arguments being the caller's own
    /// objects.
    commands: Py<PyList>,
}

impl ShardSplit {
    /// `step` over the arguments `items`; `key_count` is the command's
    /// number of keys (read from the step but for one shard).
    pub(crate) fn new(
        py: Python<'_>,
        step: Step,
        items: &[Bound<'_, PyAny>],
        key_count: usize,
    ) -> PyResult<Self> {
        let (commands, key_count) = match &step {
            Step::Split(s) => (
                s.parts
                    .iter()
                    .map(|p| {
                        let args = PyTuple::new(py, p.argv.iter().map(|&i| &items[i]))?;
                        PyTuple::new(py, [obj(py, p.shard), args.into_any()])
                    })
                    .collect::<PyResult<Vec<_>>>()?,
                s.key_count,
            ),
            _ => {
                let args = PyTuple::new(py, items)?.into_any();
                let commands = step
                    .sends()
                    .map(|(shard, _)| PyTuple::new(py, [obj(py, shard), args.clone()]))
                    .collect::<PyResult<Vec<_>>>()?;
                let keys = if matches!(step, Step::One(_)) {
                    key_count
                } else {
                    0
                };
                (commands, keys)
            }
        };
        Ok(ShardSplit {
            step,
            argc: items.len(),
            key_count,
            commands: PyList::new(py, commands)?.unbind(),
        })
    }

    /// The core's step.
    pub(crate) fn step(&self) -> &Step {
        &self.step
    }

    /// The number of keys of each send, in order.
    fn key_counts(&self) -> Vec<usize> {
        match &self.step {
            Step::Split(s) => s.parts.iter().map(|p| p.keys.len()).collect(),
            Step::One(_) => vec![self.key_count],
            _ => self.step.sends().map(|_| 0).collect(),
        }
    }
}

#[pymethods]
impl ShardSplit {
    /// `"split"` (one sub-command per part), `"fan_out"` (the command as
    /// given, to every shard) or `"one"` (the whole command to one shard,
    /// from `split()`).
    #[getter]
    fn kind(&self) -> &'static str {
        match self.step {
            Step::One(_) => "one",
            Step::Split(_) => "split",
            _ => "fan_out",
        }
    }

    /// The one shard of a `"one"` split, else `None`.
    #[getter]
    fn shard(&self) -> Option<usize> {
        match self.step {
            Step::One(s) => Some(s),
            _ => None,
        }
    }

    /// The shard of each send, in the order `gather` takes the replies.
    #[getter]
    fn shards(&self) -> Vec<usize> {
        self.step.sends().map(|(s, _)| s).collect()
    }

    /// `(shard, argv positions, key ordinals)` per send, in the order of
    /// `commands`: a part's arguments are the original arguments at those
    /// positions (the command name first). A cluster map gives one part
    /// per slot, so a shard may have several.
    #[getter]
    fn parts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let part = |shard: usize, argv: &[usize], keys: &[usize]| {
            PyTuple::new(
                py,
                [
                    obj(py, shard),
                    PyList::new(py, argv)?.into_any(),
                    PyList::new(py, keys)?.into_any(),
                ],
            )
        };
        let all: Vec<usize> = (0..self.argc).collect();
        let items = match &self.step {
            Step::Split(s) => s
                .parts
                .iter()
                .map(|p| part(p.shard, &p.argv, &p.keys))
                .collect::<PyResult<Vec<_>>>()?,
            Step::One(s) => vec![part(*s, &all, &(0..self.key_count).collect::<Vec<_>>())?],
            _ => self
                .step
                .sends()
                .map(|(s, _)| part(s, &all, &[]))
                .collect::<PyResult<Vec<_>>>()?,
        };
        PyList::new(py, items)
    }

    /// `(shard, arguments)` per send: the sub-command (or the command) to
    /// send, made of the caller's own argument objects.
    #[getter]
    fn commands<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        self.commands.bind(py).clone()
    }

    /// Each send's share of `keys`, a sequence in the command's key order
    /// (such as redis-py's `keys=` option): the items at the part's key
    /// ordinals (all of them for one shard, none for a fan-out). Raises
    /// `IndexError` when `keys` is shorter than the command's keys.
    #[pyo3(signature = (keys, /))]
    fn part_keys<'py>(&self, keys: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyList>>> {
        let py = keys.py();
        // redis-py hands a list: its items are taken as they are needed.
        let owned;
        let list = match keys.cast_exact::<PyList>() {
            Ok(list) => list,
            Err(_) => {
                owned = PyList::new(py, items_of(keys)?)?;
                &owned
            }
        };
        if list.len() < self.key_count {
            return Err(PyIndexError::new_err(format!(
                "{} keys given for a command of {}",
                list.len(),
                self.key_count
            )));
        }
        let share = |ordinals: &mut dyn Iterator<Item = usize>| {
            let items = ordinals
                .map(|k| list.get_item(k))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)
        };
        match &self.step {
            Step::Split(s) => s
                .parts
                .iter()
                .map(|p| share(&mut p.keys.iter().copied()))
                .collect(),
            Step::One(_) => Ok(vec![share(&mut (0..self.key_count))?]),
            _ => self.step.sends().map(|_| Ok(PyList::empty(py))).collect(),
        }
    }

    /// The core's rule for the replies (`None` for one shard).
    #[getter]
    fn reduce(&self) -> Option<PyReduce> {
        self.step.reduce().map(|r| PyReduce { inner: r.clone() })
    }

    /// The former name of `reduce` (deprecated): `"by_key_position"` for
    /// `"order"`, `"all_ok"` for `"all_succeeded"`, `"single"` for one shard.
    #[getter]
    fn merge(&self) -> &'static str {
        match self.step.reduce() {
            None => "single",
            Some(Reduce::Order(_)) => "by_key_position",
            Some(Reduce::AllSucceeded) => "all_ok",
            Some(r) => r.as_str(),
        }
    }

    /// The command's reply from the replies of its sends (one per
    /// `commands` entry, in order), by the core's rule. An error reply (an
    /// exception instance) stands for the whole and is returned, not raised.
    #[pyo3(signature = (replies, /))]
    fn gather<'py>(&self, replies: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = replies.py();
        let replies = items_of(replies)?;
        let counts = self.key_counts();
        if replies.len() != counts.len() {
            return Err(PyValueError::new_err(format!(
                "{} replies for {} parts",
                replies.len(),
                counts.len()
            )));
        }
        let Some(reduce) = self.step.reduce() else {
            return Ok(replies
                .into_iter()
                .next()
                .unwrap_or_else(|| py.None().into_bound(py)));
        };
        if let Reduce::Order(_) = reduce {
            // A part answers one value per key: anything else would put
            // values under the wrong keys.
            for (r, &n) in replies.iter().zip(&counts) {
                if let Ok(items) = r.len() {
                    if items != n && (r.is_instance_of::<PyList>() || r.is_instance_of::<PyTuple>())
                    {
                        return Err(PyValueError::new_err(format!(
                            "a part of {n} keys answered {items} values"
                        )));
                    }
                }
            }
        }
        Ok(apply(py, reduce, replies))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ShardSplit(kind='{}', reduce={}, key_count={}, parts={})",
            self.kind(),
            self.step
                .reduce()
                .map_or_else(|| "None".to_owned(), |r| format!("'{}'", r.as_str())),
            self.key_count,
            self.parts(py)?.repr()?
        ))
    }
}

/// A whole pipeline planned before any I/O.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct PipelinePlan {
    plan: Pipeline,
    /// Each command's step: a shard index, or a `ShardSplit`.
    steps: Py<PyList>,
}

impl PipelinePlan {
    pub(crate) fn new(plan: Pipeline, steps: Py<PyList>) -> Self {
        PipelinePlan { plan, steps }
    }
}

#[pymethods]
impl PipelinePlan {
    /// Each command's step: the index of its one shard, or a `ShardSplit`.
    #[getter]
    fn steps<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        self.steps.bind(py).clone()
    }

    /// Per shard, what to send to it, in order: `(command, part)`, `part`
    /// indexing the command's `ShardSplit.commands` for a split, `None` for
    /// the command as given. Empty for a shard with nothing.
    #[getter]
    fn batches(&self) -> Vec<Vec<(usize, Option<usize>)>> {
        self.plan
            .batches
            .iter()
            .map(|b| b.iter().map(|s| (s.command, s.part)).collect())
            .collect()
    }

    /// Per command, where its replies are: `(shard, index among that
    /// shard's replies)`, in the order its step's rule takes them.
    #[getter]
    fn replies(&self) -> Vec<Vec<(usize, usize)>> {
        self.plan.replies.clone()
    }

    /// Each command's reply, in pipeline order, from each shard's replies
    /// (`results[shard]`, in the order of its batch), combined by the core's
    /// rules. Error replies (exception instances) are returned in place.
    #[pyo3(signature = (results, /))]
    fn assemble<'py>(&self, results: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let py = results.py();
        let mut per_shard: Vec<Option<Vec<Bound<'py, PyAny>>>> =
            vec![None; self.plan.batches.len()];
        for (shard, batch) in self.plan.batches.iter().enumerate() {
            if !batch.is_empty() {
                let got = items_of(&results.get_item(shard)?)?;
                if got.len() != batch.len() {
                    return Err(PyValueError::new_err(format!(
                        "shard {shard}: {} replies for {} commands",
                        got.len(),
                        batch.len()
                    )));
                }
                per_shard[shard] = Some(got);
            }
        }
        let reply = |(s, j): (usize, usize)| per_shard[s].as_ref().map(|r| r[j].clone());
        let out = self
            .plan
            .steps
            .iter()
            .zip(&self.plan.replies)
            .map(|(step, at)| {
                let mut replies = at.iter().filter_map(|&a| reply(a));
                match step.reduce() {
                    None => replies.next().unwrap_or_else(|| py.None().into_bound(py)),
                    Some(r) => apply(py, r, replies),
                }
            })
            .collect::<Vec<_>>();
        PyList::new(py, out)
    }

    fn __len__(&self) -> usize {
        self.plan.steps.len()
    }
}
