"""The classic counter, incremented below the persist() call (issue 2, scenario 2)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["counter"])
if "counter" not in st.session_state:
    st.session_state.counter = 0
st.session_state.counter += 1
st.text(f"counter={st.session_state.counter} hydrated={p.hydrated}")
