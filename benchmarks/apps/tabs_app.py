"""Cross-tab benchmark app (``bench_tabs.py``): a persisted counter with ``sync_tabs=True``."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["count"], sync_tabs=True)
st.session_state.setdefault("count", 0)


def _increment() -> None:
    st.session_state.count += 1


st.button("Increment", key="inc", on_click=_increment)
st.text(f"count={st.session_state.count}")
st.text(f"hydrated={p.hydrated}")
