//! Python reply objects under the core's [`Reply`] trait, so that a split's
//! or a fan-out's replies are combined by the core's rule, in Rust: an
//! error is an exception instance, nil is `None`, an integer is an `int`
//! (`bool` counts as 0 or 1, and stays a `bool` where the core keeps the
//! first reply's kind), an array is a `list` or `tuple`.

use keyroute::shard::{Reduce, Reply};
use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyList, PyTuple};

/// One reply, as the client library returned it. The trait's constructors
/// (`nil`, `array`) take no interpreter token, so replies are held unbound
/// and each method attaches (a thread-local check: the caller holds the
/// interpreter already).
pub(crate) struct PyReply(Py<PyAny>);

impl Reply for PyReply {
    fn is_error(&self) -> bool {
        Python::attach(|py| self.0.bind(py).is_instance_of::<PyBaseException>())
    }

    fn is_nil(&self) -> bool {
        Python::attach(|py| self.0.is_none(py))
    }

    fn as_int(&self) -> Option<i64> {
        Python::attach(|py| {
            let r = self.0.bind(py);
            if let Ok(b) = r.cast::<PyBool>() {
                return Some(i64::from(b.is_true()));
            }
            if r.is_instance_of::<PyInt>() {
                return r.extract::<i64>().ok();
            }
            None
        })
    }

    fn into_items(self) -> Result<Vec<Self>, Self> {
        Python::attach(|py| {
            let r = self.0.bind(py);
            if let Ok(list) = r.cast::<PyList>() {
                return Ok(list.iter().map(|x| PyReply(x.unbind())).collect());
            }
            if let Ok(tuple) = r.cast::<PyTuple>() {
                return Ok(tuple.iter().map(|x| PyReply(x.unbind())).collect());
            }
            Err(self)
        })
    }

    fn int_like(n: i64, like: &Self) -> Self {
        Python::attach(|py| {
            let v = if like.0.bind(py).is_instance_of::<PyBool>() && (n == 0 || n == 1) {
                PyBool::new(py, n != 0).to_owned().into_any()
            } else {
                crate::errors::obj(py, n)
            };
            PyReply(v.unbind())
        })
    }

    fn array(items: Vec<Self>) -> Self {
        Python::attach(|py| match PyList::new(py, items.into_iter().map(|r| r.0)) {
            Ok(list) => PyReply(list.into_any().unbind()),
            // Only when memory runs out: the failure is the reply, raised
            // by the adapter like any error reply.
            Err(e) => PyReply(e.into_value(py).into_any()),
        })
    }

    fn nil() -> Self {
        Python::attach(|py| PyReply(py.None()))
    }
}

/// `reduce` applied to `replies` (in part or shard order).
pub(crate) fn apply<'py>(
    py: Python<'py>,
    reduce: &Reduce,
    replies: impl IntoIterator<Item = Bound<'py, PyAny>>,
) -> Bound<'py, PyAny> {
    let replies = replies.into_iter().map(|r| PyReply(r.unbind())).collect();
    reduce.apply::<PyReply>(replies).0.into_bound(py)
}
