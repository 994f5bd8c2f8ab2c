"""Types of the e2e fixtures (``tests/e2e/conftest.py``), importable for annotations.

>>> def test_x(streamlit_app: StreamlitAppFactory, page: Page, console_errors: ConsoleErrors) -> None:
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page

from tests.support.streamlit_server import StreamlitServer


class StreamlitAppFactory(Protocol):
    """``streamlit_app(app, *, extra_args=(), **env)``: a started, shared server."""

    def __call__(
        self, app: str | Path, *, extra_args: tuple[str, ...] = (), **env: str
    ) -> StreamlitServer: ...


class NewContext(Protocol):
    """``new_context(storage_state=None, **kwargs)``: a context closed after the test."""

    def __call__(self, *, storage_state: Any = None, **kwargs: Any) -> BrowserContext: ...


@dataclass
class ConsoleErrors:
    """Console errors and uncaught page errors seen by every page a test opened."""

    allowed: list[re.Pattern[str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Tolerate errors matching ``pattern`` (a regex searched in the message)."""
        self.allowed.append(re.compile(pattern))

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            self.messages.append(f"console.error: {message.text} ({location})")

    def _on_page_error(self, error: Error) -> None:
        self.messages.append(f"pageerror: {error.name}: {error.message}")

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]
