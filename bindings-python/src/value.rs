//! Python replies to the core's [`Value`]: what redis-py (or any client)
//! returns for `CLUSTER SLOTS`, `CLUSTER SHARDS` and `COMMAND`.
//!
//! `None` is Nil; `int` (and `bool`) is Int; `str` (UTF-8), `bytes`,
//! `bytearray` and `memoryview` are Bytes; `list`, `tuple`, `set` and
//! `frozenset` are Array; `dict` is Map, in its order. Anything else is a
//! malformed reply, reported with its place in the reply.
//!
//! A reply is measured before anything of it is copied: more bytes of
//! strings or more values than the core reads in a reply
//! ([`RespLimits::DEFAULT`], the bounds the RESP reader applies on the wire)
//! is refused, naming the limit and where it was passed (a reply that lists
//! one 64 MiB string 200 times is 12.8 GB once copied). The copy checks the
//! same limits again, in case converting ran Python code that changed it.

use keyroute::cluster::{RespLimits, Value};

const MAX_REPLY_BYTES: usize = RespLimits::DEFAULT.max_bytes;
const MAX_REPLY_VALUES: usize = RespLimits::DEFAULT.max_values;
use pyo3::prelude::*;
use pyo3::types::{
    PyByteArray, PyBytes, PyDict, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet, PyString,
    PyTuple,
};

use crate::key::{bytes_of, with_key};

/// Replies nest a handful of levels (`COMMAND`'s subcommand key specs are
/// the deepest, about 8); the cap stops a self-containing list from
/// recursing until the stack overflows.
const MAX_DEPTH: usize = RespLimits::DEFAULT.max_depth;

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
    // First measured, copying nothing; then copied, within the same limits.
    convert(obj, &mut path, 0, &mut Budget::default(), Pass::Measure)?;
    convert(obj, &mut path, 0, &mut Budget::default(), Pass::Copy)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Measure,
    Copy,
}

/// What a reply has used of the limits so far.
#[derive(Default)]
struct Budget {
    bytes: usize,
    values: usize,
}

impl Budget {
    fn value(&mut self, path: &str) -> Result<(), ReplyError> {
        self.values += 1;
        if self.values > MAX_REPLY_VALUES {
            return Err(ReplyError::Malformed(format!(
                "reply too large at {path}: more than {MAX_REPLY_VALUES} values \
                 (keyroute reads replies of at most {MAX_REPLY_VALUES} values and \
                 {MAX_REPLY_BYTES} bytes of strings)"
            )));
        }
        Ok(())
    }

    /// Takes `len` bytes of strings, before they are copied.
    fn take(&mut self, len: usize, path: &str) -> Result<(), ReplyError> {
        self.bytes = self.bytes.saturating_add(len);
        if self.bytes > MAX_REPLY_BYTES {
            return Err(ReplyError::Malformed(format!(
                "reply too large at {path}: more than {MAX_REPLY_BYTES} bytes of strings \
                 (keyroute reads replies of at most {MAX_REPLY_BYTES} bytes of strings)"
            )));
        }
        Ok(())
    }
}

/// A string's bytes, counted against the budget before they are copied
/// (nothing is copied when measuring).
fn bytes_value(b: &[u8], path: &str, budget: &mut Budget, pass: Pass) -> Result<Value, ReplyError> {
    budget.take(b.len(), path)?;
    Ok(match pass {
        Pass::Measure => Value::Nil,
        Pass::Copy => Value::Bytes(b.to_vec()),
    })
}

fn convert(
    obj: &Bound<'_, PyAny>,
    path: &mut String,
    depth: usize,
    budget: &mut Budget,
    pass: Pass,
) -> Result<Value, ReplyError> {
    if depth > MAX_DEPTH {
        return Err(ReplyError::Malformed(format!(
            "reply nested more than {MAX_DEPTH} levels deep at {path}"
        )));
    }
    budget.value(path)?;
    if let Ok(b) = obj.cast_exact::<PyBytes>() {
        return bytes_value(bytes_of(b)?, path, budget, pass);
    }
    if obj.is_none() {
        return Ok(Value::Nil);
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        // bool is an int: True is 1, as RESP3 booleans read as integers.
        return match i.extract::<i64>() {
            Ok(n) => Ok(Value::Int(n)),
            // Past i64: keep the digits; the core reports the number as bad
            // where one is expected.
            Err(_) => bytes_value(i.str()?.to_str()?.as_bytes(), path, budget, pass),
        };
    }
    if let Ok(s) = obj.cast::<PyString>() {
        // Each character is at least one byte: a string longer than what is
        // left is refused before it is encoded.
        budget.take(s.len()?, path)?;
        budget.bytes -= s.len()?;
        return bytes_value(s.to_str()?.as_bytes(), path, budget, pass);
    }
    if obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || obj.is_instance_of::<PySet>()
        || obj.is_instance_of::<PyFrozenSet>()
    {
        // No more items than values left: refused before the list is made.
        let n = obj.len()?;
        if budget.values.saturating_add(n) > MAX_REPLY_VALUES {
            budget.values = budget.values.saturating_add(n);
            budget.value(path)?;
        }
        let mut items = Vec::with_capacity(if pass == Pass::Copy { n } else { 0 });
        for (i, item) in obj.try_iter()?.enumerate() {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let v = convert(&item?, path, depth + 1, budget, pass)?;
            if pass == Pass::Copy {
                items.push(v);
            }
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
            // Keys are copied in both passes (within the budget), so that
            // paths name them: `CLUSTER SHARDS[0].nodes`.
            let key = convert(&k, path, depth + 1, budget, Pass::Copy)?;
            path.truncate(len);
            match &key {
                Value::Bytes(b) => path.push_str(&format!(".{}", String::from_utf8_lossy(b))),
                _ => path.push_str(&format!("{{value {i}}}")),
            }
            let value = convert(&v, path, depth + 1, budget, pass)?;
            path.truncate(len);
            if pass == Pass::Copy {
                pairs.push((key, value));
            }
        }
        return Ok(Value::Map(pairs));
    }
    if obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyMemoryView>()
    {
        if obj.is_instance_of::<PyMemoryView>() {
            // Its size, without copying it out (with_key copies a view).
            let nbytes: usize = obj.getattr(pyo3::intern!(obj.py(), "nbytes"))?.extract()?;
            budget.take(nbytes, path)?;
            if pass == Pass::Measure {
                return Ok(Value::Nil);
            }
            budget.bytes -= nbytes;
        }
        return with_key(obj, |b| bytes_value(b, path, budget, pass))?;
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
