"""Live push of server-side values (issue 11): an app-scope key and an ``sp.shared`` counter.

``banner`` (a text input) is persisted with ``storage="app"``: one value for every session.
``visits`` is an ``sp.shared`` value; "Visit" increments it atomically in its ``on_click``
callback (a click handled in the script body is lost whenever the next click interrupts the
run first; a callback runs at the very start of the run, so far fewer quick clicks are lost).
Both live in the store named by ``STREAMLIT_PERSIST_STORE``. Every error either one reports
is rendered.
"""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["banner"], storage="app")
visits = sp.shared("visits", default=0)
st.text_input("Banner", key="banner")


def _visit() -> None:
    visits.update(lambda n: n + 1)


st.button("Visit", key="visit", on_click=_visit)
st.text(f"banner={st.session_state.get('banner', '')}")
st.text(f"visits={visits.value}")
st.text(f"hydrated={p.hydrated}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}: {error.message}")
for error in visits.errors:
    st.text(f"shared error {error.kind} {error.key}: {error.message}")
