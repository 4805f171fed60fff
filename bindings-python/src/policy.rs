//! `HashPolicy`: which bytes of a key decide its slot, the open-source
//! hash-tag rule or Redis Software-style regex rules. Also the `policy=`
//! argument that `key_slot`, `key_slots`, cluster maps and commands take.

use std::hash::{Hash, Hasher};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::errors::{no_rule_matched, policy_error};
use crate::key::{at_item, items_of, refuse_single, with_key};

/// A hashing policy: ordered regex rules, each with a named group `tag`,
/// matched anchored at the start of the key; the first rule that matches
/// decides and its `tag` is hashed; a key no rule matches is an error.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct HashPolicy {
    pub(crate) inner: keyroute::HashPolicy,
}

impl HashPolicy {
    /// The slot of `key`, a `NoRuleMatchedError` naming `position` if no
    /// rule matches it.
    #[inline]
    pub(crate) fn slot(&self, key: &[u8], py: Python<'_>, position: usize) -> PyResult<u16> {
        self.inner
            .key_slot(key)
            .map_err(|_| no_rule_matched(py, position))
    }
}

/// The core policy of a `policy=` argument: `None` is the open-source rule.
pub(crate) fn core_policy(policy: Option<&Bound<'_, HashPolicy>>) -> keyroute::HashPolicy {
    policy.map_or_else(keyroute::HashPolicy::oss, |p| p.get().inner.clone())
}

#[pymethods]
impl HashPolicy {
    /// A policy from ordered rules (`str`), each with a named group `tag`:
    /// `(?<tag>...)` or `(?P<tag>...)`. At most 32 rules of at most 256
    /// characters; backreferences, look-around and `$` are refused.
    #[new]
    #[pyo3(signature = (rules, /))]
    fn new(rules: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = rules.py();
        refuse_single(
            rules,
            "HashPolicy takes an iterable of rules",
            "; wrap it in a list",
        )?;
        let texts = items_of(rules)?
            .iter()
            .enumerate()
            .map(|(i, r)| match r.cast::<PyString>() {
                Ok(s) => Ok(s.to_str()?.to_owned()),
                Err(_) => Err(PyTypeError::new_err(format!(
                    "rules[{i}]: a rule is a str, not {}",
                    r.get_type().name()?
                ))),
            })
            .collect::<PyResult<Vec<String>>>()?;
        keyroute::HashPolicy::new(&texts)
            .map(|inner| HashPolicy { inner })
            .map_err(|e| policy_error(py, e))
    }

    /// Redis Software's standard policy: `.*\{(?<tag>.*)\}.*`, then `(?<tag>.*)`.
    #[staticmethod]
    fn enterprise_standard() -> Self {
        HashPolicy {
            inner: keyroute::HashPolicy::enterprise_standard(),
        }
    }

    /// The open-source `{hash tag}` rule, the default everywhere.
    #[staticmethod]
    fn oss() -> Self {
        HashPolicy {
            inner: keyroute::HashPolicy::oss(),
        }
    }

    /// The rules, in order (empty for the open-source rule).
    #[getter]
    fn rules(&self) -> Vec<String> {
        self.inner.rules().map(str::to_owned).collect()
    }

    /// Whether this is the open-source rule.
    #[getter]
    fn is_oss(&self) -> bool {
        self.inner.is_oss()
    }

    /// The bytes of `key` that are hashed.
    #[pyo3(signature = (key, /))]
    fn hash_input<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        let py = key.py();
        with_key(key, |k| {
            self.inner
                .hash_input(k)
                .map(|tag| PyBytes::new(py, tag))
                .map_err(|_| no_rule_matched(py, 0))
        })?
    }

    /// The hash slot of `key` under this policy.
    #[pyo3(signature = (key, /))]
    fn key_slot(&self, key: &Bound<'_, PyAny>) -> PyResult<u16> {
        with_key(key, |k| self.slot(k, key.py(), 0))?
    }

    /// The slot of every key of `keys`, in order, as an `array.array('H')`.
    #[pyo3(signature = (keys, /))]
    fn key_slots<'py>(
        slf: &Bound<'py, Self>,
        keys: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::slot::key_slots(keys, Some(slf))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<HashPolicy>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.is_oss().hash(&mut h);
        self.inner.rules().for_each(|r| r.hash(&mut h));
        h.finish()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        if self.inner.is_oss() {
            return Ok("HashPolicy.oss()".to_owned());
        }
        Ok(format!(
            "HashPolicy({})",
            PyList::new(py, self.rules())?.repr()?
        ))
    }

    /// Pickles as its rules.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let cls = slf.get_type();
        if slf.get().inner.is_oss() {
            return PyTuple::new(py, [cls.getattr("oss")?, PyTuple::empty(py).into_any()]);
        }
        let args = PyTuple::new(py, [slf.get().rules()])?;
        PyTuple::new(py, [cls.into_any(), args.into_any()])
    }
}

/// The slot of item `i` of a batch under `policy`; a wrong type or a key no
/// rule matches names the position.
#[inline]
pub(crate) fn item_slot(key: &Bound<'_, PyAny>, i: usize, policy: &HashPolicy) -> PyResult<u16> {
    with_key(key, |k| policy.slot(k, key.py(), i)).map_err(|e| at_item(e, key.py(), "keys", i))?
}
