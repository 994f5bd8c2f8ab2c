"""A shared number input (0..10) that a crafted link may try to fill with text
(tests/e2e/test_trust_browser.py). Lines: ``n=``, ``hydrated=``, ``errors=`` (``(kind, key)``)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["n"], share=["n"])
st.number_input("N", min_value=0, max_value=10, key="n")
st.text(f"n={st.session_state.get('n')!r}")
st.text(f"hydrated={p.hydrated}")
st.text(f"errors={[(e.kind, e.key) for e in p.errors]}")
