"""A short soak: 1,000,000 calls over every stateful API (routing, grouping,
commands, policies, pools, redirects, objects made and dropped) after a
warm-up: the process's resident memory must stay flat. A ceiling on growth,
not a timing: the calls take a few seconds."""

from __future__ import annotations

import gc
import os

import keyroute
from keyroute import plan

CALLS = 1_000_000
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """Resident memory now (not the peak), from /proc."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def test_resident_memory_stays_flat_across_a_million_calls() -> None:
    slots = [[0, 5460, ["10.0.0.1", 7000, "a" * 40, {}], ["10.0.0.4", 7003]],
             [5461, 10922, ["10.0.0.2", 7001]], [10923, 16383, ["10.0.0.3", 7002]]]
    cluster = keyroute.Cluster.from_slots(slots)
    policy = keyroute.HashPolicy([r"user:(?<tag>\d+):.*", "(?<tag>.*)"])
    table = keyroute.CommandTable()
    pool = keyroute.Pool(["10.0.0.1:6379:1", "10.0.0.2:6379:1", "10.0.0.3:6379:1"],
                         scheme="twemproxy-ketama")
    keys: list[str | bytes] = [f"user:{i}:x" if i % 3 else f"k{{{i}}}".encode() for i in range(64)]
    a, b = "a" * 40, "b" * 40
    done = 0

    def round_(i: int) -> int:
        k = keys[i % len(keys)]
        keyroute.key_slot(k)
        cluster.node_for(k, read_from="round_robin" if i % 2 else "primary")
        policy.key_slot(k)
        pool.node_for(k)
        keyroute.check(["MGET", "{a}1", "{a}2"])
        table.command_keys(["SET", k, "v"])
        keyroute.key_slots(keys)
        cluster.group_by_node(keys)
        keyroute.split(["MGET", "a", "b", "c"])
        # A failover and back: the map changes, nothing accumulates.
        cluster.apply_redirect(f"MOVED 0 {'10.0.0.4:7003' if i % 2 else '10.0.0.1:7000'}")
        cluster.apply_redirect("ASK 1 10.0.0.2:7001")
        calls = 11
        if i % 50 == 0:
            keyroute.Cluster.from_slots(slots)
            keyroute.Pool(["10.0.0.1:6379", "10.0.0.2:6379"], scheme="jump")
            keyroute.HashPolicy(["(?<tag>.*)"])
            plan.rebalance({a: [(0, 16383)]}, add=[b]).script("valkey9")
            calls += 4
        return calls

    i = 0
    while done < 100_000:
        done += round_(i)
        i += 1
    gc.collect()
    warm = rss()
    while done < CALLS:
        done += round_(i)
        i += 1
    gc.collect()
    grown = rss() - warm
    print(f"{done} calls; resident memory {warm} bytes after warm-up, grew {grown} bytes")
    assert grown <= 8 << 20, f"resident memory grew {grown} bytes"
