//! `keyroute plan preshard`: whole-instance moves between hosts.

use std::io::{self, Write};

use keyroute::plan::{Presharding, Weight};
use serde_json::json;

use crate::args::{PreshardArgs, PreshardFormat};
use crate::Failure;

pub fn preshard(a: &PreshardArgs) -> Result<(), Failure> {
    let usage = Failure::Usage;
    let loaded = a.pool.load()?;
    let mut p = Presharding::from_pool(&loaded.pool).map_err(|e| Failure::Failed(e.to_string()))?;
    for h in &a.host {
        let (host, w) = h
            .rsplit_once('=')
            .ok_or_else(|| usage(format!("--host {h:?}: expected HOST=WEIGHT")))?;
        let w = Weight::parse(w).map_err(|e| usage(format!("--host {h:?}: {e}")))?;
        p.host(host, w);
    }
    p.tolerance(a.tolerance);
    let plan = p.plan().map_err(|e| usage(e.to_string()))?;
    let text = match a.format {
        PreshardFormat::Steps => plan.steps(),
        PreshardFormat::Json => {
            let doc = json!({
                "format": "keyroute.preshard-plan/1",
                "pool": loaded.label,
                "tolerance_instances": a.tolerance,
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
        PreshardFormat::Table => {
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
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}
