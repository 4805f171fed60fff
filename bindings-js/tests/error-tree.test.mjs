// keyroute's error classes against tests/vectors/errors.json, the core's list
// of them (names, parents, class codes, the codes raised as each class),
// which the Python package is checked against too.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { VECTORS_DIR } from "./helpers.mjs";

const LIST = JSON.parse(readFileSync(join(VECTORS_DIR, "errors.json"), "utf8"));
const CLASSES = LIST.classes;
const BY_NAME = new Map(CLASSES.map((c) => [c.name, c]));

function classOf(code) {
  const found = CLASSES.filter((c) => c.codes.includes(code)).map((c) => c.name);
  assert.equal(found.length, 1, `${code} is listed for ${found.length} classes`);
  return found[0];
}

test("the list is not empty", () => {
  assert.ok(CLASSES.length > 30);
  assert.equal(CLASSES[0].name, "KeyrouteError");
});

test("every listed class: name, parent, static code", () => {
  for (const row of CLASSES) {
    const cls = kr[row.name];
    assert.equal(typeof cls, "function", `keyroute exports no ${row.name}`);
    assert.equal(cls.name, row.name);
    const parent = Object.getPrototypeOf(cls);
    assert.equal(parent, row.parent === null ? Error : kr[row.parent], `${row.name}'s parent`);
    assert.ok(Object.hasOwn(cls, "code"), `${row.name} has no static code of its own`);
    assert.equal(cls.code, row.code, `${row.name}.code`);
  }
});

test("no error class outside the list", () => {
  const ours = Object.keys(kr).filter((name) => typeof kr[name] === "function" && kr[name].prototype instanceof Error);
  assert.deepEqual(ours.sort(), [...BY_NAME.keys()].sort());
});

const SERVERS = ["127.0.0.1:6379:1 a", "127.0.0.1:6380:1 b"];

function crossShard() {
  const pool = new kr.Pool(SERVERS, { scheme: "twemproxy-ketama" });
  const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
  const a = keys[0];
  const b = keys.find((k) => pool.indexFor(k) !== pool.indexFor(a));
  kr.ShardRouter.forPool(pool).plan(["RENAME", a, b]);
}

// Errors raised for real, one or more per class: each must be an instance of
// the class the list gives for its code, with that code.
const RAISE = {
  "no servers": () => new kr.Pool([], { scheme: "jump" }),
  "unknown scheme": () => new kr.Pool(SERVERS, { scheme: "nope" }),
  "bad server": () => new kr.Pool(["bad::"], { scheme: "twemproxy-ketama" }),
  "option not applicable": () => new kr.Pool(SERVERS, { scheme: "jump", hash: "md5" }),
  "bad entry": () => new kr.Pool({ "127.0.0.1:1": { bogus: 1 } }, { scheme: "node-hashring" }),
  "bad tag pattern": () => new kr.Pool(["127.0.0.1:1"], { scheme: "redis-rb-4", tag: "(?<=a)b" }),
  config: () => kr.Pool.fromNutcracker(""),
  "empty command": () => kr.commandKeys([]),
  "unknown command": () => kr.commandKeys(["NOPE"]),
  "wrong arity": () => kr.commandKeys(["GET"]),
  crossslot: () => kr.check(["MSET", "a", "1", "b", "2"]),
  redirect: () => kr.parseRedirect("x"),
  policy: () => new kr.HashPolicy([]),
  "invalid rule": () => new kr.HashPolicy(["abc"]),
  "cross shard": crossShard,
  "malformed reply": () => kr.Cluster.fromSlots("nope"),
};

for (const [name, raise] of Object.entries(RAISE)) {
  test(`raised as the listed class of its code: ${name}`, () => {
    assert.throws(raise, (err) => {
      assert.ok(err instanceof kr.KeyrouteError, `${err}`);
      assert.match(err.code, /^ERR_KEYROUTE_/);
      const listed = classOf(err.code);
      assert.equal(err.constructor.name, listed, `${name}: ${err.code}`);
      assert.equal(err.name, listed);
      return true;
    });
  });
}

test("the new classes' fields, and the parents that changed", () => {
  assert.throws(() => new kr.Pool({ "127.0.0.1:1": { bogus: 1 } }, { scheme: "node-hashring" }), (err) => {
    assert.ok(err instanceof kr.ServerEntryError && err instanceof kr.ServerSpecError && err instanceof kr.PartitionError);
    assert.equal(err.server, "127.0.0.1:1");
    assert.equal(err.field, "bogus");
    return true;
  });
  assert.throws(() => new kr.Pool(["127.0.0.1:1"], { scheme: "redis-rb-4", tag: "(?<=a)b" }), (err) => {
    assert.ok(err instanceof kr.TagPatternError);
    assert.equal(err.pattern, "(?<=a)b");
    assert.ok(err.reason.length > 0);
    return true;
  });
  // A nutcracker configuration is a pool's configuration.
  assert.throws(() => kr.Pool.fromNutcracker(""), kr.PartitionError);
});
