"""Python-side benchmark app (``bench_python.py``, run by ``AppTest`` with a ``MemoryBrowser``).

Query parameters (``AppTest.query_params``): ``n`` (keys ``k0000``...), ``keys=literal|glob``
(``sp.persist([f"k{i:04d}" for i in range(n)])`` or ``sp.persist(["k*"])``) and ``persist=0``
(the floor: the same script without the call). One widget, a text input keyed ``k0000``, is
what a "one change" rerun changes. The namespace is fixed (``bench``) so the runner can seed it.
"""

import streamlit as st

import streamlit_persist as sp

n = int(st.query_params.get("n", "100"))
if st.query_params.get("persist", "1") == "1":
    if st.query_params.get("keys", "glob") == "literal":
        sp.persist([f"k{i:04d}" for i in range(n)], namespace="bench")
    else:
        sp.persist(["k*"], namespace="bench")
st.text_input("First", key="k0000")
