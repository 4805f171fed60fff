//! `keyroute plan rebalance`: a minimal, deterministic slot-move plan;
//! `keyroute plan moved`: what a client-side pool change moves;
//! `keyroute plan preshard`: instance moves between hosts.

use std::io::{self, Write};

use clap::ArgMatches;
use keyroute::cluster::{SlotMap, Value};
use keyroute::plan::{Plan, Rebalance, ScriptKind, Weight};

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

pub fn rebalance(a: &RebalanceArgs, edits: Vec<(&'static str, String)>) -> Result<(), Failure> {
    let mut r = if let Some(addr) = &a.cluster {
        from_live(addr, a.timeout.timeout)?
    } else if let Some(path) = &a.shards_json {
        let shown = path.display();
        let map = SlotMap::from_shards(&read_json(path)?, None)
            .map_err(|e| usage(format!("{shown}: {e}")))?;
        Rebalance::from_slot_map(&map).map_err(|e| usage(format!("{shown}: {e}")))?
    } else if let Some(path) = &a.nodes_file {
        let text = read_text(path, REPLY_FILE_MAX, "a saved reply")?;
        Rebalance::from_cluster_nodes(&text)
            .map_err(|e| usage(format!("{}: {e}", path.display())))?
    } else {
        unreachable!("clap requires one source")
    };
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
            "--weight" | "--target" => {
                let (id, n) = v
                    .split_once('=')
                    .ok_or_else(|| usage(format!("{flag} {v:?}: expected ID=VALUE")))?;
                if flag == "--weight" {
                    r.weight(id, Weight::parse(n).map_err(bad)?).map_err(bad)?;
                } else {
                    let n = n
                        .parse()
                        .map_err(|_| usage(format!("{flag} {v:?}: expected ID=SLOTS")))?;
                    r.target(id, n).map_err(bad)?;
                }
            }
            _ => unreachable!("only the flags above are collected"),
        }
    }
    r.tolerance(a.tolerance);
    let plan = r.plan().map_err(|e| usage(e.to_string()))?;
    let text = match (a.format.as_str(), script_kind(&a.format)) {
        (_, Some(kind)) => script(&plan, kind)?,
        ("json", _) => {
            plan.to_json()
                + "
"
        }
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
fn from_live(addr: &str, timeout: Option<std::time::Duration>) -> Result<Rebalance, Failure> {
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
    for line in first.lines() {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() > 2 && f[2].split(',').any(|x| x == "master") && !f[2].contains("myself") {
            if let Some(a) = f[1].split('@').next().filter(|a| !a.starts_with(':')) {
                all.push_str(&nodes(a)?);
            }
        }
    }
    Rebalance::from_cluster_nodes(&all).map_err(|e| Failure::Failed(format!("{addr}: {e}")))
}

fn table(plan: &Plan) -> String {
    let mut o = format!(
        "{:<42} {:<22} {:>7} {:>14} {:>7} {:>7}\n",
        "node", "address", "weight", "quota", "before", "after"
    );
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
    for m in &plan.moves {
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
            "  {:>3}. {} -> {}: {} slots ({})\n",
            m.seq,
            m.from,
            m.to,
            m.slots,
            ranges.join(",")
        ));
    }
    o
}
