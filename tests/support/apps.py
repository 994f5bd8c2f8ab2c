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
from typing import TYPE_CHECKING, Final

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

if TYPE_CHECKING:  # the floor apps of the benchmarks must not import the library
    from streamlit_persist._adopt import Source

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


def adopting_app(source: Source) -> None:
    """The app of the adopt tests after its move: the same five keys, ``persist(adopt=source)``.

    Both old apps (streamlit-local-storage, streamlit-extras) are rewritten into this one.
    """
    import streamlit_persist as sp

    keys = ("name", "count", "tags", "agree", "note")
    p = sp.persist(list(keys), adopt=source)
    st.text_input("Name", key="name")
    st.number_input("Count", key="count", step=1)
    st.multiselect("Tags", ["a", "b", "c"], key="tags")
    st.checkbox("Agree", key="agree")
    st.text_input("Note", key="note")
    st.text(f"hydrated={p.hydrated} from={sorted(p.restored_from.items())!r}")
    st.text(f"values={[st.session_state[k] for k in keys]!r}")
    st.text(f"errors={sorted((e.key or '', e.kind) for e in p.errors)!r}")
