// Runs the golden vectors against a keyroute module inside a browser (a page
// or a worker). Plain browser JS: no Node APIs. Returns a summary; the Node
// side fails the test on any failure.

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

export async function runVectors(kr, vectorsUrl) {
  const doc = await (await fetch(vectorsUrl)).json();
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

  // A glue-cost canary, printed only: ns per keySlot(string) on short keys.
  const keys = cases.filter((c) => c.text !== null && c.text.length <= 40).map((c) => c.text);
  let sink = 0;
  const rounds = Math.ceil(200000 / keys.length);
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < keys.length; i++) sink ^= kr.keySlot(keys[i]);
  const ns = ((performance.now() - t0) * 1e6) / (rounds * keys.length);
  return { cases: cases.length, checked, failures: failures.slice(0, 20), failureCount: failures.length, ns, sink };
}
