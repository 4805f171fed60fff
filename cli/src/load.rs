//! Per-slot load for `plan rebalance --by` and `plan load`: measured on a
//! live cluster (the core's probe says what to ask; each primary's batch is
//! pipelined over one bounded connection) or read from a file.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use keyroute::plan::{LoadBy, LoadProbe, LoadReport, Rebalance, SlotLoad};

use crate::args::{LoadArgs, LoadFormat, LoadOptions};
use crate::input::{read_text, CONFIG_FILE_MAX};
use crate::net::Conn;
use crate::Failure;

/// The load `--by` names: read from `file:PATH`, or measured on `live`
/// (the layout of the cluster `--cluster` named). `None` without `--by`.
pub fn load(
    o: &LoadOptions,
    layout: &Rebalance,
    live: bool,
    timeout: Option<Duration>,
) -> Result<Option<SlotLoad>, Failure> {
    let Some(by) = &o.by else {
        if let Some(n) = o.sample {
            return Err(Failure::Usage(format!(
                "--sample {n} applies to --by memory only"
            )));
        }
        return Ok(None);
    };
    if let Some(path) = by.strip_prefix("file:") {
        if let Some(n) = o.sample {
            return Err(Failure::Usage(format!(
                "--sample {n} applies to --by memory only"
            )));
        }
        let text = read_text(Path::new(path), CONFIG_FILE_MAX, "a load file")?;
        return SlotLoad::from_json(&text)
            .map(Some)
            .map_err(|e| Failure::Usage(format!("{path}: {e}")));
    }
    let by = LoadBy::parse(by, o.sample).map_err(|e| Failure::Usage(format!("--by: {e}")))?;
    if !live {
        return Err(Failure::Usage(format!(
            "--by {} measures a live cluster: give --cluster, or a file with --by file:PATH",
            by.name()
        )));
    }
    measure(layout, by, timeout).map(Some)
}

/// Asks every primary of `layout`, round after round, until the probe has
/// its answer.
pub fn measure(
    layout: &Rebalance,
    by: LoadBy,
    timeout: Option<Duration>,
) -> Result<SlotLoad, Failure> {
    let failed = |e: keyroute::error::PlanError| Failure::Failed(e.to_string());
    let mut probe = LoadProbe::new(layout, by).map_err(failed)?;
    let mut conns: HashMap<String, Conn> = HashMap::new();
    loop {
        let batches = probe.round();
        if batches.is_empty() {
            break;
        }
        let mut replies = Vec::new();
        for b in &batches {
            let conn = match conns.entry(b.addr.clone()) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(Conn::open(&b.addr, timeout)?)
                }
            };
            let r = conn
                .pipeline(&b.commands)
                .map_err(|e| Failure::Failed(format!("{}: {e}", b.addr)))?;
            replies.extend(r);
        }
        probe.answer(replies).map_err(failed)?;
    }
    probe.finish().map_err(failed)
}

/// `keyroute plan load`.
pub fn report(a: &LoadArgs) -> Result<(), Failure> {
    if a.load.by.is_none() {
        return Err(Failure::Usage("plan load needs --by".into()));
    }
    let mut r = crate::plan::layout(
        a.cluster.as_deref(),
        a.shards_json.as_deref(),
        a.nodes_file.as_deref(),
        a.load.open_slots,
        a.timeout.timeout,
    )?;
    for v in &a.weight {
        crate::plan::weight(&mut r, v)?;
    }
    let load = load(&a.load, &r, a.cluster.is_some(), a.timeout.timeout)?.expect("--by was given");
    let rep = LoadReport::new(&r, &load, a.top).map_err(|e| Failure::Usage(e.to_string()))?;
    let text = match a.format {
        LoadFormat::Json => rep.to_json() + "\n",
        LoadFormat::Slots => load.to_json() + "\n",
        LoadFormat::Table => table(&rep),
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

fn table(rep: &LoadReport) -> String {
    let mut o = format!(
        "{:<42} {:<22} {:>6} {:>6} {:>7} {:>14} {:>7} {:>10}\n",
        "node", "address", "weight", "slots", "slots%", "load", "load%", "vs target"
    );
    let pct = |s: Option<String>| {
        s.map_or("-".to_string(), |x| {
            format!("{:.2}", x.parse::<f64>().unwrap_or(0.0) * 100.0)
        })
    };
    for n in &rep.nodes {
        o.push_str(&format!(
            "{:<42} {:<22} {:>6} {:>6} {:>7} {:>14} {:>7} {:>10}\n",
            n.id,
            n.addr.as_deref().unwrap_or("-"),
            n.weight.to_string(),
            n.slots,
            format!("{:.2}", n.slots as f64 * 100.0 / 16384.0),
            n.load,
            pct(rep.load_share(n)),
            rep.deviation_pct(n).map_or("-".into(), |d| format!("{d}%")),
        ));
    }
    let sample = rep
        .by
        .sample()
        .map_or(String::new(), |s| format!(", {s} keys sampled per slot"));
    o.push_str(&format!(
        "\nload by {}{sample}: {} in all; imbalance (largest node / mean): {}\n",
        rep.by.name(),
        rep.total,
        rep.imbalance().unwrap_or_else(|| "-".into())
    ));
    if !rep.hottest.is_empty() {
        o.push_str("hottest slots:\n");
        for (slot, load, node) in &rep.hottest {
            o.push_str(&format!("  {slot:>5} {load:>14}  {node}\n"));
        }
    }
    o
}
