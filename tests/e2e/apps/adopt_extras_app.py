"""One app before and after its move from streamlit-extras' local_storage_manager to ``persist(adopt=...)``.

The mode is read on every run from the file ``SP_MODE_FILE`` names (one server, one origin,
so the rewritten app sees what the old one stored). ``old``: the app as written for
streamlit-extras; a button stores values with the manager (one with ``expires_in``).
``new``: rewritten with ``sp.persist``.
"""

import os
from datetime import timedelta
from pathlib import Path

import streamlit as st

from tests.support.apps import adopting_app, show_run_count

show_run_count()
VALUES = {"name": "Ada", "count": 7, "tags": ["b", "c"]}

if Path(os.environ["SP_MODE_FILE"]).read_text("utf-8").strip() == "old":
    from streamlit_extras.local_storage_manager import local_storage_manager

    manager = local_storage_manager()
    if st.button("Save", key="save"):
        for item, value in VALUES.items():
            manager[item] = value
        manager.set("agree", True, expires_in=timedelta(days=1))
        st.rerun()
    st.text(f"ready={manager.ready()} stored={dict(manager)!r}")
else:
    adopting_app("streamlit-extras")
