//! The keyword options of `Pool(...)`, handed to the core's `Options::set`,
//! which parses every name and value (and refuses unknown ones, listing the
//! valid names); whether the scheme has the option is the core's check too
//! (`OptionNotApplicableError`).

use keyroute::partition::{EntryValue, OptionValue, Options, Pool, Scheme};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyMapping, PyString};

use crate::errors::partition_error;

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
        } else if let Ok(b) = v.cast::<PyBool>() {
            o.set(name, OptionValue::Flag(b.is_true()))
        } else if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
            let n: u64 = v
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("{name} must be a non-negative int")))?;
            o.set(name, OptionValue::Int(n))
        } else {
            return Err(PyTypeError::new_err(format!(
                "{name} must be a str, bytes, int or bool, not {}",
                v.get_type().name()?
            )));
        };
        result.map_err(|e| partition_error(py, e))?;
    }
    Ok(o)
}

/// A mapping value's field as the core reads it: text, a non-negative
/// int, or another kind of object (kept by some libraries, never hashed).
fn field_value<'a>(v: &'a Bound<'_, PyAny>, text: &'a mut Vec<u8>) -> OptionValue<'a> {
    if let Ok(s) = v.cast::<PyString>() {
        if let Ok(s) = s.to_str() {
            text.extend_from_slice(s.as_bytes());
            return OptionValue::Text(text);
        }
    } else if let Ok(b) = v.cast::<PyBytes>() {
        text.extend_from_slice(b.as_bytes());
        return OptionValue::Text(text);
    } else if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        if let Ok(n) = v.extract::<u64>() {
            return OptionValue::Int(n);
        }
    }
    OptionValue::Other
}

/// A pool of servers given as a mapping in the library's own form
/// (`{"host:port": {"vnodes": 70}}`, `{"node1": {"hostname": ...}}`): each
/// entry handed to the core, which honours it or refuses it.
pub(crate) fn pool_from_mapping(
    py: Python<'_>,
    scheme: Scheme,
    servers: &Bound<'_, PyMapping>,
    options: &Options,
) -> PyResult<Pool> {
    // Owned copies first: the core reads borrowed fields. A field is its
    // name, its text, its kind (0: text, 1: int, 2: other) and its int.
    type Field = (String, Vec<u8>, u8, u64);
    struct Entry {
        key: String,
        number: Option<u64>,
        fields: Option<Vec<Field>>,
    }
    let mut entries = Vec::new();
    for (i, item) in servers.items()?.iter().enumerate() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let key = match k.cast::<PyString>() {
            Ok(s) => s.to_str()?.to_owned(),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "servers: key {i} is a str naming the server, not {}",
                    k.get_type().name()?
                )))
            }
        };
        let number = (v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>())
            .then(|| v.extract::<u64>().ok())
            .flatten();
        let fields = match v.cast::<PyDict>() {
            Ok(d) => {
                let mut f = Vec::new();
                for (fk, fv) in d.iter() {
                    let name = fk.extract::<String>().map_err(|_| {
                        PyTypeError::new_err(format!("servers[{key:?}]: field names are str"))
                    })?;
                    let mut text = Vec::new();
                    // 0: text, 1: int, 2: other
                    let (kind, n) = match field_value(&fv, &mut text) {
                        OptionValue::Text(_) => (0, 0),
                        OptionValue::Int(n) => (1, n),
                        _ => (2, 0),
                    };
                    f.push((name, text, kind, n));
                }
                Some(f)
            }
            Err(_) => None,
        };
        entries.push(Entry {
            key,
            number,
            fields,
        });
    }
    let fields: Vec<Option<Vec<(&str, OptionValue<'_>)>>> = entries
        .iter()
        .map(|e| {
            e.fields.as_ref().map(|f| {
                f.iter()
                    .map(|(name, text, kind, n)| {
                        let v = match kind {
                            0 => OptionValue::Text(text),
                            1 => OptionValue::Int(*n),
                            _ => OptionValue::Other,
                        };
                        (name.as_str(), v)
                    })
                    .collect()
            })
        })
        .collect();
    let list: Vec<(&str, EntryValue<'_>)> = entries
        .iter()
        .zip(&fields)
        .map(|(e, f)| {
            let v = match (e.number, f) {
                (Some(n), _) => EntryValue::Number(n),
                (None, Some(f)) => EntryValue::Fields(f),
                (None, None) => EntryValue::Other,
            };
            (e.key.as_str(), v)
        })
        .collect();
    Pool::from_entries(scheme, &list, options).map_err(|e| partition_error(py, e))
}
