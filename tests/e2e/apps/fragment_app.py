"""A persisted value changed only inside st.fragment reruns."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
sp.persist(["clicks"])
st.session_state.setdefault("clicks", 0)


@st.fragment
def counter() -> None:
    if st.button("Click", key="frag_click"):
        st.session_state.clicks += 1
    st.write(f"clicks={st.session_state.clicks}")


counter()
