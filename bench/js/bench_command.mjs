// keyroute's commandKeys against @ioredis/commands getKeyIndexes (what
// ioredis uses to find the keys of a command), over the mix of
// core/benches/command.rs. Before timing, both are compared per command: where
// they differ, the real server's answer (COMMAND GETKEYS, recorded in the
// comments of MIX) says which one is right, and the row still times both.
//
//   node bench/js/bench_command.mjs [--passes 11] [--procs 5]
import { fileURLToPath } from "node:url";
import { devRequire, firstProcess, loadKeyroute, main, time } from "./harness.mjs";

const { getKeyIndexes } = devRequire("@ioredis/commands");

/** The mix of core/benches/command.rs. */
const MIX = [
  ["GET", "user:1000"],
  ["SET", "user:1000", "v", "EX", "10"],
  ["MGET", "{u}1", "{u}2", "{u}3", "{u}4", "{u}5", "{u}6", "{u}7", "{u}8"],
  ["MSET", "{u}1", "a", "{u}2", "b", "{u}3", "c"],
  ["EVAL", "return 1", "2", "{u}1", "{u}2", "arg"],
  ["XREAD", "COUNT", "10", "STREAMS", "{s}a", "{s}b", "0", "0"],
  ["ZUNIONSTORE", "{z}out", "2", "{z}a", "{z}b", "WEIGHTS", "1", "2"],
  // The server: src and dst only; the BY pattern is not a key.
  ["SORT", "{l}src", "BY", "w_*", "LIMIT", "0", "10", "STORE", "{l}dst"],
  // The server: k is the key of OBJECT ENCODING.
  ["OBJECT", "ENCODING", "k"],
  ["GEORADIUS", "{g}a", "0", "0", "10", "km", "STORE", "{g}b"],
  ["HSET", "h", "f1", "v1", "f2", "v2"],
  ["BLMPOP", "0", "2", "{q}a", "{q}b", "LEFT"],
];
const REPEAT = 2000; // the mix, over and over: 24,000 commands per pass

function theirs(argv) {
  const args = argv.slice(1);
  return getKeyIndexes(argv[0].toLowerCase(), args).map((i) => args[i]);
}

async function mix() {
  const kr = await loadKeyroute();
  if (firstProcess) console.error("agreement (sets of keys, order aside):");
  for (const argv of MIX) {
    const a = [...kr.commandKeys(argv)].sort().join(" ");
    const b = [...theirs(argv)].sort().join(" ");
    if (firstProcess) console.error(`  ${a === b ? "same   " : "DIFFER "} ${argv.slice(0, 3).join(" ")}...: keyroute [${a}], @ioredis/commands [${b}]`);
  }
  const cmds = [];
  for (let r = 0; r < REPEAT; r++) cmds.push(...MIX);
  const chunks = [];
  for (let i = 0; i < cmds.length; i += 1200) chunks.push(cmds.slice(i, i + 1200));
  const incumbent = (chunk) => {
    let x = 0;
    for (let i = 0; i < chunk.length; i++) {
      const argv = chunk[i];
      x += getKeyIndexes(argv[0].toLowerCase(), argv.slice(1)).length;
    }
    return x;
  };
  const ours = (chunk) => {
    let x = 0;
    for (let i = 0; i < chunk.length; i++) x += kr.commandKeys(chunk[i]).length;
    return x;
  };
  return { items: cmds.length, ...time(chunks, [incumbent, ours], cmds.length) };
}

async function checks() {
  const kr = await loadKeyroute();
  const cmds = [];
  for (let r = 0; r < REPEAT; r++) cmds.push(...MIX.filter((a) => a[0] !== "OBJECT"));
  const chunks = [];
  for (let i = 0; i < cmds.length; i += 1100) chunks.push(cmds.slice(i, i + 1100));
  const slotOf = devRequire("cluster-key-slot");
  // What ioredis's pipeline gate does: keys by index, then one slot for all.
  const incumbent = (chunk) => {
    let x = 0;
    for (const argv of chunk) {
      const args = argv.slice(1);
      let slot = -1;
      for (const i of getKeyIndexes(argv[0].toLowerCase(), args)) {
        const s = slotOf(args[i]);
        if (slot === -1) slot = s;
        else if (s !== slot) slot = -2;
      }
      x ^= slot;
    }
    return x;
  };
  const ours = (chunk) => {
    let x = 0;
    for (const argv of chunk) x ^= kr.check(argv) ?? -1;
    return x;
  };
  return { items: cmds.length, ...time(chunks, [incumbent, ours], cmds.length) };
}

await main(fileURLToPath(import.meta.url), "Command keys: keyroute vs @ioredis/commands 2.0.0 getKeyIndexes", {
  "commandKeys (12-command mix)": mix,
  "check vs keys + cluster-key-slot": checks,
}, "@ioredis/commands");
