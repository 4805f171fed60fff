//! `keyroute plan rebalance`: a minimal, deterministic slot-move plan;
//! `keyroute plan moved`: what a client-side pool change moves;
//! `keyroute plan preshard`: instance moves between hosts.

use std::io::{self, Write};

use keyroute::cluster::{SlotMap, Value};
use keyroute::plan::{Plan, Rebalance, ScriptKind, Weight};

use crate::node::{ask, connect, read_json};
use crate::{Failure, USAGE};

pub fn run(args: &[Vec<u8>]) -> Result<(), Failure> {
    match args.first().map(Vec::as_slice) {
        Some(b"rebalance") => rebalance(&args[1..]),
        Some(b"moved") => crate::rings::moved(&args[1..]),
        Some(b"preshard") => crate::preshard::preshard(&args[1..]),
        _ => Err(Failure::Usage(format!(
            "plan needs a subcommand: rebalance, moved or preshard\n{USAGE}"
        ))),
    }
}

fn usage(msg: String) -> Failure {
    Failure::Usage(msg)
}

fn rebalance(args: &[Vec<u8>]) -> Result<(), Failure> {
    let mut input: Option<Rebalance> = None;
    let mut edits: Vec<(String, String)> = Vec::new();
    let mut format = "table".to_string();
    let mut tolerance = 0u32;
    let mut it = args.iter().map(|a| String::from_utf8_lossy(a).into_owned());
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| usage(format!("{arg} needs a value\n{USAGE}")))
        };
        match arg.as_str() {
            "--cluster" => input = Some(from_live(&value()?)?),
            "--shards-json" => {
                let path = value()?;
                let map = SlotMap::from_shards(&read_json(&path)?, None)
                    .map_err(|e| usage(format!("{path}: {e}")))?;
                input = Some(
                    Rebalance::from_slot_map(&map).map_err(|e| usage(format!("{path}: {e}")))?,
                );
            }
            "--nodes-file" => {
                let path = value()?;
                let text =
                    std::fs::read_to_string(&path).map_err(|e| usage(format!("{path}: {e}")))?;
                input = Some(
                    Rebalance::from_cluster_nodes(&text)
                        .map_err(|e| usage(format!("{path}: {e}")))?,
                );
            }
            "--weight" | "--add" | "--drain" | "--target" => edits.push((arg.clone(), value()?)),
            "--tolerance" => {
                let v = value()?;
                tolerance = v
                    .parse()
                    .map_err(|_| usage(format!("--tolerance {v:?}: expected a slot count")))?;
            }
            "--format" => format = value()?,
            other => return Err(usage(format!("unknown option {other:?}\n{USAGE}"))),
        }
    }
    let mut r = input.ok_or_else(|| {
        usage(format!(
            "plan rebalance needs --cluster, --shards-json or --nodes-file\n{USAGE}"
        ))
    })?;
    for (flag, v) in edits {
        let bad = |e: keyroute::error::PlanError| usage(format!("{flag} {v}: {e}"));
        match flag.as_str() {
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
    r.tolerance(tolerance);
    let plan = r.plan().map_err(|e| usage(e.to_string()))?;
    let text = match format.as_str() {
        "json" => plan.to_json() + "\n",
        "table" => table(&plan),
        "valkey9" => script(&plan, ScriptKind::Valkey9)?,
        "redis84" => script(&plan, ScriptKind::Redis84)?,
        "legacy" => script(&plan, ScriptKind::Legacy)?,
        other => {
            return Err(usage(format!(
                "--format {other:?}: expected json, table, valkey9, redis84 or legacy"
            )))
        }
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

fn script(plan: &Plan, kind: ScriptKind) -> Result<String, Failure> {
    plan.script(kind).map_err(|e| usage(e.to_string()))
}

/// `CLUSTER NODES` from the given node and from every master it lists, so
/// that a slot open on any of them is seen.
fn from_live(addr: &str) -> Result<Rebalance, Failure> {
    let nodes = |addr: &str| -> Result<String, Failure> {
        let (mut conn, _) = connect(addr)?;
        match ask(&mut conn, &["CLUSTER", "NODES"])
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
