//! Python bindings of keyroute: the native module `keyroute._native`.
//!
//! Every function is a thin delegation to the core crate; `key.rs` turns
//! Python objects into key bytes. The public API is the `keyroute` package,
//! which re-exports these names.

mod key;
mod slot;

use key::with_key;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

pyo3::create_exception!(
    keyroute,
    KeyrouteError,
    pyo3::exceptions::PyValueError,
    "Base class of the errors keyroute raises for input it cannot route."
);

/// The bytes of `key` that Redis Cluster hashes: the hash tag, or the whole key.
#[pyfunction(signature = (key, /))]
fn hash_tag<'py>(key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    with_key(key, |k| PyBytes::new(key.py(), keyroute::hash_tag(k)))
}

/// CRC-16/XMODEM of `data`, the checksum behind hash slots.
#[pyfunction(signature = (data, /))]
fn crc16(data: &Bound<'_, PyAny>) -> PyResult<u16> {
    // The runtime twin of `keyroute::crc16`: SIMD on long inputs.
    with_key(data, keyroute::crc16::crc16_fast)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SLOT_COUNT", keyroute::SLOT_COUNT)?;
    m.add("KeyrouteError", m.py().get_type::<KeyrouteError>())?;
    m.add_function(wrap_pyfunction!(slot::key_slot, m)?)?;
    m.add_function(wrap_pyfunction!(slot::key_slots, m)?)?;
    m.add_function(wrap_pyfunction!(slot::pattern_slot, m)?)?;
    m.add_function(wrap_pyfunction!(hash_tag, m)?)?;
    m.add_function(wrap_pyfunction!(crc16, m)?)?;
    Ok(())
}
