"""Routing against a real Redis Cluster (tests/cluster/harness.py: 3
primaries and 3 replicas on loopback), through redis-py's plain `Redis`
connections, never `RedisCluster`'s own routing. The Python twin of
core/tests/cluster_live.rs: every key keyroute routes is accepted by the
node it names, with no MOVED; slot migration (ASK, then MOVED) and failover
are followed.

The tests run in file order and share one cluster: migration and failover
come last because they change it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from redis.cluster import RedisCluster
from redis.exceptions import AskError, MovedError

import keyroute
from _vectors import load_cases
from keyroute import Cluster

HOST = "127.0.0.1"


def conn(port: int, **kwargs: Any) -> redis.Redis:
    """A plain connection to one node; one socket, so that ASKING applies
    to the command after it (a pipeline takes a socket of its own)."""
    return redis.Redis(host=HOST, port=port, single_connection_client=True, **kwargs)


def keys() -> list[bytes]:
    """10,000 keys: every slot vector key (binary, hash-tag edge forms, up
    to 64 KiB), then generated ones."""
    out = [bytes.fromhex(c["key"]) for c in load_cases()]
    i = 0
    while len(out) < 10_000:
        out.append(f"key:{i}:{{t{i % 97}}}".encode())
        i += 1
    return out


def maps_from(port: int) -> dict[str, Cluster]:
    """The map built every way a redis-py user can get the replies."""
    with conn(port, protocol=2) as r2, conn(port, protocol=3) as r3, \
            conn(port, protocol=3, decode_responses=True) as r3s, \
            conn(port, protocol=2, decode_responses=True) as r2s:
        maps = {
            "from_redis RESP2": Cluster.from_redis(r2),
            "from_redis RESP3": Cluster.from_redis(r3),
            "from_redis decoded": Cluster.from_redis(r3s),
            "SLOTS RESP2": Cluster.from_slots(r2.execute_command("CLUSTER", "SLOTS"),
                                              answered_by=HOST),
            "SLOTS RESP3 decoded": Cluster.from_slots(r3s.execute_command("CLUSTER SLOTS")),
            "SHARDS RESP2": Cluster.from_shards(r2.execute_command("CLUSTER", "SHARDS")),
            "SHARDS RESP2 decoded": Cluster.from_shards(r2s.execute_command("CLUSTER SHARDS")),
            "SHARDS RESP3": Cluster.from_shards(r3.cluster("SHARDS")),
        }
    rc = RedisCluster(host=HOST, port=port)
    try:
        # RedisCluster's response callbacks reshape both replies.
        maps["RedisCluster.cluster_slots"] = Cluster.from_slots(rc.cluster_slots())
        maps["RedisCluster.cluster_shards"] = Cluster.from_shards(rc.cluster_shards())
        maps["from_redis RedisCluster"] = Cluster.from_redis(rc)
    finally:
        rc.close()
    return maps


def owner(cluster: keyroute.SlotMap, slot: int, read_from: Any = None) -> tuple[int, str]:
    node, role = cluster.node_for_slot(slot, read_from=read_from)
    return node.port, role


@pytest.fixture(scope="module")
def cluster_map(live_cluster: Any) -> Cluster:
    maps = maps_from(live_cluster.ports[0])
    reference = maps["SHARDS RESP2"]
    assert len(reference.shards) == 3
    for name, m in maps.items():
        assert m.unassigned() == [], name
        for slot in range(keyroute.SLOT_COUNT):
            assert owner(m, slot) == owner(reference, slot), (name, slot)
            assert owner(m, slot, "prefer_replica")[1] == "replica", (name, slot)
    # SHARDS gives node ids; the migration below needs them.
    assert all(n.id for n in reference.nodes)
    return reference


def write_all(cluster: Cluster, ks: list[bytes]) -> int:
    """SETs every key through a plain connection to the node keyroute picks;
    returns how many were answered MOVED."""
    moved = 0
    for group in cluster.group_by_node(ks):
        assert group.role == "primary"
        with conn(group.node.port) as r:
            pipe = r.pipeline(transaction=False)
            for p in group.positions:
                pipe.set(ks[p], p)
            for reply in pipe.execute(raise_on_error=False):
                if isinstance(reply, MovedError):
                    moved += 1
                elif reply is not True:
                    raise AssertionError(f"SET failed: {reply!r}")
    return moved


def test_ten_thousand_keys_without_moved(cluster_map: Cluster) -> None:
    ks = keys()
    assert len(ks) == 10_000
    assert write_all(cluster_map, ks) == 0, "keys sent to the wrong node"
    # Per key, node_for agrees with the groups.
    for g in cluster_map.group_by_node(ks[:500]):
        for p in g.positions:
            assert cluster_map.node_for(ks[p]) == (g.node, "primary")


def test_replica_reads_without_redirect(cluster_map: Cluster) -> None:
    ks = keys()
    # The value written last for each key (the corpus repeats a few keys).
    last = {k: str(p).encode() for p, k in enumerate(ks)}
    groups = cluster_map.group_by_node(ks, read_from="prefer_replica")
    assert len(groups) == 3
    served = 0
    for group in groups:
        assert group.role == "replica"
        with conn(group.node.port) as r:
            # A pipeline has its own connection: READONLY goes in it.
            pipe = r.pipeline(transaction=False)
            pipe.execute_command("READONLY")
            for p in group.positions:
                pipe.get(ks[p])
            readonly, *replies = pipe.execute(raise_on_error=False)
        assert readonly is True
        for p, reply in zip(group.positions, replies):
            # The replica may lag behind the writes; a redirect is the failure.
            assert not isinstance(reply, Exception), f"replica read redirected: {reply!r}"
            assert reply in (None, last[ks[p]])
            served += reply is not None
    assert served > 0


def test_slot_migration_ask_then_moved(cluster_map: Cluster) -> None:
    cluster = cluster_map.copy()
    key = b"{migrating}key"
    slot = keyroute.key_slot(key)
    src = cluster.node_for_slot(slot)[0]
    dst = next(s.primary for s in cluster.shards if s.primary != src)
    with conn(src.port) as a, conn(dst.port) as b:
        a.set(key, "v1")
        b.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", src.id)
        a.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", dst.id)
        a.execute_command("MIGRATE", HOST, dst.port, "", 0, 5000, "KEYS", key)

        with pytest.raises(AskError) as ask:
            a.get(key)
        before = cluster.copy()
        r = cluster.apply_redirect(ask.value, answered_by=HOST)
        assert (r.kind, r.slot, r.port) == ("ask", slot, dst.port)
        assert cluster == before, "ASK must not change the map"
        b.execute_command("ASKING")
        assert b.get(key) == b"v1"

        for shard in cluster.shards:
            with conn(shard.primary.port) as c:
                c.execute_command("CLUSTER", "SETSLOT", slot, "NODE", dst.id)
        with pytest.raises(MovedError) as moved:
            a.get(key)
        r = cluster.apply_redirect(moved.value, answered_by=HOST)
        assert (r.kind, r.slot, r.port) == ("moved", slot, dst.port)
        assert cluster.node_for(key) == (dst, "primary")
        assert b.get(key) == b"v1"
    # The same redirect as text, in every form it comes in.
    for text in [f"MOVED {slot} {HOST}:{dst.port}", f"-MOVED {slot} {HOST}:{dst.port}".encode()]:
        stale = cluster_map.copy()
        assert stale.apply_redirect(text).kind == "moved"
        assert stale == cluster


def test_failover(live_cluster: Any) -> None:
    seed = live_cluster.ports[0]
    with conn(seed) as r:
        stale = Cluster.from_redis(r)
    key = b"{failover}key"
    slot = keyroute.key_slot(key)
    old = stale.node_for_slot(slot)[0]
    shard = next(s for s in stale.shards if any(a <= slot <= b for a, b in s.slots))
    new_port = shard.replicas[0].port
    with conn(new_port) as r:
        r.execute_command("CLUSTER", "FAILOVER")

    deadline = time.monotonic() + 60
    while True:
        with conn(seed) as r:
            fresh = Cluster.from_redis(r)
        if owner(fresh, slot)[0] == new_port:
            break
        assert time.monotonic() < deadline, "failover did not happen"
        time.sleep(0.1)
    live_cluster.wait_stable()
    node, _ = fresh.node_for(key)
    with conn(node.port) as r:
        assert r.set(key, "after") is True

    with conn(old.port) as r, pytest.raises(MovedError) as moved:
        r.set(key, "x")
    stale.apply_redirect(moved.value, answered_by=HOST)
    assert owner(stale, slot) == (new_port, "primary")
    # The old primary is now the shard's replica in the updated map.
    assert owner(stale, slot, "prefer_replica") == (old.port, "replica")
    with conn(new_port) as r:
        assert r.get(key) == b"after"
