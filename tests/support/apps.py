"""Helpers imported by the test and benchmark apps themselves (inside ``streamlit run``).

Script-run counting
-------------------
Call :func:`show_run_count` once at the very top of an app (before any ``st.stop()``). Every
script run of the session increments a counter and renders it as ``runs=<n>`` in a container
with the key :data:`RUNS_KEY` (CSS class ``st-key-sp-runs``). A reload is a NEW session, so the
counter tells how many script runs THIS page load took: ``1`` for an app with no persistence,
``2`` when a browser value arrives through a component rerun.

The counter lives in this module (kept alive in ``sys.modules`` across reruns), keyed by the
session id, NOT in ``st.session_state``: apps that persist ``st.session_state`` must not see,
store or restore it.

The runner (:class:`tests.support.streamlit_server.StreamlitServer`) puts the repository root
on ``PYTHONPATH``, so apps simply ``from tests.support.apps import show_run_count``.
"""

from __future__ import annotations

import threading
from typing import Final

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

RUNS_KEY: Final = "sp-runs"
RUNS_SELECTOR: Final = f".st-key-{RUNS_KEY}"

_runs: dict[str, int] = {}
_lock = threading.Lock()


def _session_id() -> str:
    ctx = get_script_run_ctx()
    # Outside `streamlit run` (bare execution, AppTest without a context) all runs share one id.
    return ctx.session_id if ctx is not None else "<no-session>"


def count_run() -> int:
    """Count this script run for the current session and return the count (1 on the first run)."""
    session_id = _session_id()
    with _lock:
        _runs[session_id] = _runs.get(session_id, 0) + 1
        return _runs[session_id]


def run_count() -> int:
    """The number of script runs the current session has had so far, without counting."""
    with _lock:
        return _runs.get(_session_id(), 0)


def show_run_count() -> int:
    """Count this run and render ``runs=<n>`` in the ``sp-runs`` container; return ``n``."""
    n = count_run()
    with st.container(key=RUNS_KEY):
        st.caption(f"runs={n}")
    return n
