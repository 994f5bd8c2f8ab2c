"""Dashboard (the default page): a slider and the "Show code" checkbox shared with Explore."""

import streamlit as st

st.header("Dashboard")
st.slider("Level", 0, 100, 50, key="dash_level")
st.checkbox("Show code", key="show_code")
for name in ("dash_level", "show_code"):
    value = st.session_state.get(name)
    st.text(f"{name}={value!r} ({type(value).__name__})")
if st.session_state.get("show_code"):
    st.code("st.slider('Level', 0, 100, 50, key='dash_level')")
