"""Rerun benchmark app (``bench_rerun.py``): 100 persisted keys vs the same app without persistence.

``SP_BENCH_PERSIST=1`` calls ``sp.persist(["clicks", "k*"])`` (100 keys: ``clicks`` and 99 values of
100 characters); ``0`` is the floor: the very same app without the call. The "Click" button
increments ``clicks``; the page shows ``clicks=<n>``.
"""

import os

import streamlit as st

from benchmarks.apps.common import counter
from benchmarks.scenarios import Scenario, keys, make_value
from tests.support.apps import show_run_count

PERSIST = os.environ.get("SP_BENCH_PERSIST", "1") == "1"
VALUES = Scenario("R", 99, 100, "99 keys x 100 B")

show_run_count()
if PERSIST:
    import streamlit_persist as sp

    p = sp.persist(["clicks", "k*"])
for key in keys(VALUES):
    st.session_state.setdefault(key, make_value(key, VALUES))
counter("clicks", "Click", "click")
st.text(f"keys={sum(1 for k in keys(VALUES) if k in st.session_state)} persist={PERSIST}")
