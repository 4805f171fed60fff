#!/usr/bin/env python3
"""A real Redis Cluster on loopback for the tests of every language.

    harness.py start [--masters 3] [--replicas 1] [--owner PID] > state.json
    harness.py stop state.json

`start` launches 3 primaries and 3 replicas of Debian's redis-server in
cluster mode on free 127.0.0.1 ports, joins them with
`redis-cli --cluster create`, waits until every node reports
`cluster_state:ok` and the same slot layout, then prints a JSON state
(ports, PIDs, directory) and returns. A watchdog process stops the servers
if the owner process (default: the caller's parent) dies, so a crashed test
run leaves no server behind. `stop` stops every server by PID.

Python tests can use `Cluster` as a context manager instead.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
from resp import Connection, ReplyError, free_port  # noqa: E402


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def stop_pids(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Cluster:
    def __init__(self, masters: int = 3, replicas: int = 1, spare: int = 0) -> None:
        self.masters = masters
        self.replicas = replicas
        self.spare = spare
        self.dir = ""
        self.nodes: list[dict] = []

    @property
    def ports(self) -> list[int]:
        return [n["port"] for n in self.nodes]

    def state(self) -> dict:
        return {"dir": self.dir, "host": "127.0.0.1", "nodes": self.nodes}

    def start(self) -> "Cluster":
        if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
            raise RuntimeError("redis-server/redis-cli not found: run scripts/setup.sh")
        self.dir = tempfile.mkdtemp(prefix="keyroute-cluster-")
        try:
            for i in range(self.masters * (1 + self.replicas)):
                self.nodes.append(self._start_node(i))
            addrs = [f"127.0.0.1:{p}" for p in self.ports]
            out = subprocess.run(
                ["redis-cli", "--cluster", "create", *addrs, "--cluster-replicas", str(self.replicas),
                 "--cluster-yes"], capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                raise RuntimeError(f"redis-cli --cluster create failed:\n{out.stdout}\n{out.stderr}")
            self.wait_stable()
            # Spare nodes join as empty primaries.
            for i in range(self.spare):
                node = self._start_node(len(self.nodes))
                self.nodes.append(node)
                self.call(node["port"], "CLUSTER", "MEET", "127.0.0.1", self.nodes[0]["port"])
            if self.spare:
                self.wait_known()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_node(self, i: int) -> dict:
        d = os.path.join(self.dir, f"node{i}")
        os.makedirs(d)
        for _ in range(5):
            port = free_port()
            if port + 10000 > 65535:
                continue  # the cluster bus listens on port + 10000
            proc = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                 "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                 "--cluster-node-timeout", "2000", "--repl-ping-replica-period", "1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--logfile", os.path.join(d, "redis.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with Connection("127.0.0.1", port, timeout=1) as c:
                        if c.call("PING") == "PONG":
                            return {"port": port, "pid": proc.pid, "dir": d}
                except (OSError, ReplyError):
                    time.sleep(0.05)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        raise RuntimeError(f"redis-server node {i} did not start; see {d}/redis.log")

    def call(self, port: int, *argv: object):
        with Connection("127.0.0.1", port, timeout=10) as c:
            return c.call(*argv)

    def wait_stable(self, timeout: float = 60) -> None:
        """Every node says cluster_state:ok, all agree on the slot layout,
        and every replica has finished its initial sync."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                infos = [self.call(p, "CLUSTER", "INFO") for p in self.ports]
                if all(b"cluster_state:ok" in i for i in infos):
                    layouts = [_layout(self.call(p, "CLUSTER", "SLOTS")) for p in self.ports]
                    # CLUSTER SLOTS lists a replica only once it has synced
                    # (a replication offset above 0).
                    complete = all(len(r[2]) == 1 + self.replicas for r in layouts[0])
                    same = all(lay == layouts[0] for lay in layouts)
                    if complete and same:
                        return
                    last = f"layouts agree: {same}, every replica listed: {complete}"
                else:
                    last = "cluster_state not ok everywhere"
            except (OSError, ReplyError) as e:
                last = str(e)
            time.sleep(0.1)
        raise RuntimeError(f"cluster not stable after {timeout}s: {last}")

    def wait_known(self, timeout: float = 30) -> None:
        """Every node knows every other node, and the state is ok."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                views = [self.call(p, "CLUSTER", "NODES").decode() for p in self.ports]
                if all(v.count("\n") >= len(self.ports) and "handshake" not in v for v in views) and all(
                        b"cluster_state:ok" in self.call(p, "CLUSTER", "INFO") for p in self.ports):
                    return
            except (OSError, ReplyError):
                pass
            time.sleep(0.1)
        raise RuntimeError("spare nodes did not join the cluster")

    def stop(self) -> None:
        stop_pids([n["pid"] for n in self.nodes])
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _layout(slots_reply: list) -> list:
    return sorted([r[0], r[1], [[n[0].decode(), n[1]] for n in r[2:]]] for r in slots_reply)


def _watchdog(owner: int, pids: list[int], path: str) -> None:
    """Forks a process that stops the servers when `owner` exits."""
    if os.fork() != 0:
        return
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    while _alive(owner) and any(_alive(p) for p in pids):
        time.sleep(0.5)
    stop_pids(pids)
    shutil.rmtree(path, ignore_errors=True)
    os._exit(0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--masters", type=int, default=3)
    s.add_argument("--replicas", type=int, default=1)
    s.add_argument("--spare", type=int, default=0, help="extra empty primaries joined after creation")
    s.add_argument("--owner", type=int, default=os.getppid(), help="stop the cluster when this PID exits")
    t = sub.add_parser("stop")
    t.add_argument("state")
    args = ap.parse_args()
    if args.cmd == "start":
        c = Cluster(args.masters, args.replicas, args.spare).start()
        _watchdog(args.owner, [n["pid"] for n in c.nodes], c.dir)
        print(json.dumps(c.state()), flush=True)
        return 0
    with open(args.state) as f:
        state = json.load(f)
    stop_pids([n["pid"] for n in state["nodes"]])
    shutil.rmtree(state["dir"], ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
