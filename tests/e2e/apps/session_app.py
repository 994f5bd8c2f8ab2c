"""storage="session": per tab, survives reloads of that tab (scenario 5)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["note"], storage="session")
st.text_input("Note", key="note")
st.text(f"note={st.session_state.get('note')!r} hydrated={p.hydrated}")
