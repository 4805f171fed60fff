//! `keyroute node`: the node that serves each key now: of a cluster (its
//! slot map), or of a client-side sharding pool (the server as configured).

use std::io::{self, BufWriter};
use std::path::Path;

use keyroute::cluster::{ReadFrom, SlotMap, Value};

use crate::args::NodeArgs;
use crate::input::{for_each_key, load_policy, read_text, REPLY_FILE_MAX};
use crate::net::Conn;
use crate::{json, Failure};

pub fn run(a: &NodeArgs) -> Result<(), Failure> {
    if a.pool.given() {
        return pool_nodes(a);
    }
    let map = if let Some(addr) = &a.cluster {
        from_cluster(addr, a.timeout.timeout)?
    } else if let Some(path) = &a.shards_json {
        let v = read_json(path)?;
        SlotMap::from_shards(&v, None)
            .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?
    } else if let Some(path) = &a.slots_json {
        let v = read_json(path)?;
        SlotMap::from_slots(&v, None)
            .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?
    } else {
        return Err(Failure::Usage(
            "node needs --cluster, --shards-json, --slots-json, --nutcracker or --scheme".into(),
        ));
    };
    let map = map.with_policy(load_policy(a.policy.policy_file.as_deref())?);
    let read_from = a.read_from.unwrap_or(ReadFrom::Primary);
    let (hex, as_json) = (a.opts.hex, a.opts.json);
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let done = for_each_key(&a.keys, hex, |key, _| {
        let found = map
            .policy()
            .key_slot(key)
            .map_err(|e| (None, e.to_string()))
            .and_then(|slot| {
                map.node_for_slot(slot, read_from)
                    .map(|(n, role)| (slot, n, role))
                    .map_err(|e| (Some(slot), e.to_string()))
            });
        match found {
            Ok((slot, n, role)) => {
                let (node, role) = (map.nodes()[n].addr(), role.as_str());
                if as_json {
                    let mut obj = json::key(key, hex);
                    obj.insert("slot".into(), slot.into());
                    obj.insert("node".into(), node.to_string().into());
                    obj.insert("role".into(), role.into());
                    json::line(&mut out, obj)?;
                } else {
                    use std::io::Write;
                    writeln!(out, "{slot} {node} {role}")?;
                }
                Ok(())
            }
            Err((slot, msg)) => {
                if as_json {
                    let mut obj = json::key(key, hex);
                    if let Some(slot) = slot {
                        obj.insert("slot".into(), slot.into());
                    }
                    obj.insert("error".into(), msg.clone().into());
                    json::line(&mut out, obj)?;
                }
                Err(Failure::Failed(msg))
            }
        }
    });
    io::Write::flush(&mut out)?;
    done
}

/// Each key's server in a client-side pool, written as configured.
fn pool_nodes(a: &NodeArgs) -> Result<(), Failure> {
    let loaded = a.pool.load()?;
    let (hex, as_json) = (a.opts.hex, a.opts.json);
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let done = for_each_key(&a.keys, hex, |key, _| {
        // A key the pool's library has no server for (phpredis-array) has
        // no answer, as a slot nobody serves.
        let node = match loaded.pool.try_node_for(key) {
            Ok(node) => node,
            Err(e) => {
                if as_json {
                    let mut obj = json::key(key, hex);
                    obj.insert("error".into(), e.to_string().into());
                    json::line(&mut out, obj)?;
                }
                return Err(Failure::Failed(e.to_string()));
            }
        };
        if as_json {
            let mut obj = json::key(key, hex);
            obj.insert("node".into(), node.to_string().into());
            json::line(&mut out, obj)?;
        } else {
            use std::io::Write;
            writeln!(out, "{node}")?;
        }
        Ok(())
    });
    io::Write::flush(&mut out)?;
    done
}

/// A saved reply, as `redis-cli --json` writes it.
pub(crate) fn read_json(path: &Path) -> Result<Value, Failure> {
    let text = read_text(path, REPLY_FILE_MAX, "a saved reply")?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{}: not JSON: {e}", path.display())))?;
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
fn from_cluster(addr: &str, timeout: Option<std::time::Duration>) -> Result<SlotMap, Failure> {
    let fail = |what: String| Failure::Failed(format!("{addr}: {what}"));
    let mut conn = Conn::open(addr, timeout)?;
    let host = conn.host.clone();
    match conn.ask(&["CLUSTER", "SHARDS"]).map_err(&fail)? {
        Ok(reply) => SlotMap::from_shards(&reply, Some(&host)).map_err(|e| fail(e.to_string())),
        Err(_) => {
            let reply = conn
                .ask(&["CLUSTER", "SLOTS"])
                .map_err(&fail)?
                .map_err(|e| fail(String::from_utf8_lossy(&e).into_owned()))?;
            SlotMap::from_slots(&reply, Some(&host)).map_err(|e| fail(e.to_string()))
        }
    }
}
