// The declarations as TypeScript users meet them: `tsc --noEmit` on fixtures
// for module node16 (a CommonJS file and an ES module) and for
// moduleResolution bundler, each resolving `keyroute` through the exports map
// of the installed package. Each fixture also carries @ts-expect-error lines,
// so declarations that were too loose would fail too.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CONSUMER, JS_DIR, TARBALL } from "./helpers.mjs";

const TSC = join(JS_DIR, "node_modules", "typescript", "bin", "tsc");
const ROOT = join(CONSUMER, "types");
after(() => rmSync(ROOT, { recursive: true, force: true }));

const BODY = `
const a: number = keySlot("foo");
const b: number = keySlot(new Uint8Array([1, 2]));
const c: Uint16Array = keySlots(["a", new Uint8Array(0)]);
const d: Uint16Array = keySlots(new Set<Key>(["a"]));
const e: Uint8Array = hashTag("{a}b");
const f: number | null = patternSlot("user:*");
const g: number = crc16("123456789");
const h: 16384 = SLOT_COUNT;
const i: Promise<void> = ready;
const err = new KeyrouteError("keyroute: x", "ERR_X");
const code: string = err.code;
const isError: Error = err;
// @ts-expect-error numbers are not keys
keySlot(5);
// @ts-expect-error nor are arrays of numbers
keySlots([1, 2]);
// @ts-expect-error patternSlot can be null
const bad: number = patternSlot("a");
// @ts-expect-error SLOT_COUNT is a constant
SLOT_COUNT = 1;
const pol: HashPolicy = HashPolicy.enterpriseStandard();
const j: number = keySlot("a", { policy: pol });
const k: Uint16Array = keySlots(["a"], { policy: null });
const cl: Cluster = Cluster.fromSlots([], { answeredBy: "127.0.0.1", policy: pol });
const node: Node = cl.nodeFor("k", { readFrom: { azAffinity: "eu" } });
const port: number = node.port;
const role: "primary" | "replica" = node.role;
const groups: NodeGroup[] = cl.groupByNode(["a", new Uint8Array(1)], { readFrom: "prefer_replica" });
const pos: Uint32Array = groups[0].slots[0].positions;
const red: Redirect = cl.applyRedirect(new Error("MOVED 1 h:1"));
const viaIo: Promise<Cluster> = Cluster.fromIORedis({ call: async () => [], options: { host: "h" } });
const keys: (string | Uint8Array)[] = commandKeys(["GET", "a"], { mode: "keyspecs" });
const slot: number | null = check(["GET", "a"]);
const tx: number | null = checkTransaction([["GET", "a"], ["SET", "a", new Uint8Array(1)]]);
const rp: RoutePlan = route(["DBSIZE"]);
const sp: Split = split(["MGET", "a", "b"]);
const table = new CommandTable({ policy: pol });
const added: number = table.extendFromCommandReply([]);
const pl: Plan = plan.rebalance({ a: [[0, 16383]] }, { add: ["b"], weights: { a: "1.5" } });
const script: string = pl.script("legacy");
let ce: CrossSlotError | undefined;
const firstKey: Key | undefined = ce?.firstKey;
const errs: KeyrouteError[] = [new PolicyError("m", "C"), new NoRuleMatchedError("m", "C"), new TopologyError("m", "C"), new PlanError("m", "C"), new InvalidRuleError("m", "C")];
let ov: SlotOverlapError | undefined;
const second: string | undefined = ov?.second;
// @ts-expect-error unknown read-from names are refused
cl.nodeFor("k", { readFrom: "replica" });
// @ts-expect-error numbers are not command arguments
commandKeys(["EXPIRE", "k", 10]);
// @ts-expect-error the constructor is private: use fromSlots/fromShards
new Cluster();
// @ts-expect-error script kinds are a closed set
pl.script("bash");
declare const ioClient: IORedisClientLike;
const sr = new ShardedRedis({ "127.0.0.1:7001:1 a": ioClient }, { scheme: "twemproxy-ketama", hash: "fnv1a_64", strictTags: true });
const srv: Promise<(string | null)[]> = sr.mget("a", new Uint8Array(1));
const src: Promise<unknown> = sr.call("GET", "a");
const srp: ShardedPipeline = sr.pipeline().set("a", "1").get("a");
const srx: Promise<[Error | null, unknown][] | null> = sr.multi().incr("a").exec();
const srn: string = sr.getShardNameForKey("a");
const sre: Promise<Record<string, unknown>> = sr.forEachShard((c, name) => c.call("PING"));
declare const nrClient: NodeRedisClientLike;
const sc: ShardedClient = createShardedClient({ shards: { "127.0.0.1:7001 a": nrClient }, scheme: "redis-rb-4" });
const scm: Promise<(string | null)[]> = sc.mGet(["a"]);
const scp: Promise<unknown[]> = sc.multi().set("a", "1").get("a").execAsPipeline();
let cse: CrossShardError | undefined;
const cseCommand: string | null | undefined = cse?.command;
const cseShards: readonly string[] | undefined = cse?.shards;
const shErrs: ShardingError[] = [new CrossShardError("m", "C"), new CrossShardTransactionError("m", "C"), new KeylessCommandError("m", "C"), new UnroutableCommandError("m", "C")];
const shBase: KeyrouteError = new ShardingError("m", "C");
const nce: CrossShardError = new NotColocatedError("m", "C");
const tse: ShardingError = new TransactionStateError("m", "C");
const sCode: string = ShardingError.code;
let txe: CrossShardTransactionError | undefined;
const txPos: readonly [number | null, number | null] | undefined = txe?.positions;
const txCmds: readonly [string, string] | undefined = txe?.commands;
const txConflict: "shards" | "slots" | "tags" | undefined = txe?.conflict;
let kle: KeylessCommandError | undefined;
const why: "no_policy" | "special" | "per_shard" | "transaction" | undefined = kle?.reason;
const rt: ShardRouter = ShardRouter.forPool(new Pool(["a:1"], { scheme: "twemproxy-ketama" }), { strictTags: true, seed: 7 });
const rtc: ShardRouter = ShardRouter.forCluster(cl, ["127.0.0.1:7000"]);
const step: Step = rt.plan(["MGET", "a", new Uint8Array(1)]);
if (step.kind === "split") {
  const order: Uint32Array | undefined = step.reduce.kind === "order" ? step.reduce.order : undefined;
  const partShard: number = step.parts[0].shard;
  const red: unknown = applyReduce(step.reduce, [["x"], ["y"]]);
  void [order, partShard, red];
} else if (step.kind === "fan_out") {
  const shards: Uint32Array = step.shards;
  void shards;
}
const pipe: Pipeline = rt.planPipeline([["GET", "a"], ["DBSIZE"]]);
const firstSend: Send = pipe.batches[0][0];
const sess = new ShardSession();
const pinnedShard: number | null = sess.pinned;
const watchShard: number = sess.watch(rt, ["WATCH", "a"]);
const execShard: number | null = sess.transaction(rt, [["SET", "a", "1"]]);
const rdc: Reduce = { kind: "sum" };
// @ts-expect-error reduce kinds are a closed set
const badReduce: Reduce = { kind: "average" };
// @ts-expect-error a step is one of three kinds
const badStep: Step = { kind: "two", shard: 0 };
// @ts-expect-error numbers are not command arguments
rt.plan(["EXPIRE", "k", 10]);
const usedShard = [nce, tse, sCode, txPos, txCmds, txConflict, why, rtc, firstSend, pinnedShard, watchShard, execShard, rdc, badReduce, badStep];
// @ts-expect-error scheme names are a closed set
new ShardedRedis({}, { scheme: "ketama" });
// @ts-expect-error createShardedClient needs shards
createShardedClient({ scheme: "predis" });
export const used = [usedShard, srv, src, srp, srx, srn, sre, scm, scp, cseCommand, cseShards, shErrs, shBase, a, b, c, d, e, f, g, h, i, code, isError, bad, j, k, port, role, pos, red, viaIo, keys, slot, tx, rp, sp, added, script, firstKey, errs, second, split, RedirectError];
`;
const IMPORT = `import { KeyrouteError, SLOT_COUNT, crc16, hashTag, keySlot, keySlots, patternSlot, ready } from "keyroute";
import { Cluster, CommandTable, CrossSlotError, HashPolicy, InvalidRuleError, NoRuleMatchedError, Plan, PlanError, PolicyError, RedirectError, SlotOverlapError, Split, TopologyError } from "keyroute";
import { check, checkTransaction, commandKeys, plan, route, split } from "keyroute";
import type { Key, Node, NodeGroup, Redirect, RoutePlan } from "keyroute";
import { CrossShardError, CrossShardTransactionError, KeylessCommandError, ShardedClient, ShardedPipeline, ShardedRedis, ShardingError, UnroutableCommandError, createShardedClient } from "keyroute";
import { NotColocatedError, Pool, ShardRouter, ShardSession, TransactionStateError, applyReduce } from "keyroute";
import type { IORedisClientLike, NodeRedisClientLike, Pipeline, Reduce, Send, Step } from "keyroute";
`;

// keyroute/slots: the slot functions with the main entry's signatures (each
// assignable to the other's type), taking the main entry's HashPolicy.
const SLOTS = `import { KeyrouteError, SLOT_COUNT, crc16, hashTag, keySlot, keySlots, patternSlot, ready } from "keyroute/slots";
import type { Key, SlotOptions } from "keyroute/slots";
import * as main from "keyroute";
const a: number = keySlot("foo");
const b: number = keySlot(new Uint8Array([1, 2]));
const c: Uint16Array = keySlots(["a", new Uint8Array(0)]);
const d: Uint16Array = keySlots(new Set<Key>(["a"]));
const e: Uint8Array = hashTag("{a}b");
const f: number | null = patternSlot("user:*");
const g: number = crc16("123456789");
const h: 16384 = SLOT_COUNT;
const i: Promise<void> = ready;
const err = new KeyrouteError("keyroute: x", "ERR_X");
const code: string = err.code;
const isError: Error = err;
const same = [
  ((x: typeof main.keySlot): typeof keySlot => x)(keySlot),
  ((x: typeof keySlot): typeof main.keySlot => x)(main.keySlot),
  ((x: typeof main.keySlots): typeof keySlots => x)(keySlots),
  ((x: typeof keySlots): typeof main.keySlots => x)(main.keySlots),
  ((x: typeof main.hashTag): typeof hashTag => x)(hashTag),
  ((x: typeof main.patternSlot): typeof patternSlot => x)(patternSlot),
  ((x: typeof main.crc16): typeof crc16 => x)(crc16),
];
const pol = main.HashPolicy.enterpriseStandard();
const j: number = keySlot("a", { policy: pol });
const k: Uint16Array = keySlots(["a"], { policy: null });
const opts: SlotOptions = { policy: pol };
const back: main.SlotOptions = opts;
const key: main.Key = "a" as Key;
// @ts-expect-error numbers are not keys
keySlot(5);
// @ts-expect-error nor are arrays of numbers
keySlots([1, 2]);
// @ts-expect-error patternSlot can be null
const bad: number = patternSlot("a");
// @ts-expect-error a policy is a HashPolicy
keySlot("a", { policy: {} });
export const usedSlots = [a, b, c, d, e, f, g, h, i, code, isError, same, j, k, back, key, bad];
`;

const FIXTURES = {
  "node16-cjs": {
    tsconfig: { module: "node16", moduleResolution: "node16" },
    files: {
      "index.cts": IMPORT + BODY,
      "req.cts": 'import kr = require("keyroute");\nexport const s: number = kr.keySlot("a");\n',
      "slots.cts": SLOTS,
      "req-slots.cts": 'import kr = require("keyroute/slots");\nexport const s: number = kr.keySlot("a");\n',
    },
  },
  "node16-esm": {
    tsconfig: { module: "node16", moduleResolution: "node16" },
    files: { "index.mts": IMPORT + BODY, "slots.mts": SLOTS },
  },
  bundler: {
    tsconfig: { module: "esnext", moduleResolution: "bundler" },
    files: { "index.ts": IMPORT + BODY, "slots.ts": SLOTS },
  },
};

for (const [name, fixture] of Object.entries(FIXTURES)) {
  test(`tsc --noEmit: ${name}`, () => {
    const dir = join(ROOT, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(fixture.files)) writeFileSync(join(dir, file), text);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          ...fixture.tsconfig,
          target: "es2022",
          lib: ["es2022"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        include: ["*.ts", "*.cts", "*.mts"],
      }),
    );
    let out = "";
    try {
      out = execFileSync(process.execPath, [TSC, "-p", dir, "--traceResolution"], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
    } catch (err) {
      assert.fail(`tsc failed:\n${(err.stdout || "").split("\n").filter((l) => /error TS/.test(l)).join("\n")}`);
    }
    // Which declaration file each fixture resolved to.
    const ext = name === "node16-cjs" ? "d.cts" : "d.ts";
    for (const want of [`keyroute.${ext}`, `slots.${ext}`]) {
      assert.match(out, new RegExp(`successfully resolved to '[^']*node_modules/keyroute/dist/${want.replaceAll(".", "\\.")}'`));
    }
  });
}

test("arethetypeswrong: no problem for node10, node16 (CJS and ESM) and bundler, on . and ./slots", () => {
  const attw = join(JS_DIR, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js");
  let out = "";
  try {
    out = execFileSync(process.execPath, [attw, TARBALL, "--format", "ascii"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
  } catch (err) {
    assert.fail(`attw reported problems:\n${err.stdout}${err.stderr}`);
  }
  assert.match(out, /"keyroute\/slots"/, out);
});
