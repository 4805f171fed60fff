//! Measuring a live cluster's load without doing I/O: the probe says which
//! commands each primary must answer, round after round, and reads the
//! replies the caller fetched (pipelined, one batch per primary).
//!
//! - keys: `CLUSTER COUNTKEYSINSLOT s` for every slot, on its owner;
//! - memory: the same counts, then `CLUSTER GETKEYSINSLOT s n` (n = the
//!   sample size, or the slot's count if smaller) for every slot with keys,
//!   then `MEMORY USAGE k` for every sampled key; a slot's bytes are the
//!   sampled bytes times `count / sampled`, rounded half up;
//! - slot-stats: `CLUSTER SLOT-STATS SLOTSRANGE a b` for every range a
//!   primary serves (the server answers for its own slots only), the
//!   statistic read from each slot's map (RESP3) or flat pairs (RESP2).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::{LoadBy, SlotLoad, SlotStat};
use crate::cluster::Value;
use crate::error::PlanError;
use crate::plan::Rebalance;
use crate::slot::SLOT_COUNT;

/// The commands of one round for one primary, to be sent pipelined; their
/// replies go back to [`LoadProbe::answer`] in the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeBatch {
    /// The primary's node id.
    pub id: String,
    /// Its `host:port`.
    pub addr: String,
    /// The commands, as argv.
    pub commands: Vec<Vec<Vec<u8>>>,
}

/// A node's id, address and slot ranges.
type Primary = (String, String, Vec<(u16, u16)>);

/// What one command of the current round asked.
#[derive(Debug, Clone, Copy)]
enum Asked {
    Count(u16),
    List(u16),
    Usage(u16),
    Stats { start: u16, end: u16 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Count,
    List,
    Usage,
    Stats,
    Done,
}

/// A measurement under way: call [`LoadProbe::round`], send each batch to
/// its primary, give every reply to [`LoadProbe::answer`], until a round is
/// empty; then [`LoadProbe::finish`].
#[derive(Debug, Clone)]
pub struct LoadProbe {
    by: LoadBy,
    /// Every node that serves slots, by id.
    nodes: Vec<Primary>,
    stage: Stage,
    /// Per command of the current round: which node, what it asked.
    asked: Vec<(usize, Asked)>,
    counts: Vec<u64>,
    keys: Vec<Vec<Vec<u8>>>,
    bytes: Vec<(u64, u64)>,
    values: Vec<u64>,
    seen: Vec<bool>,
}

impl LoadProbe {
    /// A measurement of `layout`'s primaries (every node serving slots needs
    /// an address). [`LoadBy::File`] is not measured: read it with
    /// [`SlotLoad::from_json`].
    pub fn new(layout: &Rebalance, by: LoadBy) -> Result<LoadProbe, PlanError> {
        let stage = match by {
            LoadBy::Keys | LoadBy::Memory { .. } => Stage::Count,
            LoadBy::SlotStats(_) => Stage::Stats,
            LoadBy::File => {
                return Err(PlanError::BadLoadBy {
                    given: "file".into(),
                })
            }
        };
        let mut nodes = Vec::new();
        for (id, n) in &layout.nodes {
            if n.ranges.is_empty() {
                continue;
            }
            let addr = n
                .addr
                .clone()
                .ok_or_else(|| PlanError::NoAddress { id: id.clone() })?;
            let mut ranges = n.ranges.clone();
            ranges.sort_unstable();
            nodes.push((id.clone(), addr, ranges));
        }
        let s = SLOT_COUNT as usize;
        Ok(LoadProbe {
            by,
            nodes,
            stage,
            asked: Vec::new(),
            counts: vec![0; s],
            keys: vec![Vec::new(); s],
            bytes: vec![(0, 0); s],
            values: vec![0; s],
            seen: vec![false; s],
        })
    }

    /// The next round's commands, one batch per primary that has some;
    /// empty when the measurement is complete.
    pub fn round(&mut self) -> Vec<ProbeBatch> {
        self.asked.clear();
        let mut out = Vec::new();
        for (i, (id, addr, ranges)) in self.nodes.iter().enumerate() {
            let mut commands: Vec<Vec<Vec<u8>>> = Vec::new();
            let slots = || ranges.iter().flat_map(|&(a, b)| a..=b);
            let mut ask = |argv: Vec<Vec<u8>>, what: Asked| {
                commands.push(argv);
                self.asked.push((i, what));
            };
            match self.stage {
                Stage::Count => {
                    for s in slots() {
                        ask(
                            words(&["CLUSTER", "COUNTKEYSINSLOT", &s.to_string()]),
                            Asked::Count(s),
                        );
                    }
                }
                Stage::List => {
                    let sample = self.by.sample().unwrap_or(1) as u64;
                    for s in slots().filter(|&s| self.counts[s as usize] > 0) {
                        let n = sample.min(self.counts[s as usize]).to_string();
                        ask(
                            words(&["CLUSTER", "GETKEYSINSLOT", &s.to_string(), &n]),
                            Asked::List(s),
                        );
                    }
                }
                Stage::Usage => {
                    for s in slots() {
                        for k in &self.keys[s as usize] {
                            let mut argv = words(&["MEMORY", "USAGE"]);
                            argv.push(k.clone());
                            ask(argv, Asked::Usage(s));
                        }
                    }
                }
                Stage::Stats => {
                    for &(a, b) in ranges {
                        let argv = words(&[
                            "CLUSTER",
                            "SLOT-STATS",
                            "SLOTSRANGE",
                            &a.to_string(),
                            &b.to_string(),
                        ]);
                        ask(argv, Asked::Stats { start: a, end: b });
                    }
                }
                Stage::Done => {}
            }
            if !commands.is_empty() {
                out.push(ProbeBatch {
                    id: id.clone(),
                    addr: addr.clone(),
                    commands,
                });
            }
        }
        if out.is_empty() {
            self.stage = Stage::Done;
        }
        out
    }

    /// The replies to every command of the last round, in the order of its
    /// batches and their commands; an error reply as `Err(text)`.
    pub fn answer(&mut self, replies: Vec<Result<Value, String>>) -> Result<(), PlanError> {
        if replies.len() != self.asked.len() {
            return Err(PlanError::BadLoadReply {
                node: String::new(),
                command: String::new(),
                reason: format!(
                    "{} replies for the {} commands of the round",
                    replies.len(),
                    self.asked.len()
                ),
            });
        }
        let asked = core::mem::take(&mut self.asked);
        for (&(node, what), reply) in asked.iter().zip(replies) {
            self.read(node, what, reply)?;
        }
        self.stage = match self.stage {
            Stage::Count if self.by.sample().is_some() => Stage::List,
            Stage::List => Stage::Usage,
            _ => Stage::Done,
        };
        Ok(())
    }

    fn read(
        &mut self,
        node: usize,
        what: Asked,
        reply: Result<Value, String>,
    ) -> Result<(), PlanError> {
        let fail = |reason: String| PlanError::BadLoadReply {
            node: self.nodes[node].1.clone(),
            command: command_text(what),
            reason,
        };
        let v = reply.map_err(|e| {
            let hint = match what {
                Asked::Stats { .. } => " (CLUSTER SLOT-STATS needs Valkey 8.0 or Redis 8.2)",
                _ => "",
            };
            fail(format!("the server answered {e:?}{hint}"))
        })?;
        let count = |v: &Value| match v {
            Value::Int(n) if *n >= 0 => Some(*n as u64),
            _ => None,
        };
        match what {
            Asked::Count(s) => {
                self.counts[s as usize] =
                    count(&v).ok_or_else(|| fail("expected a non-negative integer".into()))?;
                self.values[s as usize] = self.counts[s as usize];
            }
            Asked::List(s) => {
                let Value::Array(items) = v else {
                    return Err(fail("expected an array of keys".into()));
                };
                let mut keys = Vec::with_capacity(items.len());
                for k in items {
                    match k {
                        Value::Bytes(b) => keys.push(b),
                        _ => return Err(fail("expected an array of keys".into())),
                    }
                }
                self.keys[s as usize] = keys;
            }
            Asked::Usage(s) => match v {
                // The key expired or was deleted since it was listed.
                Value::Nil => {}
                other => {
                    let b = count(&other)
                        .ok_or_else(|| fail("expected a non-negative integer or null".into()))?;
                    let e = &mut self.bytes[s as usize];
                    *e = (e.0.saturating_add(b), e.1 + 1);
                }
            },
            Asked::Stats { start, end } => {
                let LoadBy::SlotStats(stat) = self.by else {
                    unreachable!("stats are asked for slot-stats loads only")
                };
                let Value::Array(entries) = v else {
                    return Err(fail("expected an array of [slot, statistics]".into()));
                };
                for (i, e) in entries.iter().enumerate() {
                    let (slot, value) =
                        stat_entry(e, stat).map_err(|why| fail(format!("entry {i}: {why}")))?;
                    if slot < start
                        || slot > end
                        || core::mem::replace(&mut self.seen[slot as usize], true)
                    {
                        return Err(fail(format!(
                            "entry {i}: slot {slot} not asked for, or twice"
                        )));
                    }
                    self.values[slot as usize] = value;
                }
                if let Some(s) = (start..=end).find(|&s| !self.seen[s as usize]) {
                    return Err(fail(format!(
                        "slot {s} is missing: the node no longer serves it (the layout changed; measure again)"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The measured load, once a round came back empty.
    pub fn finish(mut self) -> Result<SlotLoad, PlanError> {
        if self.stage != Stage::Done {
            return Err(PlanError::BadLoadReply {
                node: String::new(),
                command: String::new(),
                reason: "the measurement is not complete: a round is still to be asked".into(),
            });
        }
        if self.by.sample().is_some() {
            for s in 0..SLOT_COUNT as usize {
                let (sum, n) = self.bytes[s];
                self.values[s] = if n == 0 {
                    0
                } else {
                    let est = (sum as u128 * self.counts[s] as u128 + n as u128 / 2) / n as u128;
                    est.min(u64::MAX as u128) as u64
                };
            }
        }
        SlotLoad::new(self.by, self.values)
    }
}

/// (slot, statistic) of one `CLUSTER SLOT-STATS` entry: `[slot, stats]`,
/// the statistics a map or flat name/value pairs.
fn stat_entry(e: &Value, stat: SlotStat) -> Result<(u16, u64), String> {
    let Value::Array(pair) = e else {
        return Err("expected [slot, statistics]".into());
    };
    let [slot, stats] = pair.as_slice() else {
        return Err("expected [slot, statistics]".into());
    };
    let slot = match slot {
        Value::Int(s) if (0..SLOT_COUNT as i64).contains(s) => *s as u16,
        _ => return Err("expected a slot number 0..=16383".into()),
    };
    let pairs = stats
        .pairs()
        .ok_or_else(|| String::from("expected the statistics as a map or name/value pairs"))?;
    for (name, value) in pairs {
        let Value::Bytes(name) = name else { continue };
        if name.eq_ignore_ascii_case(stat.as_str().as_bytes()) {
            return match value {
                Value::Int(n) if *n >= 0 => Ok((slot, *n as u64)),
                _ => Err(format!("{} is not a non-negative integer", stat.as_str())),
            };
        }
    }
    Err(format!(
        "slot {slot} has no {} (cpu-usec, network and memory statistics need \
         cluster-slot-stats-enabled yes)",
        stat.as_str()
    ))
}

fn words(w: &[&str]) -> Vec<Vec<u8>> {
    w.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn command_text(what: Asked) -> String {
    match what {
        Asked::Count(s) => format!("CLUSTER COUNTKEYSINSLOT {s}"),
        Asked::List(s) => format!("CLUSTER GETKEYSINSLOT {s}"),
        Asked::Usage(s) => format!("MEMORY USAGE (a key of slot {s})"),
        Asked::Stats { start, end } => format!("CLUSTER SLOT-STATS SLOTSRANGE {start} {end}"),
    }
}
