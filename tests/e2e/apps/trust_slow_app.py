"""A persisted slider above a slow script body (tests/e2e/test_trust_browser.py): every run
renders ``s=<value>`` at once, then sleeps ``SP_SLEEP`` seconds (default 4)."""

import os
import time

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["s"])
st.slider("S", 0, 20, key="s")
st.text(f"s={st.session_state.s}")
st.text(f"hydrated={p.hydrated}")
time.sleep(float(os.environ.get("SP_SLEEP", "4")))
st.text("done")
