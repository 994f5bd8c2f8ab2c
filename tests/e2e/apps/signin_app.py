"""``storage="user"`` behind a real ``st.login`` (tests/e2e/test_signin_browser.py).

The test copies this script into a temporary directory beside a ``.streamlit/secrets.toml``
whose ``[auth]`` points at a local OpenID Connect provider, and sets ``STREAMLIT_PERSIST_STORE``.
"""

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
p = sp.persist(["prefs", "note"], storage="user")
st.text_input("Prefs", key="prefs")
st.text_input("Note", key="note")
signed_in = bool(st.user.get("is_logged_in"))
if signed_in:
    st.button("Log out", key="logout", on_click=st.logout)
else:
    st.button("Log in", key="login", on_click=st.login)
errors = [(e.kind, e.key) for e in p.errors]
st.text(
    f"user={st.user.get('sub')} prefs={st.session_state.get('prefs')!r} "
    f"note={st.session_state.get('note')!r} hydrated={p.hydrated} errors={errors}"
)
