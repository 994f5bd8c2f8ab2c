"""The fallbacks ``_streamlit`` takes on older Streamlit releases (``make test-matrix`` runs these
on each supported release: a fallback 1.67 never needs is exercised on the older venvs)."""

from __future__ import annotations

import logging

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from streamlit_persist import _streamlit
from streamlit_persist.testing import MemoryBrowser
from tests.support.compat import streamlit_at_least

NS = "versions"


def test_a_missing_internal_is_warned_once_naming_the_release_and_what_degrades(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_streamlit, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
        _streamlit._missing("Thing.attr", "something degrades")
        _streamlit._missing("Thing.attr", "something degrades")
    assert [r.getMessage() for r in caplog.records] == [
        f"streamlit-persist: Streamlit {streamlit.__version__} lacks Thing.attr: something degrades"
    ]


def test_the_script_runner_is_found_with_or_without_yield_check() -> None:
    """The end-of-run hook needs the runner: ``ctx.yield_check`` from 1.66, session state's callback before."""
    at = AppTest.from_string(
        """
import streamlit as st
from streamlit_persist import _streamlit

ctx = _streamlit.run_context()
st.write(f"runner={_streamlit._current_script_runner() is not None} yield_check={hasattr(ctx, 'yield_check')}")
""",
        default_timeout=30,
    ).run()
    assert not at.exception
    assert at.markdown[0].value == f"runner=True yield_check={streamlit_at_least('1.66')}"


def test_stale_tab_labels_and_ratings_past_the_options_are_dropped_and_reported(
    browser: MemoryBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    """Checked from the widget metadata on 1.67, from the widget call's arguments before (tabs 1.65, feedback 1.67)."""
    browser.store({"tab": "Gone", "thumbs": 2, "stars": 4, "kept_tab": "B"}, namespace=NS)
    at = AppTest.from_string(
        f"""
import streamlit as st
import streamlit_persist as sp

p = sp.persist(["tab", "thumbs", "stars", "kept_tab"], namespace="{NS}")
st.tabs(["A", "B"], key="tab", on_change="rerun")
st.tabs(["A", "B"], key="kept_tab", on_change="rerun")
st.feedback("thumbs", key="thumbs")
st.feedback("stars", key="stars")
st.write(repr({{k: st.session_state.get(k) for k in ("tab", "thumbs", "stars", "kept_tab")}}))
st.write(repr(sorted((e.key, e.kind) for e in p.errors)))
""",
        default_timeout=30,
    )
    with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
        at.run()
    assert not at.exception
    assert at.markdown[0].value == repr({"tab": "A", "thumbs": None, "stars": 4, "kept_tab": "B"})
    assert at.markdown[1].value == repr([("tab", "invalid"), ("thumbs", "invalid")])
    assert not [r for r in caplog.records if " lacks " in r.getMessage()]
