#!/usr/bin/env python3
"""`make demo`: the same keys give the same slots from the CLI, Python and Node.

No external service is needed: every answer is computed locally by keyroute,
in three languages, and compared.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = [
    "user:1000",
    "{user1000}.following",
    "{user1000}.followers",
    "foo{}{bar}",
    "foo{{bar}}zap",
    "foo{bar}{zap}",
    "{}",
    "",
    "clé{é}",
    "emoji 😀",
]
BINARY = [b"\x00\xff{\x01}", bytes(range(8))]


def cli() -> list[int]:
    exe = os.path.join(ROOT, "target", "release", "keyroute")
    text = subprocess.run([exe, "slot", "--", *KEYS], check=True, capture_output=True).stdout
    hexed = subprocess.run([exe, "slot", "--hex", *(b.hex() for b in BINARY)],
                           check=True, capture_output=True).stdout
    return [int(x) for x in (text + hexed).split()]


def python() -> list[int]:
    import keyroute

    return [keyroute.key_slot(k) for k in KEYS] + [keyroute.key_slot(b) for b in BINARY]


def node() -> list[int]:
    script = """
const kr = require(process.argv[1]);
const keys = JSON.parse(process.argv[2]);
const bins = JSON.parse(process.argv[3]).map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
const out = keys.map((k) => kr.keySlot(k)).concat(bins.map((b) => kr.keySlot(b)));
let cks = null;
try { cks = keys.map((k) => require('cluster-key-slot')(k)); } catch (e) { /* optional */ }
console.log(JSON.stringify({ out, cks }));
"""
    pkg = os.path.join(ROOT, "bindings-js", "pkg")
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, "bindings-js", "node_modules"))
    res = subprocess.run(["node", "-e", script, pkg, json.dumps(KEYS), json.dumps([b.hex() for b in BINARY])],
                         check=True, capture_output=True, text=True, env=env)
    data = json.loads(res.stdout)
    node.cks = data["cks"]  # type: ignore[attr-defined]
    return data["out"]


def main() -> int:
    results = {"CLI": cli(), "Python": python(), "Node": node()}
    cks = getattr(node, "cks", None)
    labels = [repr(k) for k in KEYS] + [f"bytes {b.hex()}" for b in BINARY]
    width = max(len(label) for label in labels)
    header = f"{'key':<{width}}  {'CLI':>6} {'Python':>6} {'Node':>6}"
    if cks:
        header += "   cluster-key-slot (ioredis, node-redis)"
    print(header)
    print("-" * len(header))
    agree = True
    for i, label in enumerate(labels):
        row = [results[lang][i] for lang in ("CLI", "Python", "Node")]
        agree &= len(set(row)) == 1
        line = f"{label:<{width}}  {row[0]:>6} {row[1]:>6} {row[2]:>6}"
        if cks and i < len(cks):
            line += f"   {cks[i]:>6}" + ("   <- differs from Redis" if cks[i] != row[0] else "")
        print(line)
    print()
    if not agree:
        print("MISMATCH between languages")
        return 1
    print(f"All {len(labels)} keys give the same slot in the CLI, Python and Node,")
    print("and every slot equals what redis-server's CLUSTER KEYSLOT answers")
    print("(see tests/vectors/slots.json, checked by `make test`).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
