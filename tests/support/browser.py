"""Find a Chromium for Playwright and the arguments to launch it headless.

Playwright cannot download its own browsers on every machine (closed networks), so the order is:

1. ``SP_CHROMIUM`` (an explicit executable path) wins;
2. Playwright's own bundled Chromium, when it was installed (``playwright install chromium``);
3. a system Chromium (Debian's ``/usr/bin/chromium``, then ``chromium``, ``chromium-browser``,
   ``google-chrome`` on ``PATH``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Final

from playwright.sync_api import Browser, BrowserType, Playwright
from playwright.sync_api import Error as PlaywrightError

ENV_VAR: Final = "SP_CHROMIUM"

# A closed network refuses background connections; these flags keep Chromium from trying
# (and from logging the failures as console noise). --no-sandbox because CI often runs as root.
LAUNCH_ARGS: Final[tuple[str, ...]] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_SYSTEM_CANDIDATES: Final[tuple[str, ...]] = ("chromium", "chromium-browser", "google-chrome")
_DEBIAN_CHROMIUM: Final = "/usr/bin/chromium"


def _bundled_chromium_exists(browser_type: BrowserType | None) -> bool:
    if browser_type is None:
        return False
    try:
        return Path(browser_type.executable_path).is_file()
    except Exception:  # a broken Playwright install simply means "not bundled"
        return False


def chromium_executable(browser_type: BrowserType | None = None) -> str | None:
    """Return the Chromium executable to launch, or ``None`` for Playwright's bundled one.

    Parameters
    ----------
    browser_type
        ``playwright.chromium``; when given, its bundled executable is preferred if it exists
        on disk. Without it, ``SP_CHROMIUM`` and then the system browsers are tried.

    Returns
    -------
    str | None
        An executable path, or ``None`` (Playwright's default) when the bundled browser exists
        or nothing else was found; Playwright then reports the missing browser itself.

    Raises
    ------
    FileNotFoundError
        ``SP_CHROMIUM`` names a file that does not exist.
    """
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        if not Path(explicit).is_file():
            raise FileNotFoundError(f"{ENV_VAR}={explicit!r} does not exist.")
        return explicit
    if _bundled_chromium_exists(browser_type):
        return None
    if Path(_DEBIAN_CHROMIUM).is_file():
        return _DEBIAN_CHROMIUM
    for name in _SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def launch_chromium(playwright: Playwright, *, headless: bool = True) -> Browser:
    """Launch the Chromium found by :func:`chromium_executable` with :data:`LAUNCH_ARGS`."""
    executable = chromium_executable(playwright.chromium)
    try:
        return playwright.chromium.launch(
            executable_path=executable, headless=headless, args=list(LAUNCH_ARGS)
        )
    except PlaywrightError as e:
        raise RuntimeError(
            f"Could not launch Chromium ({executable or 'Playwright bundled'}): set {ENV_VAR}, "
            "run `playwright install chromium`, or install a system Chromium."
        ) from e


def main() -> int:
    """``python -m tests.support.browser``: exit 0 when a Chromium launches (used by ``make``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright)
        except (RuntimeError, FileNotFoundError) as e:
            print(e)
            return 1
        print(f"Chromium {browser.version}: {chromium_executable(playwright.chromium) or 'Playwright bundled'}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
