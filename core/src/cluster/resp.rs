//! Reading RESP2/RESP3 replies from bytes into [`Value`]s, for callers that
//! talk to the server themselves (the CLI, tests, proxies): one reply from a
//! buffer ([`Value::from_resp`]), or replies from a stream read in pieces
//! ([`RespReader`], incremental and bounded by [`RespLimits`]).
//!
//! Both run one parser. It takes whole tokens only (a header line, or a bulk
//! string with its body), keeps the aggregates it is inside on a stack, and
//! resumes where it stopped when more bytes arrive: no byte is parsed twice,
//! so a reply read in many pieces costs what it costs in one.

use alloc::vec::Vec;

use super::Value;
use crate::error::RespError;

/// One of the [`RespLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RespLimit {
    /// [`RespLimits::max_bytes`].
    Bytes,
    /// [`RespLimits::max_values`].
    Values,
    /// [`RespLimits::max_depth`].
    Depth,
}

/// Bounds on one reply, so that a server (or a file) cannot make the reader
/// allocate without end: a length header like `$9223372036854775807` or
/// `*9223372036854775807` is refused as soon as it is read, before any
/// allocation, and so is a reply that keeps coming past `max_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RespLimits {
    /// The most bytes one reply may take on the wire, headers included.
    pub max_bytes: usize,
    /// The most values one reply may hold, counting every aggregate and each
    /// of its members (a map's keys and values both).
    pub max_values: usize,
    /// The deepest nesting: 0 allows only a scalar reply, 1 an array of scalars.
    pub max_depth: usize,
}

impl RespLimits {
    /// 64 MiB, 2 Mi values, 64 levels: room for the `CLUSTER SLOTS`,
    /// `CLUSTER SHARDS` or `CLUSTER NODES` reply of any cluster (`CLUSTER
    /// SLOTS` with each of the 16384 slots in a range of its own, served by
    /// three nodes, is about 300 K values and 4 MB), while what a reader
    /// holds stays a few hundred MB at worst.
    pub const DEFAULT: RespLimits = RespLimits {
        max_bytes: 64 << 20,
        max_values: 1 << 21,
        max_depth: 64,
    };

    /// No bound but the nesting depth (64 levels, for the stack): for a
    /// reply that is already in memory whole ([`Value::from_resp`]).
    pub const UNBOUNDED: RespLimits = RespLimits {
        max_bytes: usize::MAX,
        max_values: usize::MAX,
        max_depth: 64,
    };
}

impl Default for RespLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Value {
    /// Parses one reply from the start of `buf`; returns it and the number of
    /// bytes it took. Attributes (`|`) are skipped; booleans become 0/1,
    /// doubles and big numbers their text.
    pub fn from_resp(buf: &[u8]) -> Result<(Value, usize), RespError> {
        let mut parser = Parser::new();
        let (mut pos, mut scan) = (0, 0);
        match parser.run(buf, &mut pos, &mut scan, 0, &RespLimits::UNBOUNDED)? {
            Some(v) => Ok((v, pos)),
            None => Err(RespError::Incomplete),
        }
    }
}

/// Replies read from a stream that arrives in pieces (a socket, a pipe):
/// [`feed`](Self::feed) it what was read, and ask
/// [`next_reply`](Self::next_reply) for a reply until it has one.
///
/// ```
/// use keyroute::cluster::{RespLimits, RespReader, Value};
///
/// let mut r = RespReader::new(RespLimits::DEFAULT);
/// r.feed(b"*2\r\n$3\r\nfo");
/// assert_eq!(r.next_reply(), Ok(None)); // more bytes are needed
/// r.feed(b"o\r\n:7\r\n+OK\r\n");
/// assert_eq!(
///     r.next_reply(),
///     Ok(Some(Value::Array(vec![Value::str("foo"), Value::Int(7)])))
/// );
/// assert_eq!(r.next_reply(), Ok(Some(Value::str("OK"))));
///
/// let mut r = RespReader::new(RespLimits::DEFAULT);
/// r.feed(b"$9223372036854775807\r\n");
/// assert!(r.next_reply().is_err()); // refused at the header, nothing allocated
/// ```
///
/// An error reply (`-ERR ...`) for the whole reply is returned as
/// [`RespError::ServerError`] and the reader goes on with the next reply.
/// Any other error (an error nested in an aggregate, invalid bytes, a limit)
/// leaves the stream at an unknown place: the reader returns that error
/// from then on.
#[derive(Debug)]
pub struct RespReader {
    /// Bytes not yet consumed; `buf[0]` is at offset `base` of the reply.
    buf: Vec<u8>,
    base: usize,
    /// Where the search for the current line's end resumes.
    scan: usize,
    parser: Parser,
    limits: RespLimits,
    failed: Option<RespError>,
}

impl RespReader {
    /// A reader whose every reply is bounded by `limits`.
    pub fn new(limits: RespLimits) -> Self {
        RespReader {
            buf: Vec::new(),
            base: 0,
            scan: 0,
            parser: Parser::new(),
            limits,
            failed: None,
        }
    }

    /// Adds bytes read from the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete reply, `None` while more bytes are needed.
    pub fn next_reply(&mut self) -> Result<Option<Value>, RespError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut pos = 0;
        let got = self
            .parser
            .run(&self.buf, &mut pos, &mut self.scan, self.base, &self.limits);
        self.buf.drain(..pos);
        self.scan = self.scan.saturating_sub(pos);
        match got {
            Ok(None) => {
                self.base += pos;
                Ok(None)
            }
            Ok(Some(v)) => {
                self.base = 0;
                Ok(Some(v))
            }
            Err(e) => {
                // An error reply for the whole reply ends it; any other
                // error leaves the stream at an unknown place.
                let whole = matches!(e, RespError::ServerError(_)) && self.parser.stack.is_empty();
                self.parser.reset();
                self.base = 0;
                if !whole {
                    self.failed = Some(e.clone());
                }
                Err(e)
            }
        }
    }

    /// How many bytes are held: the part of a reply read so far, and any
    /// bytes after the last reply returned.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}

/// An aggregate being read, with how many members it still expects.
#[derive(Debug)]
enum Frame {
    Array(Vec<Value>, usize),
    /// Pairs so far, a key waiting for its value, and values still expected
    /// (keys and values each count one).
    Map(Vec<(Value, Value)>, Option<Value>, usize),
    /// An attribute is read and dropped: the reply it annotates follows it.
    Attribute(usize),
}

/// The longest header line of a length or count (`$`, `*`, ...): a sign and
/// the 19 digits of `i64::MAX`, with room for one leading zero.
const MAX_COUNT_LINE: usize = 21;

/// The parser's state between two pieces of one reply.
#[derive(Debug)]
struct Parser {
    stack: Vec<Frame>,
    /// Values this reply holds or has announced (aggregate counts are added
    /// when their header is read, so the limit holds before allocation).
    values: usize,
}

impl Parser {
    fn new() -> Self {
        Parser {
            stack: Vec::new(),
            values: 1,
        }
    }

    fn reset(&mut self) {
        self.stack.clear();
        self.values = 1;
    }

    /// Parses whole tokens from `buf[*pos..]` and advances `*pos` past
    /// them; `Some` when the reply is complete. `buf[0]` is at offset `base`
    /// of the reply; `*scan` is where the search for the end of the line at
    /// `*pos` resumes. After an error the caller resets the parser.
    fn run(
        &mut self,
        buf: &[u8],
        pos: &mut usize,
        scan: &mut usize,
        base: usize,
        limits: &RespLimits,
    ) -> Result<Option<Value>, RespError> {
        let too_large = |limit, max| RespError::TooLarge { limit, max };
        loop {
            if self.stack.len() > limits.max_depth {
                return Err(too_large(RespLimit::Depth, limits.max_depth));
            }
            let start = *pos;
            let at = base.saturating_add(start);
            let Some(&kind) = buf.get(start) else {
                return Ok(None);
            };
            let counted = matches!(kind, b'$' | b'=' | b'!' | b'*' | b'~' | b'>' | b'%' | b'|');
            let Some(cr) = find_crlf(buf, (*scan).max(start + 1)) else {
                // The last byte may be the `\r` of a `\r\n` cut in two.
                *scan = buf.len().saturating_sub(1).max(start + 1);
                if counted && buf.len() - start > MAX_COUNT_LINE + 2 {
                    return Err(RespError::Invalid { offset: at });
                }
                if base.saturating_add(buf.len()) > limits.max_bytes {
                    return Err(too_large(RespLimit::Bytes, limits.max_bytes));
                }
                return Ok(None);
            };
            let head = &buf[start + 1..cr];
            let next = cr + 2;
            if base.saturating_add(next) > limits.max_bytes {
                return Err(too_large(RespLimit::Bytes, limits.max_bytes));
            }
            if counted && head.len() > MAX_COUNT_LINE {
                return Err(RespError::Invalid { offset: at });
            }
            let count = || -> Result<Option<u64>, RespError> {
                match number(head, at)? {
                    -1 => Ok(None),
                    n if n >= 0 => Ok(Some(n as u64)),
                    _ => Err(RespError::Invalid { offset: at }),
                }
            };
            let value = match kind {
                b'+' | b',' | b'(' => Value::Bytes(head.to_vec()),
                b'-' => {
                    *pos = next;
                    return Err(RespError::ServerError(head.to_vec()));
                }
                b':' => Value::Int(number(head, at)?),
                b'#' => Value::Int((head == b"t") as i64),
                b'_' => Value::Nil,
                b'$' | b'=' | b'!' => match count()? {
                    None => Value::Nil,
                    Some(n) => {
                        let end = usize::try_from(n)
                            .ok()
                            .and_then(|n| next.checked_add(n))
                            .filter(|&e| {
                                e.checked_add(2)
                                    .and_then(|e| e.checked_add(base))
                                    .is_some_and(|total| total <= limits.max_bytes)
                            })
                            .ok_or(too_large(RespLimit::Bytes, limits.max_bytes))?;
                        if buf.len() < end + 2 {
                            // Wait for the body; the header is found again at once.
                            *scan = cr;
                            return Ok(None);
                        }
                        if &buf[end..end + 2] != b"\r\n" {
                            return Err(RespError::Invalid {
                                offset: base.saturating_add(end),
                            });
                        }
                        let data = buf[next..end].to_vec();
                        if kind == b'!' {
                            *pos = end + 2;
                            return Err(RespError::ServerError(data));
                        }
                        *pos = end + 2;
                        *scan = *pos;
                        if let Some(v) = self.deliver(Value::Bytes(data)) {
                            return Ok(Some(v));
                        }
                        continue;
                    }
                },
                b'*' | b'~' | b'>' | b'%' | b'|' => match count()? {
                    None => Value::Nil,
                    Some(n) => {
                        let pairs = matches!(kind, b'%' | b'|');
                        let members = usize::try_from(n)
                            .ok()
                            .and_then(|n| if pairs { n.checked_mul(2) } else { Some(n) })
                            .and_then(|m| self.values.checked_add(m).map(|total| (m, total)))
                            .filter(|&(_, total)| total <= limits.max_values)
                            .ok_or(too_large(RespLimit::Values, limits.max_values))?;
                        let (members, total) = members;
                        self.values = total;
                        *pos = next;
                        *scan = next;
                        let room = members.min(1024);
                        match (kind, members) {
                            (b'|', 0) => continue,
                            (b'|', _) => self.stack.push(Frame::Attribute(members)),
                            (b'%', 0) => {
                                if let Some(v) = self.deliver(Value::Map(Vec::new())) {
                                    return Ok(Some(v));
                                }
                            }
                            (b'%', _) => self.stack.push(Frame::Map(
                                Vec::with_capacity(room / 2),
                                None,
                                members,
                            )),
                            (_, 0) => {
                                if let Some(v) = self.deliver(Value::Array(Vec::new())) {
                                    return Ok(Some(v));
                                }
                            }
                            _ => self
                                .stack
                                .push(Frame::Array(Vec::with_capacity(room), members)),
                        }
                        continue;
                    }
                },
                _ => return Err(RespError::Invalid { offset: at }),
            };
            *pos = next;
            *scan = next;
            if let Some(v) = self.deliver(value) {
                return Ok(Some(v));
            }
        }
    }

    /// Hands a finished value to the aggregate it belongs to, closing every
    /// aggregate it completes; the reply when it completes the top one.
    fn deliver(&mut self, mut v: Value) -> Option<Value> {
        loop {
            let left = match self.stack.last_mut() {
                None => {
                    self.values = 1;
                    return Some(v);
                }
                Some(Frame::Array(items, left)) => {
                    items.push(v);
                    left
                }
                Some(Frame::Map(items, key, left)) => {
                    match key.take() {
                        None => *key = Some(v),
                        Some(k) => items.push((k, v)),
                    }
                    left
                }
                Some(Frame::Attribute(left)) => left,
            };
            *left -= 1;
            if *left > 0 {
                return None;
            }
            v = match self.stack.pop() {
                Some(Frame::Array(items, _)) => Value::Array(items),
                Some(Frame::Map(items, _, _)) => Value::Map(items),
                // An attribute annotates what follows; it is not a value.
                _ => return None,
            };
        }
    }
}

/// The index of the first `\r\n` at or after `from`.
fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let rest = buf.get(from..)?;
    rest.windows(2).position(|w| w == b"\r\n").map(|i| from + i)
}

fn number(bytes: &[u8], at: usize) -> Result<i64, RespError> {
    core::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(RespError::Invalid { offset: at })
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn s(t: &str) -> Value {
        Value::str(t)
    }

    /// Reads `bytes` fed in pieces of `step` bytes; every reply until the
    /// first error.
    fn pieces(bytes: &[u8], step: usize, limits: RespLimits) -> (Vec<Value>, Option<RespError>) {
        let mut r = RespReader::new(limits);
        let mut out = Vec::new();
        for chunk in bytes.chunks(step.max(1)) {
            r.feed(chunk);
            loop {
                match r.next_reply() {
                    Ok(Some(v)) => out.push(v),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
        }
        (out, None)
    }

    fn limits(max_bytes: usize, max_values: usize, max_depth: usize) -> RespLimits {
        RespLimits {
            max_bytes,
            max_values,
            max_depth,
        }
    }

    #[test]
    fn replies_in_pieces_and_in_a_row() {
        let bytes =
            b"*2\r\n$3\r\nfoo\r\n%1\r\n+a\r\n:5\r\n|1\r\n+ttl\r\n:3\r\n#t\r\n_\r\n~1\r\n,1.5\r\n";
        let want = vec![
            Value::Array(vec![s("foo"), Value::Map(vec![(s("a"), Value::Int(5))])]),
            Value::Int(1),
            Value::Nil,
            Value::Array(vec![s("1.5")]),
        ];
        for step in 1..=bytes.len() {
            assert_eq!(
                pieces(bytes, step, RespLimits::DEFAULT),
                (want.clone(), None),
                "{step}"
            );
        }
    }

    #[test]
    fn lengths_and_counts_past_a_limit_are_refused_at_the_header() {
        let bytes_limit = RespError::TooLarge {
            limit: RespLimit::Bytes,
            max: 64 << 20,
        };
        let values_limit = RespError::TooLarge {
            limit: RespLimit::Values,
            max: 1 << 21,
        };
        for (head, want) in [
            (&b"$9223372036854775807\r\n"[..], &bytes_limit),
            (b"$67108865\r\n", &bytes_limit),
            (b"*9223372036854775807\r\n", &values_limit),
            (b"%1048576\r\n", &values_limit),
            (b"*2097152\r\n", &values_limit),
        ] {
            assert_eq!(
                pieces(head, 4, RespLimits::DEFAULT),
                (vec![], Some(want.clone()))
            );
        }
        // Just under the limits (an 11-byte header, the body and its CRLF
        // make 64 MiB): waiting for the rest.
        for head in [&b"$67108851\r\n"[..], b"*2097151\r\n", b"%1048575\r\n"] {
            assert_eq!(pieces(head, 4, RespLimits::DEFAULT), (vec![], None));
        }
    }

    #[test]
    fn endless_replies_stop_at_a_limit() {
        // An array that never ends: the value count is announced, so it
        // cannot pass the limit; a bigger announcement, refused.
        let mut endless = b"*5\r\n".to_vec();
        endless.extend(b":1\r\n".repeat(10));
        let (got, err) = pieces(&endless, 3, limits(1 << 20, 4, 8));
        assert_eq!(got, vec![]);
        assert_eq!(
            err,
            Some(RespError::TooLarge {
                limit: RespLimit::Values,
                max: 4
            })
        );
        // A line that never ends.
        let (_, err) = pieces(&[b'+'; 5000], 7, limits(1000, 10, 8));
        assert_eq!(
            err,
            Some(RespError::TooLarge {
                limit: RespLimit::Bytes,
                max: 1000
            })
        );
        // Nested arrays of one element each.
        let deep = b"*1\r\n".repeat(10);
        let (_, err) = pieces(&deep, 5, limits(1000, 100, 3));
        assert_eq!(
            err,
            Some(RespError::TooLarge {
                limit: RespLimit::Depth,
                max: 3
            })
        );
        // A length header that never ends is not a length.
        let (_, err) = pieces(&[b'$', b'1'].repeat(40), 2, RespLimits::DEFAULT);
        assert!(
            matches!(err, Some(RespError::Invalid { offset: 0 })),
            "{err:?}"
        );
        // Bytes are counted over the whole reply, not per token.
        let (_, err) = pieces(
            &b"*3\r\n$4\r\nabcd\r\n$4\r\nabcd\r\n"[..],
            3,
            limits(20, 10, 8),
        );
        assert_eq!(
            err,
            Some(RespError::TooLarge {
                limit: RespLimit::Bytes,
                max: 20
            })
        );
    }

    #[test]
    fn error_replies() {
        // A whole-reply error ends that reply only.
        let (got, err) = pieces(b"-ERR x\r\n", 2, RespLimits::DEFAULT);
        assert_eq!(
            (got, err),
            (vec![], Some(RespError::ServerError(b"ERR x".to_vec())))
        );
        let mut r = RespReader::new(RespLimits::DEFAULT);
        r.feed(b"-ERR x\r\n:1\r\n");
        assert_eq!(
            r.next_reply(),
            Err(RespError::ServerError(b"ERR x".to_vec()))
        );
        assert_eq!(r.next_reply(), Ok(Some(Value::Int(1))));
        // An error inside an aggregate leaves the stream at an unknown place.
        let mut r = RespReader::new(RespLimits::DEFAULT);
        r.feed(b"*2\r\n-ERR y\r\n:1\r\n:2\r\n");
        let e = Err(RespError::ServerError(b"ERR y".to_vec()));
        assert_eq!(r.next_reply(), e);
        assert_eq!(r.next_reply(), e);
        // Offsets count from the start of the reply, across pieces.
        let (_, err) = pieces(b":1\r\n*2\r\n:1\r\n?\r\n", 3, RespLimits::DEFAULT);
        assert_eq!(err, Some(RespError::Invalid { offset: 8 }));
    }

    /// RESP for a value, as a server writes it (maps as RESP3 maps).
    fn encode(v: &Value, out: &mut Vec<u8>) {
        match v {
            Value::Nil => out.extend(b"_\r\n"),
            Value::Int(i) => out.extend(alloc::format!(":{i}\r\n").bytes()),
            Value::Bytes(b) => {
                out.extend(alloc::format!("${}\r\n", b.len()).bytes());
                out.extend(b);
                out.extend(b"\r\n");
            }
            Value::Array(a) => {
                out.extend(alloc::format!("*{}\r\n", a.len()).bytes());
                a.iter().for_each(|x| encode(x, out));
            }
            Value::Map(m) => {
                out.extend(alloc::format!("%{}\r\n", m.len()).bytes());
                for (k, x) in m {
                    encode(k, out);
                    encode(x, out);
                }
            }
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<i64>().prop_map(Value::Int),
            proptest::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bytes),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::vec((inner.clone(), inner), 0..6).prop_map(Value::Map),
            ]
        })
    }

    proptest! {
        /// The reader fed in any pieces gives what `from_resp` gives for the
        /// whole, and every cut reply is incomplete.
        #[test]
        fn pieces_read_as_the_whole(v in value(), step in 1usize..40) {
            let mut bytes = Vec::new();
            encode(&v, &mut bytes);
            prop_assert_eq!(Value::from_resp(&bytes), Ok((v.clone(), bytes.len())));
            for cut in 0..bytes.len() {
                prop_assert_eq!(Value::from_resp(&bytes[..cut]), Err(RespError::Incomplete));
            }
            let twice = [bytes.clone(), bytes.clone()].concat();
            prop_assert_eq!(pieces(&twice, step, RespLimits::DEFAULT), (vec![v.clone(), v], None));
        }

        /// Any bytes in any pieces: what the whole gives, never a panic.
        #[test]
        fn any_bytes_in_pieces(bytes in proptest::collection::vec(any::<u8>(), 0..200), step in 1usize..20) {
            let whole = Value::from_resp(&bytes);
            let (got, err) = pieces(&bytes, step, RespLimits::UNBOUNDED);
            match whole {
                Ok((v, _)) => prop_assert_eq!(got.first(), Some(&v)),
                Err(RespError::Incomplete) => prop_assert!(got.is_empty() && err.is_none()),
                Err(e) => prop_assert_eq!((got, err), (vec![], Some(e))),
            }
        }
    }
}
