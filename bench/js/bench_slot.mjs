// keyroute (npm) against cluster-key-slot 1.1.2, the slot function of ioredis,
// measured side by side in the same process.
//
//   node bench/js/bench_slot.mjs [--keys target/bench-keys.txt] [--passes 11] [--procs 5]
//
// Every row runs in fresh child processes, so that the JIT state one row
// leaves behind (type feedback of keySlot, say) does not bias the next;
// several per row (--procs), reported as bench/js/harness.mjs says. Within
// a row the two contenders alternate chunk by chunk of 10,000 keys, each pass
// covers every key once, and after warm-up passes each reports the median
// ns/key over the passes; ratio = incumbent / keyroute (> 1: faster).
// Before timing, every row checks that both give the same slot for every key.
// Rows load the package's main entry, except those that name another (the
// `keyroute/slots` entry, over its own small wasm).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpuNow, medianRun, runRow as childRow, WARMUP } from "./harness.mjs";
import { record } from "./rows.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const keysPath = resolve(opt("--keys", join(root, "target/bench-keys.txt")));
const passes = Number(opt("--passes", "11"));
const warmup = WARMUP;
const CHUNK = 10_000; // keys per interleaving step (keySlots gets one chunk per call)
const pkgDir = resolve(process.env.KEYROUTE_PKG ?? join(root, "bindings-js/pkg"));

// ---- rows ----------------------------------------------------------------
// Each row: which inputs, the incumbent's loop, keyroute's loop, and the goal
// ratio from the issue. The loops are written out one by one so that every
// call site sees one callee.
const ROWS = {
  "keySlot(string)": {
    input: "strings",
    goal: 3,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
  // keySlot(string) by kind of key (the categories): no hash tag
  // (the whole key is read), a tag (only the tag is), and one non-ASCII
  // character in every key (TextEncoder decides the bytes).
  "keySlot(string), no tag": {
    input: "strings-notag",
    goal: null,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
  "keySlot(string), tag": {
    input: "strings-tag",
    goal: null,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
  "keySlot(string), non-ASCII": {
    input: "strings-nonascii",
    goal: null,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
  // Two reference rows, not keyroute: "ours" is a plain loop over each
  // corpus key, timed against cluster-key-slot like the rows above, in the
  // same run. The first only reads every character (`charCodeAt`, summed):
  // what any JS function that reads the whole key pays. The second is the
  // CRC-16 of every character (slice-by-8, no tag rule, no UTF-8), the
  // "pure JS CRC" that once measured 3.3x and gave `keySlot(string)` its
  // goal. Both ratios move with the machine's state from day to day
  // (docs/performance.md), so `keySlot(string)` is read beside them.
  "reference: charCodeAt of every unit": {
    input: "strings",
    goal: null,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: () => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        let sum = 0;
        for (let j = 0; j < k.length; j++) sum += k.charCodeAt(j);
        x ^= sum;
      }
      return x;
    },
  },
  "reference: JS CRC-16 of every unit": {
    input: "strings",
    goal: null,
    // A key without a tag hashes whole: there the loop is the slot.
    agrees: (cks, ours, key) => key.includes("{") || ours([key]) === cks(key),
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => {
      const t = crcTable(kr);
      return (keys) => {
        let x = 0;
        for (let k = 0; k < keys.length; k++) {
          const s = keys[k];
          const n = s.length;
          let crc = 0;
          let i = 0;
          for (; i + 8 <= n; i += 8) {
            crc =
              t[1792 + ((crc >>> 8) ^ s.charCodeAt(i))] ^
              t[1536 + ((crc & 0xff) ^ s.charCodeAt(i + 1))] ^
              t[1280 + s.charCodeAt(i + 2)] ^
              t[1024 + s.charCodeAt(i + 3)] ^
              t[768 + s.charCodeAt(i + 4)] ^
              t[512 + s.charCodeAt(i + 5)] ^
              t[256 + s.charCodeAt(i + 6)] ^
              t[s.charCodeAt(i + 7)];
          }
          for (; i < n; i++) crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ s.charCodeAt(i)];
          x ^= crc & 0x3fff;
        }
        return x;
      };
    },
  },
  "slots: keySlot(string)": {
    input: "strings",
    entry: "dist/slots-node.js",
    goal: 3,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
  "keySlot(Buffer)": {
    input: "buffers",
    goal: 1,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
  "keySlot(Uint8Array)": {
    input: "u8",
    goal: 1,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
  "keySlots(string[])": {
    input: "strings",
    goal: 3,
    incumbent: (cks) => (keys) => {
      const out = new Uint16Array(keys.length);
      for (let i = 0; i < keys.length; i++) out[i] = cks(keys[i]);
      return out[0];
    },
    ours: (kr) => (keys) => kr.keySlots(keys)[0],
  },
  "keySlots(Buffer[])": {
    input: "buffers",
    goal: 1,
    incumbent: (cks) => (keys) => {
      const out = new Uint16Array(keys.length);
      for (let i = 0; i < keys.length; i++) out[i] = cks(keys[i]);
      return out[0];
    },
    ours: (kr) => (keys) => kr.keySlots(keys)[0],
  },
  "keySlot(1 KiB string)": {
    input: "long",
    goal: 5,
    incumbent: (cks) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= cks(keys[i]);
      return x;
    },
    ours: (kr) => (keys) => {
      let x = 0;
      for (let i = 0; i < keys.length; i++) x ^= kr.keySlot(keys[i]);
      return x;
    },
  },
};

/**
 * The reference CRC row's table, by its definition: entry `k * 256 + b` is
 * the CRC-16 of byte `b` followed by `k` zero bytes (slice-by-8;
 * docs/cluster-routing.md), taken from the package's `crc16`.
 */
function crcTable(kr) {
  const t = new Uint16Array(8 * 256);
  for (let k = 0; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const bytes = new Uint8Array(1 + k);
      bytes[0] = b;
      t[k * 256 + b] = kr.crc16(bytes);
    }
  }
  return t;
}

// ---- inputs --------------------------------------------------------------
function loadInputs(kind) {
  const strings = readFileSync(keysPath, "ascii").split("\n").filter((k) => k.length > 0);
  switch (kind) {
    case "strings":
      return strings;
    case "strings-notag":
      return strings.filter((k) => !k.includes("{"));
    case "strings-tag":
      return strings.filter((k) => k.includes("{"));
    case "strings-nonascii":
      // "é" after the second character: before the tag of most tagged
      // keys, inside it for keys that start with one.
      return strings.map((k) => `${k.slice(0, 2)}\u00e9${k.slice(2)}`);
    case "buffers":
      return strings.map((k) => Buffer.from(k));
    case "u8":
      return strings.map((k) => new TextEncoder().encode(k));
    case "long": {
      // 2,000 ASCII keys of exactly 1,024 characters with no braces: the
      // whole key is hashed. Deterministic (xorshift), like the corpus.
      const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      let s = 0x9e3779b9;
      const next = () => {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return s >>> 0;
      };
      return Array.from({ length: 2000 }, (_, i) => {
        let k = `blob:${i}:`;
        while (k.length < 1024) k += alnum[next() % alnum.length];
        return k;
      });
    }
    default:
      throw new Error(`unknown input ${kind}`);
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function runRow(name) {
  const row = ROWS[name];
  const require = createRequire(join(root, "bindings-js/package.json"));
  const cks = require("cluster-key-slot");
  const kr = await import(pathToFileURL(join(pkgDir, row.entry ?? "dist/node.js")).href);
  const keys = loadInputs(row.input);

  // Agreement first: a fast wrong answer is worth nothing.
  const batch = kr.keySlots(keys);
  for (let i = 0; i < keys.length; i++) {
    const want = cks(keys[i]);
    if (kr.keySlot(keys[i]) !== want || batch[i] !== want) {
      throw new Error(`${name}: keyroute and cluster-key-slot disagree on key #${i}`);
    }
  }

  if (row.agrees !== undefined) {
    const ours = row.ours(kr);
    const wrong = keys.findIndex((k) => !row.agrees(cks, ours, k));
    if (wrong >= 0) throw new Error(`${name}: disagrees with cluster-key-slot on key #${wrong}`);
  }

  // Interleave finely: within each pass the two contenders alternate chunk by
  // chunk (a few milliseconds each), so a burst of load on this shared
  // machine lands on both rather than on one contender's whole pass.
  const chunks = [];
  for (let i = 0; i < keys.length; i += CHUNK) chunks.push(keys.slice(i, i + CHUNK));
  const contenders = [row.incumbent(cks), row.ours(kr)];
  const times = [[], []];
  let sink = 0;
  for (let p = 0; p < warmup + passes; p++) {
    const total = [0, 0];
    chunks.forEach((chunk, j) => {
      // Alternate which goes first, so slow drift hits both.
      for (const c of (p + j) % 2 ? [1, 0] : [0, 1]) {
        const t0 = cpuNow();
        sink ^= contenders[c](chunk);
        total[c] += cpuNow() - t0;
      }
    });
    if (p >= warmup) for (const c of [0, 1]) times[c].push(total[c] / keys.length);
  }
  return { name, keys: keys.length, incumbent: median(times[0]), ours: median(times[1]), goal: row.goal, sink };
}

async function main() {
  const only = opt("--row", null);
  if (only !== null) {
    process.stdout.write(JSON.stringify(await runRow(only)) + "\n");
    return;
  }
  const procs = Number(opt("--procs", "5"));
  console.log(`keyroute npm benchmark: ${keysPath}; per row ${procs} processes, each the median of ${passes} passes after ${warmup} warm-up`);
  console.log(`node ${process.version}; keyroute from ${pkgDir}; cluster-key-slot 1.1.2`);
  const runs = Object.fromEntries(Object.keys(ROWS).map((name) => [name, []]));
  for (let r = 0; r < procs; r++) {
    for (const name of Object.keys(ROWS)) runs[name].push(childRow(fileURLToPath(import.meta.url), name, r));
  }
  const results = Object.keys(ROWS).map((name) => medianRun(runs[name]));
  const pad = (s, n) => String(s).padEnd(n);
  const num = (x, n) => x.toFixed(1).padStart(n);
  console.log(`${pad("case", 38)}${pad("keys", 8)}${"cks ns/key".padStart(12)}${"ours ns/key".padStart(13)}${"ratio".padStart(8)}  ${"(processes)".padEnd(14)}goal`);
  for (const r of results) {
    const ratio = r.incumbent / r.ours;
    record("slot", r.name, "cluster-key-slot", r.incumbent, r.ours);
    const verdict = r.goal === null ? "" : `>=${r.goal}x ${ratio >= r.goal ? "met" : "NOT met"}`;
    console.log(
      `${pad(r.name, 38)}${pad(r.keys, 8)}${num(r.incumbent, 12)}${num(r.ours, 13)}${(ratio.toFixed(2) + "x").padStart(8)}  ${r.spread.padEnd(14)}${verdict}`,
    );
  }
  const ratioOf = (name) => {
    const r = results.find((x) => x.name === name);
    return r === undefined ? "-" : `${(r.incumbent / r.ours).toFixed(2)}x`;
  };
  console.log(
    `keySlot(string) ${ratioOf("keySlot(string)")} in this run, beside what reading the keys costs here: ` +
      `charCodeAt of every unit ${ratioOf("reference: charCodeAt of every unit")}, ` +
      `a JS CRC-16 of every unit ${ratioOf("reference: JS CRC-16 of every unit")} (the reference rows: not keyroute)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
