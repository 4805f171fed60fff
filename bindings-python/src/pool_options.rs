//! The keyword options of `Pool(...)`, handed to the core's `Options::set`,
//! which parses every name and value (and refuses unknown ones, listing the
//! valid names); whether the scheme has the option is the core's check too
//! (`OptionNotApplicableError`).

use keyroute::partition::{OptionValue, Options};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyInt, PyString};

use crate::more_errors::partition_error;

/// The core options from `(name, value)` pairs, `None` values not given.
pub(crate) fn to_core<'py>(
    py: Python<'py>,
    given: &[(&'static str, Option<Bound<'py, PyAny>>)],
) -> PyResult<Options> {
    let mut o = Options::default();
    for (name, value) in given {
        let Some(v) = value else { continue };
        let result = if let Ok(s) = v.cast::<PyString>() {
            o.set(name, OptionValue::Text(s.to_str()?.as_bytes()))
        } else if let Ok(b) = v.cast::<PyBytes>() {
            o.set(name, OptionValue::Text(b.as_bytes()))
        } else if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
            let n: u64 = v
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("{name} must be a non-negative int")))?;
            o.set(name, OptionValue::Int(n))
        } else {
            return Err(PyTypeError::new_err(format!(
                "{name} must be a str, bytes or int, not {}",
                v.get_type().name()?
            )));
        };
        result.map_err(|e| partition_error(py, e))?;
    }
    Ok(o)
}
