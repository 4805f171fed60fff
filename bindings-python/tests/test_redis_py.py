"""Agreement with redis-py, the client most Python code routes with today.

An extra on top of the golden vectors, not a substitute: redis-py is itself
checked against Redis only by its own tests.
"""

from __future__ import annotations

import random

import pytest
from redis._parsers.encoders import Encoder
from redis.crc import key_slot as redis_key_slot

import keyroute


def random_keys(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    alphabet = [ord("{"), ord("}"), ord("a")] + list(range(256))
    keys = []
    for _ in range(count):
        n = rng.choice([0, 1, 2, 3, 5, 8, 13, 24, 40, 127, 128, 129, 300])
        keys.append(bytes(rng.choice(alphabet) for _ in range(rng.randint(0, n))))
    return keys


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_agree_with_redis_py(seed: int) -> None:
    keys = random_keys(5000, seed)
    want = [redis_key_slot(k) for k in keys]
    assert [keyroute.key_slot(k) for k in keys] == want
    assert keyroute.key_slots(keys).tolist() == want


def test_str_keys_agree_with_redis_cluster_keyslot() -> None:
    # RedisCluster.keyslot is key_slot(encoder.encode(key)).
    encoder = Encoder("utf-8", "strict", False)  # type: ignore[no-untyped-call]
    rng = random.Random(7)
    alphabet = "{}ab:é日\U0001f600\x00"
    keys = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(5000)]
    want = [redis_key_slot(encoder.encode(k)) for k in keys]  # type: ignore[no-untyped-call]
    assert [keyroute.key_slot(k) for k in keys] == want
    assert keyroute.key_slots(keys).tolist() == want
