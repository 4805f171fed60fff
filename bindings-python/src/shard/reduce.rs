//! Python reply objects under the core's [`Reply`] trait, so that a split's
//! or a fan-out's replies are combined by the core's rule, in Rust: an
//! error is an exception instance, nil is `None`, an integer is an `int`
//! (`bool` counts as 0 or 1, and stays a `bool` where the core keeps the
//! first reply's kind), an array is a `list` or `tuple`.

use keyroute::shard::{Reduce, Reply};
use pyo3::exceptions::{PyBaseException, PyValueError};
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

/// How the replies of a split or a fan-out become one reply: the core's
/// rule, applied to Python replies by the core.
#[pyclass(name = "Reduce", module = "keyroute", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyReduce {
    pub(crate) inner: Reduce,
}

#[pymethods]
impl PyReduce {
    /// The rule named `name`: `"sum"`, `"min"`, `"max"`, `"and"`, `"or"`,
    /// `"all_succeeded"`, `"one_succeeded"`, `"concat"`; `"order"` with
    /// `order=` (element `order[i]` of the replies' elements, concatenated,
    /// is element `i` of the result); `"random"` with `pick=` (the
    /// `pick`-th reply that is not nil, modulo their count).
    #[new]
    #[pyo3(signature = (name, /, *, order = None, pick = None))]
    fn new(name: &str, order: Option<Vec<u32>>, pick: Option<u32>) -> PyResult<Self> {
        let inner = match (name, order, pick) {
            ("order", Some(order), None) => Reduce::Order(order),
            ("random", None, Some(pick)) => Reduce::Random { pick },
            (name, None, None) => Reduce::from_name(name).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "no reduce rule {name:?} (\"order\" takes order=, \"random\" takes pick=)"
                ))
            })?,
            _ => {
                return Err(PyValueError::new_err(
                    "order= goes with \"order\" alone, pick= with \"random\" alone",
                ))
            }
        };
        Ok(PyReduce { inner })
    }

    /// The rule's name.
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.as_str()
    }

    /// `order`'s index map, else `None`.
    #[getter]
    fn order(&self) -> Option<Vec<u32>> {
        match &self.inner {
            Reduce::Order(o) => Some(o.clone()),
            _ => None,
        }
    }

    /// `random`'s pick, else `None`.
    #[getter]
    fn pick(&self) -> Option<u32> {
        match self.inner {
            Reduce::Random { pick } => Some(pick),
            _ => None,
        }
    }

    /// One reply from `replies` (in part or shard order). An error reply
    /// (an exception instance) stands for the whole and is returned, not
    /// raised.
    #[pyo3(signature = (replies, /))]
    fn apply<'py>(&self, replies: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        Ok(apply(
            replies.py(),
            &self.inner,
            crate::key::items_of(replies)?,
        ))
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            Reduce::Order(o) => format!("Reduce('order', order={o:?})"),
            Reduce::Random { pick } => format!("Reduce('random', pick={pick})"),
            r => format!("Reduce('{}')", r.as_str()),
        }
    }
}
