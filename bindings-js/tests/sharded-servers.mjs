// Standalone redis-servers (and a nutcracker in front of them) on free
// loopback ports in a temp dir, for the sharded-client tests; stopped by PID,
// also when a test fails. INFO commandstats totals prove what was sent.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RawConnection } from "./resp.mjs";

export const HOST = "127.0.0.1";

/** A port nothing listens on right now (bind port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(port, proc, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} on ${port} exited with ${proc.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = connect({ host: HOST, port }, () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} (${what})`);
    await sleep(20);
  }
}

/**
 * `count` redis-servers and, with `nutcracker`, a nutcracker pool over them
 * ("127.0.0.1:PORT:1 shardN", fnv1a_64, ketama). Returns
 * `{ ports, specs, proxy, yaml, stop, kill }`; `stop()` kills by PID and
 * removes the dir, `kill(i)` stops server `i` at once.
 */
export async function startShards(count, { nutcracker = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "keyroute-sharded-"));
  const procs = [];
  const stop = async () => {
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once("exit", r));
        try {
          process.kill(p.pid, "SIGTERM");
          await Promise.race([gone, sleep(3000)]);
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    for (const port of ports) {
      const p = spawn("redis-server", ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
      procs.push(p);
      p.once("error", () => {});
    }
    for (const [i, port] of ports.entries()) await waitFor(port, procs[i], "redis-server");
    const specs = ports.map((p, i) => `${HOST}:${p}:1 shard${i}`);
    let proxy = null;
    let yaml = null;
    if (nutcracker) {
      proxy = await freePort();
      yaml = `alpha:\n  listen: ${HOST}:${proxy}\n  hash: fnv1a_64\n  distribution: ketama\n  redis: true\n  servers:\n${specs.map((s) => `   - ${s}\n`).join("")}`;
      const conf = join(dir, "nutcracker.yml");
      writeFileSync(conf, yaml);
      const stats = await freePort();
      const p = spawn("nutcracker", ["-c", conf, "-o", join(dir, "nc.log"), "-s", String(stats), "-a", HOST], { stdio: "ignore" });
      procs.push(p);
      p.once("error", () => {});
      await waitFor(proxy, p, "nutcracker");
    }
    /** Stops server `i` by its PID at once (SIGKILL), as a crash would. */
    const kill = async (i) => {
      const p = procs[i];
      const gone = new Promise((r) => p.once("exit", r));
      process.kill(p.pid, "SIGKILL");
      await gone;
    };
    return { ports, specs, proxy, yaml, stop, kill };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Total calls of every command but INFO on the server at `port`. */
export async function commandCalls(port) {
  const c = await RawConnection.open(port);
  try {
    const [info] = await c.pipeline([["INFO", "commandstats"]]);
    let total = 0;
    for (const m of info.toString("latin1").matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (m[1] !== "info") total += Number(m[2]);
    }
    return total;
  } finally {
    c.close();
  }
}

/** Per server: its command calls (INFO excluded). */
export function callsOn(ports) {
  return Promise.all(ports.map(commandCalls));
}

/** `[reply per argv]` over a plain socket (nutcracker closes connections that send a client's handshake). */
export async function raw(port, commands) {
  const c = await RawConnection.open(port);
  try {
    const out = [];
    for (let i = 0; i < commands.length; i += 500) out.push(...(await c.pipeline(commands.slice(i, i + 500))));
    return out;
  } finally {
    c.close();
  }
}
