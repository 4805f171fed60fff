//! `keyroute plan preshard`: whole-instance moves between hosts.

use std::io::{self, Write};

use keyroute::plan::{Presharding, Weight};
use serde_json::json;

use crate::pool::PoolSource;
use crate::rings::{each_flag, usage};
use crate::{Failure, USAGE};

pub fn preshard(args: &[Vec<u8>]) -> Result<(), Failure> {
    let mut source = PoolSource::default();
    let (mut hosts, mut tolerance, mut format) = (Vec::new(), 0u32, "table".to_string());
    each_flag(args, |flag, value| {
        if source.take(flag, value)? {
            return Ok(());
        }
        match flag {
            "--host" => hosts.push(value()?),
            "--tolerance" => {
                let v = value()?;
                tolerance = v.parse().map_err(|_| {
                    usage(format!("--tolerance {v:?}: expected a number of instances"))
                })?;
            }
            "--format" => format = value()?,
            other => return Err(usage(format!("unknown option {other:?}\n{USAGE}"))),
        }
        Ok(())
    })?;
    let loaded = source.load()?;
    let mut p = Presharding::from_pool(&loaded.pool).map_err(|e| Failure::Failed(e.to_string()))?;
    for h in &hosts {
        let (host, w) = h
            .rsplit_once('=')
            .ok_or_else(|| usage(format!("--host {h:?}: expected HOST=WEIGHT")))?;
        let w = Weight::parse(w).map_err(|e| usage(format!("--host {h:?}: {e}")))?;
        p.host(host, w);
    }
    p.tolerance(tolerance);
    let plan = p.plan().map_err(|e| usage(e.to_string()))?;
    let text = match format.as_str() {
        "steps" => plan.steps(),
        "json" => {
            let doc = json!({
                "format": "keyroute.preshard-plan/1",
                "pool": loaded.label,
                "tolerance_instances": tolerance,
                "hosts": plan.hosts.iter().map(|h| json!({
                    "host": h.host, "weight": h.weight.to_string(),
                    "quota": format!("{}/{}", h.quota.0, h.quota.1),
                    "before": h.before, "target": h.target,
                })).collect::<Vec<_>>(),
                "lower_bound_moves": plan.lower_bound,
                "moves_total": plan.moves.len(),
                "moves": plan.moves.iter().map(|m| json!({
                    "seq": m.seq, "instance": m.instance, "from": m.from, "to": m.to,
                    "from_host": m.from_host, "to_host": m.to_host, "line": m.line,
                })).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&doc).map_err(io::Error::from)? + "\n"
        }
        "table" => {
            let mut o = format!(
                "{:<24} {:>7} {:>10} {:>7} {:>7}\n",
                "host", "weight", "quota", "before", "after"
            );
            for h in &plan.hosts {
                o += &format!(
                    "{:<24} {:>7} {:>10.2} {:>7} {:>7}\n",
                    h.host,
                    h.weight.to_string(),
                    h.quota.0 as f64 / h.quota.1 as f64,
                    h.before,
                    h.target
                );
            }
            o += &format!(
                "\n{} instance moves (the minimum is {}); names stay, so no key changes instance\n",
                plan.moves.len(),
                plan.lower_bound
            );
            for m in &plan.moves {
                o += &format!("  {:>3}. {}: {} -> {}", m.seq, m.instance, m.from, m.to);
                if let Some(l) = &m.line {
                    o += &format!("   (config line: {l})");
                }
                o.push('\n');
            }
            o
        }
        other => {
            return Err(usage(format!(
                "--format {other:?}: expected table, json or steps"
            )))
        }
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}
