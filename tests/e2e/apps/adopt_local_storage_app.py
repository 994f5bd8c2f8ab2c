"""One app before and after its move from streamlit-local-storage to ``persist(adopt=...)``.

The mode is read on every run from the file ``SP_MODE_FILE`` names (one server, one origin,
so the rewritten app sees what the old one stored). ``old``: the app as written for
streamlit-local-storage; a button stores values with its ``setItem``. ``new``: the same app
rewritten with ``sp.persist(..., adopt=...)``.
"""

import os
from pathlib import Path

import streamlit as st

from tests.support.apps import adopting_app, show_run_count

show_run_count()
VALUES = {"name": "Ada", "count": 7, "tags": ["b", "c"], "agree": True}

if Path(os.environ["SP_MODE_FILE"]).read_text("utf-8").strip() == "old":
    from streamlit_local_storage import LocalStorage

    storage = LocalStorage()
    if st.button("Save", key="save"):
        for item, value in VALUES.items():
            storage.setItem(item, value, key=f"set_{item}")
    st.text(f"stored={storage.getAll()!r}")
else:
    adopting_app("streamlit-local-storage")
