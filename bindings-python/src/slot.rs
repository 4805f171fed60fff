//! Key to hash slot: `key_slot`, `key_slots`, `pattern_slot`.

use crate::key::with_key;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMemoryView, PyString, PyTuple, PyType};

/// The hash slot of `key`, as `CLUSTER KEYSLOT` answers.
#[pyfunction(signature = (key, /))]
pub(crate) fn key_slot(key: &Bound<'_, PyAny>) -> PyResult<u16> {
    with_key(key, keyroute::key_slot_fast)
}

/// The one slot every key matching the glob `pattern` is in, or `None`.
#[pyfunction(signature = (pattern, /))]
pub(crate) fn pattern_slot(pattern: &Bound<'_, PyAny>) -> PyResult<Option<u16>> {
    with_key(pattern, keyroute::pattern_slot)
}

/// The slot of every key of `keys`, in order, as an `array.array('H')`.
///
/// One buffer for all the slots: creating one int object per key would cost
/// as much as calling `key_slot` once per key.
#[pyfunction(signature = (keys, /))]
pub(crate) fn key_slots<'py>(keys: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = keys.py();
    // A str or bytes is iterable, but passing one here is a mistake: its
    // characters are not the caller's keys.
    if keys.is_instance_of::<PyString>()
        || keys.is_instance_of::<PyBytes>()
        || keys.is_instance_of::<PyByteArray>()
        || keys.is_instance_of::<PyMemoryView>()
    {
        let ty = keys.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "key_slots takes an iterable of keys, not a single {ty}; use key_slot for one key"
        )));
    }
    let mut slots: Vec<u16>;
    if let Ok(list) = keys.cast_exact::<PyList>() {
        slots = Vec::with_capacity(list.len());
        for (i, key) in list.iter().enumerate() {
            slots.push(slot_of_item(&key, i)?);
        }
    } else if let Ok(tuple) = keys.cast_exact::<PyTuple>() {
        slots = Vec::with_capacity(tuple.len());
        for (i, key) in tuple.iter_borrowed().enumerate() {
            slots.push(slot_of_item(&key, i)?);
        }
    } else {
        slots = Vec::new();
        for (i, key) in keys.try_iter()?.enumerate() {
            slots.push(slot_of_item(&key?, i)?);
        }
    }
    u16_array(py, &slots)
}

/// The slot of the `i`th key of a batch; a wrong type names the position.
#[inline]
fn slot_of_item(key: &Bound<'_, PyAny>, i: usize) -> PyResult<u16> {
    with_key(key, keyroute::key_slot_fast).map_err(|e| {
        if e.is_instance_of::<PyTypeError>(key.py()) {
            PyTypeError::new_err(format!("keys[{i}]: {}", e.value(key.py())))
        } else {
            e
        }
    })
}

/// `array.array('H', slots)`, built from one `bytes` of native-endian `u16`s
/// (the layout `array('H')` stores).
fn u16_array<'py>(py: Python<'py>, slots: &[u16]) -> PyResult<Bound<'py, PyAny>> {
    static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let bytes = PyBytes::new_with(py, slots.len() * 2, |buf| {
        for (dst, slot) in buf.chunks_exact_mut(2).zip(slots) {
            dst.copy_from_slice(&slot.to_ne_bytes());
        }
        Ok(())
    })?;
    ARRAY.import(py, "array", "array")?.call1(("H", bytes))
}
