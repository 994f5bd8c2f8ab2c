"""Every common widget kind, persisted by its key (issue 2, scenario 1)."""

import datetime as dt

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["w_*"])

st.text_input("Text", key="w_text")
st.number_input("Number", key="w_number", step=1)
st.selectbox("Colour", ["Red", "Green", "Blue"], key="w_select")
st.multiselect("Fruits", ["Apple", "Banana", "Cherry"], key="w_multi")
st.slider("Level", 0, 10, key="w_slider")
st.checkbox("Agree", key="w_check")
st.date_input("Day", value=dt.date(2020, 1, 1), key="w_date")

for name in ("w_text", "w_number", "w_select", "w_multi", "w_slider", "w_check", "w_date"):
    st.text(f"{name}={st.session_state.get(name)!r}")
st.text(f"hydrated={p.hydrated} restored={sorted(p.restored)}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}: {error.message}")
