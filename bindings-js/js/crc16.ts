// CRC-16/XMODEM in plain JS, for the per-key paths that never enter wasm.
//
// Why this exists beside the wasm core: copying a short key into wasm memory
// costs more than hashing it (TextEncoder.encodeInto alone is ~40-150 ns per
// call, a JS loop over a 10-20 byte tag is less), so short keys are hashed
// here. The tests prove these functions equal to the wasm core on every
// golden vector and on random keys.

/** `TABLE[k * 256 + b]`: the CRC after byte `b` followed by `k` zero bytes. */
const TABLE = /* @__PURE__ */ buildTable();

function buildTable(): Uint16Array {
  const t = new Uint16Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    t[b] = crc;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = t[(k - 1) * 256 + b];
      t[k * 256 + b] = ((prev << 8) & 0xffff) ^ t[prev >>> 8];
    }
  }
  return t;
}

/**
 * CRC-16/XMODEM of the UTF-16 units `s[start..end)`, or -1 if any of them is
 * not ASCII (its UTF-8 bytes would differ from the unit; the caller then
 * hashes the key's UTF-8 bytes, {@link textSlot}).
 */
export function asciiCrc16(s: string, start: number, end: number): number {
  const t = TABLE;
  let crc = 0;
  let i = start;
  // Slice-by-8: eight independent table loads per step instead of a chain of
  // eight dependent ones.
  for (; i + 8 <= end; i += 8) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    const d = s.charCodeAt(i + 3);
    const e = s.charCodeAt(i + 4);
    const f = s.charCodeAt(i + 5);
    const g = s.charCodeAt(i + 6);
    const h = s.charCodeAt(i + 7);
    if ((a | b | c | d | e | f | g | h) > 0x7f) return -1;
    crc =
      t[1792 + ((crc >>> 8) ^ a)] ^
      t[1536 + ((crc & 0xff) ^ b)] ^
      t[1280 + c] ^
      t[1024 + d] ^
      t[768 + e] ^
      t[512 + f] ^
      t[256 + g] ^
      t[h];
  }
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ c];
  }
  return crc;
}

/**
 * The hash slot of the string `s` computed in JS, or -1 when it is left to
 * the caller: the bytes to hash are not all ASCII ({@link textSlot}), or
 * more than `max` of them (wasm).
 *
 * Braces are ASCII, and UTF-8 never uses ASCII byte values inside a
 * multi-byte sequence, so the tag found on UTF-16 units is the tag Redis finds
 * on the UTF-8 bytes, and a tag of ASCII units is hashed as those units. The
 * tag's CRC runs while looking for its `}`, saving a second `indexOf`.
 */
export function stringSlot(s: string, max: number): number {
  const n = s.length;
  const open = s.indexOf("{");
  if (open !== -1) {
    const t = TABLE;
    const limit = Math.min(n, open + 2 + max);
    let tag = 0;
    let i = open + 1;
    for (; i < limit; i++) {
      const c = s.charCodeAt(i);
      // One compare in the common case: `}` (0x7d) and every unit that is not
      // ASCII are >= 0x7d.
      if (c >= 0x7d) {
        if (c === 0x7d) break;
        if (c > 0x7f) return -1;
      }
      tag = ((tag << 8) & 0xffff) ^ t[(tag >>> 8) ^ c];
    }
    if (i < limit) {
      if (i > open + 1) return tag & 0x3fff;
    } else if (limit < n) {
      return -1; // a tag longer than `max`, or no `}` within reach
    }
  }
  if (n > max) return -1;
  const crc = asciiCrc16(s, 0, n);
  return crc < 0 ? -1 : crc & 0x3fff;
}

/**
 * Continues a CRC-16/XMODEM over the UTF-8 bytes of the UTF-16 units
 * `s[start..end)`, the bytes `TextEncoder` writes for them (WHATWG UTF-8
 * encode): one to three bytes per unit, four per surrogate pair, and a
 * surrogate without its other half as U+FFFD (EF BF BD). A pair is only
 * looked for inside the range; the callers' ranges end at the string's end
 * or at a brace, which is never half of a pair.
 */
function utf8Crc16(crc: number, s: string, start: number, end: number): number {
  const t = TABLE;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ c];
      continue;
    }
    if (c < 0x800) {
      crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0xc0 | (c >>> 6))];
      crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0x80 | (c & 0x3f))];
      continue;
    }
    if ((c & 0xf800) === 0xd800) {
      const d = c < 0xdc00 && i + 1 < end ? s.charCodeAt(i + 1) : 0;
      if ((d & 0xfc00) === 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0xf0 | (cp >>> 18))];
        crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0x80 | ((cp >>> 12) & 0x3f))];
        crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0x80 | ((cp >>> 6) & 0x3f))];
        crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0x80 | (cp & 0x3f))];
        i++;
        continue;
      }
      c = 0xfffd;
    }
    crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0xe0 | (c >>> 12))];
    crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0x80 | ((c >>> 6) & 0x3f))];
    crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ (0x80 | (c & 0x3f))];
  }
  return crc;
}

/**
 * The hash slot of any string, from the UTF-8 bytes `TextEncoder` makes of
 * it, in JS: for the keys {@link stringSlot} leaves (not ASCII). The tag is
 * found on the UTF-16 units, as {@link stringSlot} finds it: braces are
 * ASCII and UTF-8 never uses ASCII byte values inside a multi-byte
 * sequence. Measured on keys of the corpus with one "é" each: 1.14x faster
 * than `TextEncoder.encodeInto` into a buffer and the byte CRC
 * (docs/performance.md).
 */
export function textSlot(s: string): number {
  const open = s.indexOf("{");
  if (open !== -1) {
    const close = s.indexOf("}", open + 1);
    if (close > open + 1) return utf8Crc16(0, s, open + 1, close) & 0x3fff;
  }
  return utf8Crc16(0, s, 0, s.length) & 0x3fff;
}

/** Continues a CRC-16/XMODEM over `u[start..end)`. */
function bytesCrc16(crc: number, u: Uint8Array, start: number, end: number): number {
  const t = TABLE;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    crc =
      t[1792 + ((crc >>> 8) ^ u[i])] ^
      t[1536 + ((crc & 0xff) ^ u[i + 1])] ^
      t[1280 + u[i + 2]] ^
      t[1024 + u[i + 3]] ^
      t[768 + u[i + 4]] ^
      t[512 + u[i + 5]] ^
      t[256 + u[i + 6]] ^
      t[u[i + 7]];
  }
  for (; i < end; i++) crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ u[i]];
  return crc;
}

/**
 * The Redis Cluster hash slot of the first `n` bytes of `u`, in one pass for the common
 * cases: the CRC of the whole key runs while looking for `{`, so a key with
 * no tag is read once; once a `{` is found the tag's CRC runs until `}`. Only
 * an unterminated or empty tag goes back to finish the whole-key CRC.
 */
export function bytesSlot(u: Uint8Array, n: number = u.length): number {
  const t = TABLE;
  let crc = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = u[i];
    if (c === 0x7b) break;
    crc = ((crc << 8) & 0xffff) ^ t[(crc >>> 8) ^ c];
  }
  if (i === n) return crc & 0x3fff;
  const open = i;
  let tag = 0;
  for (i = open + 1; i < n; i++) {
    const c = u[i];
    if (c === 0x7d) break;
    tag = ((tag << 8) & 0xffff) ^ t[(tag >>> 8) ^ c];
  }
  if (i < n && i > open + 1) return tag & 0x3fff;
  return bytesCrc16(crc, u, open, n) & 0x3fff;
}
