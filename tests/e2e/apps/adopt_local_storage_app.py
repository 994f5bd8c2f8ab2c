"""One app before and after its move from streamlit-local-storage to ``persist(adopt=...)``.

The mode is read on every run from the file ``SP_MODE_FILE`` names (one server, one origin,
so the rewritten app sees what the old one stored). ``old``: the app as written for
streamlit-local-storage; a button stores values with its ``setItem``. ``new``: the same app
rewritten with ``sp.persist(..., adopt=...)``.
"""

import os
from pathlib import Path

import streamlit as st

from tests.support.apps import show_run_count

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
    import streamlit_persist as sp

    p = sp.persist(["name", "count", "tags", "agree", "note"], adopt="streamlit-local-storage")
    st.text_input("Name", key="name")
    st.number_input("Count", key="count", step=1)
    st.multiselect("Tags", ["a", "b", "c"], key="tags")
    st.checkbox("Agree", key="agree")
    st.text_input("Note", key="note")
    st.text(f"hydrated={p.hydrated} from={sorted(p.restored_from.items())!r}")
    st.text(f"values={[st.session_state[k] for k in ('name', 'count', 'tags', 'agree', 'note')]!r}")
    st.text(f"errors={sorted((e.key or '', e.kind) for e in p.errors)!r}")
