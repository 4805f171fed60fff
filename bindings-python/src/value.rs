//! Python replies to the core's [`Value`]: what redis-py (or any client)
//! returns for `CLUSTER SLOTS`, `CLUSTER SHARDS` and `COMMAND`.
//!
//! `None` is Nil; `int` (and `bool`) is Int; `str` (UTF-8), `bytes`,
//! `bytearray` and `memoryview` are Bytes; `list`, `tuple`, `set` and
//! `frozenset` are Array; `dict` is Map, in its order. Anything else is a
//! malformed reply, reported with its place in the reply.

use keyroute::cluster::Value;
use pyo3::prelude::*;
use pyo3::types::{
    PyByteArray, PyBytes, PyDict, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet, PyString,
    PyTuple,
};

use crate::key::{bytes_of, with_key};

/// Replies nest a handful of levels (`COMMAND`'s subcommand key specs are
/// the deepest, about 8); the cap stops a self-containing list from
/// recursing until the stack overflows.
const MAX_DEPTH: usize = 64;

/// Why a Python object is not a reply.
pub(crate) enum ReplyError {
    /// An error Python raised while reading it (e.g. a lone surrogate in a str).
    Python(PyErr),
    /// An object of a type no client returns, or nesting too deep; the text
    /// says what and where.
    Malformed(String),
}

impl From<PyErr> for ReplyError {
    fn from(e: PyErr) -> Self {
        ReplyError::Python(e)
    }
}

/// Converts `obj`, a reply to the command named `root` (used in messages,
/// e.g. `CLUSTER SLOTS[2][1]`).
pub(crate) fn to_value(obj: &Bound<'_, PyAny>, root: &str) -> Result<Value, ReplyError> {
    let mut path = String::from(root);
    convert(obj, &mut path, 0)
}

fn convert(obj: &Bound<'_, PyAny>, path: &mut String, depth: usize) -> Result<Value, ReplyError> {
    if depth > MAX_DEPTH {
        return Err(ReplyError::Malformed(format!(
            "reply nested more than {MAX_DEPTH} levels deep at {path}"
        )));
    }
    if let Ok(b) = obj.cast_exact::<PyBytes>() {
        return Ok(Value::Bytes(bytes_of(b)?.to_vec()));
    }
    if obj.is_none() {
        return Ok(Value::Nil);
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        // bool is an int: True is 1, as RESP3 booleans read as integers.
        return Ok(match i.extract::<i64>() {
            Ok(n) => Value::Int(n),
            // Past i64: keep the digits; the core reports the number as bad
            // where one is expected.
            Err(_) => Value::Bytes(i.str()?.to_str()?.as_bytes().to_vec()),
        });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Bytes(s.to_str()?.as_bytes().to_vec()));
    }
    if obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || obj.is_instance_of::<PySet>()
        || obj.is_instance_of::<PyFrozenSet>()
    {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            items.push(convert(&item?, path, depth + 1)?);
            path.truncate(len);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        // A snapshot of the items: iterating the dict itself would panic if
        // it changed size meanwhile.
        let mut pairs = Vec::new();
        for (i, item) in d.items().iter().enumerate() {
            let (k, v) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
            let len = path.len();
            path.push_str(&format!("{{key {i}}}"));
            let key = convert(&k, path, depth + 1)?;
            path.truncate(len);
            match &key {
                Value::Bytes(b) => path.push_str(&format!(".{}", String::from_utf8_lossy(b))),
                _ => path.push_str(&format!("{{value {i}}}")),
            }
            let value = convert(&v, path, depth + 1)?;
            path.truncate(len);
            pairs.push((key, value));
        }
        return Ok(Value::Map(pairs));
    }
    if obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyMemoryView>()
    {
        return Ok(Value::Bytes(with_key(obj, <[u8]>::to_vec)?));
    }
    let ty = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    Err(ReplyError::Malformed(format!(
        "malformed reply at {path}: a {ty} is not a reply value \
         (None, int, str, bytes, list, tuple or dict)"
    )))
}
