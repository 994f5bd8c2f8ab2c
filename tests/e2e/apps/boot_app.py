"""Boot cookie (issue 5): return visits restore on the first script run.

Environment:

- ``SP_BOOT_BYTES``: ``boot_cookie_bytes`` (default 2048; small values force the one-rerun path);
- ``SP_SECRET``: a secret (encrypted mode) when set.

The page shows ``name=``, ``color=`` and ``hydrated=`` lines; "Set" stores :data:`NAME` and
:data:`COLOR`, "Clear" calls ``p.clear()``.
"""

import os

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

NAME = "Ada-Lovelace-8d1e"
COLOR = "ultramarine-42c7"

show_run_count()
p = sp.persist(
    ["name", "color"],
    boot_cookie_bytes=int(os.environ.get("SP_BOOT_BYTES", "2048")),
    secret=os.environ.get("SP_SECRET") or None,
)
st.session_state.setdefault("name", "default-name")
st.session_state.setdefault("color", "default-color")


def _set() -> None:
    st.session_state.name = NAME
    st.session_state.color = COLOR


st.button("Set", key="set", on_click=_set)
if st.button("Clear", key="clear"):
    p.clear()
    st.text("cleared")
st.text(f"name={st.session_state.name}")
st.text(f"color={st.session_state.color}")
st.text(f"hydrated={p.hydrated}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}")
