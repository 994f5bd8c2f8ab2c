"""v1 -> v2 upgrade of one persisted key (tests/e2e/test_trust_browser.py).

``SP_TRUST_VERSION=1``: the key ``n`` is a text input (what v1 stored is text).
``SP_TRUST_VERSION=2`` (default): the same key is a number input in 0..10, so a stored text
must never reach it. ``SP_BOOT_BYTES`` is ``boot_cookie_bytes`` (0: restore from storage).

Lines: ``first=`` (``n`` in session state on this page load's first run, before the widget:
``'five'`` on the boot-cookie path, ``None`` when storage is asked), ``n=``, ``hydrated=``,
``errors=`` (every ``p.errors`` record as ``(kind, key)``).
"""

import os

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["n"], boot_cookie_bytes=int(os.environ.get("SP_BOOT_BYTES", "2048")))
if "first" not in st.session_state:
    st.session_state.first = repr(st.session_state.get("n"))
if os.environ.get("SP_TRUST_VERSION", "2") == "1":
    st.text_input("N", key="n")
else:
    st.number_input("N", min_value=0, max_value=10, key="n")
st.text(f"first={st.session_state.first}")
st.text(f"n={st.session_state.get('n')!r}")
st.text(f"hydrated={p.hydrated}")
st.text(f"errors={[(e.kind, e.key) for e in p.errors]}")
