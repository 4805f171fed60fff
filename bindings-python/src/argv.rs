//! Python command arguments to bytes, as redis-py's `Encoder` puts them on
//! the wire.
//!
//! An argument is `bytes`, `str` (UTF-8), `bytearray` or a C-contiguous
//! `memoryview`, as for keys; and, as redis-py sends them, `int` and
//! `float` as the bytes of their `repr` (`5` is `b"5"`, `1.5` is `b"1.5"`).
//! `bool` is refused, as redis-py refuses it, and so is everything else.
//! (Keys passed to `key_slot` stay bytes and text only: there a number is
//! more likely a bug than a key.)

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyMemoryView, PyString};

use crate::key::{at_item, bytes_of, is_single, items_of, key_cow, refuse_single, single_error};

/// A command's arguments: the Python objects, kept alive, and their bytes,
/// borrowed from them where they are exact `bytes` or `str`.
pub(crate) struct Argv<'py> {
    items: Vec<Bound<'py, PyAny>>,
}

impl<'py> Argv<'py> {
    /// Takes the items of `argv`, an iterable of arguments (not a single
    /// `str` or bytes-like object). `what` names it in errors.
    pub(crate) fn new(argv: &Bound<'py, PyAny>, what: &str) -> PyResult<Self> {
        if is_single(argv) {
            return Err(single_error(
                argv,
                &format!("{what} must be a list of arguments"),
                "; split the command into its arguments",
            ));
        }
        Ok(Argv {
            items: items_of(argv)?,
        })
    }

    /// The bytes of every argument, in order.
    pub(crate) fn bytes(&self, what: &str) -> PyResult<Vec<Cow<'_, [u8]>>> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, a)| arg_bytes(a).map_err(|e| at_item(e, a.py(), what, i)))
            .collect()
    }

    /// The argument objects, in order.
    pub(crate) fn items(&self) -> &[Bound<'py, PyAny>] {
        &self.items
    }

    /// Argument `i` as a `bytes` object: the argument itself when it is one.
    pub(crate) fn bytes_object(&self, i: usize, bytes: &[u8]) -> Bound<'py, PyBytes> {
        match self.items[i].cast_exact::<PyBytes>() {
            Ok(b) => b.clone(),
            Err(_) => PyBytes::new(self.items[i].py(), bytes),
        }
    }
}

/// The arguments of every command of a transaction.
pub(crate) fn commands<'py>(commands: &Bound<'py, PyAny>) -> PyResult<Vec<Argv<'py>>> {
    refuse_single(
        commands,
        "commands must be a list of argument lists",
        "; pass [argv, ...]",
    )?;
    items_of(commands)?
        .iter()
        .enumerate()
        .map(|(i, c)| Argv::new(c, &format!("commands[{i}]")))
        .collect()
}

/// One argument's bytes.
#[inline]
fn arg_bytes<'a>(arg: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    // Exact bytes and str first: one pointer comparison each.
    if let Ok(b) = arg.cast_exact::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes_of(b)?));
    }
    if let Ok(s) = arg.cast_exact::<PyString>() {
        return Ok(Cow::Borrowed(s.to_str()?.as_bytes()));
    }
    other_arg(arg)
}

/// Every argument but an exact `bytes` or `str`.
#[cold]
fn other_arg<'a>(arg: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if arg.is_instance_of::<PyBytes>()
        || arg.is_instance_of::<PyString>()
        || arg.is_instance_of::<PyByteArray>()
        || arg.is_instance_of::<PyMemoryView>()
    {
        return key_cow(arg);
    }
    if arg.is_instance_of::<PyBool>() {
        return Err(not_an_arg(arg));
    }
    if let Ok(i) = arg.cast_exact::<PyInt>() {
        if let Ok(n) = i.extract::<i64>() {
            return Ok(Cow::Owned(n.to_string().into_bytes()));
        }
    }
    if arg.is_instance_of::<PyInt>() || arg.is_instance_of::<PyFloat>() {
        // redis-py sends `repr(value)`: Python's shortest float digits, and
        // whatever an int subclass's repr says.
        return Ok(Cow::Owned(arg.repr()?.to_str()?.as_bytes().to_vec()));
    }
    Err(not_an_arg(arg))
}

fn not_an_arg(arg: &Bound<'_, PyAny>) -> PyErr {
    let ty = arg
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an unknown type".to_owned());
    PyTypeError::new_err(format!(
        "argument must be str, bytes, bytearray, memoryview, int or float, not {ty}"
    ))
}
