"""Standalone redis-servers and a nutcracker in front of them, for the
sharded-client tests: free 127.0.0.1 ports, a temp dir, stopped by PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Any

import redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(port: int, proc: subprocess.Popen[bytes], what: str, log: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} on port {port} did not start; see {log}")


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()


class Servers:
    """`count` redis-servers; with `nutcracker=True`, a nutcracker pool
    over them ("127.0.0.1:PORT:1 shardN", fnv1a_64, ketama), its
    `hash_tag` when given."""

    def __init__(self, count: int = 4, nutcracker: bool = False, hash_tag: str | None = None) -> None:
        self.count = count
        self.want_nutcracker = nutcracker
        self.hash_tag = hash_tag
        self.dir = ""
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        self.proxy_port = 0

    @property
    def specs(self) -> list[str]:
        """The servers as twemproxy writes them, in pool order."""
        return [f"127.0.0.1:{p}:1 shard{i}" for i, p in enumerate(self.ports)]

    def start(self) -> Servers:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server not found: run scripts/setup.sh")
        self.dir = tempfile.mkdtemp(prefix="keyroute-sharded-")
        try:
            for i in range(self.count):
                self._start_redis(i)
            if self.want_nutcracker:
                self._start_nutcracker()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_redis(self, i: int) -> None:
        d = os.path.join(self.dir, f"redis{i}")
        os.makedirs(d)
        log = os.path.join(d, "redis.log")
        for _ in range(5):
            port = free_port()
            proc = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                 "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", log],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                wait_ready(port, proc, "redis-server", log)
            except RuntimeError:
                stop([proc])
                continue
            self.procs.append(proc)
            self.ports.append(port)
            return
        raise RuntimeError(f"redis-server {i} did not start; see {log}")

    def _start_nutcracker(self) -> None:
        if shutil.which("nutcracker") is None:
            raise RuntimeError("nutcracker not found: run scripts/setup.sh")
        log = os.path.join(self.dir, "nutcracker.log")
        for _ in range(5):
            port, stats = free_port(), free_port()
            lines = [
                "sharded:",
                f"  listen: 127.0.0.1:{port}",
                "  hash: fnv1a_64",
                "  distribution: ketama",
                "  redis: true",
                "  auto_eject_hosts: false",
            ]
            if self.hash_tag is not None:
                lines.append(f'  hash_tag: "{self.hash_tag}"')
            lines.append("  servers:")
            lines += [f"    - {s}" for s in self.specs]
            conf = os.path.join(self.dir, "nutcracker.yml")
            with open(conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            proc = subprocess.Popen(
                ["nutcracker", "-c", conf, "-s", str(stats), "-a", "127.0.0.1",
                 "-o", log, "-p", os.path.join(self.dir, "nutcracker.pid")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                wait_ready(port, proc, "nutcracker", log)
            except RuntimeError:
                stop([proc])
                continue
            self.procs.append(proc)
            self.proxy_port = port
            return
        raise RuntimeError(f"nutcracker did not start; see {log}")

    def client(self, i: int, **kw: Any) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.ports[i], **kw)

    def proxy(self, **kw: Any) -> redis.Redis:
        # nutcracker speaks RESP2 only, and closes on CLIENT SETINFO.
        return redis.Redis(host="127.0.0.1", port=self.proxy_port, protocol=2, driver_info=None, **kw)

    def command_calls(self) -> list[dict[str, int]]:
        """Per server, the calls of every command (`INFO commandstats`),
        leaving out what reading them sends (INFO, CLIENT SETINFO, HELLO)."""
        out = []
        for i in range(self.count):
            with self.client(i) as c:
                stats = c.info("commandstats")
            out.append({
                name: int(v["calls"]) for name, v in stats.items()
                if name not in ("cmdstat_info", "cmdstat_client|setinfo", "cmdstat_hello")
            })
        return out

    def flushall(self) -> None:
        for i in range(self.count):
            with self.client(i) as c:
                c.flushall()

    def stop(self) -> None:
        stop(self.procs)
        self.procs = []
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Servers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
