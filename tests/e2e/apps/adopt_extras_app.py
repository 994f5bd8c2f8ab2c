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

from tests.support.apps import show_run_count

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
    import streamlit_persist as sp

    p = sp.persist(["name", "count", "tags", "agree", "note"], adopt="streamlit-extras")
    st.text_input("Name", key="name")
    st.number_input("Count", key="count", step=1)
    st.multiselect("Tags", ["a", "b", "c"], key="tags")
    st.checkbox("Agree", key="agree")
    st.text_input("Note", key="note")
    st.text(f"hydrated={p.hydrated} from={sorted(p.restored_from.items())!r}")
    st.text(f"values={[st.session_state[k] for k in ('name', 'count', 'tags', 'agree', 'note')]!r}")
    st.text(f"errors={sorted((e.key or '', e.kind) for e in p.errors)!r}")
