"""A real ``redis-server`` (Debian package ``redis-server``) on a free localhost port, for tests.

No persistence, no config file: ``redis-server --port N --bind 127.0.0.1 --dir TMP --save ""
--appendonly no``. ``stop()`` (``kill=True``: SIGKILL) and ``start()`` again on the same port
simulate an outage; ``durable=True`` keeps the data across it (append-only file, fsync on every
write), as a production Redis would.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from tests.support.streamlit_server import free_port


class RedisServerError(RuntimeError):
    """redis-server is missing or did not start."""


def redis_server_path() -> str:
    found = shutil.which("redis-server")
    if found is None:
        raise RedisServerError(
            "redis-server is not installed: `apt-get install redis-server` (make test does it as root)"
        )
    return found


class RedisServer:
    def __init__(self, port: int | None = None, *, durable: bool = False) -> None:
        self.port = port if port is not None else free_port()
        self.durable = durable
        self._dir = tempfile.TemporaryDirectory(prefix="sp-redis-")
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            redis_server_path(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", self._dir.name,
            "--save", "",
            *(("--appendonly", "yes", "--appendfsync", "always") if self.durable else ("--appendonly", "no")),
            "--protected-mode", "yes",
        ]  # fmt: skip
        self._log = open(Path(self._dir.name) / "redis.log", "ab")  # noqa: SIM115  # closed by stop()
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RedisServerError(f"redis-server did not answer on port {self.port}")

    def stop(self, *, kill: bool = False) -> None:
        if self._process is not None:
            if kill:
                self._process.kill()
            else:
                self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        self._dir.cleanup()
