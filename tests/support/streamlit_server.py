"""Run ``streamlit run <app>`` on a free localhost port for real-browser tests and benchmarks.

>>> with StreamlitServer("tests/e2e/apps/bare_app.py") as server:
...     page.goto(server.url)

The server's stdout and stderr go to a temporary log file (:attr:`StreamlitServer.log_path`);
:meth:`StreamlitServer.logs` returns it so a failing test can print what the app said.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final, Self

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
HOST: Final = "localhost"
# Fixed, so tests can open the boot cookies the app writes (its HMAC key derives from it).
COOKIE_SECRET: Final = "streamlit-persist-tests-cookie-secret-4f9a1c"

_BASE_ARGS: Final[tuple[str, ...]] = (
    # An explicit address binds loopback only and skips Streamlit's external-IP lookup
    # (an outbound request a closed network refuses).
    "--server.address",
    HOST,
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--global.developmentMode",
    "false",
    "--server.fileWatcherType",
    "none",
)


class StreamlitServerError(RuntimeError):
    """The app server did not become healthy; the message carries its captured output."""


def free_port() -> int:
    """Return a TCP port on localhost that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class StreamlitServer:
    """``streamlit run <app>`` in its own process group, as a context manager.

    Parameters
    ----------
    app
        Path to the app script (relative paths are resolved against ``cwd``).
    extra_args
        More ``streamlit run`` options, e.g. ``("--server.baseUrlPath", "x")``.
    env
        Extra environment variables for the app process. ``PYTHONPATH`` always starts with the
        repository root, so apps can ``import tests.support.apps`` and ``streamlit_persist``.
    cwd
        Working directory of the process; the repository root by default.
    port
        A fixed port; a free one by default.
    startup_timeout
        Seconds to wait for ``/_stcore/health`` to answer ``ok``.
    """

    def __init__(
        self,
        app: str | os.PathLike[str],
        *,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        port: int | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.cwd = Path(cwd) if cwd is not None else REPO_ROOT
        self.app = (self.cwd / app).resolve()
        self.extra_args = tuple(extra_args)
        self.env = dict(env or {})
        self.port = port if port is not None else free_port()
        self.startup_timeout = startup_timeout
        self.log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The app's root URL, e.g. ``http://localhost:8765/``."""
        return f"http://{HOST}:{self.port}/"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        """The exact command line the server is started with."""
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app),
            "--server.port",
            str(self.port),
            *_BASE_ARGS,
            *self.extra_args,
        ]

    def _process_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        paths = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", COOKIE_SECRET)
        return env

    def start(self) -> None:
        """Start the process and wait until it is healthy.

        Raises
        ------
        StreamlitServerError
            The process exited or did not answer ``ok`` within ``startup_timeout``.
        """
        if not self.app.is_file():
            raise FileNotFoundError(f"App script not found: {self.app}")
        fd, log_name = tempfile.mkstemp(prefix=f"streamlit-{self.app.stem}-", suffix=".log")
        self.log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.cwd,
                env=self._process_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches every child
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        health = f"http://{HOST}:{self.port}/_stcore/health"
        while time.monotonic() < deadline:
            if not self.running:
                raise StreamlitServerError(f"{self.app.name} exited during start-up.\n{self.logs()}")
            try:
                with urllib.request.urlopen(health, timeout=2) as response:  # localhost only
                    if response.read().decode().strip() == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise StreamlitServerError(
            f"{self.app.name} not healthy after {self.startup_timeout:.0f}s at {health}.\n{self.logs()}"
        )

    def stop(self) -> None:
        """Terminate the process group (SIGTERM, then SIGKILL after 10 s). Idempotent."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def logs(self) -> str:
        """Everything the server printed so far (stdout and stderr interleaved)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"StreamlitServer({str(self.app)!r}, url={self.url!r}, running={self.running})"
