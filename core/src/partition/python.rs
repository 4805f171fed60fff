//! Python's `str()` of a `bytes` object, the text that uhashring and
//! pymemcache hash when given `bytes` keys (`f"{key}"` of `b'foo'` is
//! `"b'foo'"`). Bindings apply it to `bytes` keys for those schemes.

use alloc::string::String;

/// `str(b)` / `repr(b)` of a Python `bytes` value.
pub fn python_bytes_str(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::with_capacity(b.len() + 3);
    s.push('b');
    s.push(quote);
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            c if c as char == quote => {
                s.push('\\');
                s.push(quote);
            }
            0x20..=0x7e => s.push(c as char),
            c => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                s.push_str("\\x");
                s.push(HEX[(c >> 4) as usize] as char);
                s.push(HEX[(c & 15) as usize] as char);
            }
        }
    }
    s.push(quote);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_python() {
        assert_eq!(python_bytes_str(b"foo"), "b'foo'");
        assert_eq!(python_bytes_str(b"it's"), "b\"it's\"");
        assert_eq!(python_bytes_str(b"'\""), "b'\\'\"'");
        assert_eq!(
            python_bytes_str(b"\x00\xff\\\t\n\r"),
            "b'\\x00\\xff\\\\\\t\\n\\r'"
        );
        assert_eq!(python_bytes_str(b""), "b''");
    }
}
