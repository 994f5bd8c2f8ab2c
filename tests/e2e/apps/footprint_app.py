"""What persisting loads into the server: the bridge and the share button, then a report.

Streamlit imports pandas, numpy and pyarrow when component data is a dict (it looks for
dataframes in it); the bridge sends bytes so apps that never use them don't pay for them.
"""

import sys

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

HEAVY = ("pandas", "numpy", "pyarrow")

show_run_count()
st.text("heavy=" + (",".join(name for name in HEAVY if name in sys.modules) or "none"))
p = sp.persist(["counter"], share=["counter"])
st.session_state.setdefault("counter", 0)
st.session_state.counter += 1
p.share_button()
st.text(f"counter={st.session_state.counter} hydrated={p.hydrated}")
