"""Scale benchmark peer (``bench_scale.py``): streamlit-local-storage 0.0.25 with ``n`` keys of
``size`` characters, used as its README shows: ``LocalStorage()``, ``setItem``, ``getItem``.

Query parameters as ``scale_app.py``: ``n``, ``size``, ``mode=seed``. Each ``setItem`` is one
iframe (its own widget ``key``), so a seed visit writes only keys ``start`` to ``stop`` (default:
all); the runner seeds in slices, one page load each. Stored format:
``localStorage[name] = JSON.stringify({name: value})``. Values arrive through a v1 iframe's
``getAll`` on the second script run. The page shows the same ``restored=<count> digest=<12 hex>``
line over the values ``getItem`` returns.
"""

import streamlit as st
from streamlit_local_storage import LocalStorage

from benchmarks.scale import case_values, summary
from tests.support.apps import show_run_count

show_run_count()
n = int(st.query_params.get("n", "100"))
size = int(st.query_params.get("size", "100"))
expected = case_values(n, size)
local_storage = LocalStorage()

if st.query_params.get("mode") == "seed":
    start, stop = int(st.query_params.get("start", "0")), int(st.query_params.get("stop", str(n)))
    for name, value in list(expected.items())[start:stop]:
        local_storage.setItem(name, value, key=f"set_{name}")
else:
    present = {}
    for name in expected:
        value = local_storage.getItem(name)
        if value is not None:
            present[name] = value
    st.text(summary(present))
