// Rows for target/bench/summary.json. When KEYROUTE_BENCH_ROWS names a file
// (`make bench` sets it), each side-by-side row of a benchmark is appended to
// it as one JSON line; bench/summary.py gathers the lines of every language
// into the summary. Without the variable nothing is written.
import { appendFileSync } from "node:fs";

const num = (x) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

/**
 * One row: ns per operation for the incumbent (null: a row without one) and
 * for keyroute, measured in the same run; the ratio is incumbent / keyroute
 * (above 1: keyroute is faster).
 */
export function record(bench, row, incumbent, incumbentNs, keyrouteNs) {
  const path = process.env.KEYROUTE_BENCH_ROWS;
  if (!path) return;
  const ratio = incumbent === null ? null : incumbentNs / keyrouteNs;
  const line = {
    language: "js",
    bench,
    row,
    incumbent,
    incumbent_ns: num(incumbentNs),
    keyroute_ns: num(keyrouteNs),
    ratio: num(ratio),
  };
  appendFileSync(path, JSON.stringify(line) + "\n");
}
