"""The smallest app the harness tests drive: a title, a script-run counter and a button."""

import streamlit as st

from tests.support.apps import show_run_count

show_run_count()
st.title("Harness bare app")
st.text_input("Name", value="world", key="name")
st.write(f"Hello, {st.session_state.name}!")
if st.button("Rerun", key="rerun"):
    st.caption("button clicked")
