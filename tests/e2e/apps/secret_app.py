"""Encrypted persistence; the page shows only hashes of the values (issue 3).

``SP_SECRET``: one secret, or a comma-separated rotation list (newest first).
"""

import hashlib
import os

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

PLAN = "enterprise-plan-7f3a9c"
NOTE = "top-secret-note-4242"

show_run_count()
secrets = os.environ["SP_SECRET"].split(",")
p = sp.persist(["plan", "note"], secret=secrets if len(secrets) > 1 else secrets[0])
st.session_state.setdefault("plan", "free")
st.session_state.setdefault("note", "none")
if st.button("Seed", key="seed"):
    st.session_state.plan = PLAN
    st.session_state.note = NOTE
for name in ("plan", "note"):
    digest = hashlib.sha256(str(st.session_state[name]).encode()).hexdigest()
    st.text(f"{name}_hash={digest}")
st.text(f"hydrated={p.hydrated} restored={sorted(p.restored)}")
for error in p.errors:
    st.text(f"error {error.kind} {error.key}")
