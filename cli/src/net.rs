//! Asking a live node: one connection, commands sent one at a time or
//! pipelined in batches, each reply read incrementally under the core's
//! [`RespLimits`] and within a time limit, so a server that sends too much,
//! forever, or nothing fails with the limit it passed.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use keyroute::cluster::{encode_command, RespError, RespLimits, RespReader, Value};

use crate::Failure;

/// `--timeout` when not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Commands written at once by [`Conn::pipeline`].
pub const PIPELINE_BATCH: usize = 1000;

/// A connection to one node.
pub struct Conn {
    stream: TcpStream,
    reader: RespReader,
    timeout: Duration,
    /// The host as given (brackets of an IPv6 literal removed).
    pub host: String,
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

impl Conn {
    /// Connects to `HOST:PORT` within `timeout` (or [`DEFAULT_TIMEOUT`]).
    pub fn open(addr: &str, timeout: Option<Duration>) -> Result<Conn, Failure> {
        let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
        let fail = |what: String| Failure::Failed(format!("{addr}: {what}"));
        let (host, _) = addr
            .rsplit_once(':')
            .ok_or_else(|| Failure::Usage(format!("{addr:?}: expected HOST:PORT")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let sock = addr
            .to_socket_addrs()
            .map_err(|e| fail(e.to_string()))?
            .next()
            .ok_or_else(|| fail("no address".into()))?;
        let stream = TcpStream::connect_timeout(&sock, timeout).map_err(|e| {
            if timed_out(&e) {
                fail(format!(
                    "no connection within {} (--timeout)",
                    secs(timeout)
                ))
            } else {
                fail(e.to_string())
            }
        })?;
        stream
            .set_write_timeout(Some(timeout))
            .map_err(|e| fail(e.to_string()))?;
        Ok(Conn {
            stream,
            reader: RespReader::new(RespLimits::DEFAULT),
            timeout,
            host: host.to_string(),
        })
    }

    /// One command and its reply; the inner `Err` is an error reply. The
    /// outer error says what went wrong, naming the command.
    pub fn ask(&mut self, argv: &[&str]) -> Result<Result<Value, Vec<u8>>, String> {
        let name = argv.join(" ");
        self.stream
            .write_all(&encode_command(argv))
            .map_err(|e| format!("{name}: {e}"))?;
        self.reply(&name)
    }

    /// Commands pipelined: sent in batches of [`PIPELINE_BATCH`], each
    /// batch's replies read before the next is sent (so neither side's
    /// buffers fill), every reply within the time limit. Replies in order;
    /// an error reply as `Err(text)`.
    pub fn pipeline(
        &mut self,
        cmds: &[Vec<Vec<u8>>],
    ) -> Result<Vec<Result<Value, String>>, String> {
        let mut out = Vec::with_capacity(cmds.len());
        for batch in cmds.chunks(PIPELINE_BATCH) {
            let mut bytes = Vec::new();
            for argv in batch {
                bytes.extend(encode_command(argv));
            }
            self.stream
                .write_all(&bytes)
                .map_err(|e| format!("pipelined commands: {e}"))?;
            for argv in batch {
                let name = String::from_utf8_lossy(&argv[0]).into_owned();
                let r = self.reply(&name)?;
                out.push(r.map_err(|e| String::from_utf8_lossy(&e).into_owned()));
            }
        }
        Ok(out)
    }

    /// The next reply, read within the time limit.
    fn reply(&mut self, name: &str) -> Result<Result<Value, Vec<u8>>, String> {
        let fail = |what: String| format!("{name}: {what}");
        let deadline = Instant::now() + self.timeout;
        let mut chunk = vec![0u8; 64 << 10];
        loop {
            match self.reader.next_reply() {
                Ok(Some(v)) => return Ok(Ok(v)),
                Err(RespError::ServerError(e)) => return Ok(Err(e)),
                Err(e) => return Err(fail(e.to_string())),
                Ok(None) => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let late = || {
                fail(format!(
                    "no complete reply within {} (--timeout)",
                    secs(self.timeout)
                ))
            };
            if left.is_zero() {
                return Err(late());
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|e| fail(e.to_string()))?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(fail("connection closed".into())),
                Ok(n) => self.reader.feed(&chunk[..n]),
                Err(e) if timed_out(&e) => return Err(late()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(e.to_string())),
            }
        }
    }
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
