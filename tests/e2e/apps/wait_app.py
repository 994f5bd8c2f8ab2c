"""p.wait() before the widgets: a restored text_input never paints its default."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["name"])
p.wait()
st.session_state.setdefault("name", "DEFAULT-NAME")
st.text_input("Name", key="name")
st.text(f"name={st.session_state.name!r} hydrated={p.hydrated}")
