"""`keyroute.check` against a real cluster's own routing verdicts.

Every argv of tests/vectors/getkeys.json, plus variants whose keys carry a
hash tag (so that they share a slot), is sent to one primary inside
`MULTI ... DISCARD` over a plain redis-py connection. The server checks a
command before queueing it, so the reply to it is its verdict: `QUEUED`
(served here: no keys, or keys in a slot this node owns), `MOVED <slot>`,
`CROSSSLOT`, or an arity or unknown-command error. Nothing runs: DISCARD
drops the queue. `check` must give the same verdict and the same slot.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import redis
from redis.exceptions import ClusterCrossSlotError, MovedError, ResponseError

import keyroute
from _vectors import argv_of, load_getkeys

# Run at once even inside MULTI, so the server gives no queueing verdict.
RUN_AT_ONCE = {b"multi", b"exec", b"discard", b"watch", b"quit", b"reset"}


def no_multi_commands(port: int) -> set[bytes]:
    """Names (`cmd` or `cmd|sub`) the server flags no_multi: refused inside
    MULTI before any routing check. Asked over the oracles' raw RESP2
    connection: redis-py reshapes COMMAND replies."""
    from resp import Connection  # type: ignore[import-not-found]

    out: set[bytes] = set()

    def walk(entry: list[Any]) -> None:
        if b"no_multi" in entry[2]:
            out.add(entry[0].lower())
        for sub in entry[9] if len(entry) > 9 else []:
            walk(sub)

    with Connection("127.0.0.1", port) as c:
        for entry in c.call("COMMAND"):
            walk(entry)
    return out


def server_verdict(reply: Any) -> tuple[str, int | None] | str:
    if reply == b"QUEUED":
        return ("queued", None)
    if isinstance(reply, MovedError):
        return ("moved", reply.slot_id)
    if isinstance(reply, ClusterCrossSlotError):
        return ("crossslot", None)
    text = str(reply)
    if "wrong number of arguments" in text:
        return ("arity", None)
    if text.startswith(("unknown command", "unknown subcommand")):
        return ("unknown", None)
    return f"unexpected reply {reply!r}"


def keyroute_verdict(cluster: keyroute.Cluster, here: keyroute.Node,
                     argv: list[bytes]) -> tuple[str, int | None]:
    try:
        slot = keyroute.check(argv)
    except keyroute.CrossSlotError:
        return ("crossslot", None)
    except keyroute.WrongArityError:
        return ("arity", None)
    except keyroute.UnknownCommandError:
        return ("unknown", None)
    if slot is None or cluster.node_for_slot(slot)[0] == here:
        return ("queued", None)
    return ("moved", slot)


def tagged(argv: list[bytes], keys: set[bytes], tag: bytes) -> list[bytes]:
    return [argv[0]] + [b"{%s}%s" % (tag, a) if a in keys else a for a in argv[1:]]


def corpus(here_tag: bytes, other_tag: bytes) -> list[list[bytes]]:
    """The vectors' argvs, and for those with keys, the same with every key
    tagged: once into a slot of the node asked, once into another node's."""
    out = []
    for case in load_getkeys():
        argv = argv_of(case)
        out.append(argv)
        keys = {bytes.fromhex(k) for k, _ in case.get("keys", [])}
        if keys:
            out.append(tagged(argv, keys, here_tag))
            out.append(tagged(argv, keys, other_tag))
    return out


def ask(r: redis.Redis, argvs: list[list[bytes]]) -> list[Any]:
    """The server's reply to each argv queued in its own MULTI ... DISCARD."""
    conn = r.connection_pool.get_connection()
    replies = []

    def read() -> Any:
        try:
            return conn.read_response(disable_decoding=True)
        except ResponseError as e:
            return e

    try:
        for i in range(0, len(argvs), 200):
            batch = argvs[i:i + 200]
            cmds: list[tuple[Any, ...]] = []
            for argv in batch:
                cmds += [("MULTI",), tuple(argv), ("DISCARD",)]
            packed = conn.pack_commands(cmds)  # type: ignore[no-untyped-call]
            conn.send_packed_command(packed)  # type: ignore[no-untyped-call]
            for _ in batch:
                assert read() == b"OK"
                replies.append(read())
                assert read() == b"OK"
    finally:
        r.connection_pool.release(conn)
    return replies


def test_check_agrees_with_the_cluster(live_cluster: Any,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with redis.Redis(port=live_cluster.ports[0], protocol=2) as seed:
        cluster = keyroute.Cluster.from_redis(seed)
    here = cluster.shards[0].primary
    tags = [b"t%d" % i for i in range(100)]
    here_tag = next(t for t in tags if cluster.node_for(t)[0] == here)
    other_tag = next(t for t in tags if cluster.node_for(t)[0] != here)

    with redis.Redis(host=here.host, port=here.port, protocol=2) as r:
        no_multi = no_multi_commands(here.port)
        skipped: Counter[str] = Counter()
        argvs = []
        for argv in corpus(here_tag, other_tag):
            name = argv[0].lower()
            full = name + b"|" + argv[1].lower() if len(argv) > 1 else name
            if name in RUN_AT_ONCE:
                skipped[f"{name.decode()} runs at once inside MULTI"] += 1
            elif name in no_multi or full in no_multi:
                skipped[f"{full.decode()} is flagged no_multi"] += 1
            elif any(c in name for c in b" \t"):
                skipped["the name has whitespace, which redis-py splits"] += 1
            else:
                argvs.append(argv)
        replies = ask(r, argvs)

    verdicts: Counter[str] = Counter()
    failures = []
    for argv, reply in zip(argvs, replies):
        want = server_verdict(reply)
        got = keyroute_verdict(cluster, here, argv)
        verdicts[want[0] if isinstance(want, tuple) else "unexpected"] += 1
        if got != want:
            failures.append(f"{argv!r}\n    server: {want}\n    keyroute: {got}")
    with capsys.disabled():
        print(f"\n{len(argvs)} argv checked against {here.addr}: {dict(verdicts)}; "
              f"skipped {sum(skipped.values())}: {dict(skipped)}")
    assert not failures, f"{len(failures)} of {len(argvs)} differ:\n" + "\n".join(failures[:20])
    # The corpus exercises every verdict.
    assert {"queued", "moved", "crossslot", "arity", "unknown"} <= set(verdicts)
