"""Pool.split and ShardRouter: per-shard splits checked against
Pool.index_for, key by key, and their typed errors."""

from __future__ import annotations

import random

import pytest

import keyroute

SPECS = [f"127.0.0.1:{7000 + i}:1 s{i}" for i in range(4)]
POOL = keyroute.Pool(SPECS, scheme="twemproxy-ketama", hash="fnv1a_64")


def keys(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.randrange(1, 12)) for _ in range(n)]


def test_mget_split_follows_the_pool() -> None:
    ks = keys(300, 1) + keys(5, 1)  # duplicates
    argv: list[str | bytes] = ["MGET", *ks]
    s = POOL.split(argv)
    assert s.merge == "by_key_position" and s.key_count == len(ks) and s.shard is None
    seen: list[int] = []
    for shard, positions, ordinals in s.parts:
        assert positions[0] == 0
        assert [argv[p] for p in positions[1:]] == [ks[o] for o in ordinals]
        assert all(POOL.index_for(ks[o]) == shard for o in ordinals)
        seen += ordinals
    assert sorted(seen) == list(range(len(ks)))
    assert len({p[0] for p in s.parts}) == len(s.parts) == 4


def test_merges_and_single() -> None:
    ks = keys(40, 2)
    assert POOL.split(["DEL", *ks]).merge == "sum"
    mset = POOL.split(["MSET", *[x for k in ks for x in (k, b"v")]])
    assert mset.merge == "all_ok"
    for _, positions, ordinals in mset.parts:
        assert len(positions) == 1 + 2 * len(ordinals)
    one = POOL.split(["GET", ks[0]])
    assert one.merge == "single" and one.shard == POOL.index_for(ks[0])
    assert one.parts == [(one.shard, [0, 1], [0])]
    keyless = POOL.split(["PING"])
    assert keyless.key_count == 0 and keyless.shard is None


def test_router_route_key_shards_and_refusals() -> None:
    router = keyroute.ShardRouter(POOL)
    ks = keys(50, 3)
    a = ks[0]
    b = next(k for k in ks if POOL.index_for(k) != POOL.index_for(a))
    assert router.route(["GET", a]) == POOL.index_for(a)
    assert router.key_shards(["MSET", a, 1, b, 2]) == [POOL.index_for(a), POOL.index_for(b)]
    assert router.index_for(a) == POOL.index_for(a) and len(router) == 4
    with pytest.raises(keyroute.CrossShardError) as info:
        router.route(["RENAME", a, b])
    assert info.value.command == "RENAME" and info.value.code == "ERR_KEYROUTE_CROSS_SHARD"
    assert info.value.shard_indexes == [POOL.index_for(a), POOL.index_for(b)]
    assert info.value.shards == [SPECS[POOL.index_for(a)].split()[1], SPECS[POOL.index_for(b)].split()[1]]
    with pytest.raises(keyroute.CrossShardError):
        POOL.split(["MSETNX", a, 1, b, 2])
    # The table's verdict is the refusal's cause.
    with pytest.raises(keyroute.UnroutableCommandError) as unroutable:
        router.route(["NOSUCH", a])
    assert isinstance(unroutable.value.__cause__, keyroute.UnknownCommandError)
    with pytest.raises(keyroute.UnroutableCommandError) as unroutable:
        router.route(["GET"])
    assert isinstance(unroutable.value.__cause__, keyroute.WrongArityError)
    with pytest.raises(TypeError):
        router.route(["SET", a, True])
    with pytest.raises(TypeError):
        keyroute.ShardRouter("pool")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        keyroute.ShardRouter(keyroute.SlotMap())


def test_strict_tags_router() -> None:
    strict = keyroute.ShardRouter(POOL, strict_tags=True)
    same = [k for k in (f"k{i}".encode() for i in range(500)) if POOL.index_for(k) == 0][:2]
    with pytest.raises(keyroute.NotColocatedError) as info:
        strict.route(["RENAME", *same])
    assert info.value.command == "RENAME" and info.value.shard_indexes == [0] and info.value.shards == ["s0"]
    assert isinstance(info.value, keyroute.CrossShardError)
    assert strict.route(["RENAME", same[0], same[0]]) == 0
    assert isinstance(strict.route(["MGET", *same]), int)  # MGET could be split: no tag needed
    # twemproxy without hash_tag hashes whole keys: braces are no tag.
    assert not strict.same_tag(["{a}x", "{a}y"]) and strict.same_tag(["{a}x", "{a}x"])
    tagged = keyroute.ShardRouter(keyroute.Pool(SPECS, scheme="twemproxy-ketama", hash_tag="{}"),
                                  strict_tags=True)
    assert tagged.same_tag(["{a}x", "{a}y"]) and not tagged.same_tag(["{a}x", "{b}x"])
    # Routing is by the bytes on the wire: "k" and b"k" are one key, for
    # uhashring too (whose own get_node hashes a bytes object as "b'k'").
    ring = keyroute.ShardRouter(keyroute.Pool(SPECS, scheme="uhashring"))
    for i in range(200):
        assert ring.route(["GET", f"k{i}"]) == ring.route(["GET", f"k{i}".encode()])
        assert ring.index_for(f"k{i}".encode()) == keyroute.Pool(SPECS, scheme="uhashring").index_for(f"k{i}")


def test_cluster_router_groups_by_slot() -> None:
    cluster = keyroute.Cluster.from_slots([
        [0, 8191, [b"127.0.0.1", 7000]],
        [8192, 16383, [b"127.0.0.1", 7001]],
    ])
    router = keyroute.ShardRouter(cluster, primaries=["127.0.0.1:7001", "127.0.0.1:7000"])
    ks = [f"k{i}" for i in range(60)]
    s = router.split(["MGET", *ks])
    slots = {keyroute.key_slot(k) for k in ks}
    assert len(s.parts) == len(slots)  # one part per slot: a node refuses CROSSSLOT
    for shard, _, ordinals in s.parts:
        assert all((keyroute.key_slot(ks[o]) >= 8192) == (shard == 0) for o in ordinals)
    with pytest.raises(ValueError, match="not among"):
        keyroute.ShardRouter(cluster, primaries=["127.0.0.1:7000"])
    with pytest.raises(ValueError, match="not a primary"):
        keyroute.ShardRouter(cluster, primaries=["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:9"])
    with pytest.raises(TypeError, match="primaries"):
        keyroute.ShardRouter(cluster)


def test_msetex_is_placed_by_its_keys() -> None:
    # Redis 8.4 routes MSETEX without looking at its keys; a sharded client
    # must still send it where its keys live, or refuse it.
    router = keyroute.ShardRouter(POOL)
    apart = [k for k in (f"m{i}".encode() for i in range(100)) if POOL.index_for(k) != POOL.index_for(b"m0")][0]
    with pytest.raises(keyroute.CrossShardError) as info:
        router.route(["MSETEX", 2, b"m0", 1, apart, 2, "EX", 10])
    assert info.value.command == "MSETEX"
    assert router.route(["MSETEX", 1, b"m0", 1, "NX"]) == POOL.index_for(b"m0")
    assert router.placed_keys(["MSETEX", 2, b"m0", 1, apart, 2]) == [b"m0", apart]
    assert router.key_shards(["MSETEX", 2, b"m0", 1, apart, 2]) == [POOL.index_for(b"m0"), POOL.index_for(apart)]


def test_part_keys_follow_the_parts() -> None:
    router = keyroute.ShardRouter(POOL)
    ks = keys(200, 7)
    named = [f"key{i}" for i in range(len(ks))]  # redis-py's keys= may hold other objects
    s = router.split(["MGET", *ks])
    assert s.kind == "split"
    shares = s.part_keys(named)
    assert shares == [[named[o] for o in ordinals] for _, _, ordinals in s.parts]
    with pytest.raises(IndexError):
        s.part_keys(named[:-1])
    one = router.split(["MGET", ks[0], ks[0]])
    assert one.kind == "one" and one.part_keys(["a", "b"]) == [["a", "b"]]
    fan = router.plan(["DBSIZE"])
    assert isinstance(fan, keyroute.ShardSplit) and fan.kind == "fan_out"
    assert fan.part_keys([]) == [[]] * len(POOL.servers) and fan.key_count == 0
