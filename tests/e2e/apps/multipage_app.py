"""An st.navigation entrypoint with one persist() covering two pages."""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count


def page_one() -> None:
    st.text_input("Page one text", key="p1_text")
    st.text(f"p1_text={st.session_state.get('p1_text')!r}")


def page_two() -> None:
    st.number_input("Page two number", key="p2_number", step=1)
    st.text(f"p2_number={st.session_state.get('p2_number')!r}")


show_run_count()
p = sp.persist(["p1_text", "p2_number"])
nav = st.navigation([st.Page(page_one, title="One", url_path="one"), st.Page(page_two, title="Two", url_path="two")])
nav.run()
st.text(f"hydrated={p.hydrated}")
