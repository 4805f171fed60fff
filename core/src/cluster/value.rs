//! A small RESP-like value: what the bindings turn native replies into.

use alloc::vec::Vec;

/// A reply value, as any client library delivers it after parsing RESP2 or
/// RESP3. Bulk strings, simple strings and verbatim strings are all
/// [`Value::Bytes`]; RESP2 flat key/value arrays and RESP3 maps are both
/// accepted wherever a map is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A null reply (RESP2 null bulk or array, RESP3 null).
    Nil,
    /// An integer reply.
    Int(i64),
    /// A string reply, as bytes.
    Bytes(Vec<u8>),
    /// An array (or RESP3 set/push) reply.
    Array(Vec<Value>),
    /// A RESP3 map reply, in the order the server sent it.
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// A string value from text.
    pub fn str(s: &str) -> Self {
        Value::Bytes(s.as_bytes().to_vec())
    }

    pub(crate) fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// An integer, also from its decimal text (some clients deliver numbers as strings).
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bytes(b) => core::str::from_utf8(b).ok()?.parse().ok(),
            _ => None,
        }
    }

    /// Key/value pairs of a RESP3 map or of a RESP2 flat array.
    pub(crate) fn pairs(&self) -> Option<Vec<(&Value, &Value)>> {
        match self {
            Value::Map(m) => Some(m.iter().map(|(k, v)| (k, v)).collect()),
            Value::Array(a) if a.len() % 2 == 0 => {
                Some(a.chunks_exact(2).map(|p| (&p[0], &p[1])).collect())
            }
            _ => None,
        }
    }
}
