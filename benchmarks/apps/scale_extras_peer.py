"""Scale benchmark peer (``bench_scale.py``): streamlit-extras 1.6.0 ``local_storage_manager``
with ``n`` keys of ``size`` characters, used as its docstring shows: ``st.stop()`` until
``ready()``, dict-style reads, ``st.rerun()`` after writes.

Query parameters as ``scale_app.py``: ``n``, ``size``, ``mode=seed`` (a first visit that sets
every value through the manager, in one run, then reruns). Stored format:
``localStorage["st_extras___" + name] = JSON.stringify(value)`` at the root path. The page shows
the same ``restored=<count> digest=<12 hex>`` line over the values the manager returns.
"""

import streamlit as st
from streamlit_extras.local_storage_manager import local_storage_manager

from benchmarks.scale import case_values, summary
from tests.support.apps import show_run_count

show_run_count()
n = int(st.query_params.get("n", "100"))
size = int(st.query_params.get("size", "100"))
expected = case_values(n, size)
manager = local_storage_manager()
if not manager.ready():
    st.stop()  # wait for the browser sync, as documented

if st.query_params.get("mode") == "seed" and not st.session_state.get("seeded"):
    st.session_state.seeded = True
    for name, value in expected.items():
        manager[name] = value
    st.rerun()

present = {}
for name in expected:
    value = manager.get(name)
    if value is not None:
        present[name] = value
st.text(summary(present))
