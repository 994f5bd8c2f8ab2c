"""Real-browser acceptance tests of protected persistence (issue 3).

The app (``apps/secret_app.py``) stores two values encrypted with ``secret=`` (from the
``SP_SECRET`` environment variable of the server) and shows only their SHA-256 on the page, so
any plaintext in storage, cookies, the page or the WebSocket frames is a leak.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Final

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocket

from streamlit_persist import _crypto
from tests.e2e.browser_helpers import (
    expect_line,
    hydrated_with_runs,
    storage_items,
    text_line,
    wait_for_stored,
)
from tests.e2e.conftest import APPS_DIR
from tests.support.fixtures import NewContext, StreamlitAppFactory
from tests.support.pages import element_by_key, expect_no_streamlit_exception
from tests.support.streamlit_server import StreamlitServer, free_port

pytestmark = pytest.mark.e2e

APP: Final = "secret_app.py"
NS: Final = "secret_app"
PLAN: Final = "enterprise-plan-7f3a9c"  # the values the app's Seed button stores (see the app)
NOTE: Final = "top-secret-note-4242"
SECRET_A: Final = secrets.token_urlsafe(32)
SECRET_B: Final = secrets.token_urlsafe(32)
KID_A: Final = _crypto.Keyring(SECRET_A).newest_kid
KID_B: Final = _crypto.Keyring(SECRET_B).newest_kid


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def expect_values(page: Page, plan: str, note: str) -> None:
    expect_line(page, f"plan_hash={sha(plan)}")
    expect_line(page, f"note_hash={sha(note)}")


def seed(page: Page, kid: str) -> None:
    """Click the app's Seed button and wait until both new values are stored sealed under ``kid``."""
    before = storage_items(page)
    element_by_key(page, "seed").get_by_role("button").click()
    expect_values(page, PLAN, NOTE)
    for slot in ("plan", "note"):
        name = f"sp:{NS}:{slot}"
        old = json.dumps(before.get(name))
        wait_for_stored(page, name, f"v !== null && v.startsWith('sp1.e.{kid}.') && v !== {old}")


class Frames:
    """Every WebSocket frame a page received or sent."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.sent: list[bytes] = []

    def watch(self, ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: self.received.append(_as_bytes(payload)))
        ws.on("framesent", lambda payload: self.sent.append(_as_bytes(payload)))

    def containing(self, needle: str) -> list[str]:
        raw = needle.encode()
        found = [f"received #{i}" for i, f in enumerate(self.received) if raw in f]
        return found + [f"sent #{i}" for i, f in enumerate(self.sent) if raw in f]


def _as_bytes(payload: str | bytes) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


def assert_no_plaintext(page: Page, context: BrowserContext, frames: Frames | None = None) -> None:
    """No plaintext value and no secret in storage, cookies, the page's HTML or the frames."""
    needles = {"PLAN": PLAN, "NOTE": NOTE, "SECRET_A": SECRET_A, "SECRET_B": SECRET_B}
    stored = {**storage_items(page, "local"), **storage_items(page, "session")}
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    html = page.content()
    for label, needle in needles.items():
        in_storage = [k for k, v in stored.items() if needle in v or needle in k]
        assert not in_storage, f"{label} in plaintext in browser storage: {in_storage}"
        in_cookies = [k for k, v in cookies.items() if needle in v]
        assert not in_cookies, f"{label} in plaintext in cookies: {in_cookies}"
        assert needle not in html, f"{label} appears in the page"
        if frames is not None:
            assert not frames.containing(needle), f"{label} in WebSocket frames: {frames.containing(needle)}"


class TestEncryptedValues:
    def test_encrypted_values_restored_and_never_in_plaintext(
        self, streamlit_app: StreamlitAppFactory, page: Page, context: BrowserContext
    ) -> None:
        """Encrypted values come back after a reload; storage, cookies, the page and every
        WebSocket frame hold neither the plaintext values nor the secret."""
        frames = Frames()
        page.on("websocket", frames.watch)
        server = streamlit_app(APP, SP_SECRET=SECRET_A)
        page.goto(server.url)
        hydrated_with_runs(page, "hydrated=True restored=[]")
        expect_values(page, "free", "none")
        seed(page, KID_A)
        assert_no_plaintext(page, context, frames)

        page.reload()
        hydrated_with_runs(page, "hydrated=True restored=['note', 'plan']")
        expect_values(page, PLAN, NOTE)
        assert frames.received, "no WebSocket frame was recorded"
        assert any(b"sp1.e." in f for f in frames.received), "the component's data was not seen in frames"
        assert_no_plaintext(page, context, frames)
        expect_no_streamlit_exception(page)

    def test_value_edited_in_devtools_falls_back_to_default(
        self, streamlit_app: StreamlitAppFactory, page: Page
    ) -> None:
        """One token edited in storage (as in DevTools): that key falls back to its default and is
        reported; the other key is restored."""
        server = streamlit_app(APP, SP_SECRET=SECRET_A)
        page.goto(server.url)
        hydrated_with_runs(page, "hydrated=True restored=[]")
        seed(page, KID_A)
        page.evaluate(
            """(name) => {
              const token = localStorage.getItem(name);
              const i = token.length - 10;
              const flipped = token[i] === "A" ? "B" : "A";
              localStorage.setItem(name, token.slice(0, i) + flipped + token.slice(i + 1));
            }""",
            f"sp:{NS}:plan",
        )
        page.reload()
        expect_line(page, "hydrated=True restored=['note']")
        expect_values(page, "free", NOTE)
        expect_line(page, "error tampered plan")
        hydrated_with_runs(page, "hydrated=True restored=['note']")
        expect_values(page, "free", NOTE)
        expect_no_streamlit_exception(page)


class TestKeyRotation:
    def test_rotation_across_server_restarts_keeps_users_data(self, new_context: NewContext) -> None:
        """Server 1 seals with A. After a restart with [B, A] (same origin), the values come back
        and are re-sealed with B; after another restart with only B they still come back."""
        app = APPS_DIR / APP
        port = free_port()  # the same port for every server: the browser sees one origin
        context = new_context()
        with StreamlitServer(app, env={"SP_SECRET": SECRET_A}, port=port) as server:
            page = context.new_page()
            page.goto(server.url)
            hydrated_with_runs(page, "hydrated=True restored=[]")
            seed(page, KID_A)
            page.close()

        with StreamlitServer(app, env={"SP_SECRET": f"{SECRET_B},{SECRET_A}"}, port=port) as server:
            page = context.new_page()
            page.goto(server.url)
            hydrated_with_runs(page, "hydrated=True restored=['note', 'plan']")
            expect_values(page, PLAN, NOTE)
            for slot in ("plan", "note"):
                wait_for_stored(page, f"sp:{NS}:{slot}", f"v !== null && v.startsWith('sp1.e.{KID_B}.')")
            expect_no_streamlit_exception(page)
            page.close()

        with StreamlitServer(app, env={"SP_SECRET": SECRET_B}, port=port) as server:
            page = context.new_page()
            page.goto(server.url)
            hydrated_with_runs(page, "hydrated=True restored=['note', 'plan']")
            expect_values(page, PLAN, NOTE)
            assert not text_line(page, "error wrong_key plan").count()
            stored = storage_items(page)
            assert stored[f"sp:{NS}:plan"].startswith(f"sp1.e.{KID_B}.")
            expect_no_streamlit_exception(page)
            page.close()  # before the server stops: a live page would log reconnection failures
