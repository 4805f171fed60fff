//! `keyroute plan moved`: what a client-side pool change moves.

use std::io::{self, BufReader, Write};

use keyroute::plan::rings::Warning;
use keyroute::plan::{Basis, MovedFraction, RingChange, Share};
use serde_json::{json, Value};

use crate::args::{MovedArgs, PoolArgs, TableOrJson};
use crate::input::for_each_key_line;
use crate::pool::Loaded;
use crate::Failure;

fn usage(msg: String) -> Failure {
    Failure::Usage(msg)
}

fn pct(s: Share) -> String {
    format!("{:.4}%", s.as_f64() * 100.0)
}

fn share_json(s: Share) -> Value {
    json!({"share": s.to_string(), "fraction": s.as_f64()})
}

pub fn moved(m: &MovedArgs) -> Result<(), Failure> {
    let old = &m.old;
    let hex = m.hex;
    let mut new = PoolArgs::default();
    match (&m.to, &m.to_servers) {
        (Some(path), None) if old.nutcracker.is_some() => {
            new.nutcracker = Some(path.clone());
            new.pool = m.to_pool.clone().or_else(|| old.pool.clone());
        }
        (None, Some(list)) if old.scheme.is_some() => {
            new.scheme = m.to_scheme.or(old.scheme);
            new.servers = Some(list.clone());
            // --hash and --hash-tag carry over to a twemproxy scheme only.
            if new.scheme.is_some_and(|s| s.name().starts_with("twemproxy")) {
                new.hash = old.hash;
                new.hash_tag = old.hash_tag.clone();
            }
        }
        _ => {
            return Err(usage(
                "plan moved needs --nutcracker OLD --to NEW, or --scheme S --servers OLD --to-servers NEW"
                    .into(),
            ))
        }
    }
    let (a, b) = (old.load()?, new.load()?);
    let mut change = RingChange::new(&a.pool, &b.pool);
    change.auto_eject_hosts(a.auto_eject, b.auto_eject);
    if let Some(k) = m.sample_log2 {
        change.sample_log2(k);
    }
    let fraction = change.fraction();
    let warnings = change.warnings();
    let keys = m.keys.as_deref().map(|p| read_keys(p, hex)).transpose()?;
    let moved_keys = keys
        .as_ref()
        .map(|k| change.moved_keys(k.iter().map(Vec::as_slice)));
    if let (Err(e), None) = (&fraction, &keys) {
        return Err(Failure::Failed(e.to_string()));
    }
    let out = io::stdout();
    let mut out = io::BufWriter::new(out.lock());
    if m.format == TableOrJson::Json {
        let mut doc = json!({
            "format": "keyroute.moved/1",
            "old": side(&a),
            "new": side(&b),
            "warnings": warnings.iter().map(|w| json!({"kind": kind(w), "message": w.to_string()})).collect::<Vec<_>>(),
        });
        match &fraction {
            Ok(f) => {
                for (k, v) in fraction_json(f) {
                    doc[k] = v;
                }
            }
            Err(e) => doc["error"] = json!(e.to_string()),
        }
        if let (Some(keys), Some(moved)) = (&keys, &moved_keys) {
            doc["keys"] = json!({
                "total": keys.len(),
                "moved": moved.len(),
                "moved_keys": moved.iter().map(|m| {
                    let mut e = crate::json::key(m.key, hex);
                    e.insert("from".into(), json!(m.old));
                    e.insert("to".into(), json!(m.new));
                    Value::Object(e)
                }).collect::<Vec<_>>(),
            });
        }
        serde_json::to_writer_pretty(&mut out, &doc).map_err(io::Error::from)?;
        out.write_all(b"\n")?;
    } else {
        writeln!(out, "old: {}, {} servers", a.label, a.pool.servers().len())?;
        writeln!(out, "new: {}, {} servers", b.label, b.pool.servers().len())?;
        match &fraction {
            Ok(f) => table(&mut out, f)?,
            Err(e) => writeln!(out, "\nno hash-space figures: {e}")?,
        }
        if !warnings.is_empty() {
            writeln!(out, "\nwarnings:")?;
            for w in &warnings {
                writeln!(out, "  - {w}")?;
            }
        }
        if let (Some(keys), Some(moved)) = (&keys, &moved_keys) {
            let share = moved.len() as f64 / keys.len().max(1) as f64 * 100.0;
            writeln!(
                out,
                "\nkeys: {} of {} move ({share:.4}%); key, old server, new server:",
                moved.len(),
                keys.len()
            )?;
            for m in moved {
                write_key(&mut out, m.key, hex)?;
                writeln!(out, "\t{}\t{}", m.old, m.new)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn side(l: &Loaded) -> Value {
    json!({
        "label": l.label,
        "scheme": l.pool.scheme().name(),
        "servers": l.pool.servers().iter().map(|s| s.written()).collect::<Vec<_>>(),
        "auto_eject_hosts": l.auto_eject,
    })
}

fn basis_text(b: Basis) -> String {
    match b {
        Basis::HashSpace { bits } => format!("every {bits}-bit key hash (exact)"),
        Basis::HashSample { bits, log2_samples } => format!(
            "a sample of 2^{log2_samples} {bits}-bit hash values (splitmix64; exact for the sample)"
        ),
        Basis::KeySample { log2_samples } => {
            format!("a sample of 2^{log2_samples} keys keyroute-sample:N (exact for the sample)")
        }
        _ => "an unknown basis".into(),
    }
}

fn basis_json(b: Basis) -> Value {
    match b {
        Basis::HashSpace { bits } => json!({"kind": "hash-space", "bits": bits, "exact": true}),
        Basis::HashSample { bits, log2_samples } => {
            json!({"kind": "hash-sample", "bits": bits, "samples": 1u64 << log2_samples, "exact": false})
        }
        Basis::KeySample { log2_samples } => {
            json!({"kind": "key-sample", "samples": 1u64 << log2_samples, "exact": false})
        }
        _ => json!({"kind": "unknown"}),
    }
}

fn fraction_json(f: &MovedFraction) -> Vec<(&'static str, Value)> {
    let (old, new) = (f.old_nodes(), f.new_nodes());
    let mut cells = Vec::new();
    for (i, from) in old.iter().enumerate() {
        for (j, to) in new.iter().enumerate() {
            let c = f.cell(i, j);
            if !c.is_zero() {
                let mut e = share_json(c);
                e["from"] = json!(from);
                e["to"] = json!(to);
                e["moves"] = json!(f.moves(i, j));
                cells.push(e);
            }
        }
    }
    let servers: Vec<Value> = (0..old.len())
        .map(|i| {
            json!({"server": old[i], "share": share_json(f.old_share(i)), "moved": share_json(f.moved_from(i))})
        })
        .collect();
    vec![
        ("basis", basis_json(f.basis())),
        ("moved", share_json(f.moved())),
        ("to_added", share_json(f.to_added())),
        ("from_removed", share_json(f.from_removed())),
        ("between_kept", share_json(f.between_kept())),
        ("old_servers", json!(servers)),
        ("matrix", json!(cells)),
    ]
}

/// How many moving cells the table lists before pointing at the JSON.
const TABLE_CELLS: usize = 200;

fn table(out: &mut dyn Write, f: &MovedFraction) -> io::Result<()> {
    writeln!(out, "measured over {}\n", basis_text(f.basis()))?;
    writeln!(
        out,
        "moved                 {:>10}  ({})",
        pct(f.moved()),
        f.moved()
    )?;
    writeln!(out, "  to added servers    {:>10}", pct(f.to_added()))?;
    writeln!(out, "  from removed ones   {:>10}", pct(f.from_removed()))?;
    writeln!(out, "  between kept ones   {:>10}", pct(f.between_kept()))?;
    let (old, new) = (f.old_nodes(), f.new_nodes());
    let w = old
        .iter()
        .chain(new)
        .map(|s| s.len())
        .max()
        .unwrap_or(6)
        .max(6);
    writeln!(
        out,
        "\n{:<w$}  {:>10}  {:>10}",
        "old server", "owned", "gives away"
    )?;
    for (i, s) in old.iter().enumerate() {
        writeln!(
            out,
            "{s:<w$}  {:>10}  {:>10}",
            pct(f.old_share(i)),
            pct(f.moved_from(i))
        )?;
    }
    let mut moving = Vec::new();
    for i in 0..old.len() {
        for j in 0..new.len() {
            let c = f.cell(i, j);
            if !c.is_zero() && f.moves(i, j) {
                moving.push((i, j, c));
            }
        }
    }
    if !moving.is_empty() {
        writeln!(out, "\n{:<w$}  {:<w$}  {:>10}", "from", "to", "share")?;
        for &(i, j, c) in moving.iter().take(TABLE_CELLS) {
            writeln!(out, "{:<w$}  {:<w$}  {:>10}", old[i], new[j], pct(c))?;
        }
        if moving.len() > TABLE_CELLS {
            writeln!(
                out,
                "... {} more (--format json lists them all)",
                moving.len() - TABLE_CELLS
            )?;
        }
    }
    Ok(())
}

fn kind(w: &Warning) -> &'static str {
    match w {
        Warning::PointCountChange { .. } => "point-count-change",
        Warning::WeightChange { .. } => "weight-change",
        Warning::UnequalWeights => "unequal-weights",
        Warning::AddressNames { .. } => "address-names",
        Warning::PositionalNames => "positional-names",
        Warning::AutoEjectHosts { .. } => "auto-eject-hosts",
        Warning::SchemeChange { .. } => "scheme-change",
        Warning::KeyHashChange { .. } => "key-hash-change",
        Warning::TagChange { .. } => "tag-change",
        Warning::CharSignChange => "char-sign-change",
        Warning::LossyUtf8Change => "lossy-utf8-change",
        Warning::NarrowHash => "narrow-hash",
        _ => "other",
    }
}

fn read_keys(path: &std::path::Path, hex: bool) -> Result<Vec<Vec<u8>>, Failure> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| usage(format!("{shown}: {e}")))?;
    let mut keys = Vec::new();
    let place = |n: usize| format!("{shown}: line {n}");
    for_each_key_line(&mut BufReader::new(file), hex, &place, |k| {
        keys.push(k.to_vec());
        Ok(())
    })?;
    Ok(keys)
}

fn write_key(out: &mut dyn Write, key: &[u8], hex: bool) -> io::Result<()> {
    if hex {
        out.write_all(crate::hex::to_hex(key).as_bytes())
    } else {
        out.write_all(key)
    }
}
