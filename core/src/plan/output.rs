//! A plan as JSON (`keyroute.reshard-plan/1`) and as runnable scripts.

use alloc::format;
use alloc::string::String;
use core::fmt::Write;

use sha2::{Digest, Sha256};

use super::Plan;

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

fn json_str(out: &mut String, s: &str) {
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

fn json_opt_u64(out: &mut String, v: Option<u64>) {
    match v {
        Some(v) => {
            let _ = write!(out, "{v}");
        }
        None => out.push_str("null"),
    }
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
        let _ = write!(
            o,
            ",\"slots_total\":16384,\"policy\":{{\"rule\":\"quota\",\"tolerance_slots\":{},\
             \"tie_break\":[\"keep-holder\",\"largest-remainder\",\"node-id\"]}},\"nodes\":[",
            self.tolerance
        );
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
            o.push('}');
        }
        let _ = write!(
            o,
            "],\"lower_bound_moves\":{},\"moves_total\":{},\"moves\":[",
            self.lower_bound,
            self.moves_total()
        );
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
            o.push('}');
        }
        o.push_str("]}");
        o
    }

    fn cli(&self, id: &str) -> String {
        let addr = self
            .nodes
            .iter()
            .find(|n| n.id == id)
            .and_then(|n| n.addr.as_deref());
        match addr.and_then(|a| a.rsplit_once(':')) {
            Some((h, p)) => format!("redis-cli -h {h} -p {p}"),
            None => format!("redis-cli -h \"${{HOST_{id}}}\" -p \"${{PORT_{id}}}\""),
        }
    }

    /// A POSIX shell script that carries the plan out with `redis-cli`.
    /// Nodes without a known address are referred to as `$HOST_<id>` and
    /// `$PORT_<id>`.
    pub fn script(&self, kind: ScriptKind) -> String {
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
                        m.from,
                        m.to,
                        self.cli(&m.from)
                    );
                    for (a, b) in &m.ranges {
                        let _ = write!(o, " {a} {b}");
                    }
                    let _ = writeln!(o, " NODE {}", m.to);
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
                        m.from,
                        m.to,
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
                o.push_str(
                    "\n# move_slot SLOT SRC_CLI DST_CLI DST_HOST DST_PORT SRC_ID DST_ID OTHER_CLI...:\n\
                     # the target learns the slot first, keys move in batches, then the\n\
                     # target, the source and every other master are told the new owner.\n\
                     move_slot() {\n\
                     \x20 slot=$1 src=$2 dst=$3 host=$4 port=$5 src_id=$6 dst_id=$7; shift 7\n\
                     \x20 $dst CLUSTER SETSLOT \"$slot\" IMPORTING \"$src_id\" >/dev/null\n\
                     \x20 $src CLUSTER SETSLOT \"$slot\" MIGRATING \"$dst_id\" >/dev/null\n\
                     \x20 while keys=$($src --raw CLUSTER GETKEYSINSLOT \"$slot\" 100) && [ -n \"$keys\" ]; do\n\
                     \x20   printf '%s\\n' \"$keys\" | xargs -d '\\n' $src MIGRATE \"$host\" \"$port\" \"\" 0 60000 REPLACE KEYS >/dev/null\n\
                     \x20 done\n\
                     \x20 $dst CLUSTER SETSLOT \"$slot\" NODE \"$dst_id\" >/dev/null\n\
                     \x20 $src CLUSTER SETSLOT \"$slot\" NODE \"$dst_id\" >/dev/null\n\
                     \x20 for other in \"$@\"; do $other CLUSTER SETSLOT \"$slot\" NODE \"$dst_id\" >/dev/null; done\n\
                     }\n",
                );
                for m in &self.moves {
                    let (src, dst) = (self.cli(&m.from), self.cli(&m.to));
                    let others: alloc::vec::Vec<String> = self
                        .nodes
                        .iter()
                        .filter(|n| n.id != m.from && n.id != m.to)
                        .map(|n| format!("\"{}\"", self.cli(&n.id)))
                        .collect();
                    let dst_addr = self
                        .nodes
                        .iter()
                        .find(|n| n.id == m.to)
                        .and_then(|n| n.addr.clone())
                        .unwrap_or_default();
                    let (dh, dp) = dst_addr
                        .rsplit_once(':')
                        .unwrap_or(("$DST_HOST", "$DST_PORT"));
                    let _ = writeln!(
                        o,
                        "\n# move {}: {} slots {} -> {}",
                        m.seq, m.slots, m.from, m.to
                    );
                    for &(a, b) in &m.ranges {
                        let _ = writeln!(
                            o,
                            "for s in $(seq {a} {b}); do move_slot \"$s\" \"{src}\" \"{dst}\" {dh} {dp} {} {} {}; done",
                            m.from,
                            m.to,
                            others.join(" ")
                        );
                    }
                }
            }
        }
        o
    }
}
