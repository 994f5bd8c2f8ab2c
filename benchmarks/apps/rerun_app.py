"""Rerun benchmark app (``bench_rerun.py``): N persisted keys vs the same app without persistence.

``SP_BENCH_KEYS`` (default 100) is N: ``clicks`` and N - 1 values of 100 characters (``k00``...).
``SP_BENCH_PERSIST=1`` calls ``sp.persist(["clicks", "k*"])``; ``0`` is the floor: the very same
app without the call. The "Click" button increments ``clicks``; the page shows ``clicks=<n>``.
"""

import os

import streamlit as st

from benchmarks.apps.common import counter
from benchmarks.scenarios import Scenario, keys, make_value
from tests.support.apps import show_run_count

PERSIST = os.environ.get("SP_BENCH_PERSIST", "1") == "1"
COUNT = int(os.environ.get("SP_BENCH_KEYS", "100")) - 1
VALUES = Scenario("R", COUNT, 100, f"{COUNT} keys x 100 B")

show_run_count()
if PERSIST:
    import streamlit_persist as sp

    p = sp.persist(["clicks", "k*"])
for key in keys(VALUES):
    if key not in st.session_state:  # computed once per session, not on every rerun
        st.session_state[key] = make_value(key, VALUES)
counter("clicks", "Click", "click")
st.text(f"keys={sum(1 for k in keys(VALUES) if k in st.session_state)} persist={PERSIST}")
