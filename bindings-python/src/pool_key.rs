//! How a pool's scheme turns a Python key into the bytes it hashes.
//!
//! Keys are bytes, as everywhere, with one exception that follows the
//! libraries themselves: uhashring and pymemcache hash `str(key)`, so for
//! the `uhashring`, `uhashring-ketama` and `pymemcache` schemes a `bytes`
//! key is hashed as the text `b'...'` (and a `bytearray` as
//! `bytearray(b'...')`), which is where those libraries put it.

use keyroute::partition::{python_bytes_str, Scheme};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use crate::key::{bytes_of, with_key};

/// How a scheme's library turns a Python key into the bytes it hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyForm {
    /// The key's bytes (`str` as UTF-8), as every other scheme.
    Bytes,
    /// `str(key)` as UTF-8: uhashring and pymemcache.
    PythonStr,
}

impl KeyForm {
    pub(crate) fn of(scheme: Scheme) -> Self {
        match scheme {
            Scheme::Uhashring | Scheme::UhashringKetama | Scheme::Pymemcache => Self::PythonStr,
            _ => Self::Bytes,
        }
    }
}

/// Calls `f` with the bytes a pool of key form `form` hashes for `obj`.
#[inline]
pub(crate) fn with_pool_key<R>(
    obj: &Bound<'_, PyAny>,
    form: KeyForm,
    f: impl FnOnce(&[u8]) -> R,
) -> PyResult<R> {
    match form {
        KeyForm::Bytes => with_key(obj, f),
        KeyForm::PythonStr => with_str_key(obj, f),
    }
}

/// `str(key)`, as uhashring and pymemcache format keys.
fn with_str_key<R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return Ok(f(s.to_str()?.as_bytes()));
    }
    if let Ok(b) = obj.cast_exact::<PyBytes>() {
        return Ok(f(python_bytes_str(bytes_of(b)?).as_bytes()));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        // str(view) is "<memory at 0x...>": the library's answer depends on
        // where the view lives.
        return Err(PyTypeError::new_err(
            "this scheme's library hashes str(key), which for a memoryview is its address; \
             pass bytes(view)",
        ));
    }
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
    {
        return Ok(f(obj.str()?.to_str()?.as_bytes()));
    }
    // Not a key: the usual TypeError.
    with_key(obj, f)
}
