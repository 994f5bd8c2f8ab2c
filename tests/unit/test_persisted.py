"""persist() driven through Streamlit's AppTest with an in-memory browser storage."""

from __future__ import annotations

import datetime as dt
import functools
import secrets

import pytest
from streamlit.testing.v1 import AppTest

import streamlit_persist as sp
from streamlit_persist import _boot, _envelope, _persisted, _streamlit
from streamlit_persist._protocol import PersistData
from streamlit_persist.testing import MemoryBrowser

NS = "t"

HEADER = """
import datetime as dt
import streamlit as st
import streamlit_persist as sp
"""


def app(body: str) -> AppTest:
    return AppTest.from_string(HEADER + body, default_timeout=10)


def writes(browser: MemoryBrowser) -> list[dict[str, str | None]]:
    return [m["writes"] for m in browser.messages if m["writes"]]


class TestRestore:
    def test_restores_every_widget_kind_on_the_first_run(self, browser: MemoryBrowser) -> None:
        """Stored values reach widgets before they are created: no widget-modified error."""
        stored = {
            "text": "Ann",
            "number": 7.5,
            "select": "b",
            "multi": ["x", "z"],
            "slider": (2, 8),
            "check": True,
            "day": dt.date(2024, 2, 29),
        }
        browser.store(stored, namespace=NS)
        at = app(f"""
p = sp.persist(list({list(stored)!r}), namespace="{NS}")
st.text_input("Text", key="text")
st.number_input("Number", key="number", value=1.0)
st.selectbox("Select", ["a", "b", "c"], key="select")
st.multiselect("Multi", ["x", "y", "z"], key="multi")
st.slider("Slider", 0, 10, (0, 10), key="slider")
st.checkbox("Check", key="check")
st.date_input("Day", key="day", value=dt.date(2024, 1, 1))
st.write(f"hydrated={{p.hydrated}}")
""").run()
        assert not at.exception
        assert at.text_input(key="text").value == "Ann"
        assert at.number_input(key="number").value == 7.5
        assert at.selectbox(key="select").value == "b"
        assert at.multiselect(key="multi").value == ["x", "z"]
        assert at.slider(key="slider").value == (2, 8)
        assert at.checkbox(key="check").value is True
        assert at.date_input(key="day").value == dt.date(2024, 2, 29)
        assert at.markdown[0].value == "hydrated=True"
        assert writes(browser) == []  # restoring is not a change

    def test_restored_lists_what_came_back(self, browser: MemoryBrowser) -> None:
        """`restored` holds exactly the keys that matched and were applied."""
        browser.store({"a": 1, "b_1": 2, "unlisted": 3}, namespace=NS)
        at = app(
            f'p = sp.persist(["a", "b_*"], namespace="{NS}")\nst.write(str(sorted(p.restored.items())))'
        ).run()
        assert at.session_state["a"] == 1
        assert at.session_state["b_1"] == 2
        assert "unlisted" not in at.session_state
        assert at.markdown[0].value == str([("a", 1), ("b_1", 2)])

    def test_app_runs_without_any_browser(self) -> None:
        """Under AppTest with no MemoryBrowser nothing answers: the app still runs."""
        at = app('p = sp.persist(["x"], namespace="t", boot_cookie_bytes=0)\nst.write(f"hydrated={p.hydrated}")').run()
        assert not at.exception
        assert at.markdown[0].value == "hydrated=False"

    def test_wait_shows_only_a_placeholder_until_hydrated(self) -> None:
        """wait() stops the run before any widget when nothing has answered yet."""
        at = app('p = sp.persist(["x"], namespace="t", boot_cookie_bytes=0)\np.wait()\nst.text_input("X", key="x")')
        at.run()
        assert not at.exception
        assert len(at.text_input) == 0
        assert at.caption[0].value == "Restoring your session…"

    def test_wait_passes_once_hydrated(self, browser: MemoryBrowser) -> None:
        """With the browser's answer in, wait() lets the script continue."""
        at = app('p = sp.persist(["x"], namespace="t")\np.wait()\nst.text_input("X", key="x")').run()
        assert len(at.text_input) == 1


class TestWrites:
    def test_change_below_persist_is_stored_with_that_run(self, browser: MemoryBrowser) -> None:
        """The classic counter written after the persist() call reaches storage each run."""
        at = app(f"""
sp.persist(["counter"], namespace="{NS}")
st.session_state.setdefault("counter", 0)
st.session_state.counter += 1
""")
        at.run()
        assert browser.values(namespace=NS) == {"counter": 1}
        at.run()
        assert browser.values(namespace=NS) == {"counter": 2}

    def test_only_changed_keys_are_written(self, browser: MemoryBrowser) -> None:
        """A run that changes one key sends one write; an unchanged run sends none."""
        at = app(f"""
sp.persist(["a", "b"], namespace="{NS}")
st.text_input("A", key="a")
st.text_input("B", key="b")
""").run()
        assert writes(browser) == []  # untouched widgets keep their code default: nothing stored
        at.text_input(key="b").set_value("changed").run()
        assert writes(browser) == [{"b": browser.local[f"sp:{NS}:b"]}]
        browser.messages.clear()
        at.run()
        assert writes(browser) == []
        at.text_input(key="a").set_value("also").run()
        assert [list(w) for w in writes(browser)] == [["a"]]

    def test_deleting_a_key_removes_it_from_storage(self, browser: MemoryBrowser) -> None:
        """`del st.session_state[k]` is a deliberate forget: the stored entry goes too."""
        browser.store({"draft": "hello"}, namespace=NS)
        at = app(f"""
sp.persist(["draft"], namespace="{NS}")
if st.session_state.get("forget"):
    del st.session_state["draft"]
""").run()
        assert browser.values(namespace=NS) == {"draft": "hello"}
        at.session_state["forget"] = True
        at.run()
        assert browser.values(namespace=NS) == {}

    def test_unrendered_widget_keeps_its_stored_value_and_gets_it_back(self, browser: MemoryBrowser) -> None:
        """Streamlit drops state of widgets not rendered (page switches); storage keeps it."""
        browser.store({"name": "Ann"}, namespace=NS)
        at = app(f"""
sp.persist(["name"], namespace="{NS}")
if not st.session_state.get("other_page"):
    st.text_input("Name", key="name")
""").run()
        at.session_state["other_page"] = True
        at.run()
        at.run()
        assert browser.values(namespace=NS) == {"name": "Ann"}
        at.session_state["other_page"] = False
        at.run()
        assert at.text_input(key="name").value == "Ann"

    def test_clear_removes_from_storage_until_the_value_changes(self, browser: MemoryBrowser) -> None:
        """clear() empties storage; the session keeps its values and stores them again on change."""
        browser.store({"a": "x", "b": "y"}, namespace=NS)
        at = app(f"""
p = sp.persist(["a", "b"], namespace="{NS}")
if st.session_state.get("do_clear"):
    st.session_state.do_clear = False
    p.clear()
""").run()
        at.session_state["do_clear"] = True
        at.run()
        assert browser.values(namespace=NS) == {}
        at.run()
        assert browser.values(namespace=NS) == {}
        at.session_state["a"] = "new"
        at.run()
        assert browser.values(namespace=NS) == {"a": "new"}

    def test_clear_given_keys_only(self, browser: MemoryBrowser) -> None:
        """clear(["a"]) leaves the other keys stored."""
        browser.store({"a": 1, "b": 2}, namespace=NS)
        at = app(f'p = sp.persist(["a", "b"], namespace="{NS}")\np.clear(["a"])').run()
        assert not at.exception
        assert browser.values(namespace=NS) == {"b": 2}

    def test_nothing_is_written_before_hydration(self) -> None:
        """A default computed on a run before the browser answered never overwrites storage."""
        silent = MemoryBrowser()
        sent: list[PersistData] = []

        def never_answers(key: str, data: PersistData, on_message: object) -> None:
            sent.append(data)

        _persisted.set_transport(never_answers)
        try:
            app('sp.persist(["x"], namespace="t", boot_cookie_bytes=0)\nst.session_state.x = "default"').run()
        finally:
            _persisted.set_transport(None)
        assert [d["writes"] for d in sent] == [{}]
        assert [c["h"] for c in sent[0]["checks"]] == [None]  # a plain request for storage
        assert silent.local == {}


class TestErrors:
    def test_corrupt_entry_is_dropped_and_reported_others_restored(self, browser: MemoryBrowser) -> None:
        """One bad entry falls back to its default; every other key is restored."""
        browser.store({"good": "kept"}, namespace=NS)
        browser.local[f"sp:{NS}:bad"] = 'sp1.p.-.1.[1,null,"j",{"a":1,"a":2}]'
        browser.local[f"sp:{NS}:foreign"] = "written by some other script"
        at = app(f"""
p = sp.persist(["good", "bad", "foreign"], namespace="{NS}")
st.write(str(sorted((e.key, e.kind) for e in p.errors)))
""").run()
        assert not at.exception
        assert at.session_state["good"] == "kept"
        assert "bad" not in at.session_state
        assert at.markdown[0].value == str([("bad", "corrupt"), ("foreign", "corrupt")])
        assert set(browser.local) == {f"sp:{NS}:good"}

    def test_unsupported_type_is_reported_and_others_stored(self, browser: MemoryBrowser) -> None:
        """A value without a codec is skipped with an error naming its type; the app goes on."""
        at = app(f"""
p = sp.persist(["obj", "ok"], namespace="{NS}")
st.session_state.obj = object()
st.session_state.ok = 1
st.write(str([(e.key, e.kind) for e in p.errors]))
""").run()
        at.run()
        assert not at.exception
        assert browser.values(namespace=NS) == {"ok": 1}
        assert at.markdown[0].value == str([("obj", "unsupported")])
        assert "object" in persisted_error(at, "obj").message

    def test_value_over_budget_is_not_stored_and_old_value_kept(self, browser: MemoryBrowser) -> None:
        """The per-value budget is checked before writing."""
        browser.store({"big": "small"}, namespace=NS)
        at = app(f"""
p = sp.persist(["big"], namespace="{NS}", max_value_bytes=200)
if st.session_state.get("grow"):
    st.session_state.big = "x" * 500
""").run()
        at.session_state["grow"] = True
        at.run()
        assert browser.values(namespace=NS) == {"big": "small"}
        error = persisted_error(at, "big")
        assert error.kind == "too_large"
        assert "per-value budget of 200" in error.message

    def test_total_budget(self, browser: MemoryBrowser) -> None:
        """The total budget counts every stored key."""
        at = app(f"""
p = sp.persist(["a", "b"], namespace="{NS}", max_value_bytes=300, max_total_bytes=400)
st.session_state.a = "x" * 200
st.session_state.b = "y" * 200
""").run()
        at.run()
        (kept,) = browser.values(namespace=NS)
        refused = "b" if kept == "a" else "a"
        assert "total budget of 400" in persisted_error(at, refused).message

    def test_quota_exceeded_keeps_existing_keys_and_is_reported(self) -> None:
        """A full browser storage refuses one write; Python hears of it; nothing else is lost."""
        with MemoryBrowser(quota=300) as browser:
            browser.store({"a": "keep me"}, namespace=NS)
            at = app(f"""
sp.persist(["a", "huge"], namespace="{NS}")
st.session_state.huge = "z" * 400
""").run()
            at.run()
            assert browser.values(namespace=NS) == {"a": "keep me"}
            error = persisted_error(at, "huge")
            assert error.kind == "quota"
            assert not at.exception

    def test_button_key_is_refused_with_a_clear_error(self, browser: MemoryBrowser) -> None:
        """Buttons cannot be assigned through session state: never stored, never restored."""
        browser.local[f"sp:{NS}:go"] = _envelope.seal("j", b"true", _envelope.Context("store", NS, "go"))
        at = app(f"""
p = sp.persist(["go", "name"], namespace="{NS}")
st.button("Go", key="go")
st.text_input("Name", key="name")
""").run()
        at.run()
        assert not at.exception
        assert "go" not in browser.values(namespace=NS)
        error = persisted_error(at, "go")
        assert error.kind == "unassignable"
        assert "Streamlit never lets session state set it" in error.message

    def test_keys_of_event_and_file_widgets_are_named_even_with_nothing_stored(self, browser: MemoryBrowser) -> None:
        """The README's promise: listed by name, such keys are reported, not skipped in silence."""
        at = app(f"""
import pandas as pd
p = sp.persist(["ed", "up", "chat", "sel"], namespace="{NS}")
st.data_editor(pd.DataFrame({{"a": [1]}}), key="ed")
st.file_uploader("Upload", key="up")
st.chat_input("Say", key="chat")
st.dataframe(pd.DataFrame({{"a": [1]}}), key="sel", on_select="rerun")
st.write(repr(sorted((e.kind, e.key) for e in p.errors)))
""").run()
        at.run()
        assert not at.exception
        assert at.markdown[0].value == repr([("unassignable", k) for k in ("chat", "ed", "sel", "up")])
        assert browser.values(namespace=NS) == {}

    def test_hostile_messages_are_ignored(self, browser: MemoryBrowser) -> None:
        """Whatever arrives as a browser message, nothing raises and nothing is applied."""
        at = app(f'sp.persist(["x"], namespace="{NS}")').run()
        instance = at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"]
        junk: object
        for junk in [
            None,
            1,
            "x",
            [],
            {"sid": 1},
            {"sid": instance._sid, "answers": {}},
            {"sid": instance._sid, "answers": [1, {"req": 1}, {"entries": []}]},
            {"sid": instance._sid, "failures": "x"},
            {"sid": instance._sid, "failures": [1, {}]},
            {"sid": instance._sid, "answers": [{"req": "nope", "entries": {"x": "t"}}]},
            {"sid": instance._sid, "sync": {"x": 1, 2: "t"}},
        ]:
            instance._receive(junk)
        assert instance.errors == []
        assert "x" not in at.session_state


class TestUsage:
    @pytest.mark.parametrize(
        ("call", "message"),
        [
            ('sp.persist("name")', "persist() takes a list of keys"),
            ('sp.persist([""])', "keys must be non-empty strings"),
            ('sp.persist(["a"], storage="cookie")', 'storage must be "local", "session", "user" or "app"'),
            ('sp.persist(["a"], namespace="a:b")', "namespace must be"),
            ('sp.persist(["a"], max_value_bytes=10, max_total_bytes=5)', "budgets must satisfy"),
        ],
    )
    def test_author_mistakes_raise_clear_errors(self, call: str, message: str) -> None:
        """Wrong arguments are the author's mistake: raised, with a message that says what to do."""
        at = app(call).run()
        assert at.exception
        assert message in at.exception[0].message

    def test_same_key_with_another_namespace_is_refused(self) -> None:
        """Two stores need two component keys."""
        at = app('sp.persist(["a"], namespace="one")\nsp.persist(["b"], namespace="two")').run()
        assert "pass another key=" in at.exception[0].message

    def test_second_call_with_the_same_key_adds_patterns(self, browser: MemoryBrowser) -> None:
        """A page may add its own keys to the entrypoint's store."""
        browser.store({"a": 1, "b": 2}, namespace=NS)
        at = app(f'sp.persist(["a"], namespace="{NS}")\nsp.persist(["b"], namespace="{NS}")').run()
        assert (at.session_state["a"], at.session_state["b"]) == (1, 2)

    def test_two_namespaces_never_see_each_other(self, browser: MemoryBrowser) -> None:
        """Each namespace reads and writes only its own prefix."""
        browser.store({"x": "one"}, namespace="one")
        browser.store({"x": "two"}, namespace="two")
        at = app('sp.persist(["x"], namespace="one")').run()
        assert at.session_state["x"] == "one"
        at = app('sp.persist(["x"], namespace="two")\nst.session_state.x = "changed"').run()
        at.run()
        assert browser.values(namespace="one") == {"x": "one"}
        assert browser.values(namespace="two") == {"x": "changed"}


def instance_errors(at: AppTest) -> list[sp.ErrorRecord]:
    return list(at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"].errors)


def persisted_error(at: AppTest, key: str) -> sp.ErrorRecord:
    instance = at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"]
    matches: list[sp.ErrorRecord] = [e for e in instance.errors if e.key == key]
    assert matches, f"no error for {key!r} in {instance.errors!r}"
    return matches[-1]


def cookie_of(browser: MemoryBrowser, namespace: str = NS) -> str | None:
    """The boot cookie the app wrote (AppTest sends no Host header: the binding's host is "")."""
    return browser.cookies.get(_boot.Binding(f"sp:{namespace}:", "").name())


def snapshot_of(value: str | None, namespace: str = NS) -> _boot.Snapshot | None:
    key = _boot.cookie_key(_streamlit.server_secret())
    return _boot.read(value, key, _boot.Binding(f"sp:{namespace}:", ""))


def requests(browser: MemoryBrowser) -> list[str]:
    """What each message asked of storage: "ask" (send it all), "check" (answer if it differs)."""
    return ["ask" if check["h"] is None else "check" for m in browser.messages for check in m["checks"]]


class TestBootCookie:
    def test_return_visit_restores_on_the_first_run_without_asking(self, browser: MemoryBrowser) -> None:
        """With the boot cookie, values are there on run 1; the browser is only asked to confirm."""
        browser.store({"name": "Ann", "n": 3}, namespace=NS)
        at = app(f'p = sp.persist(["name", "n"], namespace="{NS}")\nst.write(f"hydrated={{p.hydrated}}")').run()
        assert at.markdown[0].value == "hydrated=True"
        assert (at.session_state["name"], at.session_state["n"]) == ("Ann", 3)
        assert requests(browser) == ["check"]

    def test_first_visit_costs_no_request_either(self, browser: MemoryBrowser) -> None:
        """No cookie and nothing stored: hydrated at once, and the browser agrees."""
        at = app(f'p = sp.persist(["x"], namespace="{NS}")\nst.write(f"hydrated={{p.hydrated}}")').run()
        assert at.markdown[0].value == "hydrated=True"
        assert requests(browser) == ["check"]
        assert browser.messages[0]["checks"][0]["h"] == ""

    def test_state_over_the_cookie_budget_takes_the_one_request_path(self) -> None:
        """A cookie that only says "too large" makes Python ask storage; same values arrive."""
        with MemoryBrowser() as browser:
            browser.cookie_budget = 40
            browser.store({"big": "x" * 500}, namespace=NS)
            at = app(f'sp.persist(["big"], namespace="{NS}")').run()
            assert at.session_state["big"] == "x" * 500
            assert requests(browser) == ["ask"]

    def test_the_cookie_follows_what_storage_holds(self, browser: MemoryBrowser) -> None:
        """Each write sends the next cookie value, authenticated; the next visit reads it back."""
        at = app(f'sp.persist(["n"], namespace="{NS}")\nst.session_state.n = st.session_state.get("n", 0) + 1').run()
        snapshot = snapshot_of(cookie_of(browser))
        assert snapshot is not None
        assert snapshot.entries == {"n": browser.local[f"sp:{NS}:n"]}
        at.run()
        assert snapshot_of(cookie_of(browser)) == _boot.Snapshot({"n": browser.local[f"sp:{NS}:n"]})
        again = app(f'sp.persist(["n"], namespace="{NS}")\nst.write(st.session_state.n)').run()
        assert again.session_state["n"] == 2
        assert requests(browser)[-1] == "check"

    def test_a_first_run_that_changes_a_restored_value_says_so_in_the_cookie(self, browser: MemoryBrowser) -> None:
        """The counter pattern: the next page load then defines the early copy up front."""
        browser.store({"n": 1}, namespace=NS)
        app(f'sp.persist(["n"], namespace="{NS}")\nst.session_state.n += 1').run()
        snapshot = snapshot_of(cookie_of(browser))
        assert snapshot is not None
        assert snapshot.first_run_wrote

    def test_nothing_stored_deletes_the_cookie_and_a_large_state_writes_the_marker(self, browser: MemoryBrowser) -> None:
        browser.store({"a": 1}, namespace=NS)
        at = app(f'p = sp.persist(["a", "big"], namespace="{NS}")\nif st.session_state.get("wipe"): p.clear()').run()
        at.session_state["wipe"] = True
        at.run()
        assert cookie_of(browser) is None
        at.session_state["wipe"] = False
        at.session_state["big"] = secrets.token_hex(3000)  # incompressible: over the cookie budget
        at.run()
        assert snapshot_of(cookie_of(browser)) == _boot.Snapshot(None)

    def test_storage_wins_over_a_stale_cookie(self) -> None:
        """Storage edited behind the cookie's back: the browser sends storage, Python adopts it."""
        browser = MemoryBrowser()
        browser.store({"name": "stale"}, namespace=NS)
        stale = browser.cookie(_boot.Binding(f"sp:{NS}:", "").name())
        browser.store({"name": "fresh"}, namespace=NS)
        browser.cookie = lambda name: stale  # type: ignore[method-assign]
        with browser:
            at = app(f'sp.persist(["name"], namespace="{NS}")\nst.text_input("Name", key="name")').run()
            assert at.text_input(key="name").value == "stale"  # run 1 restored from the cookie...
            at.run()
            assert at.text_input(key="name").value == "fresh"  # ...the next run has storage's value
            assert not instance_errors(at)

    def test_storage_wins_wholly_when_entries_are_bad_or_gone(self) -> None:
        """Cookie-only values whose storage entry is corrupt or missing fall back to defaults."""
        browser = MemoryBrowser()
        browser.store({"bad": "from cookie", "gone": "from cookie", "ok": "from cookie"}, namespace=NS)
        stale = browser.cookie(_boot.Binding(f"sp:{NS}:", "").name())
        browser.local.clear()
        browser.store({"ok": "from storage"}, namespace=NS)
        browser.local[f"sp:{NS}:bad"] = "sp1.p.-.1.[1,null,"
        browser.cookie = functools.partial(lambda value, name: value, stale)  # type: ignore[method-assign]
        with browser:
            at = app(f'p = sp.persist(["bad", "gone", "ok"], namespace="{NS}")\nst.text_input("Ok", key="ok")')
            at.run()
            at.run()
            assert at.text_input(key="ok").value == "from storage"
            assert "bad" not in at.session_state
            assert "gone" not in at.session_state
            assert set(browser.local) == {f"sp:{NS}:ok"}
            assert [(e.key, e.kind) for e in instance_errors(at)] == [("bad", "corrupt")]

    def test_hostile_cookie_values_fall_back_to_asking_storage(self) -> None:
        """A cookie this deployment did not make is ignored like any other bad input."""
        other_key = _boot.cookie_key(b"another deployment")
        forged = _boot.seal({"name": 'sp1.p.-.1.[1,null,"j","Mallory"]'}, other_key, _boot.Binding(f"sp:{NS}:", ""), 2048)
        for junk in ["%%%", "e30", "b1.AAAA.AAAA", "a" * 9000, "", forged]:
            browser = MemoryBrowser()
            browser.store({"name": "Ann"}, namespace=NS)
            browser.cookie = functools.partial(lambda value, name: value, junk)  # type: ignore[method-assign]
            with browser:
                at = app(f'sp.persist(["name"], namespace="{NS}")').run()
            assert not at.exception
            assert at.session_state["name"] == "Ann"
            assert requests(browser) == ["ask"]


class TestTabSync:
    def test_change_from_another_tab_is_applied_without_echo(self, browser: MemoryBrowser) -> None:
        """A sync message sets the value; the next flush writes nothing back."""
        browser.store({"name": "Ann"}, namespace=NS)
        at = app(f'sp.persist(["name"], namespace="{NS}", sync_tabs=True)').run()
        instance = at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"]
        other_tab = MemoryBrowser()
        other_tab.store({"name": "Bob"}, namespace=NS)
        instance._inbox.append({"sid": instance._sid, "sync": {"name": other_tab.local[f"sp:{NS}:name"]}})
        browser.messages.clear()
        at.run()
        assert at.session_state["name"] == "Bob"
        assert writes(browser) == []

    def test_removal_in_another_tab_removes_the_value(self, browser: MemoryBrowser) -> None:
        """A key removed elsewhere leaves session state too and is not written back."""
        browser.store({"name": "Ann"}, namespace=NS)
        at = app(f'sp.persist(["name"], namespace="{NS}", sync_tabs=True)').run()
        instance = at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"]
        instance._inbox.append({"sid": instance._sid, "sync": {"name": None}})
        browser.local.clear()
        at.run()
        assert "name" not in at.session_state
        assert browser.local == {}

    def test_sync_needs_local_storage(self) -> None:
        """sessionStorage is per tab: asking to sync it is a usage error."""
        at = app('sp.persist(["a"], storage="session", sync_tabs=True)').run()
        assert "sync_tabs=True needs storage" in at.exception[0].message
