//! Building a [`SlotMap`] from `CLUSTER SLOTS` and `CLUSTER SHARDS` replies.
//!
//! Both RESP2 and RESP3 shapes are accepted (flat key/value arrays and maps).
//! A node whose advertised endpoint is empty, `?` or null is given the
//! address of the node that answered, as the cluster specification tells
//! clients to do; without one, that is an error.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Health, Node, SlotMap, Value};
use crate::error::TopologyError;

fn malformed(at: impl Into<String>, expected: &'static str) -> TopologyError {
    TopologyError::Malformed {
        at: at.into(),
        expected,
    }
}

/// A host the client can use: not null, not empty, not `?`.
fn usable_host(v: Option<&Value>) -> Option<&[u8]> {
    match v?.as_bytes()? {
        b"" | b"?" => None,
        h => Some(h),
    }
}

fn text(b: &[u8], at: &str) -> Result<String, TopologyError> {
    core::str::from_utf8(b)
        .map(ToString::to_string)
        .map_err(|_| malformed(at, "UTF-8 text"))
}

fn port(v: &Value, at: &str) -> Result<u16, TopologyError> {
    v.as_int()
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| malformed(at, "a port number in 0..=65535"))
}

fn slot_range(start: &Value, end: &Value, at: &str) -> Result<(u16, u16), TopologyError> {
    let (Some(s), Some(e)) = (start.as_int(), end.as_int()) else {
        return Err(malformed(at, "integer slot numbers"));
    };
    if !(0..16384).contains(&s) || !(0..16384).contains(&e) || s > e {
        return Err(TopologyError::BadRange {
            at: at.to_string(),
            start: s,
            end: e,
        });
    }
    Ok((s as u16, e as u16))
}

fn resolve_host(
    host: Option<&[u8]>,
    answered_by: Option<&str>,
    at: &str,
) -> Result<String, TopologyError> {
    match (host, answered_by) {
        (Some(h), _) => text(h, at),
        (None, Some(a)) => Ok(a.to_string()),
        (None, None) => Err(TopologyError::NoAddress { at: at.to_string() }),
    }
}

/// The slots a reply has claimed so far: a slot claimed twice, even by the
/// same shard, is an error, so building a map touches each slot once
/// however many ranges the reply has.
struct Claims([u64; 256]);

impl Claims {
    fn new() -> Self {
        Claims([0; 256])
    }

    fn claim(
        &mut self,
        map: &mut SlotMap,
        (start, end): (u16, u16),
        shard: usize,
    ) -> Result<(), TopologyError> {
        for slot in start..=end {
            let (word, bit) = (slot as usize / 64, 1u64 << (slot % 64));
            if self.0[word] & bit != 0 {
                let name = |s: usize| map.nodes[map.shards[s].primary].addr().to_string();
                let first = map
                    .shard_at(slot as usize)
                    .map_or_else(|| name(shard), name);
                return Err(TopologyError::Overlap {
                    slot,
                    first,
                    second: name(shard),
                });
            }
            self.0[word] |= bit;
        }
        map.assign(start, end, shard)
    }
}

impl SlotMap {
    /// Builds the map from a `CLUSTER SLOTS` reply. `answered_by` is the host
    /// of the node that answered, used for nodes advertised without an address.
    pub fn from_slots(reply: &Value, answered_by: Option<&str>) -> Result<SlotMap, TopologyError> {
        let Value::Array(ranges) = reply else {
            return Err(malformed("CLUSTER SLOTS", "an array of slot ranges"));
        };
        let mut map = SlotMap::empty();
        let mut claims = Claims::new();
        for (i, range) in ranges.iter().enumerate() {
            let at = format!("CLUSTER SLOTS[{i}]");
            let Value::Array(parts) = range else {
                return Err(malformed(at, "an array [start, end, primary, replicas...]"));
            };
            if parts.len() < 3 {
                return Err(malformed(at, "an array [start, end, primary, replicas...]"));
            }
            let (start, end) = slot_range(&parts[0], &parts[1], &at)?;
            let mut members = Vec::with_capacity(parts.len() - 2);
            for (j, n) in parts[2..].iter().enumerate() {
                members.push(map.add_node(slots_node(
                    n,
                    answered_by,
                    &format!("{at}[{}]", j + 2),
                )?));
            }
            let shard = map.shard_with_primary(members[0])?;
            for &r in &members[1..] {
                map.add_replica(shard, r);
            }
            claims.claim(&mut map, (start, end), shard)?;
        }
        map.store.changed = Vec::new();
        Ok(map)
    }

    /// Builds the map from a `CLUSTER SHARDS` reply (Redis 7.0+, Valkey).
    /// Failed and loading nodes are kept with their [`Health`], and never
    /// chosen to serve reads.
    pub fn from_shards(reply: &Value, answered_by: Option<&str>) -> Result<SlotMap, TopologyError> {
        let Value::Array(shards) = reply else {
            return Err(malformed("CLUSTER SHARDS", "an array of shards"));
        };
        let mut map = SlotMap::empty();
        let mut claims = Claims::new();
        for (i, shard) in shards.iter().enumerate() {
            let at = format!("CLUSTER SHARDS[{i}]");
            let fields = shard
                .pairs()
                .ok_or_else(|| malformed(&*at, "a map with \"slots\" and \"nodes\""))?;
            let field = |name: &[u8]| {
                fields
                    .iter()
                    .find(|(k, _)| k.as_bytes() == Some(name))
                    .map(|(_, v)| *v)
            };
            let slots = match field(b"slots") {
                Some(Value::Array(s)) if s.len() % 2 == 0 => s.as_slice(),
                _ => {
                    return Err(malformed(
                        format!("{at}.slots"),
                        "an array of start, end pairs",
                    ))
                }
            };
            let ranges = slots
                .chunks_exact(2)
                .enumerate()
                .map(|(k, pair)| slot_range(&pair[0], &pair[1], &format!("{at}.slots[{}]", 2 * k)))
                .collect::<Result<Vec<_>, _>>()?;
            let Some(Value::Array(nodes)) = field(b"nodes") else {
                return Err(malformed(format!("{at}.nodes"), "an array of nodes"));
            };
            let mut primary = None;
            let mut replicas = Vec::new();
            for (j, n) in nodes.iter().enumerate() {
                let (node, is_primary) = shards_node(n, answered_by, &format!("{at}.nodes[{j}]"))?;
                let idx = map.add_node(node);
                if is_primary && primary.is_none() {
                    primary = Some(idx);
                } else {
                    replicas.push(idx);
                }
            }
            let Some(primary) = primary else {
                if slots.is_empty() {
                    continue;
                }
                return Err(TopologyError::NoPrimary { shard: i });
            };
            let shard_idx = map.shard_with_primary(primary)?;
            for r in replicas {
                map.add_replica(shard_idx, r);
            }
            for range in ranges {
                claims.claim(&mut map, range, shard_idx)?;
            }
        }
        map.store.changed = Vec::new();
        Ok(map)
    }
}

/// One node of a `CLUSTER SLOTS` range: `[host, port, id?, metadata?]`.
fn slots_node(v: &Value, answered_by: Option<&str>, at: &str) -> Result<Node, TopologyError> {
    let Value::Array(f) = v else {
        return Err(malformed(at, "a node array [host, port, id, metadata]"));
    };
    if f.len() < 2 {
        return Err(malformed(at, "a node array [host, port, id, metadata]"));
    }
    if !matches!(f[0], Value::Nil | Value::Bytes(_)) {
        return Err(malformed(format!("{at}[0]"), "a host string or null"));
    }
    let mut node = Node::new(
        resolve_host(usable_host(f.first()), answered_by, at)?,
        port(&f[1], &format!("{at}[1]"))?,
    );
    if let Some(id) = f.get(2).and_then(Value::as_bytes) {
        node.id = Some(text(id, &format!("{at}[2]"))?);
    }
    if let Some(meta) = f.get(3) {
        let pairs = meta
            .pairs()
            .ok_or_else(|| malformed(format!("{at}[3]"), "a metadata map"))?;
        for (k, v) in pairs {
            let value = || v.as_bytes().map(|b| text(b, at)).transpose();
            match k.as_bytes() {
                Some(b"hostname") => node.hostname = value()?,
                Some(b"ip") => node.ip = value()?,
                Some(b"availability-zone") => node.availability_zone = value()?,
                _ => {}
            }
        }
    }
    Ok(node)
}

/// One node of a `CLUSTER SHARDS` shard; also says whether it is the primary.
fn shards_node(
    v: &Value,
    answered_by: Option<&str>,
    at: &str,
) -> Result<(Node, bool), TopologyError> {
    let fields = v.pairs().ok_or_else(|| malformed(at, "a node map"))?;
    let get = |name: &[u8]| {
        fields
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(name))
            .map(|(_, v)| *v)
    };
    let opt_text = |name: &str| -> Result<Option<String>, TopologyError> {
        match get(name.as_bytes()) {
            None | Some(Value::Nil) => Ok(None),
            Some(Value::Bytes(b)) => text(b, &format!("{at}.{name}")).map(Some),
            Some(_) => Err(malformed(format!("{at}.{name}"), "a string")),
        }
    };
    let plain = get(b"port")
        .map(|p| port(p, &format!("{at}.port")))
        .transpose()?;
    let tls = get(b"tls-port")
        .map(|p| port(p, &format!("{at}.tls-port")))
        .transpose()?;
    let Some(main_port) = plain.or(tls) else {
        return Err(malformed(format!("{at}.port"), "a port or tls-port"));
    };
    let host = usable_host(get(b"endpoint")).or_else(|| usable_host(get(b"ip")));
    let mut node = Node::new(resolve_host(host, answered_by, at)?, main_port);
    node.tls_port = tls;
    node.id = opt_text("id")?;
    node.ip = opt_text("ip")?;
    node.hostname = opt_text("hostname")?.filter(|h| !h.is_empty());
    node.availability_zone = opt_text("availability-zone")?.filter(|z| !z.is_empty());
    node.health = match get(b"health").and_then(Value::as_bytes) {
        None | Some(b"online") => Health::Online,
        Some(b"loading") => Health::Loading,
        Some(b"fail") | Some(b"failed") => Health::Failed,
        Some(_) => {
            return Err(malformed(
                format!("{at}.health"),
                "\"online\", \"loading\" or \"fail\"",
            ))
        }
    };
    let primary = match get(b"role").and_then(Value::as_bytes) {
        Some(b"master") | Some(b"primary") => true,
        Some(b"replica") | Some(b"slave") => false,
        _ => return Err(malformed(format!("{at}.role"), "\"master\" or \"replica\"")),
    };
    Ok((node, primary))
}
