"""Cross-tab benchmark app (``bench_tabs.py``): a persisted counter with ``sync_tabs=True``."""

import streamlit as st

import streamlit_persist as sp
from benchmarks.apps.common import counter
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["count"], sync_tabs=True)
counter("count", "Increment", "inc")
st.text(f"hydrated={p.hydrated}")
