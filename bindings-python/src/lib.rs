//! Python bindings of keyroute: the native module `keyroute._native`.
//!
//! Every function is a thin delegation to the core crate. `key.rs` and
//! `argv.rs` turn Python objects into key and argument bytes, `value.rs`
//! turns replies into the core's `Value`, and `errors.rs` turns core errors
//! into exception classes. The public API is the `keyroute` package, which
//! re-exports these names and adds the redis-py conveniences.

mod argv;
mod cluster;
mod command;
mod errors;
mod key;
mod load;
mod node;
mod plan;
mod policy;
mod pool;
mod pool_key;
mod pool_options;
mod read_from;
mod rebalance;
mod rings;
mod route;
mod shard;
mod slot;
mod value;

use key::with_key;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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

/// Parses a `MOVED`/`ASK` error text without a map to apply it to.
#[pyfunction(signature = (error, /, *, answered_by = None))]
fn parse_redirect(error: &str, answered_by: Option<&str>) -> PyResult<node::Redirect> {
    keyroute::cluster::parse_redirect(error, answered_by)
        .map(|inner| node::Redirect { inner })
        .map_err(errors::redirect_error)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SLOT_COUNT", keyroute::SLOT_COUNT)?;
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(slot::key_slot, m)?)?;
    m.add_function(wrap_pyfunction!(slot::key_slots_fn, m)?)?;
    m.add_function(wrap_pyfunction!(slot::pattern_slot, m)?)?;
    m.add_function(wrap_pyfunction!(hash_tag, m)?)?;
    m.add_function(wrap_pyfunction!(crc16, m)?)?;
    m.add_function(wrap_pyfunction!(parse_redirect, m)?)?;
    m.add_class::<cluster::SlotMap>()?;
    m.add_class::<node::Node>()?;
    m.add_class::<node::Shard>()?;
    m.add_class::<node::Redirect>()?;
    m.add_class::<node::NodeGroup>()?;
    m.add_function(wrap_pyfunction!(command::command_keys, m)?)?;
    m.add_function(wrap_pyfunction!(command::command_key_positions, m)?)?;
    m.add_function(wrap_pyfunction!(command::check_fn, m)?)?;
    m.add_function(wrap_pyfunction!(command::check_transaction_fn, m)?)?;
    m.add_function(wrap_pyfunction!(command::route_fn, m)?)?;
    m.add_function(wrap_pyfunction!(command::split_fn, m)?)?;
    m.add_class::<command::CommandTable>()?;
    m.add_class::<route::RoutePlan>()?;
    m.add_class::<route::Split>()?;
    m.add_class::<route::SplitPart>()?;
    // Client-side sharding, hashing policies, resharding plans.

    m.add_class::<pool::Pool>()?;
    shard::register(m)?;
    m.add_class::<policy::HashPolicy>()?;
    m.add_function(wrap_pyfunction!(rebalance::rebalance, m)?)?;
    m.add_class::<plan::Plan>()?;
    m.add_class::<plan::Move>()?;
    m.add_class::<plan::PlanNode>()?;
    m.add_class::<plan::PlanLoad>()?;
    m.add_class::<load::SlotLoad>()?;
    m.add_class::<load::LoadProbe>()?;
    m.add_class::<load::LoadReport>()?;
    m.add_class::<load::NodeShare>()?;
    m.add_function(wrap_pyfunction!(load::load_report, m)?)?;
    m.add_function(wrap_pyfunction!(load::other_primaries, m)?)?;
    m.add_function(wrap_pyfunction!(rings::moved_keys, m)?)?;
    m.add_function(wrap_pyfunction!(rings::moved_fraction, m)?)?;
    m.add_class::<rings::MovedFraction>()?;
    Ok(())
}
