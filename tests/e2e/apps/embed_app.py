"""A persisted app meant to be shown in an iframe of another page (issue 13, embedding)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["name", "count"], namespace="embed")
st.text_input("Name", key="name")
if st.button("Add", key="add"):
    st.session_state.count = st.session_state.get("count", 0) + 1
st.text(f"name={st.session_state.get('name')!r} count={st.session_state.get('count', 0)}")
st.text(f"available={p.available} hydrated={p.hydrated} restored={sorted(p.restored)}")
for error in p.errors:
    st.text(f"error {error.kind}: {error.message}")
