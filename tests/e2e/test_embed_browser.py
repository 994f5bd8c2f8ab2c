"""The app in an iframe of another page (issue 13): storage denied to a cross-site frame is said
once and the session works in memory; a same-site embed restores after a reload.

The parent page is a one-file HTTP server bound to 127.0.0.1. Addressed as ``127.0.0.1`` it is
another site than the app (served on ``localhost``); addressed as ``localhost`` it is the same
site (ports do not make sites). Streamlit needs no setting for this: it sends no
``X-Frame-Options`` or ``frame-ancestors`` header, and the frame's WebSocket comes from the app's
own origin. ``?embed=true`` only hides Streamlit's toolbar, as authors embed apps.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

import pytest
from playwright.sync_api import Frame, FrameLocator, Page, expect

from tests.e2e.browser_helpers import HYDRATION_MS
from tests.support.fixtures import StreamlitAppFactory
from tests.support.pages import APP_SELECTOR, EXCEPTION_SELECTOR, RUNS_SELECTOR

pytestmark = pytest.mark.e2e

APP: Final = "embed_app.py"
NAMESPACE: Final = "embed"
UNAVAILABLE: Final = re.compile(r"^error unavailable: browser storage is unavailable to this page")

ParentPage = Callable[[str, str], str]  # (host the parent is addressed by, app URL) -> parent URL


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

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host}:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _line(frame: FrameLocator, pattern: str | re.Pattern[str]) -> None:
    text = re.compile("^" + re.escape(pattern) + "$") if isinstance(pattern, str) else pattern
    expect(frame.get_by_test_id("stText").filter(has_text=text)).to_be_visible(timeout=HYDRATION_MS)


def _settled(frame: FrameLocator) -> None:
    app = frame.locator(APP_SELECTOR)
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=HYDRATION_MS)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=HYDRATION_MS)


def _error_lines(frame: FrameLocator) -> list[str]:
    return [t for t in frame.get_by_test_id("stText").all_inner_texts() if t.startswith("error ")]


def _type_name(frame: FrameLocator, name: str) -> None:
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


def test_same_site_frame_stores_and_restores(
    streamlit_app: StreamlitAppFactory, page: Page, parent_page: ParentPage
) -> None:
    """Parent on localhost (another port, the same site): storage works, values come back."""
    server = streamlit_app(APP)
    page.goto(parent_page("localhost", server.url + "?embed=true"))
    frame = page.frame_locator("#app")
    _line(frame, "available=True hydrated=True restored=[]")
    _type_name(frame, "Ann")
    _app_frame(page).wait_for_function(
        "(name) => window.localStorage.getItem(name) !== null", arg=f"sp:{NAMESPACE}:name", timeout=HYDRATION_MS
    )

    page.reload()
    frame = page.frame_locator("#app")
    _line(frame, "name='Ann' count=0")
    _line(frame, "available=True hydrated=True restored=['name']")
    _settled(frame)
    assert _error_lines(frame) == []
    # No false alarm: the browser grants a same-site frame its storage, and the module saw it.
    assert _app_frame(page).evaluate("document.hasStorageAccess()") is True
    assert _app_frame(page).evaluate("window.__streamlitPersist.crossSite") is False
    expect(frame.locator(EXCEPTION_SELECTOR)).to_have_count(0)
