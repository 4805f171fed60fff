//! A plan as JSON (`keyroute.reshard-plan/1`) and as runnable scripts.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use sha2::{Digest, Sha256};

use super::Plan;
use crate::error::PlanError;

/// `sha256:` over the canonical layout: one line per node, by id,
/// `id a-b,c-d`.
pub(crate) fn fingerprint(nodes: &[(&str, &[(u16, u16)])]) -> String {
    let mut h = Sha256::new();
    for (id, ranges) in nodes {
        let mut sorted = ranges.to_vec();
        sorted.sort();
        let mut line = format!("{id} ");
        for (i, (a, b)) in super::to_ranges(sorted.iter().flat_map(|&(a, b)| a..=b))
            .iter()
            .enumerate()
        {
            let _ = write!(line, "{}{a}-{b}", if i > 0 { "," } else { "" });
        }
        line.push('\n');
        h.update(line.as_bytes());
    }
    let mut out = String::from("sha256:");
    for b in h.finalize() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

pub(crate) fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn json_opt_u64(out: &mut String, v: Option<u64>) {
    match v {
        Some(v) => {
            let _ = write!(out, "{v}");
        }
        None => out.push_str("null"),
    }
}

pub(crate) fn json_opt_str(out: &mut String, v: Option<&str>) {
    match v {
        Some(v) => json_str(out, v),
        None => out.push_str("null"),
    }
}

/// An exact fraction as `"n/d"` text (as quotas are written).
pub(crate) fn fraction((n, d): (u128, u128)) -> String {
    format!("{n}/{d}")
}

/// Which migration protocol a script drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScriptKind {
    /// Valkey 9+: `CLUSTER MIGRATESLOTS` per source, atomic per range.
    Valkey9,
    /// Redis 8.4+: `CLUSTER MIGRATION IMPORT` per destination.
    Redis84,
    /// Any version: per slot `SETSLOT IMPORTING`/`MIGRATING`, `MIGRATE` the
    /// keys, then `SETSLOT NODE` on the target first.
    Legacy,
}

crate::names::named!(ScriptKind, "script kind", [Valkey9 => "valkey9", Redis84 => "redis84", Legacy => "legacy"]);

impl Plan {
    /// The plan as JSON, fields in a fixed order (byte-identical for the
    /// same input).
    pub fn to_json(&self) -> String {
        let mut o = String::new();
        o.push_str("{\"format\":\"keyroute.reshard-plan/1\",\"state_fingerprint\":");
        json_str(&mut o, &self.fingerprint);
        match &self.load {
            None => {
                let _ = write!(
                    o,
                    ",\"slots_total\":16384,\"policy\":{{\"rule\":\"quota\",\"tolerance_slots\":{},\
                     \"tie_break\":[\"keep-holder\",\"largest-remainder\",\"node-id\"]}},\"nodes\":[",
                    self.tolerance
                );
            }
            Some(l) => {
                o.push_str(",\"slots_total\":16384,\"policy\":{\"rule\":\"load\",\"by\":");
                json_str(&mut o, &l.by.name());
                o.push_str(",\"sample\":");
                json_opt_u64(&mut o, l.by.sample().map(u64::from));
                let _ = write!(
                    o,
                    ",\"load_tolerance_pct\":\"{}\",\"tie_break\":[\"heaviest-slot\",\"neediest-node\",\
                     \"node-id\",\"slot\"]}},\"nodes\":[",
                    l.tolerance
                );
            }
        }
        for (i, n) in self.nodes.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"id\":");
            json_str(&mut o, &n.id);
            o.push_str(",\"addr\":");
            match &n.addr {
                Some(a) => json_str(&mut o, a),
                None => o.push_str("null"),
            }
            let _ = write!(
                o,
                ",\"weight\":\"{}\",\"quota\":\"{}/{}\",\"before\":{},\"target\":{},\"after\":{},\"keys_before\":",
                n.weight, n.quota.0, n.quota.1, n.before, n.target, n.after
            );
            json_opt_u64(&mut o, n.keys_before);
            o.push_str(",\"keys_after_est\":");
            json_opt_u64(&mut o, n.keys_after);
            if let Some(l) = &n.load {
                let _ = write!(
                    o,
                    ",\"load_before\":{},\"load_target\":\"{}\",\"load_min\":{},\"load_max\":{},\
                     \"load_after\":{},\"load_pinned\":{}",
                    l.before,
                    fraction(l.target),
                    l.min,
                    l.max,
                    l.after,
                    l.pinned
                );
            }
            o.push('}');
        }
        let _ = write!(
            o,
            "],\"lower_bound_moves\":{},\"moves_total\":{},",
            self.lower_bound,
            self.moves_total()
        );
        if let Some(l) = &self.load {
            let _ = write!(
                o,
                "\"load\":{{\"total\":{},\"lower_bound\":{},\"moved\":{},\"within_tolerance\":{},\
                 \"allowance\":{},\"hot_slots\":[",
                l.total,
                l.lower_bound,
                l.moved,
                l.within_tolerance(),
                l.allowance
            );
            for (i, h) in l.hot_slots.iter().enumerate() {
                let _ = write!(
                    o,
                    "{}{{\"slot\":{},\"load\":{},\"node\":",
                    if i > 0 { "," } else { "" },
                    h.slot,
                    h.load
                );
                json_str(&mut o, &h.node);
                o.push('}');
            }
            o.push_str("],\"outside\":[");
            for (i, (id, why)) in l.outside.iter().enumerate() {
                o.push_str(if i > 0 { ",{\"id\":" } else { "{\"id\":" });
                json_str(&mut o, id);
                o.push_str(",\"reason\":");
                json_str(&mut o, why.as_str());
                o.push('}');
            }
            o.push_str("]},");
        }
        o.push_str("\"moves\":[");
        for (i, m) in self.moves.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(o, "{{\"seq\":{},\"from\":", m.seq);
            json_str(&mut o, &m.from);
            o.push_str(",\"to\":");
            json_str(&mut o, &m.to);
            o.push_str(",\"ranges\":[");
            for (j, (a, b)) in m.ranges.iter().enumerate() {
                let _ = write!(o, "{}[{a},{b}]", if j > 0 { "," } else { "" });
            }
            let _ = write!(o, "],\"slots\":{},\"keys_est\":", m.slots);
            json_opt_u64(&mut o, m.keys);
            o.push_str(",\"bytes_est\":");
            json_opt_u64(&mut o, m.bytes);
            if let Some(l) = m.load {
                let _ = write!(o, ",\"load\":{l}");
            }
            o.push('}');
        }
        o.push_str("]}");
        o
    }

    /// The address of a node, as `(host, port)` (a bracketed IPv6 host
    /// without its brackets).
    fn addr_of(&self, id: &str) -> Option<(&str, &str)> {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .and_then(|n| n.addr.as_deref())
            .and_then(super::split_addr)
    }

    /// `redis-cli` for a node: its address quoted, or the `HOST_<id>` and
    /// `PORT_<id>` variables the operator sets when the plan has none.
    fn cli(&self, id: &str) -> String {
        match self.addr_of(id) {
            Some((h, p)) => format!("redis-cli -h {} -p {}", sh(h), sh(p)),
            None => {
                let v = var(id);
                format!("redis-cli -h \"${{HOST_{v}}}\" -p \"${{PORT_{v}}}\"")
            }
        }
    }

    /// A POSIX shell script that carries the plan out with `redis-cli`.
    ///
    /// Every id, host and port is written in single quotes (and was checked
    /// when the plan's input was given), so no value can be read as more
    /// than one word by the shell. In the Valkey 9 and Redis 8.4 scripts,
    /// nodes without a known address are referred to as `$HOST_<id>` and
    /// `$PORT_<id>`, for the operator to set (in double quotes: their values
    /// are not split or expanded further); the legacy script passes every
    /// node's address to each slot's move and needs them all
    /// ([`PlanError::NoAddress`] names the first node without one).
    pub fn script(&self, kind: ScriptKind) -> Result<String, PlanError> {
        let mut o = String::from("#!/bin/sh\n");
        let _ = writeln!(
            o,
            "# keyroute reshard plan {}: {} slots in {} moves",
            self.fingerprint,
            self.moves_total(),
            self.moves.len()
        );
        o.push_str("set -eu\n");
        match kind {
            ScriptKind::Valkey9 => {
                for m in &self.moves {
                    let _ = write!(
                        o,
                        "\n# move {}: {} slots {} -> {}\n{} CLUSTER MIGRATESLOTS SLOTSRANGE",
                        m.seq,
                        m.slots,
                        comment(&m.from),
                        comment(&m.to),
                        self.cli(&m.from)
                    );
                    for (a, b) in &m.ranges {
                        let _ = write!(o, " {a} {b}");
                    }
                    let _ = writeln!(o, " NODE {}", sh(&m.to));
                    let _ = writeln!(
                        o,
                        "until {} CLUSTER GETSLOTMIGRATIONS | grep -q success; do sleep 1; done",
                        self.cli(&m.from)
                    );
                }
            }
            ScriptKind::Redis84 => {
                for m in &self.moves {
                    let _ = write!(
                        o,
                        "\n# move {}: {} slots {} -> {}\ntask=$({} CLUSTER MIGRATION IMPORT",
                        m.seq,
                        m.slots,
                        comment(&m.from),
                        comment(&m.to),
                        self.cli(&m.to)
                    );
                    for (a, b) in &m.ranges {
                        let _ = write!(o, " {a} {b}");
                    }
                    o.push_str(")\n");
                    let _ = writeln!(
                        o,
                        "until {} CLUSTER MIGRATION STATUS ID \"$task\" | grep -q completed; do sleep 1; done",
                        self.cli(&m.to)
                    );
                }
            }
            ScriptKind::Legacy => {
                // Every node's address, checked before anything is written.
                let mut addrs: Vec<(&str, (&str, &str))> = Vec::with_capacity(self.nodes.len());
                for n in &self.nodes {
                    match self.addr_of(&n.id) {
                        Some(a) => addrs.push((&n.id, a)),
                        None => return Err(PlanError::NoAddress { id: n.id.clone() }),
                    }
                }
                let addr = |id: &str| {
                    addrs
                        .iter()
                        .find(|(i, _)| *i == id)
                        .map(|&(_, (h, p))| format!("{} {}", sh(h), sh(p)))
                        .expect("every node has an address")
                };
                o.push_str(
                    "\n# move_slot SLOT SRC_HOST SRC_PORT DST_HOST DST_PORT SRC_ID DST_ID [HOST PORT]...:\n\
                     # the target learns the slot first, keys move in batches, then the\n\
                     # target, the source and every other master are told the new owner.\n\
                     move_slot() {\n\
                     \x20 slot=$1 sh=$2 sp=$3 dh=$4 dp=$5 src_id=$6 dst_id=$7; shift 7\n\
                     \x20 redis-cli -h \"$dh\" -p \"$dp\" CLUSTER SETSLOT \"$slot\" IMPORTING \"$src_id\" >/dev/null\n\
                     \x20 redis-cli -h \"$sh\" -p \"$sp\" CLUSTER SETSLOT \"$slot\" MIGRATING \"$dst_id\" >/dev/null\n\
                     \x20 while keys=$(redis-cli -h \"$sh\" -p \"$sp\" --raw CLUSTER GETKEYSINSLOT \"$slot\" 100) && [ -n \"$keys\" ]; do\n\
                     \x20   printf '%s\\n' \"$keys\" | xargs -d '\\n' redis-cli -h \"$sh\" -p \"$sp\" MIGRATE \"$dh\" \"$dp\" \"\" 0 60000 REPLACE KEYS >/dev/null\n\
                     \x20 done\n\
                     \x20 redis-cli -h \"$dh\" -p \"$dp\" CLUSTER SETSLOT \"$slot\" NODE \"$dst_id\" >/dev/null\n\
                     \x20 redis-cli -h \"$sh\" -p \"$sp\" CLUSTER SETSLOT \"$slot\" NODE \"$dst_id\" >/dev/null\n\
                     \x20 while [ $# -ge 2 ]; do\n\
                     \x20   redis-cli -h \"$1\" -p \"$2\" CLUSTER SETSLOT \"$slot\" NODE \"$dst_id\" >/dev/null; shift 2\n\
                     \x20 done\n\
                     }\n",
                );
                for m in &self.moves {
                    let others: Vec<String> = self
                        .nodes
                        .iter()
                        .filter(|n| n.id != m.from && n.id != m.to)
                        .map(|n| addr(&n.id))
                        .collect();
                    let _ = writeln!(
                        o,
                        "\n# move {}: {} slots {} -> {}",
                        m.seq,
                        m.slots,
                        comment(&m.from),
                        comment(&m.to)
                    );
                    for &(a, b) in &m.ranges {
                        let _ = write!(
                            o,
                            "for s in $(seq {a} {b}); do move_slot \"$s\" {} {} {} {}",
                            addr(&m.from),
                            addr(&m.to),
                            sh(&m.from),
                            sh(&m.to)
                        );
                        for other in &others {
                            let _ = write!(o, " {other}");
                        }
                        o.push_str("; done\n");
                    }
                }
            }
        }
        Ok(o)
    }
}

/// `s` for a comment line: a line break would end the comment.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `id` as part of a variable name (`HOST_<id>`): anything but letters,
/// digits and `_` becomes `_` (checked ids are hexadecimal already).
fn var(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `s` as one shell word with nothing expanded: in single quotes, each
/// single quote written as `'\''`.
pub(crate) fn sh(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}
