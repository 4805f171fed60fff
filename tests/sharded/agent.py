#!/usr/bin/env python3
"""The Python sharded client (keyroute.redis.ShardedRedis over redis-py) as
a cross-language agent: reads ONE JSON request on stdin, prints ONE JSON
reply on stdout, exits 0; on failure prints the error on stderr, exits 1.

    {"op": "write" | "read", "client": "sync" | "asyncio", "scheme": ...,
     "options": {...Pool options...}, "servers": [{"spec", "host", "port"}, ...],
     "keys": [hex, ...], "values": [hex, ...]}

write: one MSET of the first half of the keys (split by the client), then
one non-transactional pipeline with a SET per remaining key -> {"ok": true}.
read: one MGET of every key and one pipeline with a GET per key ->
{"mget": [hex | null, ...], "pipeline": [hex | null, ...]}.

Run as `.venv/bin/python tests/sharded/agent.py`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


def _key(raw: bytes, scheme: str) -> Any:
    # Keys go in as bytes, whatever the scheme: a Redis key is its bytes on
    # the wire, so b"k" must land where "k" does (cross.py's uhashring
    # read-back places the decoded text).
    return raw


def _hex(v: Any) -> str | None:
    return None if v is None else bytes(v).hex()


def _flat(pairs: list[tuple[Any, bytes]]) -> list[Any]:
    return [x for kv in pairs for x in kv]


def run_sync(req: dict[str, Any], keys: list[Any], values: list[bytes]) -> dict[str, Any]:
    import redis

    from keyroute.redis import ShardedRedis

    shards = {s["spec"]: redis.Redis(host=s["host"], port=int(s["port"])) for s in req["servers"]}
    with ShardedRedis(shards, scheme=req["scheme"], **req.get("options", {})) as r:
        if req["op"] == "write":
            half = len(keys) // 2
            if half:
                r.execute_command("MSET", *_flat(list(zip(keys[:half], values[:half]))))
            pipe = r.pipeline(transaction=False)
            for k, v in zip(keys[half:], values[half:]):
                pipe.set(k, v)
            pipe.execute()
            return {"ok": True}
        mget = r.mget(keys) if keys else []
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.get(k)
        got = pipe.execute()
        return {"mget": [_hex(v) for v in mget], "pipeline": [_hex(v) for v in got]}


async def run_asyncio(req: dict[str, Any], keys: list[Any], values: list[bytes]) -> dict[str, Any]:
    import redis.asyncio

    from keyroute.redis.asyncio import ShardedRedis

    shards = {s["spec"]: redis.asyncio.Redis(host=s["host"], port=int(s["port"])) for s in req["servers"]}
    async with ShardedRedis(shards, scheme=req["scheme"], **req.get("options", {})) as r:
        if req["op"] == "write":
            half = len(keys) // 2
            if half:
                await r.execute_command("MSET", *_flat(list(zip(keys[:half], values[:half]))))
            pipe = r.pipeline(transaction=False)
            for k, v in zip(keys[half:], values[half:]):
                pipe.set(k, v)
            await pipe.execute()
            return {"ok": True}
        mget = await r.mget(keys) if keys else []
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.get(k)
        got = await pipe.execute()
        return {"mget": [_hex(v) for v in mget], "pipeline": [_hex(v) for v in got]}


def main() -> int:
    try:
        req = json.loads(sys.stdin.read())
        if req.get("op") not in ("write", "read"):
            raise ValueError(f"op must be 'write' or 'read', not {req.get('op')!r}")
        keys = [_key(bytes.fromhex(k), req["scheme"]) for k in req["keys"]]
        values = [bytes.fromhex(v) for v in req.get("values", [])]
        if req["op"] == "write" and len(values) != len(keys):
            raise ValueError(f"{len(keys)} keys and {len(values)} values")
        client = req.get("client", "sync")
        if client == "sync":
            reply = run_sync(req, keys, values)
        elif client == "asyncio":
            reply = asyncio.run(run_asyncio(req, keys, values))
        else:
            raise ValueError(f"client must be 'sync' or 'asyncio', not {client!r}")
    except Exception as e:  # the contract: any failure is exit 1 with the error on stderr
        print(f"agent.py: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    json.dump(reply, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
