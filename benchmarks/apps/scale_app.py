"""Scale benchmark app (``bench_scale.py``): restore ``n`` keys of ``size`` characters.

Query parameters: ``n`` (keys ``k0000``...), ``size`` (characters per value), ``keys=literal|glob``
(default ``glob``: ``sp.persist(["k*"])``; ``literal``: ``sp.persist([f"k{i:04d}" for i in
range(n)])``), ``mode=seed`` (a first visit that sets every value; persistence stores them at
the end of the run). ``SP_BENCH_PERSIST=0`` is the floor: no persistence, the values come from
constants.

The page shows one line, ``restored=<count> digest=<12 hex>``, over the values present
(:func:`benchmarks.scale.summary`).
"""

import os

import streamlit as st

from benchmarks.scale import case_values, summary
from tests.support.apps import show_run_count

PERSIST = os.environ.get("SP_BENCH_PERSIST", "1") == "1"

show_run_count()
n = int(st.query_params.get("n", "100"))
size = int(st.query_params.get("size", "100"))
expected = case_values(n, size)
if PERSIST:
    import streamlit_persist as sp

    if st.query_params.get("keys", "glob") == "literal":
        sp.persist([f"k{i:04d}" for i in range(n)])
    else:
        sp.persist(["k*"])
    if st.query_params.get("mode") == "seed":
        for key, value in expected.items():
            st.session_state[key] = value
    present = {key: st.session_state[key] for key in expected if key in st.session_state}
else:
    present = expected
st.text(summary(present))
