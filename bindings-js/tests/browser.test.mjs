// Headless Debian Chromium (driven by playwright-core, which downloads no
// browser) loads the package from a static server on 127.0.0.1 and runs the
// golden vectors: (a) a plain <script type="module"> importing
// dist/keyroute.js, (b) an esbuild browser bundle, (c) the same as (a) under a
// strict Content-Security-Policy, (d) inside a module Worker, and (e)
// dist/slots.js (keyroute/slots) on a page of its own. Any mismatch,
// page error or console error fails. The browser and the server are closed
// whatever happens.
import assert from "node:assert/strict";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { after, before, test } from "node:test";
import { CONSUMER, HERE, PKG, tool } from "./helpers.mjs";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

const pageMain = (from) => `import * as kr from ${JSON.stringify(from)};
import { runVectors } from "/check.js";
window.keyrouteCheck = () => runVectors(kr, "/vectors.json");
`;
const PAGES = {
  "/a.html": '<!doctype html><script type="module" src="/a.js"></script>',
  "/a.js": pageMain("/dist/keyroute.js"),
  "/b.html": '<!doctype html><script type="module" src="/bundle.js"></script>',
  "/csp.html": '<!doctype html><script type="module" src="/a.js"></script>',
  "/s.html": '<!doctype html><script type="module" src="/s.js"></script>',
  "/s.js": pageMain("/dist/slots.js"),
  "/worker.html": `<!doctype html><script type="module" src="/worker-page.js"></script>`,
  "/worker-page.js": `window.keyrouteCheck = () => new Promise((resolve, reject) => {
  const worker = new Worker("/worker.js", { type: "module" });
  worker.onmessage = (e) => resolve(e.data);
  worker.onerror = (e) => reject(new Error("worker error: " + e.message));
});`,
  "/worker.js": `import * as kr from "/dist/keyroute.js";
import { runVectors } from "/check.js";
runVectors(kr, "/vectors.json").then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));
`,
};

let server;
let context;
let userDataDir;
let base;
const files = new Map();

before(async () => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  }
  // (b): the consumer's browser bundle, built as a user would.
  const entry = join(CONSUMER, "browser-app.mjs");
  writeFileSync(entry, pageMain("keyroute").replace('"/check.js"', JSON.stringify(join(HERE, "browser-check.mjs"))));
  const built = await tool("esbuild").build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  files.set("/bundle.js", built.outputFiles[0].contents);
  files.set("/check.js", readFileSync(join(HERE, "browser-check.mjs")));
  files.set("/vectors.json", readFileSync(process.env.KEYROUTE_VECTORS));
  for (const [path, text] of Object.entries(PAGES)) files.set(path, text);

  server = createServer((req, res) => {
    const path = new URL(req.url, "http://127.0.0.1").pathname;
    if (path === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    let body = files.get(path);
    if (body === undefined && path.startsWith("/dist/")) {
      const file = normalize(join(PKG, path));
      if (file.startsWith(join(PKG, "dist") + sep)) {
        try {
          body = readFileSync(file);
        } catch {
          body = undefined;
        }
      }
    }
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    const headers = { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "cache-control": "no-store" };
    if (path === "/csp.html") headers["content-security-policy"] = CSP;
    res.writeHead(200, headers).end(body);
  });
  await new Promise((resolve, reject) => server.listen(0, "127.0.0.1", resolve).on("error", reject));
  base = `http://127.0.0.1:${server.address().port}`;

  userDataDir = mkdtempSync(join(tmpdir(), "keyroute-chromium-"));
  const { chromium } = tool("playwright-core");
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
});

after(async () => {
  await context?.close().catch(() => {});
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function runPage(path, forbidden = null) {
  const page = await context.newPage();
  const problems = [];
  const requested = [];
  page.on("request", (req) => requested.push(new URL(req.url()).pathname));
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  try {
    await page.goto(base + path, { waitUntil: "load" });
    await page.waitForFunction(() => typeof window.keyrouteCheck === "function", null, { timeout: 20000 });
    const result = await page.evaluate(() => window.keyrouteCheck());
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(problems, []);
    if (forbidden !== null) assert.ok(!requested.some((p) => forbidden.test(p)), requested.join(", "));
    assert.deepEqual(result.failures, [], `${result.failureCount} failures`);
    assert.ok(result.cases >= 1000 && result.checked > 3 * result.cases, JSON.stringify(result));
    console.log(`# ${path}: ${result.checked} checks on ${result.cases} vectors; keySlot(string) ~${result.ns.toFixed(0)} ns/key`);
  } finally {
    await page.close();
  }
}

test("(a) <script type=module> importing dist/keyroute.js", () => runPage("/a.html"));
test("(b) an esbuild browser bundle of the packed package", () => runPage("/b.html"));
test(`(c) under Content-Security-Policy: ${CSP}`, () => runPage("/csp.html"));
test("(d) in a module Worker", () => runPage("/worker.html"));
test("(e) keyroute/slots: <script type=module> importing dist/slots.js, and nothing but its own files", () =>
  runPage("/s.html", /^\/dist\/(?!(slots\.js|slots-core\.js|keyroute_slots_wasm\.json)$)/));
