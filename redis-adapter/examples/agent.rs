//! Writes or reads a corpus of keys through `Sharded`, for the cross-language
//! test (tests/sharded/cross.py). Reads one JSON request on stdin:
//!
//! ```text
//! {"op": "write" | "read", "client": "sync" | "async",
//!  "scheme": "twemproxy-ketama", "options": {"hash": "fnv1a_64"},
//!  "servers": [{"spec": "127.0.0.1:7001:1 shard0", "host": "127.0.0.1", "port": 7001}, ...],
//!  "keys": [hex...], "values": [hex...]}
//! ```
//!
//! write: one MSET of the first half of the keys, then one non-transactional
//! pipeline of SETs for the rest; prints `{"ok": true}`. read: one MGET of
//! every key and one pipeline of GETs; prints `{"mget": [...], "pipeline": [...]}`
//! (hex, or null for a missing key).

use std::io::Read;

use keyroute::partition::{Options, Pool, Scheme};
use keyroute_redis::Sharded;
use serde_json::{json, Value as Json};

type Error = Box<dyn std::error::Error>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, Error> {
    if text.len() % 2 != 0 {
        return Err(format!("odd-length hex {text:?}").into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| Ok(u8::from_str_radix(&text[i..i + 2], 16)?))
        .collect()
}

fn list(req: &Json, field: &str) -> Result<Vec<Vec<u8>>, Error> {
    req[field]
        .as_array()
        .ok_or(format!("{field}: expected an array"))?
        .iter()
        .map(|v| unhex(v.as_str().ok_or(format!("{field}: expected hex strings"))?))
        .collect()
}

fn pool(req: &Json) -> Result<Pool, Error> {
    let scheme: Scheme = req["scheme"].as_str().ok_or("scheme")?.parse()?;
    let mut options = Options::default();
    if let Some(opts) = req["options"].as_object() {
        for (name, value) in opts {
            match name.as_str() {
                "hash" => options.hash = Some(value.as_str().ok_or("hash")?.parse()?),
                other => return Err(format!("option {other} is not supported here").into()),
            }
        }
    }
    let specs: Vec<String> = req["servers"]
        .as_array()
        .ok_or("servers")?
        .iter()
        .map(|s| s["spec"].as_str().map(String::from).ok_or("servers[].spec"))
        .collect::<Result<_, _>>()?;
    Ok(Pool::with_options(scheme, &specs, &options)?)
}

fn urls(req: &Json) -> Result<Vec<String>, Error> {
    req["servers"]
        .as_array()
        .ok_or("servers")?
        .iter()
        .map(|s| {
            let host = s["host"].as_str().ok_or("servers[].host")?;
            let port = s["port"].as_u64().ok_or("servers[].port")?;
            Ok(format!("redis://{host}:{port}/"))
        })
        .collect()
}

/// The commands of one request: (single command, pipeline).
fn commands(req: &Json) -> Result<(redis::Cmd, redis::Pipeline), Error> {
    let keys = list(req, "keys")?;
    match req["op"].as_str() {
        Some("write") => {
            let values = list(req, "values")?;
            if values.len() != keys.len() {
                return Err("keys and values differ in length".into());
            }
            let half = keys.len() / 2;
            let mut mset = redis::cmd("MSET");
            for (k, v) in keys[..half].iter().zip(&values[..half]) {
                mset.arg(k.as_slice()).arg(v.as_slice());
            }
            let mut pipe = redis::pipe();
            for (k, v) in keys[half..].iter().zip(&values[half..]) {
                pipe.cmd("SET").arg(k.as_slice()).arg(v.as_slice());
            }
            Ok((mset, pipe))
        }
        Some("read") => {
            let mut mget = redis::cmd("MGET");
            let mut pipe = redis::pipe();
            for k in &keys {
                mget.arg(k.as_slice());
                pipe.cmd("GET").arg(k.as_slice());
            }
            Ok((mget, pipe))
        }
        other => Err(format!("op {other:?}: expected write or read").into()),
    }
}

fn reply(req: &Json, single: redis::Value, piped: Vec<redis::Value>) -> Result<Json, Error> {
    let as_json = |v: &redis::Value| -> Result<Json, Error> {
        match v {
            redis::Value::Nil => Ok(Json::Null),
            redis::Value::BulkString(b) => Ok(Json::String(hex(b))),
            redis::Value::Okay => Ok(Json::Bool(true)),
            other => Err(format!("unexpected reply {other:?}").into()),
        }
    };
    if req["op"] == "write" {
        // With fewer than two keys there is no MSET (Nil stands in for it).
        let few = req["keys"].as_array().is_some_and(|k| k.len() < 2);
        let ok = matches!(single, redis::Value::Okay) || (few && single == redis::Value::Nil);
        if !ok {
            return Err(format!("MSET replied {single:?}").into());
        }
        for v in &piped {
            if !matches!(v, redis::Value::Okay) {
                return Err(format!("SET replied {v:?}").into());
            }
        }
        return Ok(json!({"ok": true}));
    }
    let redis::Value::Array(items) = single else {
        return Err(format!("MGET replied {single:?}").into());
    };
    Ok(json!({
        "mget": items.iter().map(as_json).collect::<Result<Vec<_>, _>>()?,
        "pipeline": piped.iter().map(as_json).collect::<Result<Vec<_>, _>>()?,
    }))
}

fn run_sync(req: &Json) -> Result<Json, Error> {
    let conns = urls(req)?
        .iter()
        .map(|u| Ok(redis::Client::open(u.as_str())?.get_connection()?))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut s = Sharded::new(pool(req)?, conns)?;
    let (single, pipe) = commands(req)?;
    let one = if single.args_iter().count() > 1 {
        single.query::<redis::Value>(&mut s)?
    } else {
        redis::Value::Nil
    };
    let piped: Vec<redis::Value> = if pipe.cmd_iter().next().is_some() {
        pipe.query(&mut s)?
    } else {
        Vec::new()
    };
    reply(req, one, piped)
}

fn run_async(req: &Json) -> Result<Json, Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut conns = Vec::new();
        for u in urls(req)? {
            conns.push(
                redis::Client::open(u.as_str())?
                    .get_multiplexed_async_connection()
                    .await?,
            );
        }
        let mut s = Sharded::new(pool(req)?, conns)?;
        let (single, pipe) = commands(req)?;
        let one = if single.args_iter().count() > 1 {
            single.query_async::<redis::Value>(&mut s).await?
        } else {
            redis::Value::Nil
        };
        let piped: Vec<redis::Value> = if pipe.cmd_iter().next().is_some() {
            pipe.query_async(&mut s).await?
        } else {
            Vec::new()
        };
        reply(req, one, piped)
    })
}

fn main() {
    let outcome = (|| -> Result<Json, Error> {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        let req: Json = serde_json::from_str(&text)?;
        match req["client"].as_str() {
            Some("sync") => run_sync(&req),
            Some("async") => run_async(&req),
            other => Err(format!("client {other:?}: expected sync or async").into()),
        }
    })();
    match outcome {
        Ok(out) => println!("{out}"),
        Err(e) => {
            eprintln!("agent: {e}");
            std::process::exit(1);
        }
    }
}
