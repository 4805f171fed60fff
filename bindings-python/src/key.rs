//! Python objects to key bytes, without copying (but for `memoryview`).
//!
//! A key is `bytes`, `str` (its UTF-8, as every Redis client sends it),
//! `bytearray` or C-contiguous `memoryview` (its raw bytes, as `bytes(view)`
//! gives them). Everything else is refused: routing `5` or `None` to some
//! slot would hide a bug in the caller.

use core::ffi::c_char;
use pyo3::exceptions::{PyBufferError, PyTypeError};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMemoryView, PyString, PyTuple};
use std::borrow::Cow;

/// Calls `f` with the bytes of the key `obj`.
///
/// Exact `bytes` and `str` are tested first: they are nearly every key, and
/// an exact type test is one pointer comparison.
#[inline]
pub(crate) fn with_key<R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(b) = obj.cast_exact::<PyBytes>() {
        return Ok(f(bytes_of(b)?));
    }
    if let Ok(s) = obj.cast_exact::<PyString>() {
        // A lone surrogate makes this raise the UnicodeEncodeError that
        // `key.encode("utf-8")` raises in redis-py.
        return Ok(f(s.to_str()?.as_bytes()));
    }
    with_other_key(obj, f)
}

/// The contents of a `bytes` in one call into the interpreter.
///
/// Under the limited API, pyo3's `as_bytes` asks for the pointer and the
/// length in two calls; this is the hottest line of a batch.
#[inline]
pub(crate) fn bytes_of<'a>(b: &'a Bound<'_, PyBytes>) -> PyResult<&'a [u8]> {
    let mut ptr: *mut c_char = core::ptr::null_mut();
    let mut len: ffi::Py_ssize_t = 0;
    // SAFETY: `b` is a live `bytes` object. On success the call sets the
    // pointer and length of its contents, which are immutable and live as
    // long as `b`; with a length pointer given it fails only for non-bytes.
    unsafe {
        if ffi::PyBytes_AsStringAndSize(b.as_ptr(), &mut ptr, &mut len) != 0 || ptr.is_null() {
            return Err(PyErr::fetch(b.py()));
        }
        Ok(core::slice::from_raw_parts(ptr.cast::<u8>(), len as usize))
    }
}

/// Subclasses of `bytes` and `str`, and the buffer types.
#[cold]
fn with_other_key<R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(f(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(f(s.to_str()?.as_bytes()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        // SAFETY: the interpreter is attached and `f` runs no Python code (it
        // hashes, or copies into a new bytes), so nothing can resize or write
        // the bytearray while `f` reads it.
        return Ok(f(unsafe { b.as_bytes() }));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        // pyo3 offers the buffer protocol only from the 3.11 limited API on,
        // and this module targets abi3-py310, so a view's bytes are copied.
        // A non-contiguous view is refused all the same, so that a zero-copy
        // path can replace this one without changing what is accepted.
        if !obj
            .getattr(intern!(obj.py(), "c_contiguous"))?
            .is_truthy()?
        {
            return Err(PyBufferError::new_err(
                "memoryview key must be C-contiguous; pass bytes(view) to copy it",
            ));
        }
        let bytes = obj.call_method0(intern!(obj.py(), "tobytes"))?;
        return Ok(f(bytes.cast_into::<PyBytes>()?.as_bytes()));
    }
    Err(not_a_key(obj))
}

/// The `TypeError` for an object that is not a key, naming its type.
fn not_a_key(obj: &Bound<'_, PyAny>) -> PyErr {
    let ty = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an unknown type".to_owned());
    PyTypeError::new_err(format!(
        "key must be str, bytes, bytearray or memoryview, not {ty}"
    ))
}

/// The bytes of the key `obj`: borrowed from exact `bytes` and `str`,
/// copied from the rest (a `bytearray` could change while it is held).
#[inline]
pub(crate) fn key_cow<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = obj.cast_exact::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes_of(b)?));
    }
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return Ok(Cow::Borrowed(s.to_str()?.as_bytes()));
    }
    with_other_key(obj, |k| Cow::Owned(k.to_vec()))
}

/// Whether `obj` is a `str` or bytes-like object: iterable, but where an
/// iterable of keys or of arguments is expected, its characters are not
/// what the caller meant.
pub(crate) fn is_single(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_exact_instance_of::<PyList>() || obj.is_exact_instance_of::<PyTuple>() {
        return false;
    }
    obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyMemoryView>()
}

/// The `TypeError` for a single `str` or bytes-like object given where
/// `what` (e.g. "an iterable of keys") is expected.
#[cold]
pub(crate) fn single_error(obj: &Bound<'_, PyAny>, what: &str, hint: &str) -> PyErr {
    let ty = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "str".to_owned());
    PyTypeError::new_err(format!("{what}, not a single {ty}{hint}"))
}

/// Refuses a single `str` or bytes-like object (see [`is_single`]).
pub(crate) fn refuse_single(obj: &Bound<'_, PyAny>, what: &str, hint: &str) -> PyResult<()> {
    if is_single(obj) {
        return Err(single_error(obj, what, hint));
    }
    Ok(())
}

/// The items of an iterable, each with a reference held, so that borrowed
/// bytes stay valid whatever Python code the iteration runs.
pub(crate) fn items_of<'py>(seq: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(list) = seq.cast_exact::<PyList>() {
        return Ok(list.iter().collect());
    }
    if let Ok(tuple) = seq.cast_exact::<PyTuple>() {
        return Ok(tuple.iter().collect());
    }
    seq.try_iter()?.collect()
}

/// Prefixes a `TypeError` about an item with its place, e.g. `keys[3]: `.
pub(crate) fn at_item(e: PyErr, py: Python<'_>, what: &str, i: usize) -> PyErr {
    if e.is_instance_of::<PyTypeError>(py) {
        PyTypeError::new_err(format!("{what}[{i}]: {}", e.value(py)))
    } else {
        e
    }
}
