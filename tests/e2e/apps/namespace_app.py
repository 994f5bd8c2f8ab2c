"""The same key name under the namespace chosen by ``?ns=`` (scenario 6, one origin)."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
ns = st.query_params.get("ns", "one")
p = sp.persist(["shared"], namespace=f"space_{ns}")
st.text_input("Shared", key="shared")
st.text(f"ns={p.namespace} shared={st.session_state.get('shared')!r} hydrated={p.hydrated}")
