"""A helper process for tests and benchmarks: its own process group, its output in a log file.

Subclasses say how to start it (:meth:`Service.command`) and when it is ready
(:meth:`Service.ready`); :meth:`Service.start` waits for that, :meth:`Service.stop` ends the
whole process group, and :meth:`Service.logs` gives what it printed for a failing test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self


class ServiceError(RuntimeError):
    """The process did not become ready; the message carries what it printed."""


class Service:
    """Start with :meth:`start` or as a context manager."""

    error: ClassVar[type[ServiceError]] = ServiceError

    def __init__(self, *, startup_timeout: float) -> None:
        self.startup_timeout = startup_timeout
        self.log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        """What the process is, for messages."""
        return type(self).__name__

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1"}

    def working_directory(self) -> Path | None:
        return None

    def ready(self) -> bool:
        """True once the process serves what the tests need (called until it is, or times out)."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the process and wait until :meth:`ready`; raises :attr:`error` if it never is."""
        fd, log_name = tempfile.mkstemp(prefix=f"{self.name}-", suffix=".log")
        self.log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.working_directory(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches every child
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise self.error(f"{self.name} exited during start-up.\n{self.logs()}")
            if self.ready():
                return
            time.sleep(0.1)
        raise self.error(f"{self.name} not ready after {self.startup_timeout:.0f}s.\n{self.logs()}")

    def stop(self, *, kill: bool = False) -> None:
        """Terminate the process group (SIGTERM, then SIGKILL after 10 s; ``kill``: SIGKILL at
        once, a crash). Idempotent."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def logs(self) -> str:
        """Everything the process printed so far (stdout and stderr interleaved)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def http_body(url: str) -> bytes | None:
    """The body at ``url`` (loopback only), or None while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body: bytes = response.read()
            return body
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None
