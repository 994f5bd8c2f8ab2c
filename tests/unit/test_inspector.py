"""p.inspector() driven through AppTest with an in-memory browser storage."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from streamlit.testing.v1 import AppTest

from streamlit_persist import _inspector
from streamlit_persist._envelope import Opened
from streamlit_persist._keys import INTERNAL_PREFIX
from streamlit_persist.exceptions import PersistError
from streamlit_persist.testing import MemoryBrowser, TemporaryStore

NS = "t"
SECRET = secrets.token_urlsafe(32)
PICK = f"{INTERNAL_PREFIX}/inspector/streamlit_persist/pick"
FORGET = f"{INTERNAL_PREFIX}/inspector/streamlit_persist/forget"
FORGET_ALL = f"{INTERNAL_PREFIX}/inspector/streamlit_persist/forget_all"

HEADER = """
import streamlit as st
import streamlit_persist as sp
"""


def app(body: str) -> AppTest:
    return AppTest.from_string(HEADER + body, default_timeout=10)


def table(at: AppTest, index: int = 0) -> dict[str, dict[str, Any]]:
    """The inspector's key table as {key: row}."""
    frame = at.dataframe[index].value
    return {row["key"]: row for row in frame.to_dict("records")}


def absent(cell: object) -> bool:
    """An empty cell: None, or NaN where pandas fills a missing number."""
    return cell is None or cell != cell  # NaN is the one value unequal to itself


def writes(browser: MemoryBrowser) -> list[dict[str, str | None]]:
    return [m["writes"] for m in browser.messages if m["writes"]]


PLAIN_APP = f"""
p = sp.persist(["name", "count", "fresh"], namespace="{NS}")
st.text_input("Name", key="name")
st.text_input("Fresh", key="fresh")
p.inspector()
"""


class TestTable:
    def test_lists_each_stored_key_with_size_place_and_value(self, browser: MemoryBrowser) -> None:
        """Every stored key has a row with its size in storage, where it lives, and its value."""
        browser.store({"name": "Ann", "count": 3}, namespace=NS)
        at = app(PLAIN_APP).run()
        assert not at.exception
        rows = table(at)
        for slot in ("name", "count"):
            name = f"sp:{NS}:{slot}"
            assert rows[slot]["characters"] == len(name) + len(browser.local[name])
            assert rows[slot]["stored in"] == "local + cookie"  # small enough for the boot cookie
            assert rows[slot]["encrypted"] == False  # noqa: E712  (a numpy bool)
            assert rows[slot]["restored from"] == "storage"
        assert rows["name"]["value"] == "'Ann'"
        assert rows["count"]["value"] == "3"
        at.run()  # now from the boot cookie this session wrote, not the one it read
        assert {row["stored in"] for row in table(at).values()} >= {"local + cookie"}

    def test_a_persisted_key_that_stores_nothing_says_so(self, browser: MemoryBrowser) -> None:
        """A widget at its default stores nothing: its row says "not stored", with no size."""
        at = app(PLAIN_APP).run()
        rows = table(at)
        assert rows["fresh"]["stored in"] == _inspector.NOT_STORED
        assert rows["fresh"]["value"] == ""
        assert rows["fresh"]["written"] == rows["fresh"]["expires"] == ""  # blank, not "None"
        assert absent(rows["fresh"]["characters"])
        assert browser.local == {}

    def test_before_storage_answers_it_claims_nothing(self) -> None:
        """Not hydrated yet (no boot cookie, no browser to ask): no table, no "nothing stored", no buttons."""
        at = app(PLAIN_APP.replace(")\n", ", boot_cookie_bytes=0)\n", 1)).run()
        assert not at.exception
        assert len(at.dataframe) == 0
        assert len(at.button) == 0
        assert [c.value for c in at.caption] == [
            "`persist(key='streamlit_persist')`: storage has not answered yet; its contents show after it does."
        ]

    def test_where_values_live_follows_the_options(self, browser: MemoryBrowser) -> None:
        """Without the boot cookie the place is "local"; with storage="session", "session"."""
        browser.store({"a": 1}, namespace=NS)
        browser.store({"b": 2}, namespace="s", storage="session")
        at = app(f"""
p = sp.persist(["a"], namespace="{NS}", boot_cookie_bytes=0)
q = sp.persist(["b"], namespace="s", storage="session", key="q")
p.inspector()
q.inspector()
""").run()
        assert not at.exception
        assert table(at, 0)["a"]["stored in"] == "local"
        assert table(at, 1)["b"]["stored in"] == "session"

    def test_a_state_over_the_cookie_budget_lives_in_storage_only(self, browser: MemoryBrowser) -> None:
        """The boot cookie carries no entries once they exceed its budget: the row says "local"."""
        browser.store({"name": secrets.token_urlsafe(3000)}, namespace=NS)  # incompressible
        at = app(PLAIN_APP).run()
        assert table(at)["name"]["stored in"] == "local"

    def test_server_scoped_keys_live_on_the_server(self) -> None:
        """storage="app": the row says "server (app)", with the times and value from the store's token."""
        with TemporaryStore() as store:
            store.store_values(NS, {"banner": "hi"})
            at = app(f"""
p = sp.persist(["banner"], namespace="{NS}", storage="app")
p.inspector()
""").run()
            assert not at.exception
            row = table(at)["banner"]
            assert row["stored in"] == "server (app)"
            assert row["value"] == "'hi'"
            assert row["written"].endswith(" ago")
            at.button(key=FORGET).click().run()
            assert store.values(NS) == {}

    def test_age_and_expiry_come_from_the_token(self, browser: MemoryBrowser) -> None:
        """Written two minutes ago with a one-hour ttl: "2 min ago", expiring in 57 minutes."""
        browser.store({"name": "Ann"}, namespace=NS, now=time.time() - 130, ttl_seconds=3600)
        browser.store({"count": 1}, namespace=NS)
        at = app(PLAIN_APP).run()
        rows = table(at)
        assert rows["name"]["written"] == "2 min ago"
        assert rows["name"]["expires"] == "in 57 min"
        assert rows["count"]["expires"] == "never"

    def test_encrypted_values_are_hidden_unless_show_values(self, browser: MemoryBrowser) -> None:
        """An encrypted key is flagged and its value hidden; show_values=True shows it."""
        browser.store({"pin": 1234}, namespace=NS, secret=SECRET)
        body = f"""
p = sp.persist(["pin"], namespace="{NS}", secret={SECRET!r})
p.inspector(show_values=SHOW)
"""
        hidden = table(app(body.replace("SHOW", "False")).run())["pin"]
        assert hidden["encrypted"] == True  # noqa: E712
        assert hidden["value"] == _inspector.HIDDEN
        assert hidden["written"].endswith(" ago")  # the times are read by opening the token
        shown = table(app(body.replace("SHOW", "True")).run())["pin"]
        assert shown["value"] == "1234"

    def test_signed_values_are_shown(self, browser: MemoryBrowser) -> None:
        """A signed value is readable in storage anyway: not encrypted, value shown."""
        browser.store({"pin": 1234}, namespace=NS, secret=SECRET, protect="sign")
        at = app(f"""
p = sp.persist(["pin"], namespace="{NS}", secret={SECRET!r}, protect="sign")
p.inspector()
""").run()
        row = table(at)["pin"]
        assert row["encrypted"] == False  # noqa: E712
        assert row["value"] == "1234"

    def test_a_key_restored_from_a_share_link_says_so(self, browser: MemoryBrowser) -> None:
        """Opening a share link: the key's row says it was restored from "link"."""
        body = f"""
p = sp.persist(["view"], namespace="{NS}", share=["view"])
st.radio("View", ["table", "chart"], key="view")
if st.session_state.get("make_link"):
    st.code(p.share_url(base_url="http://example.test/app"), language=None)
p.inspector()
"""
        sender = app(body)
        sender.session_state["make_link"] = True
        sender.session_state["view"] = "chart"
        url = sender.run().code[0].value
        browser.local.clear()
        browser.cookies.clear()
        receiver = app(body)
        receiver.query_params["state"] = parse_qs(urlsplit(url).query)["state"][0]
        receiver.run()
        assert not receiver.exception
        assert receiver.radio(key="view").value == "chart"
        assert table(receiver)["view"]["restored from"] == "link"


class TestRows:
    def test_an_entry_that_no_longer_opens_shows_its_problem_and_no_times(self) -> None:
        """An entry that expired during the session: its kind in the row, no age or expiry invented."""

        def expired(slot: str, token: str) -> Opened:
            raise PersistError("expired", "stored value has expired", key=slot)

        holdings = _inspector.Holdings(
            key="k",
            hydrated=True,
            namespace=NS,
            location="local",
            tokens={"draft": "sp1.e.k1.1.opaque"},
            sizes={"draft": 30},
            in_cookie=frozenset(),
            restored_from={"draft": "storage"},
            unstored=[],
            errors=[],
            open=expired,
            forget=lambda keys: None,
        )
        [row] = _inspector.rows(holdings, show_values=True, now=time.time())
        assert row == {
            "key": "draft",
            "stored in": "local",
            "characters": 30,
            "written": "",
            "expires": "",
            "encrypted": True,
            "restored from": "storage",
            "value": "",
            "problems": "expired",
        }


class TestErrors:
    def test_shows_the_errors_seen(self, browser: MemoryBrowser) -> None:
        """A corrupt entry is listed with its kind, key and message; the key's row names the kind."""
        browser.store({"name": "Ann"}, namespace=NS)
        browser.local[f"sp:{NS}:count"] = "garbage"
        at = app(PLAIN_APP + "st.session_state.setdefault('count', 0)\n").run()
        assert not at.exception
        problems = at.dataframe[1].value.to_dict("records")
        assert problems == [
            {"problem": "corrupt", "key": "count", "message": "stored entry is not a streamlit-persist token"}
        ]
        at.run()  # the next run's table has count, not stored since it is gone
        assert table(at)["count"]["problems"] == "corrupt"

    def test_no_errors_says_so(self, browser: MemoryBrowser) -> None:
        """Without problems there is a one-line note and no second table."""
        browser.store({"name": "Ann"}, namespace=NS)
        at = app(PLAIN_APP).run()
        assert len(at.dataframe) == 1
        assert "No problems seen this session." in [c.value for c in at.caption]


class TestForget:
    def test_forget_one_removes_only_that_key(self, browser: MemoryBrowser) -> None:
        """The "Forget name" button removes name from storage; count and another namespace stay."""
        browser.store({"name": "Ann", "count": 3}, namespace=NS)
        browser.store({"other": 1}, namespace="o")
        at = app(PLAIN_APP).run()
        at.selectbox(key=PICK).select("name").run()
        assert at.button(key=FORGET).label == "Forget name"
        at.button(key=FORGET).click().run()
        assert not at.exception
        assert browser.values(namespace=NS) == {"count": 3}
        assert browser.values(namespace="o") == {"other": 1}
        assert at.text_input(key="name").value == "Ann"  # the session keeps its value
        assert table(at)["name"]["stored in"] == _inspector.NOT_STORED
        at.run()  # and does not store it again while it is unchanged
        assert browser.values(namespace=NS) == {"count": 3}

    def test_forget_all_removes_every_key_of_this_persist(self, browser: MemoryBrowser) -> None:
        """The "Forget all" button empties this namespace and leaves another persist()'s keys alone."""
        browser.store({"name": "Ann", "count": 3}, namespace=NS)
        browser.store({"other": 1}, namespace="o")
        at = app(PLAIN_APP + 'q = sp.persist(["other"], namespace="o", key="q")\nq.inspector()\n').run()
        assert not at.exception
        at.button(key=FORGET_ALL).click().run()
        assert browser.values(namespace=NS) == {}
        assert browser.values(namespace="o") == {"other": 1}

    def test_a_forgotten_key_is_at_its_default_after_a_reload(self, browser: MemoryBrowser) -> None:
        """A new session (a reload) restores the other keys and leaves the forgotten one at its default."""
        browser.store({"name": "Ann", "count": 3}, namespace=NS)
        at = app(PLAIN_APP).run()
        at.selectbox(key=PICK).select("name").run()
        at.button(key=FORGET).click().run()
        reloaded = app(PLAIN_APP + "st.text(f\"count={st.session_state.get('count')}\")").run()
        assert reloaded.text_input(key="name").value == ""
        assert reloaded.text[-1].value == "count=3"


class TestOwnWidgets:
    def test_its_widgets_are_never_stored_and_write_nothing(self, browser: MemoryBrowser) -> None:
        """Even persist(["*"]) ignores the inspector's widgets; picking a key writes nothing."""
        browser.store({"name": "Ann", "count": 3}, namespace=NS)
        at = app(f"""
p = sp.persist(["*"], namespace="{NS}")
st.text_input("Name", key="name")
p.inspector()
""").run()
        before = len(writes(browser))
        at.selectbox(key=PICK).select("name").run()
        at.selectbox(key=PICK).select("count").run()
        assert len(writes(browser)) == before
        assert set(browser.values(namespace=NS)) == {"name", "count"}

    def test_two_inspectors_do_not_collide(self, browser: MemoryBrowser) -> None:
        """Two persist() objects each show their own inspector on one page."""
        browser.store({"a": 1}, namespace=NS)
        browser.store({"b": 2}, namespace="o")
        at = app(f"""
p = sp.persist(["a"], namespace="{NS}")
q = sp.persist(["b"], namespace="o", key="q")
p.inspector()
q.inspector()
""").run()
        assert not at.exception
        assert set(table(at, 0)) == {"a"}
        assert set(table(at, 1)) == {"b"}
        assert [s.key for s in at.selectbox] == [PICK, f"{INTERNAL_PREFIX}/inspector/q/pick"]


class TestSpan:
    def test_durations_use_their_largest_whole_unit(self) -> None:
        """Seconds, minutes, hours, days; never negative."""
        assert [_inspector._span(s) for s in (-5, 0, 59, 60, 3599, 3600, 86_399, 86_400 * 30)] == [
            "0 s",
            "0 s",
            "59 s",
            "1 min",
            "59 min",
            "1 h",
            "23 h",
            "30 d",
        ]


def test_an_app_that_does_not_call_it_does_not_load_it(tmp_path: Path) -> None:
    """The inspector costs nothing unless called: its module is not even imported."""
    script = tmp_path / "app.py"
    script.write_text(HEADER + 'sp.persist(["name"], namespace="t")\nst.text_input("Name", key="name")\n')
    check = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from streamlit_persist.testing import MemoryBrowser\n"
        "with MemoryBrowser():\n"
        f"    at = AppTest.from_file({str(script)!r}).run()\n"
        "    at.text_input(key='name').input('Ann').run()\n"
        "assert not at.exception\n"
        "print('streamlit_persist._inspector' in sys.modules, 'streamlit_persist._persisted' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["False", "True"]
