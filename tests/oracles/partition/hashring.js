// Answers for npm hashring 3.2.0 (installed by `npm ci` beside this file).
// Reads a JSON request on stdin ({"pools": [{"name", "servers": [{"string",
// "weight"?, "vnodes"?}] or "entries": [[server, weight or {weight?,
// vnodes?}]], "algorithm"?, "options": {...}}], "keys": [hex]}) and prints
// {"version", "answers": {pool name: [server index per key]}}. Keys are given
// to ring.get() as Buffers: the library turns them into text with `key + ''`.
// Run by tests/oracles/clients.py.
'use strict';
const HashRing = require('hashring');
const version = require('hashring/package.json').version;

let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  const keys = req.keys.map((h) => Buffer.from(h, 'hex'));
  const answers = {};
  for (const pool of req.pools) {
    if (pool.entries) {
      // The library's own mapping form, as given.
      const ring = new HashRing(Object.fromEntries(pool.entries), pool.algorithm || 'md5',
        Object.assign({ 'max cache size': 1 }, pool.options || {}));
      const names = pool.entries.map((e) => e[0]);
      answers[pool.name] = keys.map((k) => names.indexOf(ring.get(k)));
      continue;
    }
    const plain = pool.servers.every((s) => s.weight === undefined && s.vnodes === undefined);
    let servers;
    if (plain) {
      servers = pool.servers.map((s) => s.string);
    } else {
      servers = {};
      for (const s of pool.servers) {
        servers[s.string] = s.vnodes !== undefined ? { weight: s.weight || 1, vnodes: s.vnodes } : (s.weight || 1);
      }
    }
    const ring = new HashRing(servers, pool.algorithm || 'md5', Object.assign({ 'max cache size': 1 }, pool.options || {}));
    const names = pool.servers.map((s) => s.string);
    answers[pool.name] = keys.map((k) => names.indexOf(ring.get(k)));
  }
  process.stdout.write(JSON.stringify({ version, answers }) + '\n');
});
