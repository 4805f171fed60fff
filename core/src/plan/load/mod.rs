//! Per-slot load: what each of the 16384 slots carries (keys, bytes, CPU
//! time, network bytes, or any measure given in a file), the input of
//! load-aware plans ([`super::Rebalance::load`]) and of the load report
//! ([`LoadReport`]).
//!
//! The core does no I/O: [`LoadProbe`] says which commands to send to which
//! primary and reads the replies the caller fetched; [`SlotLoad::from_json`]
//! reads a file of `{"slot": load}`. Loads are integers (at most
//! [`MAX_SLOT_LOAD`] per slot, a total within [`MAX_TOTAL_LOAD`]), so plans
//! are exact and identical in every language.

mod balance;
mod probe;
mod repair;
mod report;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write;

pub(crate) use self::balance::balance;
pub use self::balance::{NodeLoad, Outside};
pub use self::probe::{LoadProbe, ProbeBatch};
pub use self::report::{LoadReport, NodeShare};

use crate::error::PlanError;
use crate::slot::SLOT_COUNT;

/// The largest load one slot may carry: 2^53 - 1, so that every load is a
/// number JavaScript holds exactly.
pub const MAX_SLOT_LOAD: u64 = (1 << 53) - 1;

/// The largest total load over all slots: 2^62, so that the exact target
/// arithmetic cannot overflow.
pub const MAX_TOTAL_LOAD: u64 = 1 << 62;

/// Keys sampled per slot by [`LoadBy::Memory`] unless told otherwise.
pub const DEFAULT_MEMORY_SAMPLE: u32 = 16;

/// The most keys [`LoadBy::Memory`] may sample per slot.
pub const MAX_MEMORY_SAMPLE: u32 = 1000;

/// The tolerance of load plans unless told otherwise, in percent of each
/// node's target share.
pub const DEFAULT_LOAD_TOLERANCE_PCT: u64 = 5;

/// A statistic `CLUSTER SLOT-STATS` reports per slot (Valkey 8.0+, Redis
/// 8.2+); the names are the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SlotStat {
    /// `key-count`: keys in the slot (always reported).
    KeyCount,
    /// `cpu-usec`: CPU time spent on the slot (with `cluster-slot-stats-enabled`).
    CpuUsec,
    /// `network-bytes-in` (with `cluster-slot-stats-enabled`).
    NetworkBytesIn,
    /// `network-bytes-out` (with `cluster-slot-stats-enabled`).
    NetworkBytesOut,
    /// `memory-bytes` (Redis 8.2+, with `cluster-slot-stats-enabled`).
    MemoryBytes,
}

crate::names::named!(SlotStat, "slot statistic", [
    KeyCount => "key-count",
    CpuUsec => "cpu-usec",
    NetworkBytesIn => "network-bytes-in",
    NetworkBytesOut => "network-bytes-out",
    MemoryBytes => "memory-bytes",
]);

/// Where a load comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadBy {
    /// `CLUSTER COUNTKEYSINSLOT` of every slot (every server version).
    Keys,
    /// Bytes: `MEMORY USAGE` of a sample of each slot's keys (from `CLUSTER
    /// GETKEYSINSLOT`), scaled to the slot's key count. An estimate.
    Memory {
        /// Keys sampled per slot.
        sample: u32,
    },
    /// A statistic of `CLUSTER SLOT-STATS` (Valkey 8.0+, Redis 8.2+).
    SlotStats(SlotStat),
    /// Given by the caller: a file of `{"slot": load}`, measured elsewhere.
    File,
}

impl LoadBy {
    /// The name: `keys`, `memory`, `slot-stats:<statistic>` or `file`.
    pub fn name(self) -> String {
        match self {
            LoadBy::Keys => "keys".into(),
            LoadBy::Memory { .. } => "memory".into(),
            LoadBy::SlotStats(s) => format!("slot-stats:{}", s.as_str()),
            LoadBy::File => "file".into(),
        }
    }

    /// Keys sampled per slot, for [`LoadBy::Memory`].
    pub fn sample(self) -> Option<u32> {
        match self {
            LoadBy::Memory { sample } => Some(sample),
            _ => None,
        }
    }

    /// Whether the load counts keys (then plans also report keys moved).
    pub fn counts_keys(self) -> bool {
        matches!(self, LoadBy::Keys | LoadBy::SlotStats(SlotStat::KeyCount))
    }

    /// A measurement by name: `keys`, `memory` (with `sample` keys per slot,
    /// [`DEFAULT_MEMORY_SAMPLE`] if `None`), `slot-stats` (key-count) or
    /// `slot-stats:<statistic>`. Files are read with [`SlotLoad::from_json`].
    pub fn parse(name: &str, sample: Option<u32>) -> Result<LoadBy, PlanError> {
        let bad = || PlanError::BadLoadBy {
            given: name.to_string(),
        };
        let by = match name {
            "keys" => LoadBy::Keys,
            "memory" => LoadBy::Memory {
                sample: sample.unwrap_or(DEFAULT_MEMORY_SAMPLE),
            },
            "slot-stats" | "slot_stats" => LoadBy::SlotStats(SlotStat::KeyCount),
            _ => {
                let stat = name
                    .strip_prefix("slot-stats:")
                    .or_else(|| name.strip_prefix("slot_stats:"))
                    .ok_or_else(bad)?;
                LoadBy::SlotStats(stat.parse().map_err(|_| bad())?)
            }
        };
        match (by, sample) {
            (LoadBy::Memory { sample }, _) if !(1..=MAX_MEMORY_SAMPLE).contains(&sample) => {
                Err(PlanError::BadSample { sample })
            }
            (LoadBy::Memory { .. }, _) | (_, None) => Ok(by),
            (_, Some(sample)) => Err(PlanError::BadSample { sample }),
        }
    }
}

/// The load of every slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotLoad {
    values: Vec<u64>,
    by: LoadBy,
    total: u64,
}

impl SlotLoad {
    /// A load from 16384 values (slot order), each at most
    /// [`MAX_SLOT_LOAD`], their sum at most [`MAX_TOTAL_LOAD`].
    pub fn new(by: LoadBy, values: Vec<u64>) -> Result<SlotLoad, PlanError> {
        if values.len() != SLOT_COUNT as usize {
            return Err(PlanError::BadSlotStats { len: values.len() });
        }
        let mut total: u64 = 0;
        for (slot, &v) in values.iter().enumerate() {
            if v > MAX_SLOT_LOAD {
                return Err(PlanError::LoadTooLarge {
                    slot: Some(slot as u16),
                });
            }
            total += v;
            if total > MAX_TOTAL_LOAD {
                return Err(PlanError::LoadTooLarge { slot: None });
            }
        }
        Ok(SlotLoad { values, by, total })
    }

    /// A load file: one JSON object whose names are slot numbers and whose
    /// values are non-negative integers, e.g. `{"0": 120, "5461": 7}`.
    /// Slots not named carry 0. Strict: no fractions or exponents (scale
    /// them to integers), no slot twice, nothing after the object.
    pub fn from_json(text: &str) -> Result<SlotLoad, PlanError> {
        let mut values = vec![0u64; SLOT_COUNT as usize];
        let mut seen = vec![false; SLOT_COUNT as usize];
        let mut p = Json {
            b: text.as_bytes(),
            i: 0,
        };
        p.ws();
        p.expect(b'{')?;
        p.ws();
        if !p.eat(b'}') {
            loop {
                p.ws();
                let at = p.i;
                let name = p.string()?;
                let slot = digits(&name)
                    .filter(|&s| s < SLOT_COUNT as u64)
                    .ok_or_else(|| p.fail_at(at, "a slot number 0..=16383 as a name"))?
                    as usize;
                if core::mem::replace(&mut seen[slot], true) {
                    return Err(p.fail_at(at, "each slot once"));
                }
                p.ws();
                p.expect(b':')?;
                p.ws();
                values[slot] = p.integer()?;
                p.ws();
                if p.eat(b'}') {
                    break;
                }
                p.expect(b',')?;
            }
        }
        p.ws();
        if p.i != p.b.len() {
            return Err(p.fail("the end of the text after the object"));
        }
        SlotLoad::new(LoadBy::File, values)
    }

    /// The load as a file [`SlotLoad::from_json`] reads: the slots that
    /// carry load, ascending.
    pub fn to_json(&self) -> String {
        let mut o = String::from("{");
        for (slot, &v) in self.values.iter().enumerate().filter(|(_, &v)| v > 0) {
            let _ = write!(o, "{}\"{slot}\":{v}", if o.len() > 1 { "," } else { "" });
        }
        o.push('}');
        o
    }

    /// The load of each slot, in slot order.
    pub fn values(&self) -> &[u64] {
        &self.values
    }

    pub(crate) fn values_vec(&self) -> &Vec<u64> {
        &self.values
    }

    /// The load of one slot.
    pub fn get(&self, slot: u16) -> u64 {
        self.values[slot as usize]
    }

    /// Where the load comes from.
    pub fn by(&self) -> LoadBy {
        self.by
    }

    /// The sum over all slots.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The load of a node's slots.
    pub(crate) fn over(&self, ranges: &[(u16, u16)]) -> u64 {
        ranges
            .iter()
            .flat_map(|&(a, b)| a..=b)
            .map(|s| self.values[s as usize])
            .sum()
    }
}

fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Just enough JSON for a load file.
struct Json<'a> {
    b: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn fail_at(&self, at: usize, expected: &str) -> PlanError {
        PlanError::BadLoadFile {
            offset: at,
            expected: expected.to_string(),
        }
    }

    fn fail(&self, expected: &str) -> PlanError {
        self.fail_at(self.i, expected)
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        self.i += hit as usize;
        hit
    }

    fn expect(&mut self, c: u8) -> Result<(), PlanError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.fail(&format!("'{}'", c as char)))
        }
    }

    /// A string of plain characters (slot names need no escapes).
    fn string(&mut self) -> Result<String, PlanError> {
        self.expect(b'"')?;
        let start = self.i;
        while self.i < self.b.len() && !matches!(self.b[self.i], b'"' | b'\\') {
            self.i += 1;
        }
        let s = core::str::from_utf8(&self.b[start..self.i]).map_err(|_| self.fail("UTF-8"))?;
        let s = s.to_string();
        if !self.eat(b'"') {
            return Err(self.fail("a slot number without escapes"));
        }
        Ok(s)
    }

    fn integer(&mut self) -> Result<u64, PlanError> {
        let start = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        let text = core::str::from_utf8(&self.b[start..self.i]).unwrap_or("");
        let leading_zero = text.len() > 1 && text.starts_with('0');
        let more = matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E'));
        match digits(text) {
            Some(v) if !leading_zero && !more && v <= MAX_SLOT_LOAD => Ok(v),
            _ => Err(self.fail_at(
                start,
                "a non-negative integer load of at most 2^53 - 1 (scale fractions to integers)",
            )),
        }
    }
}

#[cfg(test)]
mod tests;
