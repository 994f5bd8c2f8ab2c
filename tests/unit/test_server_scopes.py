"""storage="user" and storage="app", and sp.shared, through AppTest with a real SQLite store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_persist import _store, _streamlit
from streamlit_persist._protocol import PersistData, PersistMessage
from streamlit_persist._server import ServerSide
from streamlit_persist._sqlite import SqliteStore
from streamlit_persist.exceptions import PersistError
from streamlit_persist.testing import MemoryBrowser, TemporaryStore
from tests.support.compat import streamlit_at_least

NS = "t"
ANN = {"is_logged_in": True, "iss": "https://idp.test", "sub": "ann", "email": "ann@example.com"}
BOB = {**ANN, "sub": "bob", "email": "bob@example.com"}
ANN_ID = "https://idp.test|ann"

USER_APP = f"""
import streamlit as st
import streamlit_persist as sp
p = sp.persist(["prefs", "theme"], storage="user", namespace="{NS}")
st.text_input("Prefs", key="prefs")
st.session_state.setdefault("theme", "light")
st.text(f"prefs={{st.session_state.prefs!r}} theme={{st.session_state.theme!r}} hydrated={{p.hydrated}}")
st.text(f"errors={{[(e.kind, e.key) for e in p.errors]}}")
"""


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[TemporaryStore]:
    """Each backend: a fresh SQLite file, or a fresh key prefix on a real redis-server."""
    redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else None
    with TemporaryStore(redis_url) as temporary:
        yield temporary


@pytest.fixture
def sqlite_store() -> Iterator[TemporaryStore]:
    with TemporaryStore() as temporary:
        yield temporary


class LateBrowser(MemoryBrowser):
    """A browser whose module has not loaded yet for the first ``late`` sign-in messages."""

    def __init__(self, *, late: int) -> None:
        super().__init__()
        self.late = late
        self.dropped = 0

    def _deliver(self, key: str, data: PersistData, on_message: Callable[[], None]) -> PersistMessage | None:
        if key.endswith("/merge") and self.dropped < self.late:
            self.dropped += 1
            return None
        return super()._deliver(key, data, on_message)


def signed_in(user: dict[str, object], script: str = USER_APP) -> AppTest:
    if streamlit_at_least("1.67"):
        at = AppTest.from_string(script, default_timeout=30)
        at.user = user
    else:  # AppTest.user is new in 1.67: before, the script signs its own run in (what AppTest.user does)
        sign_in = (
            "from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx\n"
            f"get_script_run_ctx().user_info.clear(); get_script_run_ctx().user_info.update({user!r})\n"
        )
        at = AppTest.from_string(sign_in + script, default_timeout=30)
    return at.run()


class TestUserScope:
    def test_state_follows_the_user_to_another_device_and_no_one_else(self, store: TemporaryStore) -> None:
        """Restored on the first run (no extra run) in a second session of the same user only."""
        at = signed_in(ANN)
        at.text_input(key="prefs").set_value("compact").run()
        assert store.values(NS, scope="user", user=ANN_ID) == {"prefs": "compact", "theme": "light"}
        other_device = signed_in(ANN)
        assert other_device.text[0].value == "prefs='compact' theme='light' hydrated=True"
        bob = signed_in(BOB)
        assert bob.text[0].value == "prefs='' theme='light' hydrated=True"

    def test_signed_out_the_keys_live_in_the_browser(self, store: TemporaryStore) -> None:
        with MemoryBrowser() as browser:
            at = AppTest.from_string(USER_APP, default_timeout=30).run()
            at.text_input(key="prefs").set_value("anon").run()
            assert browser.values(namespace=NS) == {"prefs": "anon", "theme": "light"}
        assert store.store.owners() == {}

    def test_at_sign_in_the_server_wins_and_missing_keys_come_from_the_browser_once(
        self, store: TemporaryStore
    ) -> None:
        store.store_values(NS, {"theme": "dark"}, scope="user", user=ANN_ID)
        with MemoryBrowser() as browser:
            browser.store({"theme": "light-from-browser", "prefs": "from-browser"}, namespace=NS)
            at = signed_in(ANN)
            assert at.text[0].value == "prefs='from-browser' theme='dark' hydrated=True"
            assert store.values(NS, scope="user", user=ANN_ID) == {"prefs": "from-browser", "theme": "dark"}
            assert browser.values(namespace=NS) == {}  # taken once: the browser's copy is gone
            assert browser.cookies == {}

    def test_the_browsers_copy_goes_even_when_a_rerun_comes_before_the_browser_module(
        self, store: TemporaryStore
    ) -> None:
        """The sign-in message is repeated until the browser answers it: a lost mount loses nothing.

        Without this, signing out showed the signed-out values again, and the next user to sign
        in on that browser got them copied into their account.
        """
        with LateBrowser(late=2) as browser:
            browser.store({"prefs": "from-browser"}, namespace=NS)
            at = signed_in(ANN)
            for _ in range(4):
                at.run()
            assert store.values(NS, scope="user", user=ANN_ID) == {"prefs": "from-browser", "theme": "light"}
            assert browser.values(namespace=NS) == {}
            assert browser.cookies == {}
            assert browser.dropped == 2

    def test_values_are_bound_to_their_user_at_rest(self, store: TemporaryStore) -> None:
        """With a secret, a token copied into another user's space does not open there."""
        secret = "PxPSUsbGig_kSEkzoYh7MFCtA77KnG1KtrpQqJRiyHo"  # 32 random bytes, base64url
        script = USER_APP.replace('namespace="t")', f'namespace="t", secret="{secret}")')
        at = signed_in(ANN, script)
        at.text_input(key="prefs").set_value("private").run()
        ann = store.store.read(_store.Space(NS, "user", ANN_ID))
        assert "private" not in ann["prefs"].token
        store.store.write(_store.Space(NS, "user", "https://idp.test|bob"), {"prefs": ann["prefs"].token}, {})
        bob = signed_in(BOB, script)
        assert bob.text[0].value.startswith("prefs=''")
        assert "('tampered', 'prefs')" in bob.text[1].value


APP_SCOPE = f"""
import streamlit as st
import streamlit_persist as sp
p = sp.persist(["banner", "threshold"], storage="app", namespace="{NS}")
st.session_state.setdefault("banner", "hello")
st.session_state.setdefault("threshold", 5)
if st.session_state.get("set_banner"):
    st.session_state.banner = st.session_state.set_banner
st.text(f"banner={{st.session_state.banner!r}} threshold={{st.session_state.threshold!r}}")
st.text(f"errors={{[(e.kind, e.key) for e in p.errors]}}")
"""


class TestAppScope:
    def test_one_value_for_every_session_and_a_stale_session_never_overwrites(self, store: TemporaryStore) -> None:
        first = AppTest.from_string(APP_SCOPE, default_timeout=30).run()
        second = AppTest.from_string(APP_SCOPE, default_timeout=30).run()
        first.session_state["set_banner"] = "maintenance at 6"
        first.run()
        store.store_values(NS, {"threshold": 7}, scope="app")  # another session, elsewhere
        second.run()  # holds banner='hello' and threshold=5 from its first run
        assert store.values(NS, scope="app") == {"banner": "maintenance at 6", "threshold": 7}
        third = AppTest.from_string(APP_SCOPE, default_timeout=30).run()
        assert third.text[0].value == "banner='maintenance at 6' threshold=7"

    def test_a_locked_store_is_reported_and_the_write_goes_out_once_it_is_back(
        self, sqlite_store: TemporaryStore
    ) -> None:
        """Another process holds the write lock: no exception, a "store" error, then the write lands."""
        store = sqlite_store
        assert isinstance(store.store, SqliteStore)
        at = AppTest.from_string(APP_SCOPE, default_timeout=30).run()
        slow = SqliteStore(store.store.path, busy_timeout=0.1)
        at.session_state["_streamlit_persist:streamlit_persist"]._server.store = slow
        holder = sqlite3.connect(store.store.path, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            at.session_state["set_banner"] = "written later"
            at.run()
            assert not at.exception
            assert at.text[0].value.startswith("banner='written later'")
            assert store.values(NS, scope="app")["banner"] == "hello"  # read through the lock (WAL)
            holder.execute("ROLLBACK")
            at.run()  # reports what failed, and sends it again
            assert "('store', 'banner')" in at.text[1].value
        finally:
            holder.close()
            slow.close()
        assert store.values(NS, scope="app")["banner"] == "written later"


SHARED_APP = """
import streamlit as st
import streamlit_persist as sp
visits = sp.shared("visits", default=0)
visits.update(lambda n: n + 1)
with sp.shared("todos", default=[]) as todos:
    todos.append(len(todos))
st.text(f"visits={visits.value} todos={sp.shared('todos', default=[]).value}")
"""


class TestShared:
    def test_updates_from_every_session_count(self, store: TemporaryStore) -> None:
        for _ in range(3):
            AppTest.from_string(SHARED_APP, default_timeout=30).run()
        at = AppTest.from_string(SHARED_APP, default_timeout=30).run()
        assert at.text[0].value == "visits=4 todos=[0, 1, 2, 3]"

    def test_a_store_that_cannot_be_opened_is_reported_not_raised(self, tmp_path: Path) -> None:
        """A corrupt store file: defaults render, every use reports a "store" error, nothing raises."""
        path = tmp_path / "corrupt.sqlite3"
        path.write_bytes(b"not an SQLite database\n" * 512)
        script = f"""
import streamlit as st
import streamlit_persist as sp
visits = sp.shared("visits", default=0, store="sqlite:///{path}")
visits.update(lambda n: n + 1)
with sp.shared("todos", default=[], store="sqlite:///{path}") as todos:
    todos.append(1)
st.text(f"visits={{visits.value}} errors={{[(e.kind, e.key) for e in visits.errors]}}")
"""
        at = AppTest.from_string(script, default_timeout=30).run()
        assert not at.exception
        assert at.text[0].value == "visits=0 errors=[('store', 'visits')]"

    def test_a_value_that_cannot_be_stored_is_refused_at_the_call(self) -> None:
        at = AppTest.from_string("import streamlit_persist as sp\nsp.shared('x', default=object())").run()
        assert "the default cannot be stored" in at.exception[0].message


class TestPushPacing:
    """Others' changes rerun a session soon, but a burst costs it a few runs, not one per change."""

    def test_a_lone_change_waits_only_the_short_window(self) -> None:
        assert _streamlit.push_delay(None, 100.0) == _streamlit.RERUN_DELAY_SECONDS
        long_ago = 100.0 - 10 * _streamlit.PUSH_INTERVAL_SECONDS
        assert _streamlit.push_delay(long_ago, 100.0) == _streamlit.RERUN_DELAY_SECONDS

    def test_a_change_right_after_a_push_waits_for_the_interval(self) -> None:
        delay = _streamlit.push_delay(100.0, 100.05)
        assert delay == pytest.approx(_streamlit.PUSH_INTERVAL_SECONDS - 0.05)

    def test_a_burst_of_changes_costs_a_few_runs(self) -> None:
        """A change every 20 ms for 0.6 s (a user clicking away): 3 reruns, the last after the last change."""
        pending_at: float | None = None
        last: float | None = None
        runs: list[float] = []
        changes = [i * 0.02 for i in range(30)]
        for at in changes:
            if pending_at is not None and pending_at <= at:  # the pending rerun has happened
                runs.append(pending_at)
                last, pending_at = pending_at, None
            if pending_at is None:  # otherwise this change joins the pending rerun
                pending_at = at + _streamlit.push_delay(last, at)
        assert pending_at is not None
        runs.append(pending_at)
        assert runs[-1] > changes[-1], "the last change has a rerun after it"
        assert len(runs) == 3, runs



LINK_APP = f"""
import streamlit as st
import streamlit_persist as sp
p = sp.persist(["filters", "notes"], namespace="{NS}", share=["filters", "notes"])
st.session_state.setdefault("filters", [])
st.session_state.setdefault("notes", "")
if st.session_state.get("make_link"):
    st.code(p.share_url(server=True, base_url="http://localhost:8501/"), language=None)
st.text(f"filters={{st.session_state.filters!r}} notes={{len(st.session_state.notes)}}")
st.text(f"errors={{[(e.kind, e.key) for e in p.errors]}}")
"""


class TestShortLinks:
    def test_a_short_link_carries_any_state_in_a_short_url(self, store: TemporaryStore) -> None:
        """1 MB of shared state round-trips through a URL under 100 characters."""
        import secrets as random
        from urllib.parse import parse_qs, urlsplit

        notes = random.token_hex(500_000)  # 1 MB, incompressible
        with MemoryBrowser():
            at = AppTest.from_string(LINK_APP, default_timeout=30)
            at.session_state["make_link"] = True
            at.session_state["filters"] = ["a", "b"]
            at.session_state["notes"] = notes
            at.run()
            url = at.code[0].value
        assert len(url) < 100, url
        with MemoryBrowser():
            opened = AppTest.from_string(LINK_APP, default_timeout=30)
            opened.query_params["state"] = parse_qs(urlsplit(url).query)["state"][0]
            opened.run()
        assert opened.text[0].value == f"filters=['a', 'b'] notes={len(notes)}"
        assert opened.text[1].value == "errors=[]"
        assert "state" not in opened.query_params

    def test_an_unknown_or_forged_short_link_is_a_warning(self, store: TemporaryStore) -> None:
        for param in ["k.AAAAAAAAAAAAAAAAAAAAAA", "k.not-an-id", "k."]:
            with MemoryBrowser():
                at = AppTest.from_string(LINK_APP, default_timeout=30)
                at.query_params["state"] = param
                at.run()
            assert not at.exception
            assert at.text[1].value == "errors=[('link', None)]"
            assert "could not be opened" in at.toast[0].value


class FlakyStore(SqliteStore):
    """A SQLite store that refuses writes while ``down``."""

    down = False

    def write(self, space: _store.Space, writes: Any, expires: Any, *, origin: str = "") -> int:
        if self.down:
            raise PersistError("store", "the store is down")
        return super().write(space, writes, expires, origin=origin)


class TestServerSide:
    """The transport itself: two runs of a session may overlap, messages may arrive late."""

    @staticmethod
    def message(rev: int, writes: dict[str, str | None]) -> PersistData:
        return {
            "v": 2, "prefix": "sp:t:", "storage": "local", "sid": "s", "checks": [], "rev": rev, "base": 0,
            "writes": writes, "cookie": None, "sync": False,
        }  # fmt: skip

    def test_refused_writes_go_out_later_and_an_older_message_never_wins(self, tmp_path: Path) -> None:
        store = FlakyStore(tmp_path / "s.sqlite3")
        space = _store.Space(NS, "app")
        side = ServerSide(store, space, "s", lambda slot: None)
        side("k", self.message(1, {"a": "one"}), lambda: None)
        store.down = True
        failed = side("k", self.message(3, {"a": "three", "b": "new"}), lambda: None)
        assert failed is not None
        assert {f["kind"] for f in failed["failures"]} == {"store"}
        side("k", self.message(2, {"a": "two"}), lambda: None)  # an overlapping run's older message
        assert {k: e.token for k, e in store.read(space).items()} == {"a": "one"}
        store.down = False
        assert side("k", self.message(4, {}), lambda: None) is None  # the next message carries them
        assert {k: e.token for k, e in store.read(space).items()} == {"a": "three", "b": "new"}
        side("k", self.message(2, {"a": "two"}), lambda: None)  # still older: still ignored
        assert store.read(space)["a"].token == "three"
        store.close()
