//! Rows for `target/bench/summary.json`. When `KEYROUTE_BENCH_ROWS` names a
//! file (`make bench` sets it), every side-by-side row of a benchmark is
//! appended to it as one JSON line; `bench/summary.py` gathers the lines of
//! every language into the summary. Without the variable nothing is written.

#![allow(dead_code)]

use std::io::Write;

fn quoted(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn number(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.3}"),
        _ => "null".into(),
    }
}

/// One row: ns per operation for the incumbent (`None` for a row without
/// one) and for keyroute, in the same run, and the ratio incumbent /
/// keyroute (above 1: keyroute is faster) as the benchmark measured it (a
/// median of paired ratios, or the ratio of the medians).
pub fn row(bench: &str, row: &str, incumbent: Option<(&str, f64)>, keyroute_ns: f64, ratio: f64) {
    let Some(path) = std::env::var_os("KEYROUTE_BENCH_ROWS") else {
        return;
    };
    let ratio = incumbent.map(|_| ratio);
    let line = format!(
        "{{\"language\":\"rust\",\"bench\":{},\"row\":{},\"incumbent\":{},\"incumbent_ns\":{},\"keyroute_ns\":{},\"ratio\":{}}}\n",
        quoted(bench),
        quoted(row),
        incumbent.map_or("null".into(), |(name, _)| quoted(name)),
        number(incumbent.map(|(_, ns)| ns)),
        number(Some(keyroute_ns)),
        number(ratio),
    );
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", std::path::Path::new(&path).display()));
    f.write_all(line.as_bytes()).expect("bench rows");
}
