// Runs the golden vectors against a keyroute module inside a browser (a page
// or a worker), Bun, Deno or workerd. Plain browser JS: no Node APIs.
// Returns a summary; the Node side fails the test on any failure.

function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `vectors`: the URL of tests/vectors/slots.json, or that document itself. */
export async function runVectors(kr, vectors) {
  const doc = typeof vectors === "string" ? await (await fetch(vectors)).json() : vectors;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const encoder = new TextEncoder();
  const failures = [];
  let checked = 0;
  const check = (what, got, want) => {
    checked++;
    if (got !== want) failures.push(`${what}: got ${got}, want ${want}`);
  };
  const cases = doc.cases.map((c) => {
    const bytes = fromHex(c.key);
    let text = null;
    if (Array.isArray(c.utf16)) text = String.fromCharCode(...c.utf16);
    else {
      try {
        const t = decoder.decode(bytes);
        if (sameBytes(encoder.encode(t), bytes)) text = t;
      } catch {
        // bytes only
      }
    }
    return { name: c.name, bytes, text, slot: c.slot };
  });
  for (const c of cases) {
    check(`${c.name} bytes`, kr.keySlot(c.bytes), c.slot);
    if (c.text !== null) {
      check(`${c.name} text`, kr.keySlot(c.text), c.slot);
      check(`${c.name} text encoding`, sameBytes(encoder.encode(c.text), c.bytes), true);
    }
    check(`${c.name} crc16(hashTag)`, kr.crc16(kr.hashTag(c.bytes)) & 0x3fff, c.slot);
  }
  const batch = kr.keySlots(cases.map((c) => (c.text !== null ? c.text : c.bytes)));
  cases.forEach((c, i) => check(`${c.name} keySlots`, batch[i], c.slot));
  check("patternSlot", kr.patternSlot("{user1000}:*"), 3443);
  check("patternSlot null", kr.patternSlot("user:*"), null);
  let typeError = "none";
  try {
    kr.keySlot(5);
  } catch (err) {
    typeError = `${err.name}: ${err.message}`;
  }
  check("TypeError", typeError, "TypeError: keyroute: key must be a string or Uint8Array, got number");
  // The main entry also has maps, commands, policies and plans; keyroute/slots does not.
  if (typeof kr.Cluster === "function") runStateful(kr, check);

  // A glue-cost canary, printed only: ns per keySlot(string) on short keys.
  const keys = cases.filter((c) => c.text !== null && c.text.length <= 40).map((c) => c.text);
  let sink = 0;
  const rounds = Math.ceil(200000 / keys.length);
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < keys.length; i++) sink ^= kr.keySlot(keys[i]);
  const ns = ((performance.now() - t0) * 1e6) / (rounds * keys.length);
  return { cases: cases.length, checked, failures: failures.slice(0, 20), failureCount: failures.length, ns, sink };
}

/** A few calls of every stateful API: maps, commands, policies, plans, typed errors. */
function runStateful(kr, check) {
  const node = (port) => ["10.0.0.1", port, String(port).repeat(10)];
  const cluster = kr.Cluster.fromSlots([[0, 8191, node(7000), node(7003)], [8192, 16383, node(7001), node(7004)]]);
  check("nodeFor", cluster.nodeFor("{user1000}.following").addr, "10.0.0.1:7000");
  check("nodeFor replica", cluster.nodeFor("a", { readFrom: "prefer_replica" }).port, 7004);
  const groups = cluster.groupByNode(["a", "b", "{a}c"]);
  check("groupByNode", groups.map((g) => `${g.node.port}:${Array.from(g.positions).join("+")}`).join(), "7001:0+2,7000:1");
  check("applyRedirect", cluster.applyRedirect("MOVED 3443 10.0.0.9:7009").kind, "moved");
  check("after MOVED", cluster.nodeFor("{user1000}").addr, "10.0.0.9:7009");
  cluster.free();
  check("commandKeys", kr.commandKeys(["ZUNIONSTORE", "{t}out", "2", "{t}a", "{t}b"]).join(), "{t}a,{t}b,{t}out");
  check("check", kr.check(["MSET", "{t}a", "1", "{t}b", "2"]), kr.keySlot("t"));
  let cross = "none";
  try {
    kr.check(["MGET", "a", "b"]);
  } catch (err) {
    cross = `${err.name} ${err.code} ${err.firstKey} ${err.otherKey} ${err instanceof kr.KeyrouteError}`;
  }
  check("CrossSlotError", cross, "CrossSlotError ERR_KEYROUTE_CROSSSLOT a b true");
  check("route", kr.route(["DBSIZE"]).target, "all_primaries");
  check("split", kr.split(["MGET", "a", "b"]).parts.length, 2);
  const policy = kr.HashPolicy.enterpriseStandard();
  check("policy", kr.keySlot("{}a", { policy }), kr.keySlot("{}b", { policy }));
  let bad = "none";
  try {
    new kr.HashPolicy(["(?<tag>a)\\1"]);
  } catch (err) {
    bad = `${err.name} ${err.code}`;
  }
  check("InvalidRuleError", bad, "InvalidRuleError ERR_KEYROUTE_POLICY_NOT_PCRE");
  const [a, b, c] = ["a", "b", "c"].map((x) => x.repeat(40));
  check("plan", kr.plan.rebalance({ [a]: [[0, 8191]], [b]: [[8192, 16383]] }, { add: [c] }).movesTotal, 5461);
}
