"""Playwright helpers for pages of a running Streamlit app (used by tests/e2e and benchmarks).

Wait for what the user would see with ``expect(...)`` (it retries), never with a sleep: after a
load, the first ``data-test-script-state="notRunning"`` comes BEFORE the hydration rerun of a
component that reads browser storage, so :func:`wait_for_app` alone does not mean "restored".
"""

from __future__ import annotations

import re
from typing import Final

from playwright.sync_api import Locator, Page, expect

from tests.support.apps import RUNS_SELECTOR

APP_SELECTOR: Final = '[data-testid="stApp"]'
EXCEPTION_SELECTOR: Final = '[data-testid="stException"]'
DEFAULT_TIMEOUT_MS: Final = 15_000

_RUNS_TEXT: Final = re.compile(r"runs=(\d+)")


def wait_for_app(page: Page, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until the app is connected and no script run is in progress."""
    app = page.locator(APP_SELECTOR)
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def expect_no_streamlit_exception(page: Page) -> None:
    """Assert that the page shows no ``st.exception`` box (an uncaught error in the script)."""
    exceptions = page.locator(EXCEPTION_SELECTOR)
    if exceptions.count():
        raise AssertionError(f"The app shows an exception:\n{exceptions.first.inner_text()}")


def runs_locator(page: Page) -> Locator:
    """The ``runs=<n>`` caption rendered by :func:`tests.support.apps.show_run_count`."""
    return page.locator(RUNS_SELECTOR)


def expect_runs(page: Page, n: int, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until the page load's script-run counter shows exactly ``n``."""
    expect(runs_locator(page)).to_have_text(f"runs={n}", timeout=timeout)


def read_runs(page: Page) -> int:
    """The script-run counter as shown now (call after :func:`wait_for_app`)."""
    match = _RUNS_TEXT.search(runs_locator(page).inner_text())
    if match is None:
        raise AssertionError("The app renders no runs=<n> counter (call show_run_count()).")
    return int(match.group(1))


def element_by_key(page: Page, key: str) -> Locator:
    """The element of a widget or container created with ``key=`` (class ``st-key-<key>``)."""
    return page.locator(f".st-key-{key}")
