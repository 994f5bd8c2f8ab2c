"""One instance of every keyed input widget of Streamlit 1.67, each persisted by its key.

The widget matrix test (``tests/e2e/test_widget_matrix_browser.py``) changes each widget in
Chromium, reloads, and opens the app again in a new browser context with the saved storage.
Every key is named explicitly in ``persist()``: the value widgets must come back with the same
value and type; the read-only ones (buttons, uploads, chat input, data editor, form submit,
dataframe and chart selections, menu and link buttons) are never stored and, being named,
are reported as ``unassignable``.

Below the widgets, one line per key: ``<key>=<repr> type=<type name>``, then every
``p.errors`` record as ``error <kind> <key>: <message>``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

VALUE_KEYS: Final = (
    "w_text_input",
    "w_text_area",
    "w_number_int",
    "w_number_float",
    "w_slider_int",
    "w_slider_float",
    "w_slider_range",
    "w_slider_date",
    "w_slider_datetime",
    "w_slider_time",
    "w_select_slider",
    "w_select_slider_range",
    "w_selectbox",
    "w_radio",
    "w_multiselect",
    "w_checkbox",
    "w_toggle",
    "w_date_input",
    "w_date_range",
    "w_time_input",
    "w_datetime_input",
    "w_color_picker",
    "w_pills_single",
    "w_pills_multi",
    "w_segmented_single",
    "w_segmented_multi",
    "w_feedback_thumbs",
    "w_feedback_faces",
    "w_feedback_stars",
    "w_pagination",
    "w_tabs",
    "w_expander",
    "w_popover",
)
READ_ONLY_KEYS: Final = (
    "r_button",
    "r_download_button",
    "r_link_button",
    "r_menu_button",
    "r_file_uploader",
    "r_camera_input",
    "r_audio_input",
    "r_chat_input",
    "r_data_editor",
    "r_form_submit",
    "r_dataframe_select",
    "r_chart_select",
)

show_run_count()
p = sp.persist([*VALUE_KEYS, *READ_ONLY_KEYS])

OPTIONS: Final = ["Red", "Green", "Blue"]
SIZES: Final = ["XS", "S", "M", "L", "XL"]

# -- value widgets -------------------------------------------------------------------------------

st.text_input("Text input", key="w_text_input")
st.text_area("Text area", key="w_text_area")
st.number_input("Number int", value=0, step=1, key="w_number_int")
st.number_input("Number float", value=0.5, step=0.25, format="%.2f", key="w_number_float")
st.slider("Slider int", 0, 10, 0, key="w_slider_int")
st.slider("Slider float", 0.0, 1.0, 0.0, step=0.25, key="w_slider_float")
st.slider("Slider range", 0, 100, (20, 80), key="w_slider_range")
st.slider(
    "Slider date",
    min_value=dt.date(2024, 1, 1),
    max_value=dt.date(2024, 12, 31),
    value=dt.date(2024, 6, 1),
    key="w_slider_date",
)
st.slider(
    "Slider datetime",
    min_value=dt.datetime(2024, 1, 1, 0, 0),
    max_value=dt.datetime(2024, 1, 2, 0, 0),
    value=dt.datetime(2024, 1, 1, 12, 0),
    step=dt.timedelta(hours=1),
    key="w_slider_datetime",
)
st.slider(
    "Slider time",
    min_value=dt.time(0, 0),
    max_value=dt.time(23, 45),
    value=dt.time(9, 0),
    step=dt.timedelta(minutes=15),
    key="w_slider_time",
)
st.select_slider("Select slider", SIZES, value="M", key="w_select_slider")
st.select_slider("Select slider range", SIZES, value=("S", "L"), key="w_select_slider_range")
st.selectbox("Selectbox", OPTIONS, key="w_selectbox")
st.radio("Radio", ["One", "Two", "Three"], key="w_radio")
st.multiselect("Multiselect", ["Apple", "Banana", "Cherry"], key="w_multiselect")
st.checkbox("Checkbox", key="w_checkbox")
st.toggle("Toggle", key="w_toggle")
st.date_input("Date input", value=dt.date(2020, 1, 1), key="w_date_input")
st.date_input("Date range", value=(dt.date(2020, 1, 1), dt.date(2020, 1, 31)), key="w_date_range")
st.time_input("Time input", value=dt.time(8, 0), key="w_time_input")
st.datetime_input("Datetime input", value=dt.datetime(2024, 1, 1, 8, 0), key="w_datetime_input")
st.color_picker("Color picker", value="#000000", key="w_color_picker")
st.pills("Pills single", ["Alpha", "Beta", "Gamma"], key="w_pills_single")
st.pills("Pills multi", ["North", "South", "East"], selection_mode="multi", key="w_pills_multi")
st.segmented_control("Segmented single", ["Left", "Center", "Right"], key="w_segmented_single")
st.segmented_control("Segmented multi", ["Bold", "Italic", "Under"], selection_mode="multi", key="w_segmented_multi")
st.feedback("thumbs", key="w_feedback_thumbs")
st.feedback("faces", key="w_feedback_faces")
st.feedback("stars", key="w_feedback_stars")
st.pagination(10, key="w_pagination")
tab_one, tab_two, tab_three = st.tabs(["First", "Second", "Third"], on_change="rerun", key="w_tabs")
with tab_one:
    st.caption("first tab body")
with tab_two:
    st.caption("second tab body")
with tab_three:
    st.caption("third tab body")
with st.expander("Expander", on_change="rerun", key="w_expander"):
    st.caption("expander body")
with st.popover("Popover", on_change="rerun", key="w_popover"):
    st.caption("popover body")

# -- read-only widgets: their value is an event, an upload or a selection -------------------------

st.button("Button", key="r_button")
st.download_button("Download", data="hello", file_name="hello.txt", key="r_download_button")
st.link_button("Link", "about:blank", on_click="rerun", key="r_link_button")
st.menu_button("Menu", ["Copy", "Paste"], key="r_menu_button")
st.file_uploader("Upload", key="r_file_uploader")
st.camera_input("Camera", key="r_camera_input")
st.audio_input("Audio", key="r_audio_input")
st.chat_input("Say something", key="r_chat_input")
st.data_editor({"name": ["a", "b"], "n": [1, 2]}, key="r_data_editor")
with st.form("matrix_form"):
    st.caption("a form")
    st.form_submit_button("Submit form", key="r_form_submit")
st.dataframe(
    {"city": ["Oslo", "Rome", "Lima"], "n": [1, 2, 3]},
    on_select="rerun",
    selection_mode="multi-row",
    key="r_dataframe_select",
)
st.vega_lite_chart(
    {
        "data": {"values": [{"x": "a", "y": 3}, {"x": "b", "y": 5}, {"x": "c", "y": 4}]},
        "mark": "bar",
        "params": [{"name": "pick", "select": "point"}],
        "encoding": {"x": {"field": "x", "type": "nominal"}, "y": {"field": "y", "type": "quantitative"}},
    },
    on_select="rerun",
    key="r_chart_select",
)

# -- what the script sees -------------------------------------------------------------------------


def _line(key: str) -> str:
    value: Any = st.session_state.get(key)
    return f"{key}={value!r} type={type(value).__name__}"


with st.container(key="matrix_lines"):
    for name in (*VALUE_KEYS, *READ_ONLY_KEYS):
        st.text(_line(name))
    st.text(f"hydrated={p.hydrated} restored={sorted(p.restored)}")
    for error in p.errors:
        st.text(f"error {error.kind} {error.key}: {error.message}")
