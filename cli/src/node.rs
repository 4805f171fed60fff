//! `keyroute node`: the node that serves each key now: of a cluster (its
//! slot map), or of a client-side sharding pool (the server as configured).

use std::io::{self, BufWriter, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use keyroute::cluster::{encode_command, ReadFrom, RespError, SlotMap, Value};

use crate::pool::PoolSource;
use crate::{decode_key, for_each_stdin_key, Failure, USAGE};

enum Source {
    Cluster(String),
    ShardsJson(String),
    SlotsJson(String),
}

pub fn run(args: &[Vec<u8>]) -> Result<(), Failure> {
    let mut source = None;
    let mut read_from = ReadFrom::Primary;
    let mut hex = false;
    let mut policy_file = None;
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut it = args.iter();
    let mut only_keys = false;
    let mut pool = PoolSource::default();
    let mut cluster_flags = false;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .ok_or_else(|| Failure::Usage(format!("{name} needs a value\n{USAGE}")))
        };
        let flag = String::from_utf8_lossy(arg).into_owned();
        if !only_keys && pool.take(&flag, &mut || value(&flag))? {
            continue;
        }
        if !only_keys && matches!(flag.as_str(), "--policy-file" | "--read-from") {
            cluster_flags = true;
        }
        match arg.as_slice() {
            _ if only_keys => keys.push(arg),
            b"--" => only_keys = true,
            b"--hex" => hex = true,
            b"--policy-file" => policy_file = Some(value("--policy-file")?),
            b"--cluster" => source = Some(Source::Cluster(value("--cluster")?)),
            b"--shards-json" => source = Some(Source::ShardsJson(value("--shards-json")?)),
            b"--slots-json" => source = Some(Source::SlotsJson(value("--slots-json")?)),
            b"--read-from" => {
                read_from = match value("--read-from")?.as_str() {
                    "primary" => ReadFrom::Primary,
                    "prefer-replica" => ReadFrom::PreferReplica,
                    "round-robin" => ReadFrom::RoundRobin,
                    other => {
                        return Err(Failure::Usage(format!(
                            "--read-from {other:?}: expected primary, prefer-replica or round-robin"
                        )))
                    }
                }
            }
            a if a.starts_with(b"--") => {
                return Err(Failure::Usage(format!(
                    "unknown option {:?}\n{USAGE}",
                    String::from_utf8_lossy(a)
                )))
            }
            _ => keys.push(arg),
        }
    }
    if pool.given() {
        if source.is_some() || cluster_flags {
            return Err(Failure::Usage(format!(
                "a pool (--nutcracker, --scheme) and a cluster (--cluster, --shards-json, \
                 --slots-json, --read-from, --policy-file) do not mix\n{USAGE}"
            )));
        }
        return pool_nodes(&pool, &keys, hex);
    }
    let map = match source {
        None => {
            return Err(Failure::Usage(format!(
            "node needs --cluster, --shards-json, --slots-json, --nutcracker or --scheme\n{USAGE}"
        )))
        }
        Some(Source::Cluster(addr)) => from_cluster(&addr)?,
        Some(Source::ShardsJson(path)) => {
            let v = read_json(&path)?;
            SlotMap::from_shards(&v, None).map_err(|e| Failure::Usage(format!("{path}: {e}")))?
        }
        Some(Source::SlotsJson(path)) => {
            let v = read_json(&path)?;
            SlotMap::from_slots(&v, None).map_err(|e| Failure::Usage(format!("{path}: {e}")))?
        }
    };
    let map = map.with_policy(crate::load_policy(policy_file.as_deref())?);
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let mut print = |key: &[u8]| -> Result<(), Failure> {
        let slot = map
            .policy()
            .key_slot(key)
            .map_err(|e| Failure::Failed(e.to_string()))?;
        let (n, role) = map
            .node_for_slot(slot, read_from)
            .map_err(|e| Failure::Failed(e.to_string()))?;
        writeln!(out, "{slot} {} {}", map.nodes()[n].addr(), role.as_str())?;
        Ok(())
    };
    if keys.is_empty() {
        for_each_stdin_key(hex, &mut print)?;
    } else {
        for (i, k) in keys.iter().enumerate() {
            print(&decode_key(k, hex, || format!("argument {}", i + 1))?)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Each key's server in a client-side pool, written as configured.
fn pool_nodes(source: &PoolSource, keys: &[&[u8]], hex: bool) -> Result<(), Failure> {
    let loaded = source.load()?;
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let mut print = |key: &[u8]| -> Result<(), Failure> {
        writeln!(out, "{}", loaded.pool.node_for(key))?;
        Ok(())
    };
    if keys.is_empty() {
        for_each_stdin_key(hex, &mut print)?;
    } else {
        for (i, k) in keys.iter().enumerate() {
            print(&decode_key(k, hex, || format!("argument {}", i + 1))?)?;
        }
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn read_json(path: &str) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{path}: not JSON: {e}")))?;
    Ok(from_json(&json))
}

/// A saved reply, as `redis-cli --json` writes it: objects are maps.
fn from_json(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Int(*b as i64),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::str(&n.to_string())),
        J::String(s) => Value::str(s),
        J::Array(a) => Value::Array(a.iter().map(from_json).collect()),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (Value::str(k), from_json(v)))
                .collect(),
        ),
    }
}

/// Asks a live node for `CLUSTER SHARDS`, or `CLUSTER SLOTS` on servers
/// older than 7.0.
fn from_cluster(addr: &str) -> Result<SlotMap, Failure> {
    let fail = |what: String| Failure::Failed(format!("{addr}: {what}"));
    let (mut conn, host) = connect(addr)?;
    match ask(&mut conn, &["CLUSTER", "SHARDS"]).map_err(&fail)? {
        Ok(reply) => SlotMap::from_shards(&reply, Some(&host)).map_err(|e| fail(e.to_string())),
        Err(_) => {
            let reply = ask(&mut conn, &["CLUSTER", "SLOTS"])
                .map_err(&fail)?
                .map_err(|e| fail(String::from_utf8_lossy(&e).into_owned()))?;
            SlotMap::from_slots(&reply, Some(&host)).map_err(|e| fail(e.to_string()))
        }
    }
}

/// A connection to `HOST:PORT`, and the host as written.
pub(crate) fn connect(addr: &str) -> Result<(TcpStream, String), Failure> {
    let fail = |what: String| Failure::Failed(format!("{addr}: {what}"));
    let (host, _) = addr
        .rsplit_once(':')
        .ok_or_else(|| Failure::Usage(format!("--cluster {addr:?}: expected HOST:PORT")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let sock = addr
        .to_socket_addrs()
        .map_err(|e| fail(e.to_string()))?
        .next()
        .ok_or_else(|| fail("no address".into()))?;
    let conn = TcpStream::connect_timeout(&sock, Duration::from_secs(5))
        .map_err(|e| fail(e.to_string()))?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| fail(e.to_string()))?;
    Ok((conn, host.to_string()))
}

/// One command and its reply; the inner `Err` is an error reply.
pub(crate) fn ask(conn: &mut TcpStream, argv: &[&str]) -> Result<Result<Value, Vec<u8>>, String> {
    conn.write_all(&encode_command(argv))
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match Value::from_resp(&buf) {
            Ok((v, _)) => return Ok(Ok(v)),
            Err(RespError::ServerError(e)) => return Ok(Err(e)),
            Err(RespError::Incomplete) => {
                let n = conn.read(&mut chunk).map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("connection closed".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}
