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
export const used = [a, b, c, d, e, f, g, h, i, code, isError, bad];
`;
const IMPORT = `import { KeyrouteError, SLOT_COUNT, crc16, hashTag, keySlot, keySlots, patternSlot, ready } from "keyroute";
import type { Key } from "keyroute";
`;

const FIXTURES = {
  "node16-cjs": {
    tsconfig: { module: "node16", moduleResolution: "node16" },
    files: { "index.cts": IMPORT + BODY, "req.cts": 'import kr = require("keyroute");\nexport const s: number = kr.keySlot("a");\n' },
  },
  "node16-esm": {
    tsconfig: { module: "node16", moduleResolution: "node16" },
    files: { "index.mts": IMPORT + BODY },
  },
  bundler: {
    tsconfig: { module: "esnext", moduleResolution: "bundler" },
    files: { "index.ts": IMPORT + BODY },
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
    const want = name === "node16-cjs" ? "keyroute.d.cts" : "keyroute.d.ts";
    assert.match(out, new RegExp(`successfully resolved to '[^']*node_modules/keyroute/dist/${want.replace(".", "\\.")}'`));
  });
}

test("arethetypeswrong: no problem for node10, node16 (CJS and ESM) and bundler", () => {
  const attw = join(JS_DIR, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js");
  try {
    execFileSync(process.execPath, [attw, TARBALL, "--exclude-entrypoints", "./keyroute_bg.wasm", "--format", "ascii"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
  } catch (err) {
    assert.fail(`attw reported problems:\n${err.stdout}${err.stderr}`);
  }
});
