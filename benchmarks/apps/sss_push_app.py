"""Server benchmark peer (``bench_server.py``): streamlit-server-state 0.20.2 pushing a banner.

Used as its README's chat example does: the text input's ``on_change`` callback writes
``server_state["banner"]`` under ``server_state_lock``; every session that read the value is
rerun by the write. The page shows ``banner=<value>``. Its state lives in the memory of one
process: only sessions of that process see it.
"""

import streamlit as st
from streamlit_server_state import server_state, server_state_lock  # type: ignore[import-untyped, import-not-found, unused-ignore]

from tests.support.apps import show_run_count

show_run_count()
with server_state_lock["banner"]:
    if "banner" not in server_state:
        server_state["banner"] = ""


def _publish() -> None:
    with server_state_lock["banner"]:
        server_state["banner"] = st.session_state["banner"]


st.text_input("Banner", key="banner", on_change=_publish)
st.text(f"banner={server_state['banner']}")
