"""Server benchmark app (``bench_server.py``): an ``storage="app"`` key pushed to other sessions.

``banner`` (a text input, committed with Enter) is persisted with ``storage="app"``: one value
for every session of every process on the store ``STREAMLIT_PERSIST_STORE``. The page shows
``banner=<value>`` and every error ``persist()`` reports.
"""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["banner"], storage="app")
st.text_input("Banner", key="banner")
st.text(f"banner={st.session_state.get('banner', '')}")
st.text(f"hydrated={p.hydrated}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}: {error.message}")
