"""Per-run work grows with what changed, not with how many keys are persisted.

Work is counted (encodings, seals, openings, bytes sent), never timed: timings belong in
benchmarks/. The same app runs with 10 and with 10,000 persisted keys.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from streamlit.testing.v1 import AppTest

from streamlit_persist import _codec, _envelope
from streamlit_persist._mirror import Mirror
from streamlit_persist._persisted import Persisted
from streamlit_persist.testing import MemoryBrowser

NS = "t"


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often values were encoded, sealed and opened."""
    counter: Counter[str] = Counter()

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counter[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(_codec, "dumps", counting("encode", _codec.dumps))
    monkeypatch.setattr(_envelope, "seal", counting("seal", _envelope.seal))
    monkeypatch.setattr(_envelope, "open_token", counting("open", _envelope.open_token))
    monkeypatch.setattr(Persisted, "read", counting("read", Persisted.read))
    monkeypatch.setattr(Mirror, "tokens", counting("every token listed", Mirror.tokens))
    return counter


def persisted_app(n: int, *, glob: bool, cookie: int = 0) -> str:
    keys = '["k*"]' if glob else repr([f"k{i}" for i in range(n)])
    return f"""
import streamlit as st
import streamlit_persist as sp
sp.persist({keys}, namespace="{NS}", boot_cookie_bytes={cookie})
st.text_input("First", key="k0")
"""


@pytest.mark.parametrize("glob", [False, True], ids=["literal", "glob"])
def test_work_per_run_does_not_grow_with_unchanged_keys(counts: Counter[str], glob: bool) -> None:
    """An unchanged rerun encodes, seals and opens nothing; one change costs one of each write step."""
    seen: dict[int, tuple[Counter[str], Counter[str], int]] = {}
    for n in (10, 10_000):
        with MemoryBrowser() as browser:
            browser.store({f"k{i}": f"value {i} " * 10 for i in range(n)}, namespace=NS)
            at = AppTest.from_string(persisted_app(n, glob=glob), default_timeout=120).run()
            assert len(at.session_state["k0"]) > 0
            counts.clear()
            at.run()
            unchanged = Counter(counts)
            counts.clear()
            browser.messages.clear()
            at.text_input(key="k0").set_value("changed").run()
            changed = Counter(counts)
            sent = sum(len(orjson.dumps(m)) for m in browser.messages)
            seen[n] = (unchanged, changed, sent)
    for n, (unchanged, changed, _sent) in seen.items():
        assert unchanged == Counter(), f"{n} keys: {unchanged}"
        assert (changed["encode"], changed["seal"], changed["open"]) == (1, 1, 0), f"{n} keys: {changed}"
    assert seen[10_000][2] < seen[10][2] * 2  # bytes sent for one change: the change, not the state
    print(f"\nbytes sent for one change ({'glob' if glob else 'literal'}): 10 keys {seen[10][2]}, 10,000 keys {seen[10_000][2]}")


def test_restore_opens_each_selected_entry_once(counts: Counter[str]) -> None:
    """Restoring 10,000 keys opens 10,000 entries, once each, in one message."""
    with MemoryBrowser() as browser:
        browser.store({f"k{i}": i for i in range(10_000)}, namespace=NS)
        at = AppTest.from_string(persisted_app(10_000, glob=True), default_timeout=120)
        counts.clear()
        at.run()
        assert counts["open"] == 10_000
        assert counts["seal"] == 0
        answers = [m for m in browser.messages if any(c["h"] is None for c in m["checks"])]
        assert len(answers) == 1


def test_session_state_reads_are_watched_only_while_restored_values_are_at_risk(counts: Counter[str]) -> None:
    """The run after a restore watches reads (a value that makes the app raise is found by them);
    once a run got through, reading session state costs nothing extra, however often the app reads."""
    with MemoryBrowser() as browser:
        browser.store({"k0": "stored"}, namespace=NS)
        at = AppTest.from_string(
            persisted_app(1, glob=False) + "for _ in range(1_000):\n    st.session_state['k0']\n", default_timeout=20
        )
        at.run()
        assert at.session_state["k0"] == "stored"
        assert counts["read"] >= 1_000
        counts.clear()
        at.run()
        at.text_input(key="k0").set_value("changed").run()
        assert counts["read"] == 0


def test_the_boot_cookie_of_a_change_lists_entries_only_when_they_may_fit(counts: Counter[str]) -> None:
    """A change rewrites the cookie with 10 small entries in it; with 10,000 the cookie keeps
    saying "ask storage", known without going through the entries it could never carry."""
    listed: dict[int, int] = {}
    cookie_sent: dict[int, bool] = {}
    for n in (10, 10_000):
        with MemoryBrowser() as browser:
            browser.store({f"k{i}": f"value {i}" for i in range(n)}, namespace=NS)
            at = AppTest.from_string(persisted_app(n, glob=True, cookie=2048), default_timeout=120).run()
            counts.clear()
            browser.messages.clear()
            at.text_input(key="k0").set_value("changed").run()
            cookie_sent[n] = any(m["cookie"] for m in browser.messages)
            listed[n] = counts["every token listed"]
    assert cookie_sent == {10: True, 10_000: False}
    assert listed == {10: 1, 10_000: 0}


def test_the_garbage_collector_does_not_walk_the_stored_entries() -> None:
    """Streamlit runs ``gc.collect(2)`` after every run: 10,000 restored scalar entries add no
    object it must keep tracking (a class instance per entry cost ~0.34 ms a run per 1,000)."""
    import gc

    from streamlit_persist import _persisted

    with MemoryBrowser() as browser:
        browser.store({f"k{i}": f"value {i}" for i in range(10_000)}, namespace=NS)
        at = AppTest.from_string(persisted_app(10_000, glob=True), default_timeout=120).run()
        at.text_input(key="k0").set_value("changed").run()
        gc.collect()
        mirror = at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"]._mirror
        entries = [mirror._tokens, mirror._contents, mirror._values]
        assert [len(e) for e in entries] == [10_000] * 3
        assert [gc.is_tracked(e) for e in entries] == [False] * 3
