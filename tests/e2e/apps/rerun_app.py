"""A button handler that changes a persisted value, then calls st.rerun() at once (scenario 4)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["clicks"])
st.session_state.setdefault("clicks", 0)
if st.button("Add one", key="add"):
    st.session_state.clicks += 1
    st.rerun()
st.text(f"clicks={st.session_state.clicks} hydrated={p.hydrated}")
