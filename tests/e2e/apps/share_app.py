"""Share-link app for tests/e2e/test_share_links.py (secret and protection from the environment)."""

import os

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

show_run_count()
secret = os.environ.get("SP_SECRET") or None
protect = os.environ.get("SP_PROTECT") or None
p = sp.persist(
    ["filters", "view", "name", "sort"],
    namespace="share-e2e",
    secret=secret,
    protect=protect,  # type: ignore[arg-type]
    share=["filters", "view", "sort"],
)
with st.container(key="first-run"):
    # what the first script run of this page load saw, before any browser round trip
    if "first_seen" not in st.session_state:
        st.session_state.first_seen = (
            f"first={st.session_state.get('filters')}|{st.session_state.get('view')}"
        )
    st.caption(st.session_state.first_seen)
st.multiselect("Filters", ["alpha", "beta", "gamma"], key="filters")
st.radio("View", ["table", "chart"], key="view")
st.text_input("Name", key="name")
st.selectbox("Sort", ["asc", "desc"], key="sort", bind="query-params")
with st.container(key="share-url"):
    st.code(p.share_url(), language=None, wrap_lines=True)
    # rendered after the code block: once this shows a state, the code above belongs to it
    st.caption(f"now={st.session_state.filters}|{st.session_state.view}|{st.session_state.sort}")
p.share_button("Copy link")
with st.container(key="status"):
    st.caption(f"from={sorted(p.restored_from.items())} errors={[e.kind for e in p.errors]}")
