"""Every partition vector (tests/vectors/partition/, answers of nutcracker,
ruby-redis, php-predis, uhashring, pymemcache, npm hashring, libmemcached
and the written definitions) reproduced through `keyroute.Pool`.

A pool whose library was given `str` keys (`key_form` "text") is asked with
`str` keys where the library was; one given `bytes` ("python-bytes") is
asked with the very `bytes` the library got, so the binding's own `str(key)`
treatment for uhashring and pymemcache is what is under test.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import keyroute
from _vectors import ROOT

PARTITION = ROOT / "tests" / "vectors" / "partition"
SCHEME_FILES = {
    # file: (minimum pools, minimum answers), as core/tests/partition_vectors.rs
    "redis-rb-4.json": (18, 6000),
    "redis-rb-hashring.json": (9, 3400),
    "predis.json": (9, 3500),
    "predis-ketama.json": (9, 3500),
    "uhashring.json": (15, 4300),
    "uhashring-ketama.json": (18, 4900),
    "pymemcache.json": (6, 2000),
    "node-hashring.json": (29, 10400),
    "libmemcached-ketama.json": (10, 4000),
    "jump.json": (12, 4000),
    "rendezvous.json": (5, 1500),
    "maglev.json": (6, 1800),
    "go-redis-ring.json": (6, 2200),
    "go-redis-ring-v5.json": (7, 2900),
    "python-memcached.json": (10, 3700),
    "phpredis-array.json": (21, 8100),
    "spymemcached-ketama.json": (29, 7800),
    "spymemcached-array-mod.json": (17, 4600),
    "dalli.json": (15, 5400),
}
# The file's option names, as Pool's keywords.
OPTION_NAMES = {"vnode_count": "vnodes"}
# The schemes whose library is Python: "text" keys were given to it as str.
PYTHON_LIBRARIES = {"uhashring", "uhashring-ketama", "pymemcache"}


@cache
def load(name: str) -> dict[str, Any]:
    path = PARTITION / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; `make vectors` writes it")
    doc: dict[str, Any] = json.loads(Path(path).read_text())
    return doc


def keys_of(doc: dict[str, Any], pool: dict[str, Any]) -> list[bytes]:
    keys = [bytes.fromhex(k["key"]) for k in doc["keys"]]
    bulky = pool.get("bulk", len(pool.get("servers", ())) >= 25)
    if bulky:
        keys += [bytes.fromhex(k["key"]) for k in doc["bulk_keys"]]
    return keys


def as_asked(key: bytes, form: str | None) -> bytes | str | None:
    """The key as a Python library was given it; None where it could not be."""
    if form != "text":
        return key
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return None


def check_pool(pool: keyroute.Pool, keys: list[Any], want: list[int | None], name: str) -> int:
    """Per-key answers, the batch, and node_for all equal the real answers."""
    assert len(keys) == len(want), f"{name}: answer count"
    asked = [(k, w) for k, w in zip(keys, want) if k is not None and w is not None]
    got = [pool.index_for(k) for k, _ in asked]
    bad = [(k, w, g) for (k, w), g in zip(asked, got) if g != w]
    assert not bad, f"{name}: {len(bad)} of {len(asked)} differ, e.g. {bad[:5]}"
    assert pool.indexes_for([k for k, _ in asked]).tolist() == got, name
    servers = pool.servers
    assert [pool.node_for(k) for k, _ in asked[:50]] == [servers[g] for g in got[:50]], name
    return len(asked)


@pytest.mark.parametrize("file", sorted(SCHEME_FILES))
def test_scheme_vectors(file: str) -> None:
    doc = load(file)
    min_pools, min_answers = SCHEME_FILES[file]
    assert len(doc["pools"]) >= min_pools
    checked = 0
    for p in doc["pools"]:
        options = {OPTION_NAMES.get(k, k): v for k, v in p["options"].items()}
        # A pool given to the library as a mapping is given to Pool as one.
        servers = dict(p["entries"]) if "entries" in p else p["servers"]
        pool = keyroute.Pool(servers, scheme=doc["scheme"], **options)
        assert pool.scheme == doc["scheme"] and pool.servers == p["servers"]
        form = p.get("key_form") if doc["scheme"] in PYTHON_LIBRARIES else None
        keys = [as_asked(k, form) for k in keys_of(doc, p)]
        checked += check_pool(pool, keys, p["nodes"], f"{file} {p['name']}")
        # Keys the library has no server for (phpredis-array) are refused,
        # one at a time and in a batch.
        for i in p.get("refused", []):
            with pytest.raises(keyroute.PartitionError, match="no server for this key"):
                pool.index_for(keys[i])
            with pytest.raises(keyroute.PartitionError, match="no server for this key"):
                pool.indexes_for([b"x", keys[i]])
        if form is None:
            # A str key is its UTF-8 bytes for every other scheme.
            texts = [as_asked(k, "text") for k in keys_of(doc, p)]
            check_pool(pool, texts, p["nodes"], f"{file} {p['name']} as str")
    assert checked >= min_answers


def test_python_libraries_bytes_keys_are_their_str() -> None:
    # The "python-bytes" pools were given bytes: the library hashed "b'...'",
    # so the answer differs from the same key given as text.
    for file in ("uhashring.json", "uhashring-ketama.json", "pymemcache.json"):
        doc = load(file)
        pools = {p["name"]: p for p in doc["pools"]}
        text, raw = pools["3"], pools["3/bytes"]
        assert raw["key_form"] == "python-bytes" and text["servers"] == raw["servers"]
        differ = sum(a != b for a, b in zip(text["nodes"], raw["nodes"]) if a is not None)
        assert differ > 50, file


def twemproxy_pools() -> list[dict[str, Any]]:
    pools: list[dict[str, Any]] = load("twemproxy.json")["pools"]
    assert len(pools) >= 700
    return pools


@pytest.mark.parametrize("chunk", range(8))
def test_twemproxy_vectors(chunk: int) -> None:
    doc = load("twemproxy.json")
    keys = keys_of(doc, {"bulk": False})
    all_keys = keys_of(doc, {"bulk": True})
    texts: list[str | None] = [as_asked(k, "text") for k in all_keys]  # type: ignore[misc]
    checked = 0
    for p in twemproxy_pools()[chunk::8]:
        pool = keyroute.Pool.from_nutcracker(p["yaml"])
        assert pool.scheme == f"twemproxy-{p['distribution']}"
        asked = all_keys if p["bulk"] else keys
        checked += check_pool(pool, list(asked), p["nodes"], p["name"])
        if chunk == 0:
            # str keys are their UTF-8 bytes for every scheme but the Python ones.
            check_pool(pool, texts[: len(asked)], p["nodes"], p["name"] + " as str")
    assert checked > 250_000 // 8


def test_twemproxy_ejected_vectors() -> None:
    doc = load("twemproxy-ejected.json")
    checked = 0
    for p in doc["pools"]:
        full = keyroute.Pool.from_nutcracker(p["yaml"])
        pool = full.with_live(p["live"])
        assert pool.live == p["live"] and full.live is None and False in p["live"]
        checked += check_pool(pool, keys_of(doc, p), p["nodes"], p["name"])
    assert checked > 4000


def test_nutcracker_reader_agrees_with_nutcracker() -> None:
    configs = load("nutcracker-configs.json")["configs"]
    assert len(configs) >= 35
    for c in configs:
        names = [line[:-1].strip("'\"") for line in c["yaml"].splitlines()
                 if line.endswith(":") and not line.startswith((" ", "#"))]
        if c["name"] == "random-distribution":
            # nutcracker accepts it; keyroute refuses what nobody can reproduce.
            with pytest.raises(keyroute.ConfigError) as e:
                keyroute.Pool.from_nutcracker(c["yaml"], pool="p")
            assert (e.value.pool, e.value.field) == ("p", "distribution")
            assert isinstance(e.value.__cause__, keyroute.PartitionError)
            continue
        if c["nutcracker_accepts"]:
            for name in names or ["p"]:
                assert keyroute.Pool.from_nutcracker(c["yaml"], pool=name).name == name, c["name"]
        else:
            with pytest.raises(keyroute.ConfigError):
                keyroute.Pool.from_nutcracker(c["yaml"], pool="p")
