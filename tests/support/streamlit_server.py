"""Run ``streamlit run <app>`` on a free localhost port for real-browser tests and benchmarks.

>>> with StreamlitServer("tests/e2e/apps/bare_app.py") as server:
...     page.goto(server.url)

The server's stdout and stderr go to a temporary log file (:attr:`StreamlitServer.log_path`);
:meth:`StreamlitServer.logs` returns it so a failing test can print what the app said.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from tests.support.process import Service, ServiceError, http_body

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


class StreamlitServerError(ServiceError):
    """The app server did not become healthy; the message carries its captured output."""


def free_port() -> int:
    """Return a TCP port on localhost that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class StreamlitServer(Service):
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

    error = StreamlitServerError

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
        super().__init__(startup_timeout=startup_timeout)

    @property
    def url(self) -> str:
        """The app's root URL, e.g. ``http://localhost:8765/``."""
        return f"http://{HOST}:{self.port}/"

    @property
    def name(self) -> str:
        return f"streamlit-{self.app.stem}"

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

    def environment(self) -> dict[str, str]:
        env = {**super().environment(), **self.env}
        paths = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", COOKIE_SECRET)
        return env

    def working_directory(self) -> Path:
        return self.cwd

    def start(self) -> None:
        """Start the process and wait until ``/_stcore/health`` answers ``ok``.

        Raises
        ------
        StreamlitServerError
            The process exited or did not answer ``ok`` within ``startup_timeout``.
        """
        if not self.app.is_file():
            raise FileNotFoundError(f"App script not found: {self.app}")
        super().start()

    def ready(self) -> bool:
        return (http_body(f"http://{HOST}:{self.port}/_stcore/health") or b"").decode().strip() == "ok"

    def __repr__(self) -> str:
        return f"StreamlitServer({str(self.app)!r}, url={self.url!r}, running={self.running})"
