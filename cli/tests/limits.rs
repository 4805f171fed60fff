//! Bounded input: a server that sends too much, forever, or nothing, and
//! files that never end, each refused with the limit it passed. The fake
//! servers are threads with a TcpListener on a loopback port; keyroute runs
//! under a 2 GiB address-space limit, so an unbounded read fails here
//! instead of exhausting the machine, and under a watchdog that only keeps
//! a hang from stalling the suite (no timing is asserted).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a run may take before it is called a hang.
const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs `keyroute ARGS` under a 2 GiB address-space limit and the watchdog.
fn keyroute(args: &[&str]) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_keyroute"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keyroute");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > WATCHDOG {
            child.kill().unwrap();
            let o = child.wait_with_output().unwrap();
            panic!(
                "keyroute {args:?} did not end within {WATCHDOG:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Reads one command (until its last argument's line end) and returns it.
fn read_command(conn: &mut TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if ["SHARDS\r\n", "SLOTS\r\n", "NODES\r\n"]
            .iter()
            .any(|end| text.ends_with(end))
        {
            return Some(text);
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes `head`, then `body` over and over until the client goes away
/// (or 1 GiB, so the thread always ends).
fn stream(conn: &mut TcpStream, head: &[u8], body: &[u8]) {
    if conn.write_all(head).is_err() {
        return;
    }
    let block: Vec<u8> = body.repeat((64 << 10) / body.len() + 1);
    let mut sent = 0usize;
    while sent < 1 << 30 && conn.write_all(&block).is_ok() {
        sent += block.len();
    }
}

/// A one-connection server on a free loopback port, answering with `serve`.
fn server(serve: impl FnOnce(TcpStream) + Send + 'static) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = thread::spawn(move || {
        if let Ok((conn, _)) = listener.accept() {
            serve(conn);
        }
    });
    (addr, handle)
}

/// Every command is answered by `head` then `body` repeated.
fn endless(head: &'static [u8], body: &'static [u8]) -> (String, JoinHandle<()>) {
    server(move |mut conn| {
        if read_command(&mut conn).is_some() {
            stream(&mut conn, head, body);
        }
    })
}

#[test]
fn a_huge_bulk_length_is_refused_at_its_header() {
    let (addr, done) = endless(b"$9223372036854775807\r\n", b"x");
    let o = keyroute(&["node", "--cluster", &addr, "k"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("CLUSTER SHARDS: reply larger than the limit of 67108864 bytes"),
        "{}",
        stderr(&o)
    );
    done.join().unwrap();
}

#[test]
fn an_endless_array_is_refused_at_its_header() {
    let (addr, done) = endless(b"*9223372036854775807\r\n", b":1\r\n");
    let o = keyroute(&["node", "--cluster", &addr, "k"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("reply of more than the limit of 2097152 values"),
        "{}",
        stderr(&o)
    );
    done.join().unwrap();
}

/// An array of an allowed count whose elements go past 64 MiB: read once,
/// piece by piece, and refused at the byte limit.
#[test]
fn an_array_past_the_byte_limit_is_refused() {
    let (addr, done) = endless(
        b"*2000000\r\n",
        b"$64\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n",
    );
    let o = keyroute(&["node", "--cluster", &addr, "k"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("reply larger than the limit of 67108864 bytes"),
        "{}",
        stderr(&o)
    );
    done.join().unwrap();
}

#[test]
fn plan_rebalance_bounds_cluster_nodes_too() {
    let (addr, done) = endless(b"$9223372036854775807\r\n", b"x");
    let o = keyroute(&["plan", "rebalance", "--cluster", &addr]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("CLUSTER NODES: reply larger than the limit"),
        "{}",
        stderr(&o)
    );
    done.join().unwrap();
}

/// A server that accepts and never answers: `--timeout` ends the wait.
#[test]
fn a_silent_server_times_out() {
    let (addr, done) = server(|mut conn| {
        // Hold the connection until the client gives up.
        let mut sink = [0u8; 512];
        while matches!(conn.read(&mut sink), Ok(n) if n > 0) {}
    });
    let o = keyroute(&["node", "--cluster", &addr, "--timeout", "0.5", "k"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("CLUSTER SHARDS: no complete reply within 0.5 s (--timeout)"),
        "{}",
        stderr(&o)
    );
    done.join().unwrap();
    for bad in ["0", "-1", "soon"] {
        let o = keyroute(&["node", "--cluster", "127.0.0.1:1", "--timeout", bad, "k"]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
}

/// A server without CLUSTER SHARDS (before 7.0) answers CLUSTER SLOTS one
/// byte at a time: the error reply ends only that reply, and the pieces
/// read as the whole.
#[test]
fn an_error_reply_then_a_reply_in_pieces() {
    let (addr, done) = server(|mut conn| {
        let first = read_command(&mut conn).unwrap();
        assert!(first.ends_with("SHARDS\r\n"), "{first}");
        conn.write_all(b"-ERR unknown subcommand 'SHARDS'\r\n")
            .unwrap();
        let second = read_command(&mut conn).unwrap();
        assert!(second.ends_with("SLOTS\r\n"), "{second}");
        let reply = b"*2\r\n*3\r\n:0\r\n:8191\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n\
                      *3\r\n:8192\r\n:16383\r\n*3\r\n$0\r\n\r\n:7001\r\n$2\r\nid\r\n";
        for b in reply {
            conn.write_all(&[*b]).unwrap();
            conn.flush().unwrap();
        }
    });
    let o = keyroute(&["node", "--cluster", &addr, "foo", "bar"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "12182 127.0.0.1:7001 primary\n5061 127.0.0.1:7000 primary\n"
    );
    done.join().unwrap();
}

#[test]
fn endless_files_are_refused_at_their_limit() {
    for (args, needle) in [
        (
            &["slot", "--policy-file", "/dev/zero", "k"][..],
            "/dev/zero: larger than the limit of 65536 bytes for a policy file (32 rules of at most 256 characters)",
        ),
        (
            &["check", "--policy-file", "/dev/zero", "GET", "k"][..],
            "larger than the limit of 65536 bytes for a policy file",
        ),
        (
            &["node", "--slots-json", "/dev/zero", "k"][..],
            "/dev/zero: larger than the limit of 67108864 bytes for a saved reply",
        ),
        (
            &["node", "--shards-json", "/dev/zero", "k"][..],
            "larger than the limit of 67108864 bytes for a saved reply",
        ),
        (
            &["plan", "rebalance", "--nodes-file", "/dev/zero"][..],
            "larger than the limit of 67108864 bytes for a saved reply",
        ),
        (
            &["node", "--nutcracker", "/dev/zero", "k"][..],
            "larger than the limit of 16777216 bytes for a nutcracker configuration",
        ),
    ] {
        let o = keyroute(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

/// A policy file within the size limit but past the rule limits is refused
/// by the core's own rule.
#[test]
fn policy_rule_limits() {
    let path = std::env::temp_dir().join(format!("keyroute-limits-{}.rules", std::process::id()));
    std::fs::write(&path, "(?<tag>.*)\n".repeat(33)).unwrap();
    let o = keyroute(&["slot", "--policy-file", path.to_str().unwrap(), "k"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("at most 32 rules"), "{}", stderr(&o));
    std::fs::write(&path, format!("(?<tag>{})\n", "a".repeat(300))).unwrap();
    let o = keyroute(&["slot", "--policy-file", path.to_str().unwrap(), "k"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("at most 256 are allowed"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_file(path).unwrap();
}
