"""An app whose page has no browser storage, or storage kept apart (embedded in another site's page)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from streamlit_persist.testing import MemoryBrowser, TemporaryStore

NS = "t"

APP = f"""
import streamlit as st
import streamlit_persist as sp

p = sp.persist(["name", "count"], namespace="{NS}")
st.text_input("Name", key="name")
st.session_state.setdefault("count", 0)
if st.button("Add", key="add"):
    st.session_state.count += 1
st.text(f"available={{p.available}} hydrated={{p.hydrated}} count={{st.session_state.count}}")
for error in p.errors:
    st.text(f"error {{error.kind}}: {{error.message}}")
"""


def run(browser: MemoryBrowser, runs: int = 2) -> AppTest:
    """A page load: its first run, then the runs the browser's reply starts."""
    with browser:
        at = AppTest.from_string(APP, default_timeout=10)
        for _ in range(runs):
            at.run()
    return at


def shown(at: AppTest) -> list[str]:
    return [str(text.value) for text in at.text]


class TestDenied:
    def test_reported_once_and_the_session_keeps_working_in_memory(self) -> None:
        """No storage: one `unavailable` record, `available` False, values the user sets still live."""
        browser = MemoryBrowser(available=False)
        with browser:
            at = AppTest.from_string(APP, default_timeout=10).run().run()
            assert shown(at)[0] == "available=False hydrated=True count=0"
            at.text_input(key="name").input("Ann").run()
            at.button(key="add").click().run()
            at.button(key="add").click().run()
        assert not at.exception
        assert at.text_input(key="name").value == "Ann"
        assert shown(at)[0] == "available=False hydrated=True count=2"
        errors = [line for line in shown(at) if line.startswith("error")]
        assert errors == [
            "error unavailable: browser storage is unavailable to this page; values last for this session only "
            "(localStorage is denied to this page)"
        ]
        assert browser.local == {}
        assert browser.cookies == {}

    def test_no_boot_cookie_is_sent_once_storage_is_known_to_be_missing(self) -> None:
        """A cookie would claim values that storage cannot confirm on the next load."""
        browser = MemoryBrowser(available=False)
        with browser:
            at = AppTest.from_string(APP, default_timeout=10).run().run()
            sent_before = len(browser.messages)
            at.text_input(key="name").input("Ann").run()
        later = browser.messages[sent_before:]
        assert later
        assert all(message["cookie"] is None for message in later)
        assert any(message["writes"] for message in later)  # still sent: the bridge drops them, no retries

    def test_values_stored_at_the_top_level_do_not_reach_the_frame(self) -> None:
        """What the same browser stored outside the frame is out of reach: defaults, and the report."""
        browser = MemoryBrowser(available=False)
        browser.store({"name": "Ann"}, namespace=NS)
        at = run(browser)
        assert at.text_input(key="name").value == ""
        assert shown(at)[0] == "available=False hydrated=True count=0"
        assert [e for e in shown(at) if e.startswith("error unavailable")]

    def test_storage_that_works_is_available_and_silent(self) -> None:
        """The ordinary case says nothing: no false alarm."""
        browser = MemoryBrowser()
        browser.store({"name": "Ann"}, namespace=NS)
        at = run(browser)
        assert at.text_input(key="name").value == "Ann"
        assert shown(at) == ["available=True hydrated=True count=0"]


class TestPartitioned:
    def test_stores_and_restores_and_says_so_once(self) -> None:
        """Storage kept apart for the embedding site works; the app is told once, `available` stays True."""
        browser = MemoryBrowser(partitioned=True)
        with browser:
            at = AppTest.from_string(APP, default_timeout=10).run().run()
            at.text_input(key="name").input("Ann").run()
        assert browser.values(namespace=NS)["name"] == "Ann"
        assert browser.cookies == {}  # never sent back to a cross-site frame: not written
        errors = [line for line in shown(at) if line.startswith("error")]
        assert len(errors) == 1
        assert errors[0].startswith("error unavailable: this page is embedded in another site's page")
        assert shown(at)[0].startswith("available=True")
        again = run(browser, runs=3)  # a reload in the same embedding site
        assert again.text_input(key="name").value == "Ann"


class TestServerScopes:
    def test_values_on_the_server_are_available_whatever_the_browser(self) -> None:
        """`storage="app"` keeps values on the server: a browser without storage does not concern it."""
        with TemporaryStore() as store, MemoryBrowser(available=False) as browser:
            at = AppTest.from_string(APP.replace(f'namespace="{NS}"', f'namespace="{NS}", storage="app"'))
            at.run().run()
            at.text_input(key="name").input("Ann").run()
            assert shown(at)[0] == "available=True hydrated=True count=0"
            assert store.values(NS)["name"] == "Ann"
        assert not [line for line in shown(at) if line.startswith("error")]
        assert browser.local == {}
