"""Cross-tab sync (issue 5): ``persist(..., sync_tabs=True)``.

``SP_SECRET`` (optional) turns on encrypted mode: every write seals with a new nonce, and tabs
must still agree without echoing. "Increment" bumps ``count``; "Alpha"/"Beta" set ``label``.
"""

import os

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["count", "label"], sync_tabs=True, secret=os.environ.get("SP_SECRET") or None)
st.session_state.setdefault("count", 0)
st.session_state.setdefault("label", "none")


def _increment() -> None:
    st.session_state.count += 1


def _label(value: str) -> None:
    st.session_state.label = value


st.button("Increment", key="inc", on_click=_increment)
st.button("Alpha", key="alpha", on_click=_label, args=("alpha",))
st.button("Beta", key="beta", on_click=_label, args=("beta",))
st.text(f"count={st.session_state.count}")
st.text(f"label={st.session_state.label}")
st.text(f"hydrated={p.hydrated}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}")
