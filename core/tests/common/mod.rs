//! Shared by the tests that talk to real servers: a RESP connection and the
//! cluster harness (`tests/cluster/harness.py`), stopped on drop.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use keyroute::cluster::{encode_command, RespError, Value};

pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    pub port: u16,
}

impl Conn {
    pub fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Conn {
            stream,
            buf: Vec::new(),
            port,
        }
    }

    pub fn send(&mut self, argv: &[&[u8]]) {
        self.stream.write_all(&encode_command(argv)).unwrap();
    }

    /// One reply; an error reply comes back as `Err(text)`.
    pub fn read(&mut self) -> Result<Value, String> {
        loop {
            match Value::from_resp(&self.buf) {
                Ok((v, n)) => {
                    self.buf.drain(..n);
                    return Ok(v);
                }
                Err(RespError::ServerError(e)) => {
                    let text = String::from_utf8_lossy(&e).into_owned();
                    let line_end = self.buf.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
                    self.buf.drain(..line_end);
                    return Err(text);
                }
                Err(RespError::Incomplete) => {
                    let mut chunk = [0u8; 65536];
                    let n = self.stream.read(&mut chunk).expect("read");
                    assert!(n > 0, "server closed the connection");
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                Err(e) => panic!("bad reply: {e}"),
            }
        }
    }

    pub fn call(&mut self, argv: &[&[u8]]) -> Result<Value, String> {
        self.send(argv);
        self.read()
    }

    pub fn cmd(&mut self, words: &str) -> Result<Value, String> {
        let argv: Vec<&[u8]> = words.split(' ').map(str::as_bytes).collect();
        self.call(&argv)
    }

    /// Sends all commands, then reads all replies.
    pub fn pipeline(&mut self, cmds: &[Vec<Vec<u8>>]) -> Vec<Result<Value, String>> {
        let mut out = Vec::new();
        for chunk in cmds.chunks(500) {
            let mut bytes = Vec::new();
            for c in chunk {
                bytes.extend(encode_command(c));
            }
            self.stream.write_all(&bytes).unwrap();
            for _ in chunk {
                out.push(self.read());
            }
        }
        out
    }
}

pub fn text(v: &Value) -> String {
    match v {
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("expected a string, got {other:?}"),
    }
}

/// A real 6-node cluster for the life of the value.
pub struct Cluster {
    state: String,
    pub ports: Vec<u16>,
}

impl Cluster {
    pub fn start() -> Cluster {
        Self::start_with(&[])
    }

    /// With extra harness options, e.g. `["--replicas", "0", "--spare", "2"]`.
    pub fn start_with(options: &[&str]) -> Cluster {
        let out = Command::new("python3")
            .arg(format!("{ROOT}/tests/cluster/harness.py"))
            .args(["start", "--owner", &std::process::id().to_string()])
            .args(options)
            .output()
            .expect("run tests/cluster/harness.py (python3)");
        assert!(
            out.status.success(),
            "harness start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let state = String::from_utf8(out.stdout).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&state).unwrap();
        let ports = doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["port"].as_u64().unwrap() as u16)
            .collect();
        Cluster { state, ports }
    }

    pub fn wait_stable(&self) {
        let code = "import json,sys; sys.path.insert(0, sys.argv[1]); import harness; \
                    c = harness.Cluster(); c.nodes = json.loads(sys.argv[2])['nodes']; c.wait_stable()";
        let out = Command::new("python3")
            .args(["-c", code, &format!("{ROOT}/tests/cluster"), &self.state])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cluster not stable: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let path =
            std::env::temp_dir().join(format!("keyroute-cluster-{}.json", std::process::id()));
        std::fs::write(&path, &self.state).unwrap();
        let _ = Command::new("python3")
            .arg(format!("{ROOT}/tests/cluster/harness.py"))
            .arg("stop")
            .arg(&path)
            .status();
        let _ = std::fs::remove_file(path);
    }
}
