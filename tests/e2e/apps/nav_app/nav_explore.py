"""Explore: the "Show code" checkbox shared with Dashboard, pills and segmented controls."""

import streamlit as st

DAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri"}

st.header("Explore")
st.checkbox("Show code", key="show_code")
st.pills("Sample size", [10, 100, 1000], format_func=lambda n: f"n={n}", key="pick_size")
st.pills("Fruits", ["apple", "banana", "cherry"], selection_mode="multi", key="pick_fruits")
st.segmented_control("Chart", ["line", "bar", "area"], key="seg_chart")
st.segmented_control("Days", list(DAYS), format_func=DAYS.__getitem__, selection_mode="multi", key="seg_days")
for name in ("show_code", "pick_size", "pick_fruits", "seg_chart", "seg_days"):
    value = st.session_state.get(name)
    st.text(f"{name}={value!r} ({type(value).__name__})")
if st.session_state.get("show_code"):
    st.code("st.pills('Sample size', [10, 100, 1000], key='pick_size')")
