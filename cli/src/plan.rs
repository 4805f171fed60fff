//! `keyroute plan rebalance`: a minimal, deterministic slot-move plan (by
//! slot counts, or by load with `--by`);
//! `keyroute plan moved`: what a client-side pool change moves;
//! `keyroute plan preshard`: instance moves between hosts.

use std::io::{self, Write};

use clap::ArgMatches;
use keyroute::cluster::{SlotMap, Value};
use std::path::Path;
use std::time::Duration;

use keyroute::plan::{other_primaries, OpenSlots, Plan, Rebalance, ScriptKind, Weight};

use crate::args::{script_kind, RebalanceArgs};
use crate::input::{read_text, REPLY_FILE_MAX};
use crate::net::Conn;
use crate::node::read_json;
use crate::Failure;

fn usage(msg: String) -> Failure {
    Failure::Usage(msg)
}

/// `--weight`, `--add`, `--drain` and `--target` in the order given: a
/// weight may name a node added before it.
pub fn edits_in_order(m: &ArgMatches) -> Vec<(&'static str, String)> {
    let mut edits = Vec::new();
    for (id, flag) in [
        ("weight", "--weight"),
        ("add", "--add"),
        ("drain", "--drain"),
        ("target", "--target"),
    ] {
        if let (Some(at), Some(values)) = (m.indices_of(id), m.get_many::<String>(id)) {
            edits.extend(at.zip(values).map(|(i, v)| (i, flag, v.clone())));
        }
    }
    edits.sort_by_key(|e| e.0);
    edits.into_iter().map(|(_, f, v)| (f, v)).collect()
}

/// The current layout from `--cluster`, `--shards-json` or `--nodes-file`.
pub fn layout(
    cluster: Option<&str>,
    shards_json: Option<&Path>,
    nodes_file: Option<&Path>,
    open_slots: OpenSlots,
    timeout: Option<Duration>,
) -> Result<Rebalance, Failure> {
    if let Some(addr) = cluster {
        from_live(addr, timeout, open_slots)
    } else if let Some(path) = shards_json {
        let shown = path.display();
        let map = SlotMap::from_shards(&read_json(path)?, None)
            .map_err(|e| usage(format!("{shown}: {e}")))?;
        Rebalance::from_slot_map(&map).map_err(|e| usage(format!("{shown}: {e}")))
    } else if let Some(path) = nodes_file {
        let text = read_text(path, REPLY_FILE_MAX, "a saved reply")?;
        Rebalance::from_cluster_nodes_with(&text, open_slots)
            .map_err(|e| usage(format!("{}: {e}", path.display())))
    } else {
        unreachable!("clap requires one source")
    }
}

/// `--weight ID=W`.
pub fn weight(r: &mut Rebalance, v: &str) -> Result<(), Failure> {
    let bad = |e: keyroute::error::PlanError| usage(format!("--weight {v}: {e}"));
    let (id, n) = v
        .split_once('=')
        .ok_or_else(|| usage(format!("--weight {v:?}: expected ID=VALUE")))?;
    r.weight(id, Weight::parse(n).map_err(bad)?).map_err(bad)
}

pub fn rebalance(a: &RebalanceArgs, edits: Vec<(&'static str, String)>) -> Result<(), Failure> {
    let mut r = layout(
        a.cluster.as_deref(),
        a.shards_json.as_deref(),
        a.nodes_file.as_deref(),
        a.load.open_slots,
        a.timeout.timeout,
    )?;
    if let Some(load) = crate::load::load(&a.load, &r, a.cluster.is_some(), a.timeout.timeout)? {
        r.load(load);
        if let Some(pct) = &a.load_tolerance {
            let pct =
                Weight::parse(pct).map_err(|e| usage(format!("--load-tolerance {pct}: {e}")))?;
            r.load_tolerance(pct);
        }
    } else if let Some(pct) = &a.load_tolerance {
        return Err(usage(format!(
            "--load-tolerance {pct} applies with --by only"
        )));
    }
    for (flag, v) in edits {
        let bad = |e: keyroute::error::PlanError| usage(format!("{flag} {v}: {e}"));
        match flag {
            "--add" => {
                let (id, addr) = v
                    .split_once('=')
                    .map_or((v.as_str(), None), |(i, a)| (i, Some(a)));
                r.add(id, addr).map_err(bad)?;
            }
            "--drain" => r.drain(&v).map_err(bad)?,
            "--weight" => weight(&mut r, &v)?,
            "--target" => {
                let (id, n) = v
                    .split_once('=')
                    .ok_or_else(|| usage(format!("{flag} {v:?}: expected ID=VALUE")))?;
                let n = n
                    .parse()
                    .map_err(|_| usage(format!("{flag} {v:?}: expected ID=SLOTS")))?;
                r.target(id, n).map_err(bad)?;
            }
            _ => unreachable!("only the flags above are collected"),
        }
    }
    r.tolerance(a.tolerance);
    let plan = r.plan().map_err(|e| usage(e.to_string()))?;
    let text = match (a.format.as_str(), script_kind(&a.format)) {
        (_, Some(kind)) => script(&plan, kind)?,
        ("json", _) => plan.to_json() + "\n",
        _ => table(&plan),
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

fn script(plan: &Plan, kind: ScriptKind) -> Result<String, Failure> {
    plan.script(kind).map_err(|e| usage(e.to_string()))
}

/// `CLUSTER NODES` from the given node and from every master it lists, so
/// that a slot open on any of them is seen.
fn from_live(
    addr: &str,
    timeout: Option<std::time::Duration>,
    open_slots: OpenSlots,
) -> Result<Rebalance, Failure> {
    let nodes = |addr: &str| -> Result<String, Failure> {
        let mut conn = Conn::open(addr, timeout)?;
        match conn
            .ask(&["CLUSTER", "NODES"])
            .map_err(|e| Failure::Failed(format!("{addr}: {e}")))?
        {
            Ok(Value::Bytes(b)) => Ok(String::from_utf8_lossy(&b).into_owned()),
            Ok(other) => Err(Failure::Failed(format!(
                "{addr}: unexpected CLUSTER NODES reply {other:?}"
            ))),
            Err(e) => Err(Failure::Failed(format!(
                "{addr}: {}",
                String::from_utf8_lossy(&e)
            ))),
        }
    };
    let first = nodes(addr)?;
    let mut all = first.clone();
    for other in other_primaries(&first) {
        all.push_str(&nodes(&other)?);
    }
    Rebalance::from_cluster_nodes_with(&all, open_slots)
        .map_err(|e| Failure::Failed(format!("{addr}: {e}")))
}

fn table(plan: &Plan) -> String {
    let mut o = String::new();
    match &plan.load {
        None => {
            o.push_str(&format!(
                "{:<42} {:<22} {:>7} {:>14} {:>7} {:>7}\n",
                "node", "address", "weight", "quota", "before", "after"
            ));
            for n in &plan.nodes {
                let quota = format!("{:.2}", n.quota.0 as f64 / n.quota.1 as f64);
                o.push_str(&format!(
                    "{:<42} {:<22} {:>7} {:>14} {:>7} {:>7}\n",
                    n.id,
                    n.addr.as_deref().unwrap_or("-"),
                    n.weight.to_string(),
                    quota,
                    n.before,
                    n.after
                ));
            }
            o.push_str(&format!(
                "\n{} slots in {} moves (the minimum is {})\n",
                plan.moves_total(),
                plan.moves.len(),
                plan.lower_bound
            ));
        }
        Some(l) => {
            o.push_str(&format!(
                "{:<42} {:<22} {:>6} {:>6} {:>6} {:>12} {:>12} {:>25}\n",
                "node", "address", "weight", "slots", "after", "load", "after", "within tolerance"
            ));
            for n in &plan.nodes {
                let nl = n.load.expect("a load plan gives every node its load");
                let inside = if nl.min <= nl.after && nl.after <= nl.max {
                    ""
                } else {
                    "OUTSIDE "
                };
                o.push_str(&format!(
                    "{:<42} {:<22} {:>6} {:>6} {:>6} {:>12} {:>12} {:>25}\n",
                    n.id,
                    n.addr.as_deref().unwrap_or("-"),
                    n.weight.to_string(),
                    n.before,
                    n.after,
                    nl.before,
                    nl.after,
                    format!("{inside}{}..{}", nl.min, nl.max)
                ));
            }
            let sample =
                l.by.sample()
                    .map_or(String::new(), |s| format!(", {s} keys sampled per slot"));
            o.push_str(&format!(
                "\nload by {}{sample}: {} in all, tolerance {}%\n\
                 load moved: {} (no plan within the tolerance moves less than {})\n\
                 {} slots in {} moves\n",
                l.by.name(),
                l.total,
                l.tolerance,
                l.moved,
                l.lower_bound,
                plan.moves_total(),
                plan.moves.len()
            ));
            for h in &l.hot_slots {
                o.push_str(&format!(
                    "hot slot {} carries {}, more than any node may ({}): only other keys or hash tags can spread it\n",
                    h.slot, h.load, l.allowance
                ));
            }
            for (id, why) in &l.outside {
                o.push_str(&format!("outside the tolerance: {id} ({})\n", why.as_str()));
            }
        }
    }
    for m in &plan.moves {
        let load = m.load.map_or(String::new(), |l| format!(", load {l}"));
        let ranges: Vec<String> = m
            .ranges
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        o.push_str(&format!(
            "  {:>3}. {} -> {}: {} slots{load} ({})\n",
            m.seq,
            m.from,
            m.to,
            m.slots,
            ranges.join(",")
        ));
    }
    o
}
