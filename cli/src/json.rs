//! `--json` output: one object per line, keys and tags as text when they
//! are UTF-8 and `--hex` was not asked for, else as hex (`key_hex`).

use std::io::{self, Write};

use serde_json::{Map, Value};

use crate::hex::to_hex;

/// A JSON object being built.
pub type Object = Map<String, Value>;

/// Sets `field` to the bytes as text, or `field_hex` to their hex.
pub fn put_bytes(obj: &mut Object, field: &str, bytes: &[u8], hex: bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) if !hex => obj.insert(field.to_string(), Value::from(s)),
        _ => obj.insert(format!("{field}_hex"), Value::from(to_hex(bytes))),
    };
}

/// `{"key": ...}` (or `{"key_hex": ...}`).
pub fn key(bytes: &[u8], hex: bool) -> Object {
    let mut obj = Object::new();
    put_bytes(&mut obj, "key", bytes, hex);
    obj
}

/// Writes `obj` and a newline.
pub fn line(out: &mut dyn Write, obj: Object) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Value::Object(obj)).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
