"""Restored state never breaks, hides or loses anything (AppTest + MemoryBrowser).

The widget gate has its own matrix (test_drift_matrix.py); here: a run that raises after a
restore, noise and waste at scale, author mistakes that now say what to do, and untouched
widgets that are never stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_persist import _envelope, _persisted
from streamlit_persist._protocol import PersistData, PersistMessage
from streamlit_persist.testing import MemoryBrowser
from tests.support.compat import streamlit_at_least

NS = "t"
HEADER = "import streamlit as st\nimport streamlit_persist as sp\n"


def app(body: str) -> AppTest:
    return AppTest.from_string(HEADER + body, default_timeout=20)


def errors(at: AppTest) -> list[tuple[str, str | None]]:
    instance = at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"]
    return [(e.kind, e.key) for e in instance.errors]


class TestRecovery:
    COUNTER = f"""
p = sp.persist(["count", "name"], namespace="{NS}")
st.session_state.setdefault("count", 0)
st.session_state.setdefault("name", "")
total = st.session_state.count + 1
st.text(f"total={{total}} name={{st.session_state.name}}")
"""

    def test_a_value_the_code_no_longer_understands_is_quarantined_alone(self, browser: MemoryBrowser) -> None:
        """v1 stored text where v2's code adds numbers: no exception, that key alone leaves storage."""
        browser.store({"count": "five", "name": "Ann"}, namespace=NS)
        at = app(self.COUNTER).run()
        assert not at.exception
        assert at.text[0].value == "total=1 name=Ann"  # the rerun, with the default count
        assert browser.values(namespace=NS) == {"count": 0, "name": "Ann"}
        at.run()
        assert errors(at) == [("quarantined", "count")]
        second = app(self.COUNTER).run()  # the next page load starts clean
        assert not second.exception
        assert second.text[0].value == "total=1 name=Ann"
        assert errors(second) == []

    def test_a_widget_shown_at_its_default_draws_no_streamlit_warning_in_the_recovery_run(
        self, browser: MemoryBrowser, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An invalid value withdrawn at its widget, then a raise on another restored key: the
        recovery rerun must not make Streamlit warn about a default set through Session State."""
        from streamlit.elements.lib import policies

        monkeypatch.setattr(policies, "_shown_default_value_warning", False)
        browser.store({"n": "five", "count": "x"}, namespace=NS)
        at = app(f"""
p = sp.persist(["n", "count"], namespace="{NS}")
st.number_input("N", min_value=0, max_value=10, value=3, key="n")
st.session_state.setdefault("count", 0)
st.text(f"total={{st.session_state.count + 1}} n={{st.session_state.n}}")
""")
        with caplog.at_level(logging.WARNING):
            at.run()
        assert not at.exception
        assert at.text[0].value == "total=1 n=3"
        assert [r.getMessage() for r in caplog.records if "Session State API" in r.getMessage()] == []

    def test_an_app_that_raises_anyway_keeps_the_users_data(self, browser: MemoryBrowser) -> None:
        """Its own bug is not the stored values' fault: after the retries, nothing is removed."""
        browser.store({"a": 1, "b": 2}, namespace=NS)
        at = app(f"""
sp.persist(["a", "b"], namespace="{NS}")
st.write(st.session_state.get("a"), st.session_state.get("b"))
raise RuntimeError("the app's own bug")
""").run()
        assert at.exception
        assert browser.values(namespace=NS) == {"a": 1, "b": 2}

    def test_a_widget_that_raises_on_its_value_is_blamed_by_its_key(self, browser: MemoryBrowser) -> None:
        """Even past the gate (a custom check in the app), the widget call that raised names the key."""
        browser.store({"n": 7, "other": "kept"}, namespace=NS)
        at = app(f"""
sp.persist(["n", "other"], namespace="{NS}")
st.session_state.setdefault("other", "")
if st.session_state.get("n", 0) > 5:
    st.session_state["__strict"] = True
st.number_input("N", min_value=0, max_value=10, key="n")
if st.session_state.get("__strict"):
    st.session_state["__strict"] = False
    raise ValueError("n over 5 is no longer allowed")
st.text(f"n={{st.session_state.n}} other={{st.session_state.other}}")
""").run()
        assert not at.exception
        assert at.text[0].value == "n=0 other=kept"
        assert browser.values(namespace=NS) == {"other": "kept"}


class TestNoiseAndWaste:
    def test_ten_thousand_corrupt_entries_are_one_log_line(
        self, browser: MemoryBrowser, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Each kind of problem is logged once per batch with a count; p.errors is capped."""
        for i in range(10_000):
            browser.local[f"sp:{NS}:k{i}"] = "garbage"
        with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
            at = app(f'p = sp.persist(["k*"], namespace="{NS}", boot_cookie_bytes=0)').run()
        assert not at.exception
        lines = [r.getMessage() for r in caplog.records if r.name == "streamlit_persist"]
        assert lines == [lines[0]]
        assert lines[0].startswith("streamlit-persist: 10,000 corrupt entries dropped")
        assert len(errors(at)) == 100
        assert not [name for name in browser.local if name.startswith(f"sp:{NS}:")]

    def test_entries_no_pattern_selects_are_neither_sent_nor_opened(
        self, browser: MemoryBrowser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Stale keys of an earlier release stay in storage, untouched and unread."""
        browser.store({f"old_{i}": "x" * 100 for i in range(1_000)}, namespace=NS)
        browser.store({"theme": "dark"}, namespace=NS)
        opened: list[str] = []
        original = _envelope.open_token

        def counting(token: object, context: _envelope.Context, **kwargs: object) -> _envelope.Opened:
            opened.append(context.slot)
            return original(token, context, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(_envelope, "open_token", counting)
        replies: list[dict[str, str]] = []
        deliver = browser._deliver

        def spy(key: str, data: PersistData, on_message: Callable[[], None]) -> PersistMessage | None:
            reply = deliver(key, data, on_message)
            if reply is not None:
                replies.extend(answer["entries"] for answer in reply.get("answers", []))
            return reply

        _persisted.set_transport(spy)
        at = app(f'sp.persist(["theme"], namespace="{NS}", boot_cookie_bytes=0)').run()
        assert at.session_state["theme"] == "dark"
        assert replies == [{"theme": browser.local[f"sp:{NS}:theme"]}]
        assert opened == ["theme"]
        assert len([n for n in browser.local if n.startswith(f"sp:{NS}:old_")]) == 1_000


class TestSayWhatToDo:
    def test_persist_after_its_widget_says_to_move_it(self) -> None:
        at = app('st.text_input("Name", key="name")\nsp.persist(["name"])').run()
        assert at.exception
        message = at.exception[0].message
        assert "the widget with key 'name' was created before sp.persist()" in message
        assert "before the widget" in message

    def test_a_typo_is_named_with_the_closest_key(
        self, browser: MemoryBrowser, caplog: pytest.LogCaptureFixture
    ) -> None:
        at = app(f'sp.persist(["nmae"], namespace="{NS}")\nst.text_input("Name", key="name")')
        with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
            at.run()
            at.run()
            at.run()
        lines = [r.getMessage() for r in caplog.records if "matched nothing" in r.getMessage()]
        assert lines == ["streamlit-persist: persist() key 'nmae' matched nothing in session state or storage; "
                         "did you mean 'name'?"]

    def test_a_typo_is_named_once_per_process(self, browser: MemoryBrowser, caplog: pytest.LogCaptureFixture) -> None:
        body = f'sp.persist(["colr"], namespace="{NS}")\nst.text_input("Color", key="color")'
        with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
            for _ in range(2):  # two sessions
                at = app(body).run()
                at.run()
                at.run()
        lines = [r.getMessage() for r in caplog.records if "matched nothing" in r.getMessage()]
        assert lines == ["streamlit-persist: persist() key 'colr' matched nothing in session state or storage; "
                         "did you mean 'color'?"]

    def test_keys_of_pages_not_visited_are_no_typo(self, browser: MemoryBrowser, caplog: pytest.LogCaptureFixture) -> None:
        """A multipage entrypoint persists keys of every page; most runs see one page's keys only."""
        at = app(f"""
def first() -> None:
    st.slider("Level", 0, 20, 10, key="level")

def second() -> None:
    st.text_input("Note", key="page_two_note")

sp.persist(["level", "page_two_note"], namespace="{NS}")
st.navigation([st.Page(first, title="One"), st.Page(second, title="Two")]).run()
""")
        with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
            at.run()
            at.slider(key="level").set_value(12).run()
            at.run()
        assert not at.exception
        assert browser.values(namespace=NS) == {"level": 12}
        assert [r.getMessage() for r in caplog.records if "matched nothing" in r.getMessage()] == []

    def test_a_catch_all_leaves_the_librarys_own_keys_alone(self, caplog: pytest.LogCaptureFixture) -> None:
        """``"*"`` selects the app's keys, never the bridge's mounts, the share button or the library's state.

        Real component mounts (no MemoryBrowser): their values are in session state too.
        """
        body = f"""
p = sp.persist(["*"], namespace="{NS}", share=["*"])
st.session_state.setdefault("note", "hi")
p.share_button()
st.code(p.share_url(base_url="http://x.test/"), language=None)
st.write(repr(sorted(p.restored_from)))
"""
        at = app(body)
        with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
            at.run()
            at.run()
        assert "_streamlit_persist/streamlit_persist/end" in at.session_state, "the test needs the real mounts"
        assert [r.getMessage() for r in caplog.records if r.name == "streamlit_persist"] == []
        link = parse_qs(urlsplit(at.code[0].value).query)["state"][0]
        with MemoryBrowser():
            opened = app(body)
            opened.query_params["state"] = link
            opened.run()
        assert opened.markdown[0].value == repr(["note"])

    def test_an_exclusion_keeps_a_key_out(self, browser: MemoryBrowser) -> None:
        at = app(f"""
sp.persist(["filter_*", "!filter_tmp"], namespace="{NS}")
st.session_state.filter_a = 1
st.session_state.filter_tmp = 2
""").run()
        at.run()
        assert browser.values(namespace=NS) == {"filter_a": 1}


class TestUntouched:
    def test_untouched_widgets_are_never_stored(self, browser: MemoryBrowser) -> None:
        """Defaults stay the code's: a selectbox with no choice, form fields before submit, a closed popover."""
        at = app(f"""
sp.persist(["*"], namespace="{NS}")
st.selectbox("Pick", ["a", "b"], index=None, key="pick")
with st.popover("More", key="more", on_change="rerun"):
    st.write("inside")
with st.form("f"):
    st.text_input("In form", key="in_form")
    st.slider("Level", 0, 10, 3, key="level")
    st.form_submit_button("Save")
""").run()
        at.run()
        assert not at.exception
        assert browser.values(namespace=NS) == {}
        if streamlit_at_least("1.65"):  # AppTest holds form fields until submit from 1.65 (a browser always does)
            at.text_input(key="in_form").set_value("typed")
            at.run()
            assert browser.values(namespace=NS) == {}  # not submitted yet
        at.text_input(key="in_form").set_value("typed")
        at.button[0].click().run()
        assert browser.values(namespace=NS) == {"in_form": "typed"}
        at.text_input(key="in_form").set_value("")  # back to the default: the entry goes
        at.button[0].click().run()
        assert browser.values(namespace=NS) == {}

    def test_pills_and_segmented_control_restore(self, browser: MemoryBrowser) -> None:
        browser.store({"one": "b", "many": ["a", "c"], "seg": "y", "segs": ["x"]}, namespace=NS)
        at = app(f"""
p = sp.persist(["one", "many", "seg", "segs"], namespace="{NS}")
st.pills("One", ["a", "b", "c"], key="one")
st.pills("Many", ["a", "b", "c"], selection_mode="multi", key="many")
st.segmented_control("Seg", ["x", "y"], key="seg")
st.segmented_control("Segs", ["x", "y"], selection_mode="multi", key="segs")
st.write(repr([st.session_state[k] for k in ("one", "many", "seg", "segs")]))
""").run()
        assert not at.exception
        assert at.markdown[0].value == repr(["b", ["a", "c"], "y", ["x"]])
        assert errors(at) == []


class TestTwoPersistCalls:
    """An app with two ``persist()`` calls (two namespaces): each one's widgets, writes and
    recovery work as if it were alone (the session's observers used to be the last call's)."""

    TWO = f"""
first = sp.persist(["fresh", "count"], namespace="{NS}")
second = sp.persist(["other"], namespace="s", key="q")
st.text_input("Fresh", key="fresh")
st.text_input("Other", key="other")
total = st.session_state.get("count", 0) + 1
st.text(f"total={{total}}")
"""

    def test_untouched_widgets_of_the_first_call_are_not_stored(self, browser: MemoryBrowser) -> None:
        at = app(self.TWO).run()
        assert browser.values(namespace=NS) == {}
        at.text_input(key="fresh").set_value("hi").run()
        at.text_input(key="other").set_value("yo").run()
        assert browser.values(namespace=NS) == {"fresh": "hi"}
        assert browser.values(namespace="s") == {"other": "yo"}

    def test_a_stale_value_of_the_first_call_is_checked_against_its_widget(self, browser: MemoryBrowser) -> None:
        browser.store({"fresh": ["not", "text"]}, namespace=NS)
        at = app(self.TWO).run()
        assert not at.exception
        assert at.text_input(key="fresh").value == ""
        assert browser.values(namespace=NS) == {}

    def test_a_value_of_the_first_call_that_makes_the_app_raise_is_quarantined(self, browser: MemoryBrowser) -> None:
        browser.store({"count": "five"}, namespace=NS)
        at = app(self.TWO).run()
        assert not at.exception
        assert at.text[0].value == "total=1"
        assert browser.values(namespace=NS) == {}


class TestReadOnlyKeys:
    """What the gate knows about read-only keys holds between a widget's two calls: with
    ``runner.fastReruns`` another script thread may stage session state in between."""

    class EventWidget:
        """A selection widget as the gate sees it registering (it declared itself writable)."""

        key = "picked"
        kind = "dataframe_selection"
        holds_a_value = False

    def test_a_selection_stays_read_only_while_it_declares_itself_writable(self) -> None:
        from streamlit_persist._gate import WidgetGate

        rejected: list[tuple[str, str]] = []
        gate = WidgetGate(lambda key: True, lambda key, kind, message: rejected.append((key, kind)), lambda key: True)
        gate.declaring("picked", read_only=False)
        gate.registering(self.EventWidget())  # type: ignore[arg-type]  # the attributes the gate reads
        assert gate.read_only("picked")
        gate.declaring("picked", read_only=False)  # the next run, up to its registration
        assert gate.read_only("picked")
        assert rejected == [("picked", "unassignable")]

    def test_a_key_taken_over_by_a_widget_that_holds_a_value_is_writable_again(self, browser: MemoryBrowser) -> None:
        """The app replaced its selection with a text input under the same key: stored again."""
        script = f"""
p = sp.persist(["k"], namespace="{NS}")
if st.session_state.get("as_text"):
    st.text_input("K", key="k")
else:
    st.dataframe({{"a": [1, 2]}}, on_select="rerun", key="k")
st.checkbox("as text", key="as_text")
"""
        at = app(script).run()
        at.checkbox(key="as_text").check().run()
        at.text_input(key="k").input("typed").run()
        assert browser.values(namespace=NS) == {"k": "typed"}
