//! The incremental RESP reader (what `keyroute node --cluster` and `plan
//! rebalance --cluster` read servers with), fed any bytes in pieces: never a
//! panic; unbounded, the first reply is what `Value::from_resp` reads from
//! the whole; bounded, no reply and no buffer passes the limits.
#![no_main]

use keyroute::cluster::{RespError, RespLimits, RespReader, Value};
use libfuzzer_sys::fuzz_target;

/// Values in a reply, counting aggregates and a map's keys and values.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Map(m) => m.iter().map(|(k, v)| count(k) + count(v)).sum(),
        _ => 0,
    }
}

/// Aggregates around the deepest value.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.iter().map(|x| 1 + depth(x)).max().unwrap_or(0),
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| 1 + depth(k).max(depth(v)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the size of the pieces.
    let Some((&pick, bytes)) = data.split_first() else { return };
    let step = pick as usize % 16 + 1;
    let small = RespLimits { max_bytes: 512, max_values: 40, max_depth: 4 };
    for limits in [RespLimits::UNBOUNDED, small] {
        let mut reader = RespReader::new(limits);
        let (mut replies, mut failed) = (Vec::new(), None);
        'feed: for piece in bytes.chunks(step) {
            reader.feed(piece);
            loop {
                match reader.next_reply() {
                    Ok(Some(v)) => replies.push(v),
                    Ok(None) => break,
                    Err(e) => {
                        failed = Some(e);
                        break 'feed;
                    }
                }
            }
            // What waits for more bytes is part of one reply, within its limit.
            assert!(reader.buffered() <= limits.max_bytes);
        }
        for v in &replies {
            assert!(count(v) <= limits.max_values, "{v:?}");
            assert!(depth(v) <= limits.max_depth, "{v:?}");
        }
        let whole = Value::from_resp(bytes);
        if limits == RespLimits::UNBOUNDED {
            match whole {
                Ok((v, _)) => assert_eq!(replies.first(), Some(&v)),
                Err(RespError::Incomplete) => assert!(replies.is_empty() && failed.is_none()),
                Err(e) => assert_eq!((replies.len(), failed), (0, Some(e))),
            }
        } else if let Some(v) = replies.first() {
            assert_eq!(whole.map(|(w, _)| w), Ok(v.clone()));
        }
    }
});
