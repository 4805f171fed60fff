//! Key to hash slot: `key_slot`, `key_slots`, `pattern_slot`.

use crate::key::{at_item, refuse_single, with_key};
use crate::policy::{item_slot, HashPolicy};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyTuple, PyType};

/// The hash slot of `key`, as `CLUSTER KEYSLOT` answers (or as `policy`
/// hashes it).
#[pyfunction(signature = (key, /, *, policy = None, scheme = None))]
pub(crate) fn key_slot(
    key: &Bound<'_, PyAny>,
    policy: Option<&Bound<'_, HashPolicy>>,
    scheme: Option<&str>,
) -> PyResult<u16> {
    if slot_scheme(scheme, policy.is_some())? == keyroute::SlotScheme::Codis {
        return with_key(key, keyroute::codis_slot);
    }
    match policy {
        None => with_key(key, keyroute::key_slot_fast),
        Some(p) => with_key(key, |k| p.get().slot(k, key.py(), 0))?,
    }
}

/// The `scheme=` of `key_slot` / `key_slots`, parsed by the core; a policy
/// only applies to Redis Cluster's slots.
fn slot_scheme(scheme: Option<&str>, policy: bool) -> PyResult<keyroute::SlotScheme> {
    let s = match scheme {
        None => keyroute::SlotScheme::RedisCluster,
        Some(name) => name
            .parse::<keyroute::SlotScheme>()
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?,
    };
    if policy && s != keyroute::SlotScheme::RedisCluster {
        return Err(PyTypeError::new_err(
            "policy= applies to Redis Cluster slots; give scheme= or policy=, not both",
        ));
    }
    Ok(s)
}

/// The one slot every key matching the glob `pattern` is in, or `None`.
#[pyfunction(signature = (pattern, /))]
pub(crate) fn pattern_slot(pattern: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
    with_key(pattern, keyroute::pattern_slot)
}

/// The slot of every key of `keys`, in order, as an `array.array('H')`.
///
/// One buffer for all the slots: creating one int object per key would cost
/// as much as calling `key_slot` once per key. The slots are written as
/// native-endian `u16`s into one `bytes`, the layout `array('H')` copies in.
#[pyfunction(name = "key_slots", signature = (keys, /, *, policy = None, scheme = None))]
pub(crate) fn key_slots_fn<'py>(
    keys: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
    scheme: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    if slot_scheme(scheme, policy.is_some())? == keyroute::SlotScheme::Codis {
        return slots_by(keys, |key, i| {
            with_key(key, keyroute::codis_slot).map_err(|e| at_item(e, key.py(), "keys", i))
        });
    }
    key_slots(keys, policy)
}

/// `key_slots` with an optional policy (`HashPolicy.key_slots` too).
pub(crate) fn key_slots<'py>(
    keys: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, HashPolicy>>,
) -> PyResult<Bound<'py, PyAny>> {
    // The open-source rule through a policy is the fast path itself. Each
    // case gets its own loop, so the fast path's loop tests no policy.
    match policy.map(Bound::get).filter(|p| !p.inner.is_oss()) {
        None => slots_by(keys, slot_of_item),
        Some(p) => slots_by(keys, |key, i| item_slot(key, i, p)),
    }
}

/// `key_slots` with `slot(key, position)` computing each key's slot.
#[inline(always)]
fn slots_by<'py>(
    keys: &Bound<'py, PyAny>,
    slot: impl Fn(&Bound<'_, PyAny>, usize) -> PyResult<u16>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = keys.py();
    refuse_single(
        keys,
        "key_slots takes an iterable of keys",
        "; use key_slot for one key",
    )?;
    let bytes = if let Ok(list) = keys.cast_exact::<PyList>() {
        PyBytes::new_with(py, list.len() * 2, |out| {
            for (i, dst) in out.chunks_exact_mut(2).enumerate() {
                let key = list_item(list, i)?;
                dst.copy_from_slice(&slot(&key, i)?.to_ne_bytes());
            }
            Ok(())
        })?
    } else if let Ok(tuple) = keys.cast_exact::<PyTuple>() {
        PyBytes::new_with(py, tuple.len() * 2, |out| {
            for (i, (dst, key)) in out
                .chunks_exact_mut(2)
                .zip(tuple.iter_borrowed())
                .enumerate()
            {
                dst.copy_from_slice(&slot(&key, i)?.to_ne_bytes());
            }
            Ok(())
        })?
    } else {
        let mut out = Vec::new();
        for (i, key) in keys.try_iter()?.enumerate() {
            out.extend_from_slice(&slot(&key?, i)?.to_ne_bytes());
        }
        PyBytes::new(py, &out)
    };
    static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    ARRAY.import(py, "array", "array")?.call1(("H", bytes))
}

/// Item `i` of `list`, borrowed: pyo3's list iterator takes and drops a
/// reference per item, which under the limited API are two more calls into
/// the interpreter per key.
#[inline]
pub(crate) fn list_item<'a, 'py>(
    list: &'a Bound<'py, PyList>,
    i: usize,
) -> PyResult<Borrowed<'a, 'py, PyAny>> {
    // SAFETY: `PyList_GetItem` checks the index (the list cannot have changed
    // size anyway: the loop runs no Python code) and returns a borrowed
    // reference, which the list keeps alive for the same reason.
    unsafe {
        Borrowed::from_ptr_or_err(
            list.py(),
            ffi::PyList_GetItem(list.as_ptr(), i as ffi::Py_ssize_t),
        )
    }
}

/// The slot of the `i`th key of a batch; a wrong type names the position.
#[inline]
fn slot_of_item(key: &Bound<'_, PyAny>, i: usize) -> PyResult<u16> {
    with_key(key, keyroute::key_slot_fast).map_err(|e| at_item(e, key.py(), "keys", i))
}
