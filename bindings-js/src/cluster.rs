//! `SlotMap`: the core's cluster map. Replies arrive as RESP bytes (the JS
//! wrapper encodes whatever the client library returned); nodes leave as
//! indexes into the node list, which JS reads once as JSON and caches, so
//! routing a key creates no object on either side.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt::Write;
use keyroute::cluster::{Health, ReadFrom, Role, SlotMap, SlotTable, Value};
use keyroute::error::TopologyError;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::errors::{self, quote};
use crate::policy::Policy;
use crate::scratch::Shared;

/// A reply encoded as RESP by the JS wrapper, as one value.
pub(crate) fn reply(resp: &[u8]) -> Option<Value> {
    match Value::from_resp(resp) {
        Ok((v, n)) if n == resp.len() => Some(v),
        _ => None,
    }
}

fn topology(e: TopologyError) -> JsValue {
    errors::js(errors::topology(&e))
}

fn malformed(root: &str) -> JsValue {
    topology(TopologyError::Malformed {
        at: root.to_string(),
        expected: "a reply (arrays, maps, strings, integers, null)",
    })
}

/// The slot tables of the maps built last: a map built again from the same
/// topology, while one of them is alive, shares its table (32 KiB), so that
/// maps dropped without `free()` cost wasm memory only for their nodes until
/// the garbage collector frees them. Weak handles: the list keeps no table
/// alive. At most [`RECENT_TABLES`].
static RECENT: Shared<Vec<SlotTable>> = Shared(UnsafeCell::new(Vec::new()));
const RECENT_TABLES: usize = 4;

fn share_table(map: &mut SlotMap) {
    // SAFETY: wasm32 without atomics has one thread, and nothing else
    // borrows RECENT meanwhile.
    let recent = unsafe { RECENT.get() };
    if recent.iter().any(|t| map.share_slot_table(t)) {
        return;
    }
    recent.retain(SlotTable::is_alive);
    if recent.len() == RECENT_TABLES {
        recent.remove(0);
    }
    recent.push(map.slot_table());
}

/// A node and its role as one number: `2 * node + (1 if replica)`.
fn pack((node, role): (usize, Role)) -> i32 {
    (2 * node + (role == Role::Replica) as usize) as i32
}

/// The 16384 slots of a cluster, each mapped to the shard that serves it.
#[wasm_bindgen(js_name = SlotMap)]
pub struct Map {
    pub(crate) map: SlotMap,
    zone: String,
}

impl Map {
    /// Per node: whether it leads a shard.
    fn primaries(&self) -> Vec<bool> {
        let mut out = alloc::vec![false; self.map.nodes().len()];
        for s in self.map.shards() {
            out[s.primary] = true;
        }
        out
    }

    fn read_from(&self, code: u32) -> ReadFrom<'_> {
        match code {
            1 => ReadFrom::PreferReplica,
            2 => ReadFrom::RoundRobin,
            3 => ReadFrom::AzAffinity(&self.zone),
            _ => ReadFrom::Primary,
        }
    }

    fn build(
        resp: &[u8],
        answered_by: Option<String>,
        root: &str,
        f: fn(&Value, Option<&str>) -> Result<SlotMap, TopologyError>,
    ) -> Result<Map, JsValue> {
        let v = reply(resp).ok_or_else(|| malformed(root))?;
        let mut map = f(&v, answered_by.as_deref()).map_err(topology)?;
        share_table(&mut map);
        Ok(Map {
            map,
            zone: String::new(),
        })
    }
}

/// The code [`Map`]'s lookups take for a read strategy named as the core
/// names it (`primary`, `prefer_replica`, `round_robin`), or -1 with the
/// error for `takeError`.
#[wasm_bindgen(js_name = readFromCode)]
pub fn read_from_code(name: &str) -> i32 {
    match ReadFrom::parse(name) {
        Ok(ReadFrom::PreferReplica) => 1,
        Ok(ReadFrom::RoundRobin) => 2,
        Ok(_) => 0,
        Err(e) => crate::args::fail(crate::errors::unknown_name(&e)),
    }
}

#[wasm_bindgen(js_class = SlotMap)]
impl Map {
    /// The map from a `CLUSTER SLOTS` reply (RESP bytes).
    #[wasm_bindgen(js_name = fromSlots)]
    pub fn from_slots(resp: &[u8], answered_by: Option<String>) -> Result<Map, JsValue> {
        Self::build(resp, answered_by, "CLUSTER SLOTS", SlotMap::from_slots)
    }

    /// The map from a `CLUSTER SHARDS` reply (RESP bytes).
    #[wasm_bindgen(js_name = fromShards)]
    pub fn from_shards(resp: &[u8], answered_by: Option<String>) -> Result<Map, JsValue> {
        Self::build(resp, answered_by, "CLUSTER SHARDS", SlotMap::from_shards)
    }

    /// Routes keys by `policy` from now on.
    #[wasm_bindgen(js_name = setPolicy)]
    pub fn set_policy(&mut self, policy: &Policy) {
        let map = core::mem::replace(&mut self.map, SlotMap::empty());
        self.map = map.with_policy(policy.0.clone());
    }

    /// The zone read-from code 3 (AZ affinity) prefers.
    #[wasm_bindgen(js_name = setZone)]
    pub fn set_zone(&mut self, zone: String) {
        self.zone = zone;
    }

    /// `2 * node + (1 if replica)` for `slot`, or -1 (error kept).
    #[wasm_bindgen(js_name = nodeForSlot)]
    pub fn node_for_slot(&self, slot: u32, read_from: u32) -> i32 {
        let slot = slot.min(u16::MAX as u32) as u16;
        match self.map.node_for_slot(slot, self.read_from(read_from)) {
            Ok(n) => pack(n),
            Err(e) => crate::args::fail(errors::topology(&e)),
        }
    }

    /// [`node_for_slot`](Self::node_for_slot) for the key in `scratch[..len]`.
    #[wasm_bindgen(js_name = nodeForScratch)]
    pub fn node_for_scratch(&self, len: u32, read_from: u32) -> i32 {
        self.node_for_key(crate::scratch::key(len as usize), read_from)
    }

    /// [`node_for_slot`](Self::node_for_slot) for a key of any size.
    #[wasm_bindgen(js_name = nodeForKey)]
    pub fn node_for_key(&self, key: &[u8], read_from: u32) -> i32 {
        match self.map.node_for(key, self.read_from(read_from)) {
            Ok(n) => pack(n),
            Err(e) => crate::args::fail(errors::topology(&e)),
        }
    }

    /// Groups packed keys by node and slot, as
    /// `[groups, (node, role, slots, (slot, count)*)*, positions*]`.
    #[wasm_bindgen(js_name = groupByNode)]
    pub fn group_by_node(
        &self,
        bytes: &[u8],
        lens: &[u32],
        read_from: u32,
    ) -> Result<Vec<u32>, JsValue> {
        let mut rest = bytes;
        let keys = lens.iter().map_while(|&len| {
            let (k, tail) = rest.split_at_checked(len as usize)?;
            rest = tail;
            Some(k)
        });
        let groups = self
            .map
            .group_by_node(keys, self.read_from(read_from))
            .map_err(topology)?;
        let mut head = Vec::with_capacity(1 + 3 * groups.len());
        let mut positions = Vec::with_capacity(lens.len());
        head.push(groups.len() as u32);
        for g in &groups {
            head.extend([g.node as u32, (g.role == Role::Replica) as u32]);
            head.push(g.slots.len() as u32);
            for s in &g.slots {
                head.extend([s.slot as u32, s.positions.len() as u32]);
                positions.extend(s.positions.iter().map(|&p| p as u32));
            }
        }
        head.extend(positions);
        Ok(head)
    }

    /// The parts of a split (their slots) grouped by node:
    /// `[(node, count, part*)*]`.
    #[wasm_bindgen(js_name = splitByNode)]
    pub fn split_by_node(&self, slots: &[u16], read_from: u32) -> Result<Vec<u32>, JsValue> {
        let split = keyroute::command::Split {
            parts: slots
                .iter()
                .map(|&slot| keyroute::command::SplitPart {
                    slot,
                    argv: Vec::new(),
                    keys: Vec::new(),
                })
                .collect(),
            merge: keyroute::command::Merge::Single,
            key_count: 0,
        };
        let groups = split
            .by_node(&self.map, self.read_from(read_from))
            .map_err(topology)?;
        let mut out = Vec::new();
        for (node, parts) in groups {
            out.extend([node as u32, parts.len() as u32]);
            out.extend(parts.iter().map(|&p| p as u32));
        }
        Ok(out)
    }

    /// Applies a `MOVED`/`ASK` error text; returns the redirect as JSON,
    /// with the node list's new length (`nodes`) and the nodes at the
    /// indexes it changed (`changed`: `[index, node]` pairs), so that JS
    /// refreshes only those.
    #[wasm_bindgen(js_name = applyRedirect)]
    pub fn apply_redirect(
        &mut self,
        text: &str,
        answered_by: Option<String>,
    ) -> Result<String, JsValue> {
        let r = self
            .map
            .apply_redirect(text, answered_by.as_deref())
            .map_err(|e| errors::js(errors::redirect(&e)))?;
        let mut o = redirect_json(&r);
        o.pop();
        let _ = write!(o, ",\"nodes\":{},\"changed\":[", self.map.nodes().len());
        for (k, &i) in self.map.redirect_changes().iter().enumerate() {
            let _ = write!(o, "{}[{i},", if k > 0 { "," } else { "" });
            let primary = self.map.shard_led_by(i).is_some();
            node_json(&mut o, &self.map.nodes()[i], primary);
            o.push(']');
        }
        o.push_str("]}");
        Ok(o)
    }

    /// Every node, as a JSON array in index order.
    #[wasm_bindgen(js_name = nodesJson)]
    pub fn nodes_json(&self) -> String {
        let primaries = self.primaries();
        let mut o = String::from("[");
        for (i, n) in self.map.nodes().iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            node_json(&mut o, n, primaries[i]);
        }
        o.push(']');
        o
    }

    /// Every shard as JSON: `[{"primary": i, "replicas": [i...], "slots": [[a, b]...]}]`.
    #[wasm_bindgen(js_name = shardsJson)]
    pub fn shards_json(&self) -> String {
        let mut ranges: Vec<Vec<(u16, u16)>> = alloc::vec![Vec::new(); self.map.shards().len()];
        for slot in 0..keyroute::SLOT_COUNT {
            if let Ok(s) = self.map.shard_of_slot(slot) {
                match ranges[s].last_mut() {
                    Some((_, end)) if *end + 1 == slot => *end = slot,
                    _ => ranges[s].push((slot, slot)),
                }
            }
        }
        let mut o = String::from("[");
        for (i, (s, r)) in self.map.shards().iter().zip(&ranges).enumerate() {
            let replicas: Vec<String> = s.replicas.iter().map(usize::to_string).collect();
            let slots: Vec<String> = r.iter().map(|(a, b)| format!("[{a},{b}]")).collect();
            let _ = write!(
                o,
                "{}{{\"primary\":{},\"replicas\":[{}],\"slots\":[{}]}}",
                if i > 0 { "," } else { "" },
                s.primary,
                replicas.join(","),
                slots.join(",")
            );
        }
        o.push(']');
        o
    }

    /// Unserved slots as flat `start, end` pairs.
    pub fn unassigned(&self) -> Vec<u16> {
        self.map
            .unassigned()
            .into_iter()
            .flat_map(|(a, b)| [a, b])
            .collect()
    }

    /// An independent copy.
    #[wasm_bindgen(js_name = copy)]
    pub fn copy(&self) -> Map {
        Map {
            map: self.map.clone(),
            zone: self.zone.clone(),
        }
    }

    /// Whether both maps route every slot the same way with the same nodes.
    pub fn equals(&self, other: &Map) -> bool {
        self.map == other.map
    }
}

/// One node as JSON (`primary`: whether it leads a shard).
fn node_json(o: &mut String, n: &keyroute::cluster::Node, primary: bool) {
    let text = |o: &mut String, name: &str, v: &Option<String>| {
        let _ = write!(o, ",\"{name}\":");
        match v {
            Some(s) => quote(o, s),
            None => o.push_str("null"),
        }
    };
    o.push_str("{\"host\":");
    quote(o, &n.host);
    let _ = write!(o, ",\"port\":{},\"tlsPort\":", n.port);
    match n.tls_port {
        Some(p) => {
            let _ = write!(o, "{p}");
        }
        None => o.push_str("null"),
    }
    text(o, "id", &n.id);
    text(o, "ip", &n.ip);
    text(o, "hostname", &n.hostname);
    text(o, "availabilityZone", &n.availability_zone);
    let health = match n.health {
        Health::Online => "online",
        Health::Loading => "loading",
        _ => "failed",
    };
    let role = if primary { "primary" } else { "replica" };
    let _ = write!(o, ",\"health\":\"{health}\",\"role\":\"{role}\"}}");
}

fn redirect_json(r: &keyroute::cluster::Redirect) -> String {
    let kind = match r.kind {
        keyroute::cluster::RedirectKind::Moved => "moved",
        _ => "ask",
    };
    let mut o = format!("{{\"kind\":\"{kind}\",\"slot\":{},\"host\":", r.slot);
    quote(&mut o, &r.host);
    let _ = write!(o, ",\"port\":{}}}", r.port);
    o
}

/// Parses a `MOVED`/`ASK` error text; the redirect as JSON.
#[wasm_bindgen(js_name = parseRedirect)]
pub fn parse_redirect(text: &str, answered_by: Option<String>) -> Result<String, JsValue> {
    keyroute::cluster::parse_redirect(text, answered_by.as_deref())
        .map(|r| redirect_json(&r))
        .map_err(|e| errors::js(errors::redirect(&e)))
}
