"""`keyroute.Pool`: the live Python libraries agree key for key, key types,
batches, ejected servers, and typed errors for every bad configuration."""

from __future__ import annotations

import array
import random
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymemcache.client.hash import HashClient  # type: ignore[import-untyped]
from uhashring import HashRing  # type: ignore[import-untyped]

import keyroute

THREE = ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]
YAML = """alpha:
  listen: 127.0.0.1:22121
  hash: md5
  hash_tag: "{}"
  auto_eject_hosts: true
  servers:
   - 127.0.0.1:6379:1 one
   - 127.0.0.1:6380:1 two
   - 127.0.0.1:6381:1 three
beta:
  listen: 127.0.0.1:22122
  distribution: modula
  servers:
   - 127.0.0.1:6390:1
   - 127.0.0.1:6391:1
"""


def random_keys(rng: random.Random, n: int) -> list[Any]:
    """str (ASCII and any code point but surrogates), bytes and bytearray keys."""
    keys: list[Any] = []
    for i in range(n):
        length = rng.randrange(0, 24)
        kind = i % 4
        if kind == 0:
            keys.append("".join(rng.choice("abcxyz:{}-_0123456789") for _ in range(length)))
        elif kind == 1:
            keys.append("".join(chr(rng.choice([rng.randrange(32, 0xD800),
                                                rng.randrange(0xE000, 0x110000)]))
                                for _ in range(length)))
        elif kind == 2:
            keys.append(rng.randbytes(length))
        else:
            keys.append(bytearray(rng.randbytes(length)))
    return keys


def server_lists(rng: random.Random) -> Iterator[list[str]]:
    yield THREE
    yield [f"10.0.{i // 200}.{i % 200}:{6379 + i % 3}:{1 + i % 4}" for i in range(10)]
    yield [f"10.0.0.{i}:6379 shard-{i}" for i in range(25)]
    yield [f"cache-{rng.randrange(10**6)}:{rng.randrange(1, 65536)}" for _ in range(7)]


def parts(server: str) -> tuple[str, int, int, str | None]:
    addr, _, alias = server.partition(" ")
    host, port, *weight = addr.split(":")
    return host, int(port), int(weight[0]) if weight else 1, alias or None


@pytest.mark.parametrize("scheme", ["uhashring", "uhashring-ketama"])
def test_uhashring_from_pypi_agrees(scheme: str) -> None:
    rng = random.Random(scheme)
    for servers in server_lists(rng):
        names = [alias or f"{h}:{p}" for h, p, _, alias in map(parts, servers)]
        nodes = {n: {"weight": parts(s)[2]} for n, s in zip(names, servers)}
        ring = (HashRing(nodes=nodes, hash_fn="ketama") if scheme == "uhashring-ketama"
                else HashRing(nodes=nodes))
        pool = keyroute.Pool(servers, scheme=scheme)  # type: ignore[arg-type]
        keys = random_keys(rng, 2000)
        want = [names.index(ring.get_node(k)) for k in keys]
        assert [pool.index_for(k) for k in keys] == want
        assert pool.indexes_for(keys).tolist() == want
        assert [pool.node_for(k) for k in keys] == [servers[w] for w in want]


def test_pymemcache_from_pypi_agrees() -> None:
    rng = random.Random(7)
    for servers in server_lists(rng):
        plain = [s.split(" ")[0].rsplit(":", 1)[0] if s.count(":") > 1 else s.split(" ")[0]
                 for s in servers]
        client = HashClient([(h, p) for h, p, _, _ in map(parts, servers)], use_pooling=False)
        names = [f"{h}:{p}" for h, p, _, _ in map(parts, servers)]
        pool = keyroute.Pool(plain, scheme="pymemcache")
        keys = random_keys(rng, 1500)
        want = [names.index(client.hasher.get_node(k)) for k in keys]
        assert [pool.index_for(k) for k in keys] == want
        assert pool.indexes_for(keys).tolist() == want


def test_python_schemes_hash_str_of_key() -> None:
    class Key(str):
        def __str__(self) -> str:
            return "other"

    for scheme in ("uhashring", "uhashring-ketama", "pymemcache"):
        pool = keyroute.Pool(THREE, scheme=scheme)
        for key in (b"foo", b"it's", b"\x00\xff\\", b""):
            assert pool.index_for(key) == pool.index_for(str(key))
            assert pool.index_for(bytearray(key)) == pool.index_for(str(bytearray(key)))
        assert pool.index_for(Key("x")) == pool.index_for("other")
        with pytest.raises(TypeError, match="memoryview"):
            pool.index_for(memoryview(b"foo"))
    # Every other scheme hashes the bytes: b"foo" is "foo".
    for scheme in ("twemproxy-ketama", "predis", "jump", "maglev", "node-hashring"):
        pool = keyroute.Pool(THREE, scheme=scheme)  # type: ignore[arg-type]
        for key in (b"foo", b"\xff", b"{a}b"):
            want = pool.index_for(key)
            assert pool.index_for(bytearray(key)) == want
            assert pool.index_for(memoryview(key)) == want
        assert pool.index_for("é") == pool.index_for("é".encode())


def test_nutcracker_pool() -> None:
    alpha = keyroute.Pool.from_nutcracker(YAML, pool="alpha")
    assert (alpha.name, alpha.scheme, alpha.auto_eject_hosts) == ("alpha", "twemproxy-ketama", True)
    assert alpha.servers == ["127.0.0.1:6379:1 one", "127.0.0.1:6380:1 two",
                             "127.0.0.1:6381:1 three"]
    assert len(alpha) == 3 and repr(alpha) == "<Pool 'alpha' twemproxy-ketama, 3 servers>"
    # hash_tag "{}": only the tag is hashed.
    assert alpha.node_for("{user1}:a") == alpha.node_for("user1")
    beta = keyroute.Pool.from_nutcracker(YAML, pool="beta")
    assert beta.scheme == "twemproxy-modula" and not beta.auto_eject_hosts
    listed = keyroute.Pool(["127.0.0.1:6390:1", "127.0.0.1:6391:1"], scheme="twemproxy-modula")
    keys = [f"k{i}" for i in range(200)]
    assert beta.indexes_for(keys) == listed.indexes_for(keys)
    assert listed.name is None and listed.live is None


def test_ejected_servers() -> None:
    pool = keyroute.Pool.from_nutcracker(YAML, pool="alpha")
    down = pool.with_live([True, False, True])
    assert down.live == [True, False, True] and pool.live is None
    keys = [f"key:{i}" for i in range(500)]
    assert 1 not in down.indexes_for(keys).tolist()
    # Keys of live servers stay; only the ejected server's keys move.
    for k in keys:
        if pool.index_for(k) != 1:
            assert down.index_for(k) == pool.index_for(k)
    with pytest.raises(keyroute.PartitionError, match="3 servers"):
        pool.with_live([True])
    with pytest.raises(keyroute.PartitionError, match="ejected"):
        pool.with_live([False, False, False])
    with pytest.raises(keyroute.OptionNotApplicableError) as e:
        keyroute.Pool(THREE, scheme="jump").with_live([True, True, True])
    assert (e.value.scheme, e.value.option) == ("jump", "live set")


def test_indexes_for_is_a_uint32_array() -> None:
    pool = keyroute.Pool(THREE, scheme="jump")
    out = pool.indexes_for(["a", b"b", bytearray(b"c")])
    assert isinstance(out, array.array) and out.typecode == "I"
    assert out.tolist() == [pool.index_for(k) for k in ("a", "b", "c")]
    assert pool.indexes_for([]).tolist() == []

    def gen() -> Iterator[str]:
        yield from ("a", "b")

    assert pool.indexes_for(gen()).tolist() == pool.indexes_for(("a", "b")).tolist()
    for single in ("abc", b"abc"):
        with pytest.raises(TypeError, match="iterable of keys"):
            pool.indexes_for(single)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"keys\[2\]"):
        pool.indexes_for(["a", "b", 5])  # type: ignore[list-item]
    for bad in (5, None, 1.5):
        with pytest.raises(TypeError):
            pool.index_for(bad)  # type: ignore[arg-type]


def test_a_key_whose_str_empties_the_batch() -> None:
    # uhashring hashes str(key): a __str__ that empties the list being read
    # must not leave the batch reading freed items.
    keys: list[Any] = []

    class Evil(str):
        def __str__(self) -> str:
            keys.clear()
            return "evil"

    keys.extend([Evil("a"), "b", "c"])
    pool = keyroute.Pool(THREE, scheme="uhashring")
    assert pool.indexes_for(keys).tolist() == [pool.index_for("evil")]


def test_no_reference_leaks() -> None:
    pool = keyroute.Pool(THREE, scheme="uhashring")
    keys: list[Any] = [b"leak:" + b"1", "leak:" + str(len("xy")), bytearray(b"leak:3")]
    before = [sys.getrefcount(k) for k in keys]
    for _ in range(100):
        pool.indexes_for(keys * 10)
        pool.indexes_for(tuple(keys))
        for i in range(len(keys)):
            pool.node_for(keys[i])
    assert [sys.getrefcount(k) for k in keys] == before


BAD_POOLS: list[tuple[Callable[[], object], type[Exception], str]] = [
    (lambda: keyroute.Pool([], scheme="jump"), keyroute.PartitionError, "empty"),
    (lambda: keyroute.Pool(THREE, scheme="ketama"),  # type: ignore[arg-type]
     keyroute.PartitionError, "unknown scheme"),
    (lambda: keyroute.Pool(["a:1:0"], scheme="predis"), keyroute.ServerSpecError, "weight is zero"),
    (lambda: keyroute.Pool(["a:99999"], scheme="predis"), keyroute.ServerSpecError, "port"),
    (lambda: keyroute.Pool(["nope"], scheme="predis"), keyroute.ServerSpecError, "expected"),
    (lambda: keyroute.Pool(["a:1", "a:1"], scheme="uhashring"), keyroute.PartitionError, "two servers"),
    (lambda: keyroute.Pool(THREE, scheme="twemproxy-ketama", hash="sha1"),  # type: ignore[arg-type]
     keyroute.PartitionError, "fnv1a_64"),
    (lambda: keyroute.Pool(THREE, scheme="predis", hash="md5"),
     keyroute.OptionNotApplicableError, "no option hash"),
    (lambda: keyroute.Pool(["a:1:2"], scheme="jump"), keyroute.OptionNotApplicableError, "weight"),
    (lambda: keyroute.Pool(THREE, scheme="twemproxy-ketama", hash_tag="{"),
     keyroute.PartitionError, "two characters"),
    (lambda: keyroute.Pool(THREE, scheme="maglev", table_size=100), keyroute.PartitionError, "prime"),
    (lambda: keyroute.Pool(THREE, scheme="uhashring", vnodes=0), keyroute.PartitionError, "vnodes"),
    (lambda: keyroute.Pool(THREE, scheme="jump", tag="braces"), keyroute.PartitionError, "tag"),
    (lambda: keyroute.Pool(THREE, scheme="jedis", jedis="5"),  # type: ignore[arg-type]
     keyroute.PartitionError, "jedis"),
    (lambda: keyroute.Pool.from_nutcracker(YAML), keyroute.ConfigError, "2 pools"),
    (lambda: keyroute.Pool.from_nutcracker(YAML, pool="gamma"), keyroute.ConfigError, "gamma"),
    (lambda: keyroute.Pool.from_nutcracker("p:\n  listen: x\n  distribution: random\n"
                                           "  servers:\n   - a:1:1\n"),
     keyroute.ConfigError, "random"),
    (lambda: keyroute.Pool.from_nutcracker("p: [\n"), keyroute.ConfigError, "line 1"),
]


@pytest.mark.parametrize(("make", "cls", "match"), BAD_POOLS)
def test_bad_configurations_get_typed_errors(
    make: Callable[[], object], cls: type[Exception], match: str
) -> None:
    with pytest.raises(cls, match=match) as e:
        make()
    assert isinstance(e.value, keyroute.KeyrouteError) and isinstance(e.value, ValueError)


def test_errors_name_what_is_wrong() -> None:
    with pytest.raises(keyroute.ServerSpecError) as s:
        keyroute.Pool(["a:1", "b:2:x"], scheme="predis")
    assert s.value.server == "b:2:x"
    bad_server = YAML.replace("127.0.0.1:6380:1 two", "127.0.0.1:6380:0 two")
    with pytest.raises(keyroute.ConfigError) as c:
        keyroute.Pool.from_nutcracker(bad_server, pool="alpha")
    assert (c.value.pool, c.value.field, c.value.line) == ("alpha", "servers", None)
    assert isinstance(c.value.__cause__, keyroute.ServerSpecError)
    with pytest.raises(keyroute.ConfigError) as u:
        keyroute.Pool.from_nutcracker(YAML, pool="gamma")
    assert (u.value.pool, u.value.field) == ("gamma", None)
    for bad in ("abc", b"a:1"):
        with pytest.raises(TypeError):
            keyroute.Pool(bad, scheme="jump")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"servers\[1\]"):
        keyroute.Pool(["a:1", 5], scheme="jump")  # type: ignore[list-item]


def test_random_configurations_never_crash() -> None:
    # Whatever the input, the answer is a pool or a typed error, never a
    # panic (pyo3's PanicException is a BaseException: it would escape).
    rng = random.Random(11)
    schemes: list[Any] = ["twemproxy-ketama", "twemproxy-modula", "libmemcached-ketama", "predis",
               "predis-ketama", "redis-rb-4", "redis-rb-5", "jedis", "uhashring",
               "uhashring-ketama", "node-hashring", "pymemcache", "jump", "rendezvous", "maglev",
               "go-redis-ring", "go-redis-ring-v5", "python-memcached", "phpredis-array", "dalli",
               "spymemcached-ketama", "spymemcached-array-mod"]
    hosts = ["a", "10.0.0.1", "::1", "[::1]", "/tmp/s.sock", "", "x y"]
    numbers = ["0", "1", "7", "65535", "65536", "999999999", "4294967296", "-1", "x", ""]
    options: list[dict[str, Any]] = [{}, {"vnodes": 1}, {"vnodes": 5000}, {"table_size": 2},
                                     {"table_size": 65537}, {"table_size": 7}, {"tag": "redis"},
                                     {"tag": "{}"}, {"jedis": "2.9"}, {"jedis": "3"},
                                     {"default_port": 1}, {"compatibility": "hash_ring"},
                                     {"jump_hash": "xxh64"}, {"char_sign": "unsigned"},
                                     {"redis_rb_id": "without_db"}, {"hash": "crc32"}]
    built = 0
    for _ in range(3000):
        servers = [rng.choice(hosts) + "".join(":" + rng.choice(numbers)
                                               for _ in range(rng.randrange(0, 3)))
                   + rng.choice(["", "", " s", " s" + str(rng.randrange(3))])
                   for _ in range(rng.randrange(0 if rng.random() < 0.1 else 1, 5))]
        try:
            opts = rng.choice(options) if rng.random() < 0.5 else {}
            pool = keyroute.Pool(servers, scheme=rng.choice(schemes), **opts)
        except (keyroute.KeyrouteError, OverflowError):
            continue
        built += 1
        key = rng.randbytes(8)
        try:
            assert 0 <= pool.index_for(key) < len(pool)
        except keyroute.PartitionError as e:
            # A key the library has no server for (spymemcached: not UTF-8).
            assert "has no server for this key" in str(e), e
    assert built > 100


def test_renamed_calls_still_work_with_a_deprecation_warning() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert keyroute.Pool.from_nutcracker(YAML, "alpha").name == "alpha"
    assert [w.category for w in caught] == [DeprecationWarning]
    with pytest.raises(TypeError, match="pool twice"):
        keyroute.Pool.from_nutcracker(YAML, "alpha", pool="alpha")


def test_spymemcached_names_keys_and_options() -> None:
    # The spymemcached format names a server by the address its name
    # resolved to: a name alone is a ServerSpecError naming the server.
    with pytest.raises(keyroute.ServerSpecError) as e:
        keyroute.Pool(["cache-a:11211"], scheme="spymemcached-ketama")
    assert "name/ip:port" in str(e.value)
    pool = keyroute.Pool(["cache-a:11211", "cache-b:11212"], scheme="spymemcached-ketama",
                         format="libmemcached", hash="fnv1a_32")
    assert pool.index_for("é") in (0, 1)
    # Not UTF-8: no Java String sends these bytes.
    with pytest.raises(keyroute.PartitionError, match="not UTF-8"):
        pool.index_for(b"\xff")
    with pytest.raises(keyroute.KeyrouteError):
        keyroute.Pool(["10.0.0.1:11211"], scheme="spymemcached-ketama", hash="md5")
    with pytest.raises(keyroute.OptionNotApplicableError):
        keyroute.Pool(["10.0.0.1:11211"], scheme="spymemcached-array-mod", format="libmemcached")
