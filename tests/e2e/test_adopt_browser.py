"""persist(adopt=...) in Chromium: an app stores values with a peer, is rewritten, and its users keep them.

Each app reads its mode from a file on every run, so the old and the rewritten app are one
server on one origin, as when an author deploys the new version over the old one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Page

from streamlit_persist import _adopt
from tests.e2e.browser_helpers import expect_line, hydrated_with_runs, storage_items, wait_for_stored
from tests.support.fixtures import StreamlitAppFactory
from tests.support.pages import element_by_key, expect_no_streamlit_exception, wait_for_app
from tests.support.streamlit_server import StreamlitServer

pytestmark = pytest.mark.e2e

APPS: Final[dict[_adopt.Source, str]] = {"streamlit-local-storage": "adopt_local_storage_app.py", "streamlit-extras": "adopt_extras_app.py"}
NAMES: Final = ("name", "count", "tags", "agree")
AppInMode = Callable[[_adopt.Source], tuple[StreamlitServer, Callable[[str], None]]]
RESTORED: Final = "values=['Ada', 7, ['b', 'c'], True, '']"


@pytest.fixture
def app_in_mode(streamlit_app: StreamlitAppFactory, tmp_path: Path) -> AppInMode:
    """``app_in_mode(source) -> (server, set_mode)``: one server whose app is "old" or "new" per run."""

    def start(source: _adopt.Source) -> tuple[StreamlitServer, Callable[[str], None]]:
        mode_file = tmp_path / "mode"

        def set_mode(mode: str) -> None:
            mode_file.write_text(mode, "utf-8")

        set_mode("new")
        return streamlit_app(APPS[source], SP_MODE_FILE=str(mode_file)), set_mode

    return start


def peer_keys(page: Page, source: _adopt.Source) -> dict[str, str]:
    """The peer's entries for the app's names, as they are in the page's localStorage now."""
    items = storage_items(page)
    keys = {_adopt.peer_key(source, name, "/"): name for name in (*NAMES, "note")}
    return {keys[k]: v for k, v in items.items() if k in keys}


@pytest.mark.parametrize("source", list(APPS))
def test_the_rewritten_app_restores_what_the_peer_stored_and_removes_it(app_in_mode: AppInMode, page: Page, source: _adopt.Source) -> None:
    """Stored with the peer in the browser; after the rewrite, the first visit restores it, once."""
    server, set_mode = app_in_mode(source)
    set_mode("old")
    page.goto(server.url)
    wait_for_app(page)
    element_by_key(page, "save").locator("button").click()
    for name in NAMES:
        wait_for_stored(page, _adopt.peer_key(source, name, "/"), "v !== null")
    stored = peer_keys(page, source)
    if source == "streamlit-local-storage":
        assert stored["name"] == '{"name":"Ada"}'  # its layout, as _adopt documents it
    else:
        assert stored["name"] == '"Ada"'
        assert stored["agree"].startswith('{"__st_expires_at__":')

    set_mode("new")
    page.reload()
    runs = hydrated_with_runs(page, RESTORED, max_runs=2)
    expect_line(page, f"hydrated=True from={sorted((name, source) for name in NAMES)!r}")
    expect_line(page, "errors=[]")
    for name in NAMES:
        wait_for_stored(page, _adopt.peer_key(source, name, "/"), "v === null")
    assert peer_keys(page, source) == {}
    ours = [k for k in storage_items(page) if k.startswith("sp:")]
    assert sorted(k.rsplit(":", 1)[1] for k in ours) == sorted(NAMES)
    assert runs == 2  # the one migration run: the boot cookie could not know the peer's values

    page.reload()  # a return visit: restored from our own storage, no extra run
    assert hydrated_with_runs(page, RESTORED, max_runs=1) == 1
    expect_line(page, f"hydrated=True from={sorted((name, 'storage') for name in NAMES)!r}")
    expect_no_streamlit_exception(page)


HOSTILE: Final = {
    "count": {"streamlit-local-storage": '{"count":"seven"}', "streamlit-extras": '"seven"'},
    "tags": {"streamlit-local-storage": '{"tags":["z"]}', "streamlit-extras": '["z"]'},
    "name": {"streamlit-local-storage": "{broken", "streamlit-extras": "{broken"},
    "note": {
        "streamlit-local-storage": '{"note":"' + "x" * 1_100_000 + '"}',
        "streamlit-extras": '{"__st_expires_at__":1,"value":"long gone"}',
    },
    "agree": {"streamlit-local-storage": '{"agree":true}', "streamlit-extras": "true"},
}
HOSTILE_ERRORS: Final = {
    "streamlit-local-storage": "errors=[('count', 'invalid'), ('name', 'corrupt'), ('note', 'too_large'), ('tags', 'invalid')]",
    "streamlit-extras": "errors=[('count', 'invalid'), ('name', 'corrupt'), ('note', 'expired'), ('tags', 'invalid')]",
}


@pytest.mark.parametrize("source", list(APPS))
def test_hostile_values_in_the_old_layout_are_dropped_and_reported(app_in_mode: AppInMode, page: Page, source: _adopt.Source) -> None:
    """Wrong types, broken JSON, a huge or expired value: defaults shown, reported, old keys gone, no crash."""
    server, _ = app_in_mode(source)
    page.goto(server.url)
    wait_for_app(page)
    page.evaluate(
        "(items) => { for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v); }",
        {_adopt.peer_key(source, name, "/"): raw[source] for name, raw in HOSTILE.items()},
    )
    page.reload()
    hydrated_with_runs(page, "values=['', 0, [], True, '']", max_runs=2)
    expect_line(page, HOSTILE_ERRORS[source])
    expect_line(page, f"hydrated=True from=[('agree', '{source}')]")
    for name in HOSTILE:
        wait_for_stored(page, _adopt.peer_key(source, name, "/"), "v === null")
    expect_no_streamlit_exception(page)
