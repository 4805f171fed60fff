//! The replication step list of a presharding plan (docs/resharding.md, "Presharding").

use alloc::string::String;
use core::fmt::Write;

use super::PreshardPlan;

fn split(addr: &str) -> (&str, &str) {
    let (h, p) = addr.rsplit_once(':').unwrap_or((addr, ""));
    (h.trim_start_matches('[').trim_end_matches(']'), p)
}

impl PreshardPlan {
    /// The step list: per instance, start an empty copy on the new host and
    /// make it a replica; then, once for all, stop writes, wait for every
    /// replica to catch up, switch the configuration (same names, new
    /// addresses), promote the replicas, resume; then retire the old
    /// instances. Commands are `redis-cli` lines.
    pub fn steps(&self) -> String {
        let mut o = String::new();
        if self.moves.is_empty() {
            o.push_str("# nothing to move: every host already holds its share\n");
            return o;
        }
        let _ = writeln!(
            o,
            "# {} instance move(s); names stay, so no key changes instance\n\
             # 1. per instance: an empty server on the new host, replicating the old one",
            self.moves.len()
        );
        for m in &self.moves {
            let ((fh, fp), (th, tp)) = (split(&m.from), split(&m.to));
            let _ = writeln!(
                o,
                "\n# {}: {} -> {}\n#   start an empty redis-server on {th} port {tp} (same version, \
                 maxmemory and config as {})\nredis-cli -h {th} -p {tp} REPLICAOF {fh} {fp}\n\
                 #   wait for master_link_status:up in: redis-cli -h {th} -p {tp} INFO replication",
                m.instance, m.from, m.to, m.from
            );
        }
        o.push_str(
            "\n# 2. stop writes: stop the clients (or the proxies), or pause each old instance\n",
        );
        for m in &self.moves {
            let (fh, fp) = split(&m.from);
            let _ = writeln!(o, "redis-cli -h {fh} -p {fp} CLIENT PAUSE 60000 WRITE");
        }
        o.push_str(
            "# 3. wait until each replica's master_repl_offset equals its old instance's\n\
             # 4. switch every proxy and client to the new addresses at once (names unchanged):\n",
        );
        for m in &self.moves {
            match &m.line {
                Some(l) => {
                    let _ = writeln!(o, "#      - {l}");
                }
                None => {
                    let _ = writeln!(o, "#      {}: {} -> {}", m.instance, m.from, m.to);
                }
            }
        }
        o.push_str("# 5. promote the new instances\n");
        for m in &self.moves {
            let (th, tp) = split(&m.to);
            let _ = writeln!(o, "redis-cli -h {th} -p {tp} REPLICAOF NO ONE");
        }
        o.push_str(
            "# 6. restart or reload the clients and proxies; then retire the old instances\n",
        );
        for m in &self.moves {
            let (fh, fp) = split(&m.from);
            let _ = writeln!(o, "redis-cli -h {fh} -p {fp} SHUTDOWN NOSAVE");
        }
        o
    }
}
