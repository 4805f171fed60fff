// Decoding of the wasm payload (dist/keyroute_wasm.json and
// dist/keyroute_slots_wasm.json: the module's bytes as one hex string, the
// document's `hex`).
//
// Hex rather than base64: gzip keeps byte alignment in hex, so the packed
// tarball carries the payload in ~343 KB instead of ~413 KB for the full
// wasm, and Node decodes it natively (Buffer) as fast as base64.

const HEX = "0123456789abcdef";
let table: Uint8Array | undefined;

/** The bytes of a lowercase hex string (the build writes nothing else). */
export function decodeHex(text: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B !== undefined && typeof B.from === "function") return B.from(text, "hex");
  const native = (Uint8Array as unknown as { fromHex?: (s: string) => Uint8Array }).fromHex;
  if (typeof native === "function") return native(text);
  if (table === undefined) {
    table = new Uint8Array(128);
    for (let i = 0; i < 16; i++) table[HEX.charCodeAt(i)] = i;
  }
  const t = table;
  const out = new Uint8Array(text.length >>> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    out[i] = (t[text.charCodeAt(j)]! << 4) | t[text.charCodeAt(j + 1)]!;
  }
  return out;
}
