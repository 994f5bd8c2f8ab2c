"""A persisted text input and a button that only causes a rerun (tests/e2e/test_trust_browser.py).

Lines: ``first=`` (``t`` in session state on this page load's first run, before the widget:
the boot cookie's value when run 1 restored from it), ``t=`` (session state after the
widget), ``pokes=`` (reruns caused by the button), ``hydrated=``, ``errors=`` (``(kind, key)``).
"""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["t"])
if "first" not in st.session_state:
    st.session_state.first = repr(st.session_state.get("t"))
st.text_input("T", key="t")
st.session_state.setdefault("pokes", 0)


def _poke() -> None:
    st.session_state.pokes += 1


st.button("Poke", key="poke", on_click=_poke)
st.text(f"first={st.session_state.first}")
st.text(f"t={st.session_state.get('t')!r}")
st.text(f"pokes={st.session_state.pokes}")
st.text(f"hydrated={p.hydrated}")
st.text(f"errors={[(e.kind, e.key) for e in p.errors]}")
