//! Reading one RESP2/RESP3 reply from bytes into a [`Value`], for callers
//! that talk to the server themselves (the CLI, tests, proxies).

use alloc::vec::Vec;
use core::fmt;

use super::Value;

/// Why bytes are not one complete RESP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RespError {
    /// More bytes are needed.
    Incomplete,
    /// The server sent an error reply; its text.
    ServerError(Vec<u8>),
    /// The bytes are not RESP at this offset.
    Invalid {
        /// Byte offset of the problem.
        offset: usize,
    },
}

impl fmt::Display for RespError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete => f.write_str("incomplete RESP reply"),
            Self::ServerError(e) => write!(
                f,
                "server error: {}",
                alloc::string::String::from_utf8_lossy(e)
            ),
            Self::Invalid { offset } => write!(f, "invalid RESP at byte {offset}"),
        }
    }
}

impl core::error::Error for RespError {}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

impl Value {
    /// Parses one reply from the start of `buf`; returns it and the number of
    /// bytes it took. Attributes (`|`) are skipped; booleans become 0/1,
    /// doubles and big numbers their text.
    pub fn from_resp(buf: &[u8]) -> Result<(Value, usize), RespError> {
        let mut pos = 0;
        let v = read(buf, &mut pos, 0)?;
        Ok((v, pos))
    }
}

fn line<'a>(buf: &'a [u8], pos: &mut usize) -> Result<&'a [u8], RespError> {
    let rest = buf.get(*pos..).ok_or(RespError::Incomplete)?;
    let end = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or(RespError::Incomplete)?;
    *pos += end + 2;
    Ok(&rest[..end])
}

fn number(bytes: &[u8], at: usize) -> Result<i64, RespError> {
    core::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(RespError::Invalid { offset: at })
}

fn read(buf: &[u8], pos: &mut usize, depth: usize) -> Result<Value, RespError> {
    if depth > MAX_DEPTH {
        return Err(RespError::Invalid { offset: *pos });
    }
    let start = *pos;
    let kind = *buf.get(start).ok_or(RespError::Incomplete)?;
    *pos += 1;
    let head = line(buf, pos)?;
    let count = |head: &[u8]| -> Result<Option<usize>, RespError> {
        match number(head, start)? {
            -1 => Ok(None),
            n if n >= 0 => Ok(Some(n as usize)),
            _ => Err(RespError::Invalid { offset: start }),
        }
    };
    match kind {
        b'+' | b',' | b'(' => Ok(Value::Bytes(head.to_vec())),
        b'-' => Err(RespError::ServerError(head.to_vec())),
        b':' => Ok(Value::Int(number(head, start)?)),
        b'#' => Ok(Value::Int((head == b"t") as i64)),
        b'_' => Ok(Value::Nil),
        b'$' | b'=' | b'!' => {
            let Some(n) = count(head)? else {
                return Ok(Value::Nil);
            };
            let end = pos
                .checked_add(n)
                .ok_or(RespError::Invalid { offset: start })?;
            if buf.len() < end + 2 {
                return Err(RespError::Incomplete);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(RespError::Invalid { offset: end });
            }
            let data = buf[*pos..end].to_vec();
            *pos = end + 2;
            if kind == b'!' {
                return Err(RespError::ServerError(data));
            }
            Ok(Value::Bytes(data))
        }
        b'*' | b'~' | b'>' => {
            let Some(n) = count(head)? else {
                return Ok(Value::Nil);
            };
            let mut items = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                items.push(read(buf, pos, depth + 1)?);
            }
            Ok(Value::Array(items))
        }
        b'%' | b'|' => {
            let Some(n) = count(head)? else {
                return Ok(Value::Nil);
            };
            let mut items = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                let k = read(buf, pos, depth + 1)?;
                let v = read(buf, pos, depth + 1)?;
                items.push((k, v));
            }
            if kind == b'|' {
                // An attribute precedes the real reply.
                return read(buf, pos, depth + 1);
            }
            Ok(Value::Map(items))
        }
        _ => Err(RespError::Invalid { offset: start }),
    }
}

/// Encodes a command as a RESP array of bulk strings, to send to a server.
pub fn encode_command<A: AsRef<[u8]>>(argv: &[A]) -> Vec<u8> {
    let mut out = Vec::new();
    let push_len = |out: &mut Vec<u8>, prefix: u8, n: usize| {
        out.push(prefix);
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[i..]);
        out.extend_from_slice(b"\r\n");
    };
    push_len(&mut out, b'*', argv.len());
    for a in argv {
        let a = a.as_ref();
        push_len(&mut out, b'$', a.len());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}
