//! Reading the `redis` crate's packed commands, writing sub-commands, and
//! turning the core's refusals and reply rules into the crate's types.

use core::ops::Range;

use keyroute::shard::{Reply, ShardError};
use redis::{Arg, Cmd, ErrorKind, RedisError, Value};

use crate::codes;

/// A refusal of the core as the crate's error: kind `Client`, the core's
/// code as the description, its message as the detail.
pub(crate) fn refusal(e: ShardError) -> RedisError {
    RedisError::from((ErrorKind::Client, e.code(), e.to_string()))
}

/// A packed command this adapter cannot read.
pub(crate) fn unreadable(what: &str) -> RedisError {
    RedisError::from((
        ErrorKind::Client,
        codes::UNROUTABLE,
        format!("cannot read a packed command: {what}"),
    ))
}

/// The commands packed in one buffer, read without copying.
pub(crate) struct Packed<'a> {
    /// Every argument of every command, in order, borrowed from the buffer.
    pub(crate) args: Vec<&'a [u8]>,
    /// Per command: its bytes in the buffer and its arguments in `args`.
    pub(crate) commands: Vec<(Range<usize>, Range<usize>)>,
}

impl<'a> Packed<'a> {
    /// The arguments of command `i`.
    pub(crate) fn argv(&self, i: usize) -> &[&'a [u8]] {
        &self.args[self.commands[i].1.clone()]
    }
}

/// The decimal count after `prefix` at `*at`, up to CRLF, as the careful
/// reading below decides it (with its error), for anything the fast
/// reading in [`unpack`] does not take.
fn number_slow(bytes: &[u8], at: &mut usize, prefix: u8) -> Result<usize, RedisError> {
    if bytes.get(*at) != Some(&prefix) {
        return Err(unreadable("expected an array of bulk strings"));
    }
    let start = *at + 1;
    let len = bytes[start..]
        .iter()
        .position(|&b| b == b'\r')
        .ok_or_else(|| unreadable("truncated"))?;
    let digits = &bytes[start..start + len];
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(unreadable("a bad length"));
    }
    if bytes.get(start + len + 1) != Some(&b'\n') {
        return Err(unreadable("a bad line end"));
    }
    *at = start + len + 2;
    let n = digits
        .iter()
        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    usize::try_from(n).map_err(|_| unreadable("a bad length"))
}

/// The decimal count after `prefix` at `*at`, up to CRLF: one pass over the
/// bytes for a well-formed count (1 to 18 digits), the careful reading for
/// anything else.
#[inline(always)]
fn number(bytes: &[u8], at: &mut usize, prefix: u8) -> Result<usize, RedisError> {
    if let Some([p, rest @ ..]) = bytes.get(*at..) {
        if *p == prefix {
            let mut n: u64 = 0;
            let mut i = 0;
            while i < rest.len() && i < 18 && rest[i].is_ascii_digit() {
                n = n * 10 + u64::from(rest[i] - b'0');
                i += 1;
            }
            if i > 0 && rest.get(i..i + 2) == Some(b"\r\n".as_slice()) {
                if let Ok(n) = usize::try_from(n) {
                    *at += i + 3;
                    return Ok(n);
                }
            }
        }
    }
    number_slow(bytes, at, prefix)
}

/// Reads the commands packed in `bytes` (RESP arrays of bulk strings, as
/// the `redis` crate writes them) without copying. The core's
/// `Value::from_resp` reads any reply but owns every argument; borrowing
/// them here took the adapter's MGET of 1000 keys from 0.60x to 0.97x of
/// the same work by hand (bench `mget`), and one list of arguments for all
/// the commands of a pipeline, in one pass over the bytes, saves a list per
/// command.
pub(crate) fn unpack(bytes: &[u8]) -> Result<Packed<'_>, RedisError> {
    unpack_into(bytes, Vec::new(), Vec::new())
}

/// [`unpack`] into the (cleared) lists of an earlier call.
pub(crate) fn unpack_into<'a>(
    bytes: &'a [u8],
    mut args: Vec<&'a [u8]>,
    mut commands: Vec<(Range<usize>, Range<usize>)>,
) -> Result<Packed<'a>, RedisError> {
    args.clear();
    commands.clear();
    let mut out = Packed { args, commands };
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let n = number(bytes, &mut at, b'*')?;
        let first = out.args.len();
        out.args.reserve(n.min(bytes.len() / 4 + 1));
        for _ in 0..n {
            let len = number(bytes, &mut at, b'$')?;
            let end = at
                .checked_add(len)
                .ok_or_else(|| unreadable("a bad length"))?;
            if bytes.get(end..end + 2) != Some(b"\r\n".as_slice()) {
                return Err(unreadable("truncated"));
            }
            out.args.push(&bytes[at..end]);
            at = end + 2;
        }
        out.commands.push((start..at, first..out.args.len()));
    }
    Ok(out)
}

/// Appends `cmd`'s arguments, borrowed, to `out`; `false` (what was
/// appended is then meaningless) when one is a cursor argument, which has
/// no bytes until the command is packed.
///
/// One `extend` over a map of `args_iter` (whose length is known): the
/// list is sized once and filled without a capacity check or a length
/// stored per argument, which a `push` per argument paid.
#[inline(always)]
pub(crate) fn simple_args<'a>(cmd: &'a Cmd, out: &mut Vec<&'a [u8]>) -> bool {
    let mut simple = true;
    out.extend(cmd.args_iter().map(|a| match a {
        Arg::Simple(b) => b,
        _ => {
            simple = false;
            &[]
        }
    }));
    simple
}

/// An empty list on `v`'s allocation, for elements of another type of the
/// same layout (references of another lifetime): a list of borrowed
/// arguments is kept from one call to the next without its contents. The
/// in-place collection reuses the allocation (and makes a new one for a
/// type of another layout).
pub(crate) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!("cleared")).collect()
}

/// Appends `n` as a RESP length line: `prefix`, the decimal digits, CRLF,
/// written in one go for the lengths of most arguments (under 100).
#[inline(always)]
fn push_len(out: &mut Vec<u8>, prefix: u8, n: usize) {
    if n < 10 {
        out.extend_from_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']);
    } else if n < 100 {
        out.extend_from_slice(&[
            prefix,
            b'0' + (n / 10) as u8,
            b'0' + (n % 10) as u8,
            b'\r',
            b'\n',
        ]);
    } else {
        let mut line = [0u8; 23];
        let mut i = line.len() - 2;
        line[i..].copy_from_slice(b"\r\n");
        let mut n = n;
        loop {
            i -= 1;
            line[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        i -= 1;
        line[i] = prefix;
        out.extend_from_slice(&line[i..]);
    }
}

/// Appends the command made of `argv`'s arguments at `positions`, packed
/// as the `redis` crate packs commands, to `out` (sized once).
pub(crate) fn encode_part_into(out: &mut Vec<u8>, argv: &[&[u8]], positions: &[usize]) {
    let size: usize = positions.iter().map(|&p| argv[p].len() + 24).sum();
    out.reserve(size + 24);
    push_len(out, b'*', positions.len());
    for &p in positions {
        let a = argv[p];
        push_len(out, b'$', a.len());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// The command made of `argv`'s arguments at `positions`, packed.
#[cfg(test)]
fn encode_part(argv: &[&[u8]], positions: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_part_into(&mut out, argv, positions);
    out
}

/// A reply of the `redis` crate, for the core's reduce rules.
pub(crate) struct R(pub(crate) Value);

impl Reply for R {
    fn is_error(&self) -> bool {
        matches!(self.0, Value::ServerError(_))
    }

    fn is_nil(&self) -> bool {
        matches!(self.0, Value::Nil)
    }

    fn as_int(&self) -> Option<i64> {
        match self.0 {
            Value::Int(n) => Some(n),
            Value::Boolean(b) => Some(i64::from(b)),
            _ => None,
        }
    }

    fn into_items(self) -> Result<Vec<Self>, Self> {
        self.into_item_iter().map(Iterator::collect)
    }

    /// The elements wrapped as they are taken (no second list of them).
    fn into_item_iter(self) -> Result<impl ExactSizeIterator<Item = Self>, Self> {
        match self.0 {
            Value::Array(items) | Value::Set(items) => Ok(items.into_iter().map(R)),
            other => Err(R(other)),
        }
    }

    fn int_like(n: i64, like: &Self) -> Self {
        match like.0 {
            Value::Boolean(_) if n == 0 || n == 1 => R(Value::Boolean(n == 1)),
            _ => R(Value::Int(n)),
        }
    }

    fn array(items: Vec<Self>) -> Self {
        R(Value::Array(items.into_iter().map(|r| r.0).collect()))
    }

    fn nil() -> Self {
        R(Value::Nil)
    }
}

/// `replies` combined by `step`'s rule (the one reply of a [`Step::One`]).
///
/// [`Step::One`]: keyroute::shard::Step::One
pub(crate) fn reduce(step: &keyroute::shard::Step, replies: Vec<Value>) -> Value {
    match step.reduce() {
        None => replies.into_iter().next().unwrap_or(Value::Nil),
        Some(rule) => rule.apply(replies.into_iter().map(R).collect()).0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpack_reads_what_encode_part_writes() {
        let argv: Vec<&[u8]> = vec![b"MSET", b"k\r\n1", b"", b"\x00\xff", b"v"];
        let mut bytes = Vec::new();
        bytes.extend(encode_part(&argv, &[0, 1, 2, 3, 4]));
        bytes.extend(encode_part(&argv, &[0, 3]));
        let got = unpack(&bytes).unwrap();
        assert_eq!(got.commands.len(), 2);
        assert_eq!(got.argv(0), argv);
        assert_eq!(got.argv(1), vec![argv[0], argv[3]]);
        assert_eq!(got.commands[0].0.end, got.commands[1].0.start);
        assert_eq!(got.commands[1].0.end, bytes.len());
        // Lists of an earlier call are reused, their contents replaced.
        let again = unpack_into(&bytes[..got.commands[0].0.end], got.args, got.commands);
        let again = again.unwrap();
        assert_eq!(again.commands.len(), 1);
        assert_eq!(again.argv(0), argv);
        // The same bytes as keyroute's own RESP writer packs, at every
        // width of length.
        assert_eq!(
            encode_part(&argv, &[0, 1, 2, 3, 4]),
            keyroute::cluster::encode_command(&argv)
        );
        let long: Vec<Vec<u8>> = [9, 10, 99, 100, 999, 1000, 12345]
            .iter()
            .map(|&n| vec![b'x'; n])
            .collect();
        let long: Vec<&[u8]> = long.iter().map(Vec::as_slice).collect();
        let all: Vec<usize> = (0..long.len()).collect();
        assert_eq!(
            encode_part(&long, &all),
            keyroute::cluster::encode_command(&long)
        );
    }

    #[test]
    fn malformed_input_is_an_error_never_a_panic() {
        let cases: [&[u8]; 12] = [
            b"*",
            b"*1",
            b"*1\r",
            b"*1\r\n",
            b"*1\r\n$3\r\nGE",
            b"*1\r\n$3\r\nGETxx",
            b"*1\r\n$-1\r\n",
            b"*1\r\n:1\r\n",
            b"+OK\r\n",
            b"*99999999999999999999\r\n",
            b"*1\r\n$999999999999999999\r\nx\r\n",
            b"*1\n$3\r\nGET\r\n",
        ];
        for c in cases {
            assert!(unpack(c).is_err(), "{:?}", String::from_utf8_lossy(c));
        }
        // Every proper prefix of a valid packing is refused.
        let bytes = encode_part(&[b"SET".as_slice(), b"key", b"value"], &[0, 1, 2]);
        assert!(unpack(&bytes).is_ok());
        for n in 1..bytes.len() {
            assert!(unpack(&bytes[..n]).is_err(), "prefix of {n} bytes");
        }
        // Pseudo-random bytes of the packing's alphabet: answers, no panics.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut buf = Vec::new();
            for _ in 0..(x % 24) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                buf.push(b"*$\r\n0123456789-x"[(x % 16) as usize]);
            }
            let _ = unpack(&buf);
        }
    }

    /// The one-pass count reading answers as the careful one on any bytes:
    /// the same count and position, or the same error.
    #[test]
    fn fast_counts_equal_the_careful_reading() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut cases: Vec<Vec<u8>> = vec![
            b"*1\r\n".to_vec(),
            b"*18446744073709551615\r\n".to_vec(),
            b"*999999999999999999\r\n".to_vec(),
            b"*1234567890123456789\r\n".to_vec(),
            b"$007\r\n".to_vec(),
        ];
        for _ in 0..100_000 {
            let mut buf = Vec::new();
            for _ in 0..(x % 24) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                buf.push(b"*$\r\n0123456789012345-x"[(x % 22) as usize]);
            }
            cases.push(buf);
        }
        for c in cases {
            for prefix in [b'*', b'$'] {
                let (mut a, mut b) = (0, 0);
                let fast = number(&c, &mut a, prefix).map_err(|e| e.to_string());
                let slow = number_slow(&c, &mut b, prefix).map_err(|e| e.to_string());
                assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&c));
                if fast.is_ok() {
                    assert_eq!(a, b);
                }
            }
        }
    }

    /// An abstract reply of the vector file, as RESP (RESP3 for nil and booleans).
    fn resp(v: &serde_json::Value, out: &mut Vec<u8>) {
        let (kind, x) = v.as_object().unwrap().iter().next().unwrap();
        match kind.as_str() {
            "int" => out.extend(format!(":{x}\r\n").bytes()),
            "bool" => out.extend(if x.as_bool().unwrap() {
                b"#t\r\n"
            } else {
                b"#f\r\n"
            }),
            "nil" => out.extend(b"_\r\n"),
            "str" => {
                let s = x.as_str().unwrap();
                out.extend(format!("${}\r\n{s}\r\n", s.len()).bytes());
            }
            "error" => out.extend(format!("-{}\r\n", x.as_str().unwrap()).bytes()),
            "array" => {
                let items = x.as_array().unwrap();
                out.extend(format!("*{}\r\n", items.len()).bytes());
                for i in items {
                    resp(i, out);
                }
            }
            other => panic!("{other}"),
        }
    }

    fn value(v: &serde_json::Value) -> Value {
        let mut bytes = Vec::new();
        resp(v, &mut bytes);
        redis::parse_redis_value(&bytes).unwrap()
    }

    /// The core's reduce rules over the `redis` crate's replies give every
    /// `reduce` case of `tests/vectors/sharded.json`.
    #[test]
    fn reduce_cases_of_the_vector_file() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/sharded.json")).unwrap();
        let cases = doc["reduce"].as_array().unwrap();
        assert!(cases.len() > 20);
        for case in cases {
            let rule = match &case["reduce"] {
                serde_json::Value::String(s) => match s.as_str() {
                    "sum" => keyroute::shard::Reduce::Sum,
                    "min" => keyroute::shard::Reduce::Min,
                    "max" => keyroute::shard::Reduce::Max,
                    "and" => keyroute::shard::Reduce::And,
                    "or" => keyroute::shard::Reduce::Or,
                    "all_succeeded" => keyroute::shard::Reduce::AllSucceeded,
                    "one_succeeded" => keyroute::shard::Reduce::OneSucceeded,
                    "concat" => keyroute::shard::Reduce::Concat,
                    other => panic!("{other}"),
                },
                o if o.get("order").is_some() => keyroute::shard::Reduce::Order(
                    serde_json::from_value(o["order"].clone()).unwrap(),
                ),
                o => keyroute::shard::Reduce::Random {
                    pick: o["random"].as_u64().unwrap() as u32,
                },
            };
            let replies: Vec<R> = case["replies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| R(value(r)))
                .collect();
            let got = rule.apply(replies).0;
            assert_eq!(got, value(&case["expect"]), "{case}");
        }
    }
}
