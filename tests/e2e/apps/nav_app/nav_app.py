"""A realistic ``st.navigation`` app for tests/e2e/test_multipage_browser.py.

One ``persist()`` in the entrypoint, before ``pg.run()``, covers the sidebar and three pages:

- Dashboard (default page, ``/``): a slider and the "Show code" checkbox;
- Settings (``/settings``): a form, a keyed expander and a keyed popover (``on_change="rerun"``);
- Explore (``/explore``): the same "Show code" checkbox, pills and segmented controls.

Environment: ``NAV_NAMESPACE`` (another app: another namespace), ``NAV_SECRET`` (signed links
and values). Every page prints its keys as ``key=<repr> (<type>)`` lines; the entrypoint prints
what the session's first run saw, the share URL of the page shown, and ``p.errors``.
"""

import os
from pathlib import Path

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

HERE = Path(__file__).parent
SHARED = ["sb_region", "show_code", "dash_*", "pick_*", "seg_*"]
FIRST_RUN_KEYS = ("sb_region", "dash_level", "show_code", "pick_size", "pick_fruits", "seg_chart", "seg_days")

show_run_count()
p = sp.persist(
    ["sb_*", "show_code", "dash_*", "form_*", "pop_*", "exp_*", "pick_*", "seg_*"],
    namespace=os.environ.get("NAV_NAMESPACE") or None,
    secret=os.environ.get("NAV_SECRET") or None,
    protect="sign" if os.environ.get("NAV_SECRET") else None,
    share=SHARED,
)

with st.container(key="first-run"):
    # What the session's first script run held after persist(), before any page ran.
    if "nav_first_seen" not in st.session_state:
        seen = {k: st.session_state[k] for k in FIRST_RUN_KEYS if k in st.session_state}
        st.session_state.nav_first_seen = f"first={seen!r}"
    st.caption(st.session_state.nav_first_seen)

with st.sidebar:
    st.text_input("Your name", key="sb_name")
    st.selectbox("Region", ["EU", "US", "APAC"], index=None, placeholder="Choose a region", key="sb_region")

pg = st.navigation(
    [
        st.Page(HERE / "nav_dashboard.py", title="Dashboard", default=True),
        st.Page(HERE / "nav_settings.py", title="Settings", url_path="settings"),
        st.Page(HERE / "nav_explore.py", title="Explore", url_path="explore"),
    ]
)
pg.run()

with st.container(key="sidebar-state"):
    for name in ("sb_name", "sb_region"):
        value = st.session_state.get(name)
        st.text(f"{name}={value!r} ({type(value).__name__})")
with st.container(key="share-url"):
    st.code(p.share_url(), language=None, wrap_lines=True)
    st.caption(f"page={pg.title}")  # after the code block: once this shows, the URL is this page's
with st.sidebar:
    p.share_button("Copy link")
with st.container(key="status"):
    st.text(f"hydrated={p.hydrated} errors={[(e.kind, e.key) for e in p.errors]}")
    st.text(f"from={sorted(p.restored_from.items())}")
