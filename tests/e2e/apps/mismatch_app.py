"""A server whose protocol version the page's browser module does not speak (a page left open
across an upgrade): the module says so once, and the app shows it in ``p.errors``."""

import streamlit as st

import streamlit_persist as sp
from streamlit_persist import _protocol
from tests.support.apps import show_run_count

_protocol.PROTOCOL_VERSION = 99  # type: ignore[misc]  # as a later release would send
show_run_count()
p = sp.persist(["a"])
st.text_input("A", key="a")
st.text(f"hydrated={p.hydrated}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}: {error.message}")
