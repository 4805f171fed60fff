// Replies as client libraries return them, encoded as RESP for the core's
// reply parser (Value::from_resp), so that one parser reads every shape.
//
// Accepted: arrays (RESP2 flat key/value arrays included), Map and plain
// objects (RESP3 maps, as ioredis and node-redis return them), Set, strings
// (UTF-8), Uint8Array/Buffer, integers (numbers or bigints), booleans, null
// and undefined. Anything else, or nesting deeper than 64 levels (a cycle),
// is a malformed reply naming where it is.

import { describe } from "./argument-errors.js";

const MAX_DEPTH = 64;
const encoder = new TextEncoder();

/** Builds the error for a malformed reply: `at` is its path, e.g. `CLUSTER SLOTS[0][2]`. */
export type Malformed = (at: string, problem: string) => Error;

class Writer {
  buf = new Uint8Array(256);
  len = 0;

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }

  bulk(u: Uint8Array): void {
    this.ascii(`$${u.length}\r\n`);
    this.reserve(u.length + 2);
    this.buf.set(u, this.len);
    this.len += u.length;
    this.ascii("\r\n");
  }

  text(s: string): void {
    this.bulk(encoder.encode(s));
  }
}

/** RESP bytes of `reply`; `root` names it in errors (e.g. `CLUSTER SLOTS`). */
export function encodeReply(reply: unknown, root: string, malformed: Malformed): Uint8Array {
  const w = new Writer();
  const path: (string | number)[] = [];
  const fail = (problem: string): never => {
    const at = root + path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    throw malformed(at, problem);
  };
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
    if (typeof v === "string") return w.text(v);
    if (typeof v === "number") {
      if (Number.isSafeInteger(v)) return w.ascii(`:${v}\r\n`);
      // A double: the core reads it as text and says where a number was wrong.
      return w.ascii(`,${v}\r\n`);
    }
    if (typeof v === "bigint") return w.ascii(`(${v}\r\n`);
    if (typeof v === "boolean") return w.ascii(v ? "#t\r\n" : "#f\r\n");
    if (v === null || v === undefined) return w.ascii("_\r\n");
    if (v instanceof Uint8Array) return w.bulk(v);
    if (Array.isArray(v) || v instanceof Set) {
      const items = Array.isArray(v) ? v : [...v];
      w.ascii(`*${items.length}\r\n`);
      items.forEach((item, i) => {
        path.push(i);
        walk(item, depth + 1);
        path.pop();
      });
      return;
    }
    const entries = v instanceof Map ? [...v.entries()] : isPlain(v) ? Object.entries(v as object) : null;
    if (entries === null) return fail(`a ${describe(v)} is not a reply value`);
    w.ascii(`%${entries.length}\r\n`);
    for (const [k, item] of entries) {
      walk(k, depth + 1);
      path.push(String(k));
      walk(item, depth + 1);
      path.pop();
    }
  };
  walk(reply, 0);
  return w.buf.subarray(0, w.len);
}

function isPlain(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A `CLUSTER SLOTS` reply in its raw form. node-redis's `clusterSlots()`
 * returns `[{from, to, master: {host, port, id}, replicas: [...]}]`; the raw
 * form is `[[from, to, [host, port, id], ...replicas]]`.
 */
export function rawSlots(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  return reply.map((range) => {
    if (!isPlain(range) || !("master" in range) || !("from" in range)) return range;
    const r = range as { from: unknown; to: unknown; master: unknown; replicas?: unknown };
    const node = (n: unknown) => {
      if (!isPlain(n)) return n;
      const { host, port, id } = n as { host?: unknown; port?: unknown; id?: unknown };
      return id === undefined ? [host, port] : [host, port, id];
    };
    const replicas = Array.isArray(r.replicas) ? r.replicas.map(node) : [];
    return [r.from, r.to, node(r.master), ...replicas];
  });
}

/**
 * A `CLUSTER SHARDS` reply with the field names the server uses: a client
 * that camel-cases them (`tlsPort`, `availabilityZone`) gets them back in
 * kebab case. Flat arrays, Maps and RESP3 objects pass through as they are.
 */
export function rawShards(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  const kebab = (o: unknown, deep: boolean): unknown => {
    if (!isPlain(o)) return o;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o as object)) {
      const name = k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      out[name] = deep && name === "nodes" && Array.isArray(v) ? v.map((n) => kebab(n, false)) : v;
    }
    return out;
  };
  return reply.map((shard) => kebab(shard, true));
}
