"""The app in an iframe of another page (issue 13): storage denied to a cross-site frame is said
once and the session works in memory; a same-site embed restores after a reload.

The parent page is a one-file HTTP server bound to 127.0.0.1. Addressed as ``127.0.0.1`` it is
another site than the app (served on ``localhost``); addressed as ``localhost`` it is the same
site (ports do not make sites). Streamlit needs no setting for this: it sends no
``X-Frame-Options`` or ``frame-ancestors`` header, and the frame's WebSocket comes from the app's
own origin. ``?embed=true`` only hides Streamlit's toolbar, as authors embed apps.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import BrowserContext, Frame, FrameLocator, Page, Playwright, expect

from streamlit_persist.testing import TemporaryStore
from tests.e2e.browser_helpers import HYDRATION_MS
from tests.support.apps import RUNS_SELECTOR
from tests.support.browser import LAUNCH_ARGS, chromium_executable
from tests.support.fixtures import ConsoleErrors, NewContext, StreamlitAppFactory
from tests.support.oidc import OidcProvider, auth_secrets, keep_on_loopback, sign_in_at_provider
from tests.support.pages import APP_SELECTOR, DEFAULT_TIMEOUT_MS, EXCEPTION_SELECTOR
from tests.support.streamlit_server import StreamlitServer, free_port

pytestmark = pytest.mark.e2e

APP: Final = "embed_app.py"
SIGNIN_APP: Final = Path(__file__).resolve().parent / "apps" / "signin_app.py"
NAMESPACE: Final = "embed"
UNAVAILABLE: Final = re.compile(r"^error unavailable: browser storage is unavailable to this page")

ParentPage = Callable[[str, str], str]  # (host the parent is addressed by, app URL) -> parent URL
Scope = Page | FrameLocator  # the app as a page of its own, or in the parent's frame


@pytest.fixture
def parent_page() -> Iterator[ParentPage]:
    """Serve a page that embeds a URL in an iframe, from 127.0.0.1; shut down after the test."""
    servers: list[ThreadingHTTPServer] = []

    def serve(host: str, app_url: str) -> str:
        body = (
            "<!doctype html><title>Portal</title><h1>Portal</h1>"
            f'<iframe id="app" src="{app_url}" style="width:900px;height:700px;border:0"></iframe>'
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host}:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def third_party_cookies_allowed(
    playwright: Playwright, tmp_path: Path, console_errors: ConsoleErrors
) -> Iterator[BrowserContext]:
    """A Chromium profile that allows third-party cookies (as many users' Chrome still does).

    Playwright's contexts block them, like an incognito window; a profile's own preference is
    the only switch (there is no command-line flag for it).
    """
    (tmp_path / "Default").mkdir()
    preferences = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    (tmp_path / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = playwright.chromium.launch_persistent_context(
        tmp_path, executable_path=chromium_executable(playwright.chromium), headless=True, args=list(LAUNCH_ARGS)
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.on("page", console_errors.watch)
    yield context
    context.close()


def _line(frame: Scope, pattern: str | re.Pattern[str]) -> None:
    text = re.compile("^" + re.escape(pattern) + "$") if isinstance(pattern, str) else pattern
    expect(frame.get_by_test_id("stText").filter(has_text=text)).to_be_visible(timeout=HYDRATION_MS)


def _settled(frame: Scope) -> None:
    app = frame.locator(APP_SELECTOR)
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=HYDRATION_MS)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=HYDRATION_MS)


def _error_lines(frame: Scope) -> list[str]:
    return [t for t in frame.get_by_test_id("stText").all_inner_texts() if t.startswith("error ")]


def _type_name(frame: Scope, name: str) -> None:
    field = frame.locator(".st-key-name input")
    field.fill(name)
    field.press("Enter")
    _line(frame, re.compile(rf"^name={re.escape(repr(name))} count="))


def _app_frame(page: Page) -> Frame:
    frame = page.locator("#app").element_handle().content_frame()
    assert frame is not None
    return frame


def test_cross_site_frame_says_unavailable_once_and_keeps_the_session(
    streamlit_app: StreamlitAppFactory, page: Page, parent_page: ParentPage
) -> None:
    """Parent on 127.0.0.1, app on localhost: Chromium denies the frame its storage."""
    server = streamlit_app(APP)
    page.goto(parent_page("127.0.0.1", server.url + "?embed=true"))
    frame = page.frame_locator("#app")

    _line(frame, "available=False hydrated=True restored=[]")
    _line(frame, UNAVAILABLE)
    _settled(frame)
    assert frame.locator(RUNS_SELECTOR).inner_text().strip() == "runs=2"  # the report costs one run, once

    _type_name(frame, "Ann")
    frame.locator(".st-key-add button").click()
    _line(frame, "name='Ann' count=1")
    frame.locator(".st-key-add button").click()
    _line(frame, "name='Ann' count=2")
    _settled(frame)
    assert len(_error_lines(frame)) == 1, _error_lines(frame)
    assert frame.locator(RUNS_SELECTOR).inner_text().strip() == "runs=5"  # no retries, no extra reruns
    expect(frame.locator(EXCEPTION_SELECTOR)).to_have_count(0)
    assert page.context.cookies() == []  # no boot cookie that could never come back
    assert _app_frame(page).evaluate("document.hasStorageAccess()") is False
    assert _app_frame(page).evaluate("window.__streamlitPersist.crossSite") is True

    page.reload()  # a new session: nothing came back, and it is said again
    frame = page.frame_locator("#app")
    _line(frame, "name='' count=0")
    _line(frame, "available=False hydrated=True restored=[]")
    _line(frame, UNAVAILABLE)
    expect(frame.locator(EXCEPTION_SELECTOR)).to_have_count(0)


def _store_name_and_reload(page: Page, frame: FrameLocator, name: str) -> FrameLocator:
    """Type ``name`` in the framed app, wait until the frame's storage holds it, reload the parent."""
    _type_name(frame, name)
    _app_frame(page).wait_for_function(
        "(n) => window.localStorage.getItem(n) !== null", arg=f"sp:{NAMESPACE}:name", timeout=HYDRATION_MS
    )
    page.reload()
    return page.frame_locator("#app")


def test_same_site_frame_stores_and_restores(
    streamlit_app: StreamlitAppFactory, page: Page, parent_page: ParentPage
) -> None:
    """Parent on localhost (another port, the same site): storage works, values come back."""
    server = streamlit_app(APP)
    page.goto(parent_page("localhost", server.url + "?embed=true"))
    frame = page.frame_locator("#app")
    _line(frame, "available=True hydrated=True restored=[]")
    frame = _store_name_and_reload(page, frame, "Ann")
    _line(frame, "name='Ann' count=0")
    _line(frame, "available=True hydrated=True restored=['name']")
    _settled(frame)
    assert _error_lines(frame) == []
    # No false alarm: the browser grants a same-site frame its storage, and the module saw it.
    assert _app_frame(page).evaluate("document.hasStorageAccess()") is True
    assert _app_frame(page).evaluate("window.__streamlitPersist.crossSite") is False
    expect(frame.locator(EXCEPTION_SELECTOR)).to_have_count(0)


def test_cross_site_frame_with_partitioned_storage_restores_within_that_site(
    streamlit_app: StreamlitAppFactory, third_party_cookies_allowed: BrowserContext, parent_page: ParentPage
) -> None:
    """Third-party cookies allowed: the frame gets storage of its own for the embedding site, and
    the browser still grants it access, so nothing is reported; values come back within that site."""
    server = streamlit_app(APP)
    page = third_party_cookies_allowed.new_page()
    page.goto(server.url)  # the app as a site of its own
    _type_name(page, "Top")
    page.wait_for_function("(n) => window.localStorage.getItem(n) !== null", arg=f"sp:{NAMESPACE}:name")

    page.goto(parent_page("127.0.0.1", server.url + "?embed=true"))
    frame = page.frame_locator("#app")
    _line(frame, "name='' count=0")  # storage kept apart: the top-level visit's value is not there
    _line(frame, "available=True hydrated=True restored=[]")
    assert _app_frame(page).evaluate("document.hasStorageAccess()") is True
    frame = _store_name_and_reload(page, frame, "Framed")
    _line(frame, "name='Framed' count=0")
    _line(frame, "available=True hydrated=True restored=['name']")
    _settled(frame)
    assert frame.locator(RUNS_SELECTOR).inner_text().strip() == "runs=2"  # from storage: the cookie cannot help
    assert _error_lines(frame) == []
    expect(frame.locator(EXCEPTION_SELECTOR)).to_have_count(0)


def test_st_login_does_not_reach_a_cross_site_frame(
    new_context: NewContext, parent_page: ParentPage, tmp_path: Path
) -> None:
    """Streamlit's sign-in cookie is SameSite=Lax: a user signed in to the app is signed out in a
    cross-site frame, so ``storage="user"`` falls back to the browser storage it is denied."""
    shutil.copy(SIGNIN_APP, tmp_path / SIGNIN_APP.name)
    (tmp_path / ".streamlit").mkdir()
    port = free_port()
    with OidcProvider() as provider, TemporaryStore() as store:
        (tmp_path / ".streamlit" / "secrets.toml").write_text(auth_secrets(provider, app_port=port))
        env = {"STREAMLIT_PERSIST_STORE": store.url}
        with StreamlitServer(tmp_path / SIGNIN_APP.name, cwd=tmp_path, port=port, env=env) as server:
            context = new_context()
            keep_on_loopback(context)
            page = context.new_page()
            page.goto(server.url)
            page.locator(".st-key-login button").click()
            sign_in_at_provider(page, "ann", provider)
            page.wait_for_url(server.url, timeout=HYDRATION_MS)
            _line(page, "user=ann prefs='' note='' hydrated=True errors=[]")  # signed in, top level

            page.goto(parent_page("127.0.0.1", server.url + "?embed=true"))
            frame = page.frame_locator("#app")
            _line(frame, "user=None prefs='' note='' hydrated=True errors=[('unavailable', None)]")
            expect(frame.locator(EXCEPTION_SELECTOR)).to_have_count(0)
