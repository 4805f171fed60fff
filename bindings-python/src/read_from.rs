//! The `read_from` argument: which node of a shard serves a read.

use keyroute::cluster::ReadFrom;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

/// Which node of a shard serves a read, as the Python argument names it:
/// `"primary"` (the default), `"prefer_replica"`, `"round_robin"` or
/// `("az_affinity", zone)`.
pub(crate) enum ReadFromArg {
    Primary,
    PreferReplica,
    RoundRobin,
    AzAffinity(String),
}

impl ReadFromArg {
    pub(crate) fn parse(arg: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let Some(arg) = arg else {
            return Ok(Self::Primary);
        };
        if let Ok(s) = arg.cast::<PyString>() {
            return match ReadFrom::parse(s.to_str()?) {
                Ok(ReadFrom::PreferReplica) => Ok(Self::PreferReplica),
                Ok(ReadFrom::RoundRobin) => Ok(Self::RoundRobin),
                Ok(_) => Ok(Self::Primary),
                Err(e) => Err(PyValueError::new_err(e.to_string())),
            };
        }
        if let Ok(t) = arg.cast::<PyTuple>() {
            if t.len() == 2 && t.get_item(0)?.eq("az_affinity")? {
                let zone = t.get_item(1)?;
                let zone = zone
                    .cast::<PyString>()
                    .map_err(|_| PyTypeError::new_err("the az_affinity zone must be a str"))?;
                return Ok(Self::AzAffinity(zone.to_str()?.to_owned()));
            }
        }
        Err(PyTypeError::new_err(
            "read_from must be 'primary', 'prefer_replica', 'round_robin' or ('az_affinity', zone)",
        ))
    }

    pub(crate) fn get(&self) -> ReadFrom<'_> {
        match self {
            Self::Primary => ReadFrom::Primary,
            Self::PreferReplica => ReadFrom::PreferReplica,
            Self::RoundRobin => ReadFrom::RoundRobin,
            Self::AzAffinity(zone) => ReadFrom::AzAffinity(zone),
        }
    }
}
