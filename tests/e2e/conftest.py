"""Fixtures for real-browser tests: a Streamlit server per app, a Chromium, pages that fail on
console errors.

Usage::

    pytestmark = pytest.mark.e2e

    def test_restores(streamlit_app, page):
        server = streamlit_app("apps/my_app.py", SOME_ENV="1")
        page.goto(server.url)
        expect(page.get_by_text("restored")).to_be_visible()

Every test under ``tests/e2e`` is marked ``e2e`` (``pytest -m "not e2e"`` skips them).
Chromium: see :mod:`tests.support.browser` (``SP_CHROMIUM`` overrides the discovery).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:  # `pytest` (not `python -m pytest`) does not add the cwd
    sys.path.insert(0, str(_REPO_ROOT))

from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.support.browser import launch_chromium  # noqa: E402
from tests.support.compat import STREAMLIT_CONSOLE_ERRORS  # noqa: E402
from tests.support.fixtures import ConsoleErrors, NewContext, StreamlitAppFactory  # noqa: E402
from tests.support.pages import DEFAULT_TIMEOUT_MS  # noqa: E402
from tests.support.streamlit_server import StreamlitServer  # noqa: E402

E2E_DIR = Path(__file__).resolve().parent
APPS_DIR = E2E_DIR / "apps"
_LOG_TAIL_LINES = 80


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_console_error(pattern, ...): regexes of browser console errors this test tolerates",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the tail of each used server's log to a failing test's report."""
    report = yield
    if report.failed:
        for server in item.stash.get(_USED_SERVERS, []):
            tail = "\n".join(server.logs().splitlines()[-_LOG_TAIL_LINES:])
            report.sections.append((f"streamlit log: {server.app.name} ({server.log_path})", tail))
    return report


_USED_SERVERS = pytest.StashKey[list[StreamlitServer]]()


# --- browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


# --- servers ---------------------------------------------------------------------------------


def _resolve_app(app: str | Path) -> Path:
    path = Path(app)
    if path.is_absolute():
        return path
    for base in (APPS_DIR, E2E_DIR, _REPO_ROOT):
        if (base / path).is_file():
            return (base / path).resolve()
    raise FileNotFoundError(f"App {app} not found under {APPS_DIR}, {E2E_DIR} or {_REPO_ROOT}.")


@pytest.fixture(scope="session")
def _streamlit_servers() -> Iterator[dict[tuple[Any, ...], StreamlitServer]]:
    servers: dict[tuple[Any, ...], StreamlitServer] = {}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def streamlit_app(
    request: pytest.FixtureRequest, _streamlit_servers: dict[tuple[Any, ...], StreamlitServer]
) -> StreamlitAppFactory:
    """``streamlit_app(app, *, extra_args=(), **env) -> StreamlitServer`` (started, healthy).

    ``app`` is a path relative to ``tests/e2e/apps``, ``tests/e2e`` or the repository root.
    One server per (app, extra_args, env) for the whole session: tests share it, so each test
    must start from a fresh browser context (the ``page`` fixture does) rather than a fresh server.
    """

    def factory(app: str | Path, *, extra_args: tuple[str, ...] = (), **env: str) -> StreamlitServer:
        path = _resolve_app(app)
        cache_key = (path, tuple(extra_args), tuple(sorted(env.items())))
        server = _streamlit_servers.get(cache_key)
        if server is None or not server.running:
            server = StreamlitServer(path, extra_args=extra_args, env=env)
            server.start()
            _streamlit_servers[cache_key] = server
        used = request.node.stash.setdefault(_USED_SERVERS, [])
        if server not in used:
            used.append(server)
        return server

    return factory


# --- contexts, pages, console errors ----------------------------------------------------------


@pytest.fixture
def console_errors(request: pytest.FixtureRequest) -> Iterator[ConsoleErrors]:
    """Collects console errors of all pages of the test; fails it at teardown if any is unexpected.

    Opt out for a known message with ``@pytest.mark.allow_console_error("regex")`` or
    ``console_errors.allow("regex")``.
    """
    errors = ConsoleErrors()
    for pattern in STREAMLIT_CONSOLE_ERRORS:
        errors.allow(pattern)
    for marker in request.node.iter_markers("allow_console_error"):
        for pattern in marker.args:
            errors.allow(pattern)
    yield errors
    unexpected = errors.unexpected()
    if unexpected:
        pytest.fail("Browser console errors:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def new_context(browser: Browser, console_errors: ConsoleErrors) -> Iterator[NewContext]:
    """``new_context(storage_state=None, **kwargs) -> BrowserContext``, closed after the test.

    Every page opened in such a context is watched for console errors. ``storage_state`` is
    Playwright's (a path or a dict from ``context.storage_state()``); other kwargs go to
    ``browser.new_context``.
    """
    contexts: list[BrowserContext] = []

    def factory(*, storage_state: Any = None, **kwargs: Any) -> BrowserContext:
        context = browser.new_context(storage_state=storage_state, **kwargs)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.on("page", console_errors.watch)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: NewContext) -> BrowserContext:
    """A fresh, empty browser context (its own localStorage, cookies)."""
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in a fresh context, watched for console errors."""
    return context.new_page()


@pytest.fixture
def new_page(context: BrowserContext) -> Callable[[], Page]:
    """Open another page (e.g. a second tab, or a return visit) in the test's context."""
    return context.new_page
