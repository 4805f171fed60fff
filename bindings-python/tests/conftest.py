"""A real Redis Cluster (tests/cluster/harness.py) shared by the live tests.

Started once per session on first use and stopped by PID when the session
ends, whether the tests passed or not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from _vectors import ROOT

sys.path.insert(0, str(ROOT / "tests" / "cluster"))
sys.path.insert(0, str(ROOT / "tests" / "oracles"))


@pytest.fixture(scope="session")
def live_cluster() -> Iterator[Any]:
    """3 primaries and 3 replicas of redis-server on 127.0.0.1."""
    from harness import Cluster  # type: ignore[import-not-found]

    with Cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def shard_servers() -> Iterator[Any]:
    """4 standalone redis-servers and a nutcracker pool over them
    ("127.0.0.1:PORT:1 shardN", fnv1a_64, ketama), for the sharded clients."""
    from _shard_servers import Servers

    with Servers(4, nutcracker=True) as servers:
        yield servers
