"""One app served on two ports of one host (tests/e2e/test_trust_browser.py).

``SP_TRUST_SERVER`` only tells the two servers apart (the test fixture shares a server per
environment). Lines: ``t=``, ``hydrated=``, ``errors=`` (``(kind, key)``).
"""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["t"])
st.text_input("T", key="t")
st.text(f"t={st.session_state.get('t')!r}")
st.text(f"hydrated={p.hydrated}")
st.text(f"errors={[(e.kind, e.key) for e in p.errors]}")
