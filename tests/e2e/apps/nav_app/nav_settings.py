"""Settings: a form (values change on submit), a keyed expander and a keyed popover that rerun."""

import streamlit as st

st.header("Settings")
with st.form("profile"):
    st.text_input("Email", key="form_email")
    st.number_input("Team size", min_value=1, max_value=50, value=5, step=1, key="form_size")
    st.form_submit_button("Save")

advanced = st.expander("Advanced", key="exp_advanced", on_change="rerun")
if advanced.open:
    with advanced:
        st.text("advanced content")

display = st.popover("Display", key="pop_display", on_change="rerun")
if display.open:
    with display:
        st.text("display content")

st.toggle("Compact rows", key="set_compact")  # not persisted: reruns the page without touching the rest
for name in ("form_email", "form_size", "exp_advanced", "pop_display", "set_compact"):
    value = st.session_state.get(name)
    st.text(f"{name}={value!r} ({type(value).__name__})")
