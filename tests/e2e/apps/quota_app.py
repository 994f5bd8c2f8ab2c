"""Budgets raised far above the browser quota, so the browser itself refuses (scenario 7)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

BIG_CHARS = 1_000_000

show_run_count()
p = sp.persist(["small", "big"], max_value_bytes=50_000_000, max_total_bytes=100_000_000)
st.text_input("Small", key="small")
st.session_state.setdefault("big", "v1")
if st.button("Write big", key="write_big"):
    st.session_state.big = "x" * BIG_CHARS
big = st.session_state.big
st.text(f"small={st.session_state.get('small')!r} big_len={len(big)} hydrated={p.hydrated}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}: {error.message}")
