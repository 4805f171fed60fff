// Hashing policies: the tag PCRE2 extracts for every rule set, random rule
// and key of tests/vectors/policies.json (the refused sets, constructs PCRE2
// reads otherwise, must be refused naming the construct, as
// core/tests/policy_vectors.rs checks), the policy option everywhere a key
// is hashed, and typed errors for bad rules.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { VECTORS_DIR, fromHex, mismatches, naiveCrc16 } from "./helpers.mjs";

const doc = JSON.parse(readFileSync(join(VECTORS_DIR, "policies.json"), "utf8"));
const keys = doc.keys.map(fromHex);
const hex = (u) => Buffer.from(u).toString("hex");

test(`every policy vector: ${doc.rule_sets.length} rule sets x ${keys.length} keys agree with PCRE2`, () => {
  assert.ok(doc.rule_sets.length >= 11);
  const check = mismatches();
  let compared = 0;
  for (const set of doc.rule_sets) {
    const policy = new kr.HashPolicy(set.rules);
    assert.deepEqual(policy.rules, set.rules);
    const slots = (() => {
      try {
        return kr.keySlots(keys, { policy });
      } catch (err) {
        assert.ok(err instanceof kr.NoRuleMatchedError, String(err));
        return null;
      }
    })();
    keys.forEach((key, i) => {
      const want = set.results[i];
      const name = `${set.name} key ${hex(key)}`;
      compared++;
      if (want === null) {
        assert.throws(() => policy.hashInput(key), { name: "NoRuleMatchedError", position: 0 }, name);
        assert.throws(() => kr.keySlot(key, { policy }), { name: "NoRuleMatchedError" }, name);
        return;
      }
      check(name, hex(policy.hashInput(key)), want[1]);
      const slot = naiveCrc16(fromHex(want[1])) & 0x3fff;
      check(`${name} keySlot`, kr.keySlot(key, { policy }), slot);
      check(`${name} policy.keySlot`, policy.keySlot(key), slot);
      if (slots !== null) check(`${name} keySlots`, slots[i], slot);
    });
    policy.free();
  }
  console.log(`# ${compared} (rule set, key) pairs compared`);
  check.done();
});

test(`every refused construct: ${doc.refused_rule_sets.length} rule sets PCRE2 reads otherwise`, () => {
  assert.ok(doc.refused_rule_sets.length >= 30);
  for (const set of doc.refused_rule_sets) {
    assert.throws(() => new kr.HashPolicy(set.rules), (err) => {
      assert.ok(err instanceof kr.InvalidRuleError && err instanceof kr.PolicyError, `${set.name}: ${err}`);
      assert.equal(err.code, "ERR_KEYROUTE_POLICY_NOT_PCRE");
      assert.equal(err.rule, 0);
      assert.ok(err.construct.includes(set.construct), `${set.name}: ${err.construct}`);
      assert.ok(err.offset >= 0 && err.offset < Buffer.byteLength(set.rules[0]));
      assert.ok(err.reason.includes(err.construct) && err.message.includes(err.construct));
      return true;
    });
  }
});

test("random rules are answered as PCRE2 answers them, or refused", () => {
  const rkeys = doc.random.keys.map(fromHex);
  const check = mismatches();
  let accepted = 0;
  for (const r of doc.random.rules) {
    let policy;
    try {
      policy = new kr.HashPolicy([r.rule]);
    } catch (err) {
      assert.equal(err.code, "ERR_KEYROUTE_POLICY_NOT_PCRE", `${r.rule}: ${err}`);
      continue;
    }
    accepted++;
    rkeys.forEach((key, i) => {
      const want = r.results[i];
      if (want === null) {
        assert.throws(() => policy.hashInput(key), { name: "NoRuleMatchedError" }, r.rule);
      } else {
        check(`${r.rule} key ${hex(key)}`, hex(policy.hashInput(key)), want[1]);
      }
    });
    policy.free();
  }
  assert.ok(accepted * 4 >= doc.random.rules.length * 3, `${accepted} accepted`);
  check.done();
});

test("the standard policy differs from the open-source rule as documented", () => {
  const p = kr.HashPolicy.enterpriseStandard();
  assert.deepEqual(p.rules, [".*\\{(?<tag>.*)\\}.*", "(?<tag>.*)"]);
  assert.equal(p.isOss, false);
  assert.equal(kr.keySlot("{}foo", { policy: p }), kr.keySlot("{}bar", { policy: p }));
  assert.notEqual(kr.keySlot("{}foo"), kr.keySlot("{}bar"));
  assert.deepEqual(Buffer.from(p.hashInput("{foo}bar}")).toString(), "foo}bar");
  const oss = kr.HashPolicy.oss();
  assert.equal(oss.isOss, true);
  assert.deepEqual(oss.rules, []);
  assert.equal(kr.keySlot("{a}b", { policy: oss }), kr.keySlot("a"));
  assert.deepEqual(kr.keySlots(["foo{}{bar}", "{a}x"], { policy: oss }), kr.keySlots(["foo{}{bar}", "{a}x"]));
});

test("keySlots with a policy names the first key no rule matches, across batches", () => {
  const p = new kr.HashPolicy(["user:(?<tag>\\d+):.*"]);
  const many = Array.from({ length: 9000 }, (_, i) => (i % 2 ? Buffer.from(`user:${i}:x`) : `user:${i}:y`));
  const slots = kr.keySlots(many, { policy: p });
  assert.equal(slots[7], kr.keySlot("7"));
  many[8500] = "nobody";
  assert.throws(() => kr.keySlots(many, { policy: p }), { name: "NoRuleMatchedError", position: 8500 });
  assert.equal(kr.keySlot("user:12:" + "x".repeat(40000), { policy: p }), kr.keySlot("12"));
  assert.throws(() => kr.keySlot("x".repeat(40000), { policy: p }), { name: "NoRuleMatchedError" });
});

test("a pathological rule over a 64 KiB key is answered (linear engine)", () => {
  const p = new kr.HashPolicy(["(a+)+b(?<tag>.*)", "(?<tag>.*)"]);
  const key = "a".repeat(64 * 1024);
  assert.equal(p.keySlot(key), kr.keySlot(key));
});

test("bad rules: PolicyError with the rule and the reason", () => {
  const cases = [
    [[], "ERR_KEYROUTE_POLICY_NO_RULES", null],
    [["(\\d+)"], "ERR_KEYROUTE_POLICY_NO_TAG_GROUP", 0],
    [[".*(?<tag>x)", "(?<tag>a)\\1"], "ERR_KEYROUTE_POLICY_NOT_PCRE", 1],
    [[".*(?<tag>x)", "(?=a)(?<tag>a)"], "ERR_KEYROUTE_POLICY_NOT_PCRE", 1],
    [[".*(?<tag>x)", "(?<tag>a++)a"], "ERR_KEYROUTE_POLICY_NOT_PCRE", 1],
    [["(?<tag>"], "ERR_KEYROUTE_POLICY_UNSUPPORTED", 0],
    [[`(?<tag>${"a".repeat(250)})`], "ERR_KEYROUTE_POLICY_RULE_TOO_LONG", 0],
    [Array(33).fill("(?<tag>.*)"), "ERR_KEYROUTE_POLICY_TOO_MANY_RULES", null],
    [["(?<tag>a)$"], "ERR_KEYROUTE_POLICY_NOT_PCRE", 0],
  ];
  for (const [rules, code, rule] of cases) {
    assert.throws(() => new kr.HashPolicy(rules), (err) => {
      assert.ok(err instanceof kr.PolicyError && err instanceof kr.KeyrouteError, String(err));
      // A rule at fault: InvalidRuleError naming it and why, as Python's.
      assert.equal(err.name, rule === null ? "PolicyError" : "InvalidRuleError");
      assert.equal(err instanceof kr.InvalidRuleError, rule !== null);
      if (rule !== null) assert.equal(typeof err.reason, "string");
      assert.equal(err.code, code, err.message);
      assert.equal(err.rule, rule);
      assert.match(err.message, /^keyroute: /);
      return true;
    });
  }
  for (const bad of ["(?<tag>.*)", [1], null, undefined, [null]]) {
    assert.throws(() => new kr.HashPolicy(bad), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  }
  assert.throws(() => kr.keySlot("a", { policy: {} }), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => kr.keySlots(["a"], { policy: 5 }), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  // Still usable after every refusal.
  assert.equal(kr.keySlot("foo"), 12182);
});
