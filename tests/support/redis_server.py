"""A real ``redis-server`` (Debian package ``redis-server``) on a free localhost port, for tests.

No persistence, no config file: ``redis-server --port N --bind 127.0.0.1 --dir TMP --save ""
--appendonly no``. ``stop()`` (``kill=True``: SIGKILL) and ``start()`` again on the same port
simulate an outage; ``durable=True`` keeps the data across it (append-only file, fsync on every
write), as a production Redis would.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from types import TracebackType

from tests.support.process import Service, ServiceError
from tests.support.streamlit_server import free_port


class RedisServerError(ServiceError):
    """redis-server is missing or did not start."""


def redis_server_path() -> str:
    found = shutil.which("redis-server")
    if found is None:
        raise RedisServerError(
            "redis-server is not installed: `apt-get install redis-server` (make test does it as root)"
        )
    return found


class RedisServer(Service):
    error = RedisServerError

    def __init__(self, port: int | None = None, *, durable: bool = False) -> None:
        super().__init__(startup_timeout=10)
        self.port = port if port is not None else free_port()
        self.durable = durable
        self._dir = tempfile.TemporaryDirectory(prefix="sp-redis-")

    @property
    def name(self) -> str:
        return "redis-server"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            redis_server_path(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", self._dir.name,
            "--save", "",
            *(("--appendonly", "yes", "--appendfsync", "always") if self.durable else ("--appendonly", "no")),
            "--protected-mode", "yes",
        ]  # fmt: skip

    def ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._dir.cleanup()
