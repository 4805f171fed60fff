"""A minimal RESP2 client and a redis-server process runner for the oracles.

Standard library only, so the oracle scripts run with any Python 3.10+.
Servers are started on free loopback ports, in a private temporary
directory, and stopped by PID.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any, Iterable, Sequence


class ReplyError(Exception):
    """An error reply (`-ERR ...`) from the server."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode(argv: Sequence[bytes | str | int]) -> bytes:
    out = [b"*%d\r\n" % len(argv)]
    for a in argv:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Connection:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = bytearray()

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self) -> bytes:
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return line
            self._fill()

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[: n + 2]
        return data

    def read(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return ReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ValueError(f"unexpected reply line {line!r}")

    def call(self, *argv: bytes | str | int) -> Any:
        self.sock.sendall(encode(argv))
        reply = self.read()
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    def pipeline(self, commands: Iterable[Sequence[bytes | str | int]], batch: int = 500) -> list[Any]:
        """Sends commands in batches; error replies are returned, not raised."""
        commands = list(commands)
        replies: list[Any] = []
        for i in range(0, len(commands), batch):
            part = commands[i : i + batch]
            self.sock.sendall(b"".join(encode(c) for c in part))
            replies.extend(self.read() for _ in part)
        return replies


class RedisServer:
    """One redis-server process on 127.0.0.1, stopped by PID on exit."""

    def __init__(self, *extra: str, binary: str = "redis-server") -> None:
        self.binary = binary
        self.extra = list(extra)
        self.port = 0
        self.dir = ""
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "RedisServer":
        if shutil.which(self.binary) is None:
            raise RuntimeError(f"{self.binary} not found: run scripts/setup.sh")
        self.dir = tempfile.mkdtemp(prefix="keyroute-redis-")
        for attempt in range(5):
            self.port = free_port()
            args = [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir, "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log"),
                *self.extra,
            ]
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._wait_ready():
                return self
            self._stop()
        raise RuntimeError(f"redis-server did not start; see {self.dir}/redis.log")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            try:
                with Connection("127.0.0.1", self.port, timeout=1) as c:
                    if c.call("PING") == "PONG":
                        return True
            except (OSError, ReplyError):
                time.sleep(0.05)
        return False

    def connect(self) -> Connection:
        return Connection("127.0.0.1", self.port)

    def _stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __exit__(self, *exc: object) -> None:
        self._stop()
        shutil.rmtree(self.dir, ignore_errors=True)
