"""Renders persisted values and every reported error (corrupt entries, scenario 3)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["a", "b", "c", "d"])
for name in ("a", "b", "c", "d"):
    st.text(f"{name}={st.session_state.get(name)!r}")
st.text(f"hydrated={p.hydrated} restored={sorted(p.restored)}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}: {error.message}")
