"""Three persisted text inputs and the inspector: inline, or in an ``st.dialog`` (INSPECTOR=dialog)."""

import os

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["a", "b", "c"])
for key in ("a", "b", "c"):
    st.text_input(key.upper(), key=key)
st.text(f"values={st.session_state.a}|{st.session_state.b}|{st.session_state.c}")

if os.environ.get("INSPECTOR") == "dialog":

    @st.dialog("Stored values", width="large")
    def inspect() -> None:
        p.inspector()

    if st.button("Inspect"):
        inspect()
else:
    p.inspector()
