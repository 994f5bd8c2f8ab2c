"""Drift matrix: stored values that no longer fit their widget, through ``AppTest``.

An app's v1 stored a value under a key that v2 gives to another widget (``st.text_input``
became ``st.number_input(min_value=0, max_value=10)``, a selectbox lost an option, a
slider became a range, a text box became a button, ...). Whatever the browser holds, the
app must never raise: a value the widget accepts comes back unchanged (same value, same
type, not reported); a value it would reject never reaches it: the widget shows its
default, the entry leaves storage and ``p.errors`` names the key (kind ``"invalid"``, or
``"unassignable"`` for widgets whose value session state can never set).

Every case (widget setup x stored value x restore path) is loaded twice, each time as a
fresh ``AppTest`` (a new browser session, like a reload) over the same ``MemoryBrowser``
storage. Both restore paths are covered: the boot cookie (``persist()`` defaults; the
``MemoryBrowser`` supplies the cookie for its storage) and storage itself
(``boot_cookie_bytes=0``).

To keep the run short, one ``AppTest`` holds every value of one setup, each under its own
key, and each case's widget runs inside its own ``try``/``except`` so that one crash cannot
hide the cases after it. An exception caught there is exactly what ``at.exception`` shows
for an app with that widget alone: Streamlit ends a run that raised as a successful one
(``SCRIPT_STOPPED_WITH_SUCCESS``), so the end-of-run write happens either way and load 2
sees the same storage. ``SP_DRIFT_ALONE=1`` runs every case in an app of its own without
the wrapper (a crash is then ``at.exception``; ~7x slower): on the code this test was
written against, that gave the same outcome for every case. The issue's own example runs
below without the wrapper too.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import textwrap
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

import pytest
from streamlit.testing.v1 import AppTest

import streamlit_persist as sp
from streamlit_persist.testing import MemoryBrowser
from tests.support.compat import STREAMLIT, streamlit_at_least

NS: Final = "drift"
Path = Literal["cookie", "storage"]
PATHS: Final[tuple[Path, ...]] = ("cookie", "storage")
PERSIST_EXTRA: Final[dict[Path, str]] = {"cookie": "", "storage": ", boot_cookie_bytes=0"}
READ_ONLY_KINDS: Final = frozenset({"invalid", "unassignable"})
VALUE_KINDS: Final = frozenset({"invalid"})

HEADER = """
import datetime as dt
import streamlit as st
import streamlit_persist as sp


def _plain(value):
    # Widget results as plain values (selection states are dict subclasses, frames are not comparable).
    if hasattr(value, "to_dict") and hasattr(value, "columns"):
        return {str(c): list(value[c]) for c in value.columns}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
"""


@dataclass(frozen=True)
class Setup:
    """One widget as v2 of an app declares it.

    ``code`` assigns what the script sees of the widget to ``_v``; ``@K`` is its key.
    ``valid``: values the widget must get back exactly (the positive control); empty for
    widgets whose value session state can never set. ``restorable``: whether a stored value
    may reach the widget at all. ``kinds``: what a dropped value may be reported as.
    ``since``: the first Streamlit release that has the widget as declared here.
    """

    name: str
    code: str
    valid: tuple[Any, ...]
    wrong: tuple[Any, ...]
    restorable: bool = True
    kinds: frozenset[str] = VALUE_KINDS
    since: str = "0"


# -- comparing what the widget shows with what was stored ---------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def loosely_same(a: Any, b: Any) -> bool:
    """Equal once types are ignored ([3, 7] and (3, 7), 5 and 5.0): a coerced value."""
    try:
        if isinstance(a, list | tuple) and isinstance(b, list | tuple):
            return len(a) == len(b) and all(loosely_same(x, y) for x, y in zip(a, b, strict=True))
        return bool(a == b)
    except Exception:
        return False


# -- stored values -----------------------------------------------------------------------------

NAN = float("nan")
A_UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")
AWARE = dt.datetime(2024, 2, 29, 9, 30, tzinfo=dt.UTC)
NESTED = {"a": {"b": [1, {"c": None}]}}

# Wrong for every widget that does not hold text.
NOT_TEXT: Final[tuple[Any, ...]] = (
    "five",
    "",
    ["five"],
    {"a": 1},
    NESTED,
    b"\x00bytes",
    {"x", "y"},
    frozenset({1}),
    A_UUID,
    dt.timedelta(hours=1),
    (1, 2, 3),
    10**30,
    -(10**30),
    Decimal("2.5"),
    {1: "one"},
    [[1, 2], [3]],
)
# Wrong for widgets that hold text.
NOT_STR: Final[tuple[Any, ...]] = (
    5,
    2.5,
    True,
    NAN,
    10**30,
    ["five"],
    {"a": 1},
    NESTED,
    b"five",
    {"five"},
    frozenset({"five"}),
    ("five", "six"),
    A_UUID,
    Decimal("5.5"),
    dt.date(2024, 2, 29),
    dt.datetime(2024, 2, 29, 9, 30),
    dt.time(9, 30),
    dt.timedelta(days=1),
)
NUMBERISH: Final[tuple[Any, ...]] = (NAN, float("inf"), True, None, Decimal("5"), "5")
BOOLISH: Final[tuple[Any, ...]] = (1, 0, 1.0, "true", None, [True], NAN, dt.date(2024, 1, 1))
DATEISH: Final[tuple[Any, ...]] = (
    "2024-02-29",
    20240229,
    None,
    True,
    AWARE,
)
OPTIONS = '["a", "b", "c", "d"]'


def wrong(*groups: Sequence[Any]) -> tuple[Any, ...]:
    """Concatenated, without repeats (by type and value)."""
    seen: list[Any] = []
    for group in groups:
        for value in group:
            if not any(same(value, old) for old in seen):
                seen.append(value)
    return tuple(seen)


def form(body: str) -> str:
    """``body`` inside ``st.form`` with its submit button (forms need one)."""
    return f'with st.form("form_@K"):\n{textwrap.indent(body, "    ")}\n    st.form_submit_button("Send")'


SETUPS: Final[tuple[Setup, ...]] = (
    Setup(
        "text_input",
        '_v = st.text_input("T", value="hi", key="@K")',
        ("hello",),
        NOT_STR,
    ),
    Setup(
        "text_input(max_chars=5)",
        '_v = st.text_input("T", value="hi", max_chars=5, key="@K")',
        ("abc",),
        wrong(["far too long", "sixsix"], NOT_STR),
    ),
    Setup(
        "text_area",
        '_v = st.text_area("T", value="hi", key="@K")',
        ("line 1\nline 2",),
        NOT_STR,
    ),
    Setup(
        "number_input(int, 0..10)",
        '_v = st.number_input("N", min_value=0, max_value=10, key="@K")',
        (7,),
        wrong([-1, 11, -(10**12), 10**30, 5.5, 7.0], NUMBERISH, NOT_TEXT),
    ),
    Setup(
        "number_input(float)",
        '_v = st.number_input("N", value=1.5, key="@K")',
        (2.25,),
        wrong([2, -(2**70), 1e308 * 10], NUMBERISH, NOT_TEXT),
    ),
    Setup(
        "number_input(float, 0.0..1.0)",
        '_v = st.number_input("N", min_value=0.0, max_value=1.0, value=0.5, key="@K")',
        (0.25,),
        wrong([-0.1, 1.5, -1e300, 1e300, 1], NUMBERISH, NOT_TEXT),
    ),
    Setup(
        "number_input(value=None, 0..100)",
        '_v = st.number_input("N", value=None, min_value=0, max_value=100, key="@K")',
        (42,),
        wrong([-5, 101, 10**30, 4.5], [v for v in NUMBERISH if v is not None], NOT_TEXT),
    ),
    Setup(
        "slider(int)",
        '_v = st.slider("S", 0, 10, 5, key="@K")',
        (3,),
        wrong([-1, 11, 2.5, (3, 7), [3]], NUMBERISH, NOT_TEXT),
    ),
    Setup(
        "slider(float)",
        '_v = st.slider("S", 0.0, 1.0, 0.5, key="@K")',
        (0.25,),
        wrong([2.0, -0.5, 1, (0.1, 0.2)], NUMBERISH, NOT_TEXT),
    ),
    Setup(
        "slider(int range)",
        '_v = st.slider("S", 0, 10, (2, 8), key="@K")',
        ((3, 7),),
        wrong([(3,), (1, 2, 3), (8, 2), (-1, 5), (3, 70), [3, 7], 5, (3.5, 7.5), ("3", "7")], NUMBERISH, NOT_TEXT),
    ),
    Setup(
        "slider(date)",
        '_v = st.slider("S", min_value=dt.date(2020, 1, 1), max_value=dt.date(2020, 12, 31), '
        'value=dt.date(2020, 6, 1), key="@K")',
        (dt.date(2020, 3, 3),),
        wrong(
            [dt.date(2019, 1, 1), dt.date(2021, 1, 1), dt.datetime(2020, 3, 3, 4, 5), dt.time(9, 30)], DATEISH, NOT_TEXT
        ),
    ),
    Setup(
        "slider(datetime)",
        '_v = st.slider("S", min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2020, 12, 31), '
        'value=dt.datetime(2020, 6, 1, 12), key="@K")',
        (dt.datetime(2020, 3, 3, 4, 5),),
        wrong(
            [
                dt.datetime(2019, 1, 1),
                dt.datetime(2021, 1, 1),
                dt.date(2020, 3, 3),
                "2020-03-03T04:05:00",
                dt.time(4, 5),
            ],
            DATEISH,
            NOT_TEXT,
        ),
    ),
    Setup(
        "slider(time)",
        '_v = st.slider("S", min_value=dt.time(8), max_value=dt.time(18), value=dt.time(12), key="@K")',
        (dt.time(9, 30),),
        wrong([dt.time(20), dt.time(1), "09:30", dt.datetime(2020, 1, 1, 9, 30), 930], DATEISH, NOT_TEXT),
    ),
    Setup(
        "select_slider",
        f'_v = st.select_slider("S", {OPTIONS}, value="b", key="@K")',
        ("c",),
        wrong(["z", ["c"], ("b", "c"), 1, None, True], NOT_TEXT),
    ),
    Setup(
        "select_slider(range)",
        f'_v = st.select_slider("S", {OPTIONS}, value=("a", "c"), key="@K")',
        (("b", "d"),),
        wrong([("a",), ("a", "b", "c"), ("z", "a"), ["b", "d"], "b", ("b", 1), None], NOT_TEXT),
    ),
    Setup(
        "selectbox",
        f'_v = st.selectbox("S", {OPTIONS}, key="@K")',
        ("b",),
        wrong(["z", "B", ["b"], ("b",), 1, True], NOT_TEXT),
    ),
    Setup(
        "selectbox(index=None)",
        f'_v = st.selectbox("S", {OPTIONS}, index=None, key="@K")',
        ("c",),
        wrong(["z", ["c"], 2, False], NOT_TEXT),
    ),
    Setup(
        "selectbox(int options)",
        '_v = st.selectbox("S", [1, 2, 3], key="@K")',
        (2,),
        wrong([4, "2", 2.0, True, [2]], NOT_TEXT),
    ),
    Setup(
        "selectbox(accept_new_options)",
        f'_v = st.selectbox("S", {OPTIONS}, accept_new_options=True, key="@K")',
        ("brand new",),
        wrong([5, ["z"], ("z",), True, 2.5, None], NOT_TEXT[2:]),
    ),
    Setup(
        "radio",
        f'_v = st.radio("R", {OPTIONS}, key="@K")',
        ("c",),
        wrong(["z", ["c"], 2, None, True], NOT_TEXT),
    ),
    Setup(
        "radio(index=None)",
        f'_v = st.radio("R", {OPTIONS}, index=None, key="@K")',
        ("d",),
        wrong(["z", ["d"], 3, False], NOT_TEXT),
    ),
    Setup(
        "multiselect",
        f'_v = st.multiselect("M", {OPTIONS}, key="@K")',
        (["a", "c"],),
        wrong([["z"], ["a", "z"], ["a", "a"], "a", ("a", "c"), {"a", "c"}, [1], [["a"]], None], NOT_TEXT),
    ),
    Setup(
        "multiselect(max_selections=2)",
        f'_v = st.multiselect("M", {OPTIONS}, default=["a"], max_selections=2, key="@K")',
        (["b", "d"],),
        wrong([["a", "b", "c"], ["a", "b", "c", "d"], ["z"], ["b", "b"], "b", None], NOT_TEXT),
    ),
    Setup(
        "multiselect(accept_new_options)",
        f'_v = st.multiselect("M", {OPTIONS}, accept_new_options=True, key="@K")',
        (["a", "brand new"],),
        wrong([["a", "a"], [5], "a", None, [None], {"a"}], NOT_TEXT[2:]),
    ),
    Setup(
        "checkbox",
        '_v = st.checkbox("C", key="@K")',
        (True,),
        wrong(BOOLISH, NOT_TEXT),
    ),
    Setup(
        "toggle",
        '_v = st.toggle("C", value=True, key="@K")',
        (False,),
        wrong(BOOLISH, NOT_TEXT),
    ),
    Setup(
        "date_input",
        '_v = st.date_input("D", value=dt.date(2024, 1, 15), min_value=dt.date(2020, 1, 1), '
        'max_value=dt.date(2030, 12, 31), key="@K")',
        (dt.date(2024, 2, 29),),
        wrong(
            [
                dt.date(1999, 1, 1),
                dt.date(2031, 1, 1),
                dt.datetime(2024, 2, 29, 10),
                (dt.date(2024, 1, 1), dt.date(2024, 1, 2)),
                dt.time(9, 30),
            ],
            DATEISH,
            NOT_TEXT,
        ),
    ),
    Setup(
        "date_input(range)",
        '_v = st.date_input("D", value=(dt.date(2024, 1, 1), dt.date(2024, 1, 31)), min_value=dt.date(2020, 1, 1), '
        'max_value=dt.date(2030, 12, 31), key="@K")',
        ((dt.date(2024, 2, 1), dt.date(2024, 2, 10)),),
        wrong(
            [
                (dt.date(2024, 2, 1), dt.date(2024, 2, 2), dt.date(2024, 2, 3)),
                (dt.date(2024, 2, 10), dt.date(2024, 2, 1)),
                (dt.date(1999, 1, 1), dt.date(2024, 1, 1)),
                ("2024-02-01", "2024-02-10"),
                [dt.date(2024, 2, 1), dt.date(2024, 2, 10)],
                dt.date(2024, 2, 1),
                (dt.time(9), dt.time(10)),
            ],
            DATEISH,
            NOT_TEXT,
        ),
    ),
    Setup(
        "time_input",
        '_v = st.time_input("T", value=dt.time(12, 0), key="@K")',
        (dt.time(9, 15),),
        wrong(
            ["09:15", 915, dt.datetime(2024, 1, 1, 9, 15), dt.timedelta(hours=9), dt.time(9, 15, tzinfo=dt.UTC)],
            DATEISH,
            NOT_TEXT,
        ),
    ),
    Setup(
        "datetime_input",
        '_v = st.datetime_input("DT", value=dt.datetime(2024, 1, 1, 12, 0), min_value=dt.datetime(2020, 1, 1), '
        'max_value=dt.datetime(2030, 12, 31), key="@K")',
        (dt.datetime(2024, 2, 29, 9, 30),),
        wrong(
            [
                dt.datetime(1999, 1, 1),
                dt.datetime(2031, 1, 1),
                dt.date(2024, 2, 29),
                "2024-02-29T09:30:00",
                1709199000,
                dt.time(9, 30),
            ],
            DATEISH,
            NOT_TEXT,
        ),
    ),
    Setup(
        "color_picker",
        '_v = st.color_picker("C", value="#ff0000", key="@K")',
        ("#00ff00",),
        wrong(["red", "#GGGGGG", "#12345", "00ff00", 0x00FF00, None, True], NOT_TEXT[1:]),
    ),
    Setup(
        "pills",
        f'_v = st.pills("P", {OPTIONS}, key="@K")',
        ("b",),
        wrong(["z", ["b"], 1, True], NOT_TEXT),
    ),
    Setup(
        "pills(multi)",
        f'_v = st.pills("P", {OPTIONS}, selection_mode="multi", key="@K")',
        (["a", "c"],),
        wrong([["z"], ["a", "z"], ["a", "a"], "a", ("a",), {"a"}, [1], None], NOT_TEXT),
    ),
    Setup(
        "segmented_control",
        f'_v = st.segmented_control("G", {OPTIONS}, key="@K")',
        ("b",),
        wrong(["z", ["b"], 1, True], NOT_TEXT),
    ),
    Setup(
        "segmented_control(multi)",
        f'_v = st.segmented_control("G", {OPTIONS}, selection_mode="multi", key="@K")',
        (["a", "b"],),
        wrong([["z"], ["a", "z"], ["b", "b"], "b", ("b",), [1], None], NOT_TEXT),
    ),
    Setup(
        "feedback(thumbs)",
        '_v = st.feedback("thumbs", key="@K")',
        (1,),
        wrong([2, -1, 1.0, "1", True, [1]], NOT_TEXT),
    ),
    Setup(
        "feedback(stars)",
        '_v = st.feedback("stars", key="@K")',
        (4,),
        wrong([5, -1, 4.0, "4", True, 10**30], NOT_TEXT[:-1]),
    ),
    Setup(
        "pagination",
        '_v = st.pagination(10, key="@K")',
        (3,),
        wrong([0, 11, -1, 3.5, "3", True, None], NOT_TEXT),
    ),
    Setup(
        "tabs(on_change=rerun)",
        '_t = st.tabs(["A", "B", "C"], key="@K", on_change="rerun")\n'
        '_v = next((label for label, tab in zip(["A", "B", "C"], _t) if tab.open), None)',
        ("B",),
        wrong(["Z", "b", 1, True, ["B"], None], NOT_TEXT[2:]),
    ),
    Setup(
        "expander(on_change=rerun)",
        '_v = st.expander("E", key="@K", on_change="rerun").open',
        (True,),
        wrong(BOOLISH, NOT_TEXT),
    ),
    Setup(
        "popover(on_change=rerun)",
        '_v = st.popover("P", key="@K", on_change="rerun").open',
        (True,),
        wrong(BOOLISH, NOT_TEXT),
    ),
    Setup(
        "text_input in st.form",
        form('_v = st.text_input("T", value="hi", key="@K")'),
        ("from the form",),
        NOT_STR,
    ),
    Setup(
        "slider in st.form",
        form('_v = st.slider("S", 0, 10, 5, key="@K")'),
        (3,),
        wrong([-1, 11, 2.5], NUMBERISH, NOT_TEXT),
    ),
)

# Values a user's click, upload or edit sets: session state may never assign them.
READ_ONLY_VALUES: Final[tuple[Any, ...]] = wrong(
    [True, False, None, "clicked", 1, [], {"edited_rows": {}, "added_rows": [], "deleted_rows": []}],
    NOT_TEXT,
)


def read_only(
    name: str, code: str, *, restorable: bool = False, extra: Sequence[Any] = (), since: str = "0"
) -> Setup:
    return Setup(
        name, code, (), wrong(extra, READ_ONLY_VALUES), restorable=restorable, kinds=READ_ONLY_KINDS, since=since
    )


READ_ONLY_SETUPS: Final[tuple[Setup, ...]] = (
    read_only("button", '_v = st.button("B", key="@K")'),
    read_only("download_button", '_v = st.download_button("D", data="payload", file_name="x.txt", key="@K")'),
    read_only("file_uploader", '_v = st.file_uploader("U", key="@K")'),
    read_only("file_uploader(multiple)", '_v = st.file_uploader("U", accept_multiple_files=True, key="@K")'),
    read_only("camera_input", '_v = st.camera_input("C", key="@K")'),
    read_only("audio_input", '_v = st.audio_input("A", key="@K")'),
    read_only("data_editor", '_v = _plain(st.data_editor({"a": [1, 2]}, key="@K"))'),
    read_only("form_submit_button", 'with st.form("form_@K"):\n    _v = st.form_submit_button("Send", key="@K")'),
    read_only("chat_input", '_v = st.chat_input("Say", key="@K")'),
    read_only("menu_button", '_v = st.menu_button("M", ["a", "b"], key="@K")'),
    read_only(
        "st.form key",
        'with st.form("@K"):\n    st.form_submit_button("Send")\n_v = st.session_state.get("@K")',
    ),
    read_only(
        "ButtonColumn key",
        'st.dataframe({"go": ["x", "y"]}, column_config={"go": st.column_config.ButtonColumn(key="@K")})\n'
        '_v = st.session_state.get("@K")',
    ),
    # Selections: st.dataframe's may be set through session state; a library may restore it
    # exactly or refuse it.
    read_only(
        "dataframe(on_select)",
        '_v = _plain(st.dataframe({"a": [1, 2]}, on_select="rerun", key="@K"))',
        extra=[{"selection": {"rows": [1], "columns": [], "cells": []}}, {"selection": {"rows": [7]}}],
    ),
    read_only(
        "vega_lite_chart(on_select)",
        '_v = _plain(st.vega_lite_chart({"data": {"values": [{"a": 1, "b": 2}]}, "mark": "point", '
        '"params": [{"name": "pick", "select": "point"}], '
        '"encoding": {"x": {"field": "a", "type": "quantitative"}, "y": {"field": "b", "type": "quantitative"}}}, '
        'on_select="rerun", key="@K"))',
    ),
    read_only(
        "pydeck_chart(on_select)",
        "import pydeck\n"
        '_v = _plain(st.pydeck_chart(pydeck.Deck(layers=[pydeck.Layer("ScatterplotLayer", data=[{"p": [0, 0]}], '
        'id="dots", get_position="p", pickable=True)]), on_select="rerun", key="@K"))',
    ),
    read_only(
        "echarts_chart(on_select)",
        '_v = _plain(st.echarts_chart({"xAxis": {"type": "category", "data": ["a", "b"]}, "yAxis": {"type": "value"}, '
        '"series": [{"type": "bar", "data": [1, 2]}]}, on_select="rerun", key="@K"))',
        since="1.65",
    ),
)

ALL_SETUPS: Final = SETUPS + READ_ONLY_SETUPS
# The widgets this Streamlit has (an older release of `make test-matrix` lacks a few).
SETUPS_HERE: Final = tuple(s for s in ALL_SETUPS if streamlit_at_least(s.since))


# -- running ------------------------------------------------------------------------------------

# SP_DRIFT_ALONE=1: one case per AppTest, no try/except around it (see the module docstring).
ALONE: Final = os.environ.get("SP_DRIFT_ALONE") == "1"
BATCH: Final = 1 if ALONE else 12  # cases per AppTest; far below the boot cookie's budget


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final[Any] = _Missing()


@dataclass
class Load:
    """What one page load showed and reported for one key, and what storage held after it."""

    crash: str | None
    shown: Any
    kinds: list[str]
    stored_after: Any


@dataclass
class Case:
    setup: Setup
    value: Any
    path: Path
    valid: bool
    default: Any = MISSING
    loads: list[Load] = field(default_factory=list)
    outcome: str = ""
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.setup.name} <- {self.value!r} ({self.path} path)"


def case_code(key: str, code: str, *, wrap: bool = True) -> str:
    """One widget; what it returned (or, when wrapped, raised) goes to session state next to ``key``."""
    body = code.replace("@K", key) + f'\nst.session_state["__shown__{key}"] = _v'
    if not wrap:
        return body + "\n"
    return (
        f"try:\n{textwrap.indent(body, '    ')}\n"
        "except Exception as _e:\n"
        f'    st.session_state["__crash__{key}"] = f"{{type(_e).__name__}}: {{_e}}"\n'
    )


def batch_app(setup: Setup, keys: Sequence[str], control: str, path: Path) -> str:
    """The app: ``persist()`` over ``keys``, the widget once without a stored value, then once per key."""
    return "\n".join(
        [
            HEADER,
            f'p = sp.persist({list(keys)!r}, namespace="{NS}"{PERSIST_EXTRA[path]})',
            'st.session_state["__p"] = p',
            case_code(control, setup.code),
            *(case_code(key, setup.code, wrap=not ALONE) for key in keys),
        ]
    )


def load(browser: MemoryBrowser, script: str, keys: Sequence[str], control: str) -> tuple[dict[str, Load], Any]:
    """One page load: a fresh AppTest (a new browser session) over the browser's storage."""
    browser.messages.clear()
    with browser:
        at = AppTest.from_string(script, default_timeout=30).run()
    state = at.session_state
    outside = at.exception[0].message if at.exception else None  # e.g. persist() itself raised

    def get(name: str) -> Any:
        return state[name] if name in state else MISSING  # noqa: SIM401  # AppTest has no `get` before 1.64

    persisted = get("__p")
    errors: list[sp.PersistError] = [] if persisted is MISSING else persisted.errors
    stored = browser.values(namespace=NS)
    loads = {
        key: Load(
            crash=outside or (None if get(f"__crash__{key}") is MISSING else str(get(f"__crash__{key}"))),
            shown=get(f"__shown__{key}"),
            kinds=[str(e.kind) for e in errors if e.key == key],
            stored_after=stored.get(key, MISSING),
        )
        for key in keys
    }
    if outside is None:
        assert get(f"__crash__{control}") is MISSING, f"test bug: {get(f'__crash__{control}')} with nothing stored"
    return loads, get(f"__shown__{control}")


def run_batch(number: int, setup: Setup, cases: Sequence[Case]) -> None:
    """Seed one browser with every case's value, then load the app twice."""
    keys = [f"k{number:03d}_{i:02d}" for i in range(len(cases))]
    control = f"c{number:03d}"
    path = cases[0].path
    browser = MemoryBrowser()
    browser.store({key: case.value for key, case in zip(keys, cases, strict=True)}, namespace=NS)
    script = batch_app(setup, keys, control, path)
    for _ in range(2):
        loads, default = load(browser, script, keys, control)
        if path == "cookie":  # restored from the boot cookie: storage was never asked for
            asked = [check["h"] is None for message in browser.messages for check in message["checks"]]
            assert asked, f"test bug: {setup.name}: no message checked storage"
            assert not any(asked), f"test bug: {setup.name}: the boot cookie was not used"
        for key, case in zip(keys, cases, strict=True):
            if case.default is MISSING:
                case.default = default
            case.loads.append(loads[key])


def classify(case: Case) -> None:
    first, second = case.loads
    setup, value, default = case.setup, case.value, case.default
    problems = case.problems
    if first.crash is not None:
        case.outcome = "crash"
        return
    if default is MISSING or (setup.restorable and same(value, default)):
        problems.append(f"test bug: default {default!r}")
    if setup.restorable and same(first.shown, value):
        case.outcome = "restored"
        if first.kinds:
            problems.append(f"restored but reported as {first.kinds}")
        if not same(first.stored_after, value):
            problems.append(f"restored but storage then held {first.stored_after!r}")
        if second.crash is None and not same(second.shown, value):
            problems.append(f"load 2 showed {second.shown!r}")
    elif same(first.shown, default):
        case.outcome = "dropped_reported" if first.kinds else "silent_drop"
        if not first.kinds:
            problems.append("the widget fell back to its default; nothing reported")
        if first.kinds and (len(first.kinds) != 1 or first.kinds[0] not in setup.kinds):
            problems.append(f"reported as {first.kinds}, not once as one of {sorted(setup.kinds)}")
        if first.stored_after is not MISSING and not same(first.stored_after, default):
            problems.append(f"still in storage after load 1: {first.stored_after!r}")
        if second.crash is None and not same(second.shown, default):
            problems.append(f"load 2 showed {second.shown!r}")
    else:
        case.outcome = "wrong"
        coerced = " (the stored value, coerced)" if loosely_same(first.shown, value) else ""
        problems.append(f"showed {first.shown!r}{coerced}; default {default!r}")
    # A read-only widget's key the app names is refused on every load (one record each);
    # anything else must come back clean once its bad value is gone.
    again_allowed = [] if setup.restorable else ["unassignable"]
    if second.crash is None and [kind for kind in second.kinds if kind not in again_allowed]:
        problems.append(f"load 2 reported {second.kinds}")
    if case.valid and case.outcome != "restored":
        problems.append("a valid value was not restored")


@functools.cache
def matrix() -> tuple[Case, ...]:
    """Every setup x value x path, classified (run once, shared by the tests below)."""
    everything: list[Case] = []
    number = 0
    for setup in SETUPS_HERE:
        for path in PATHS:
            cases = [Case(setup, v, path, valid=True) for v in setup.valid]
            cases += [Case(setup, v, path, valid=False) for v in setup.wrong]
            for start in range(0, len(cases), BATCH):
                run_batch(number, setup, cases[start : start + BATCH])
                number += 1
            everything += cases
    for case in everything:
        classify(case)
    return tuple(everything)


def summary(cases: Sequence[Case]) -> dict[str, int]:
    outcomes = Counter(case.outcome for case in cases)
    return {
        "setups": len({case.setup.name for case in cases}),
        "values": sum(len(s.valid) + len(s.wrong) for s in SETUPS_HERE),
        "cases": len(cases),
        "restored": outcomes["restored"],
        "  of them wrong values": sum(1 for c in cases if c.outcome == "restored" and not c.valid),
        "dropped_reported": outcomes["dropped_reported"],
        "crashes load 1": outcomes["crash"],
        "crashes load 2": sum(1 for case in cases if case.loads[1].crash is not None),
        "silent": outcomes["silent_drop"],
        "wrong": outcomes["wrong"],
        "other problems": sum(1 for c in cases if c.problems and c.outcome in ("restored", "dropped_reported")),
        "valid not restored": sum(1 for case in cases if case.valid and (case.outcome != "restored" or case.problems)),
    }


def report(cases: Sequence[Case]) -> Iterator[str]:
    yield ""
    yield "drift matrix: widget setup x stored value x restore path, two page loads each"
    for name, count in summary(cases).items():
        yield f"  {name:<24} {count:>6}"
    for setup in ALL_SETUPS:
        if setup not in SETUPS_HERE:
            yield f"  not on Streamlit {STREAMLIT} (needs {setup.since}): {setup.name}"
    for path in PATHS:
        counts = Counter(c.outcome for c in cases if c.path == path)
        yield f"  {path} path: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    yield "  by setup (cases with a crash, a silent drop, a wrong value or another problem):"
    by_setup: dict[str, Counter[str]] = {}
    for case in cases:
        if case.outcome in ("crash", "silent_drop", "wrong") or case.problems:
            by_setup.setdefault(case.setup.name, Counter())[case.outcome] += 1
    for name, counts in by_setup.items():
        yield f"    {name:<34} " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    yield "  wrong values the widget took as they were (restored; allowed):"
    accepted: dict[str, list[str]] = {}
    for case in cases:
        if case.outcome == "restored" and not case.valid and case.path == "storage":
            accepted.setdefault(case.setup.name, []).append(repr(case.value)[:30])
    for name, values in accepted.items():
        yield f"    {name:<34} " + ", ".join(values)


def failures(cases: Sequence[Case], per_setup: int = 3) -> str:
    """A few failing cases of each setup, the crash or problem of each."""
    lines: dict[str, list[str]] = {}
    for case in cases:
        if case.outcome == "crash":
            line = f"CRASH {case.describe()}: {case.loads[0].crash}"
        elif case.loads[1].crash is not None:
            line = f"CRASH on load 2 {case.describe()}: {case.loads[1].crash}"
        elif case.problems:
            line = f"{case.outcome.upper()} {case.describe()}: {'; '.join(case.problems)}"
        else:
            continue
        lines.setdefault(case.setup.name, []).append(line[:300])
    shown = [line for of_setup in lines.values() for line in of_setup[:per_setup]]
    total = sum(len(of_setup) for of_setup in lines.values())
    return "\n" + "\n".join(shown) + (f"\n... {total - len(shown)} more" if total > len(shown) else "")


# -- tests --------------------------------------------------------------------------------------


def test_every_widget_survives_every_drifted_value() -> None:
    """No stored value crashes a widget; each one is restored exactly or dropped and reported."""
    assert len(ALL_SETUPS) >= 34
    assert all(len(s.wrong) >= 17 for s in ALL_SETUPS), [s.name for s in ALL_SETUPS if len(s.wrong) < 17]
    cases = matrix()
    print("\n".join(report(cases)))
    counts = summary(cases)
    assert (counts["crashes load 1"], counts["crashes load 2"]) == (0, 0), failures(cases)
    assert counts["silent"] == 0, failures(cases)
    assert counts["wrong"] == 0, failures(cases)
    assert not [c for c in cases if c.problems], failures(cases)


def test_valid_values_come_back_exactly() -> None:
    """The positive control: a valid value per setup, restored on both paths and both loads, not reported."""
    controls = [c for c in matrix() if c.valid]
    assert {(c.setup.name, c.path) for c in controls} == {(s.name, p) for s in SETUPS_HERE if s.valid for p in PATHS}
    bad = [c for c in controls if c.outcome != "restored" or c.problems]
    assert not bad, failures(bad)


ISSUE_APP = """
import streamlit as st
import streamlit_persist as sp

p = sp.persist(["n"], namespace="drift"{extra})
st.session_state["__p"] = p
st.number_input("N", min_value=0, max_value=10, key="n")
"""


@pytest.mark.parametrize("path", PATHS)
def test_the_issue_example(path: Path) -> None:
    """v1 stored the text "five" under "n"; v2 made "n" a number_input(0..10): default, reported, dropped."""
    browser = MemoryBrowser()
    browser.store({"n": "five"}, namespace=NS)
    for number in (1, 2):
        with browser:
            at = AppTest.from_string(ISSUE_APP.format(extra=PERSIST_EXTRA[path]), default_timeout=30).run()
        assert not at.exception, f"load {number}: {at.exception[0].message}"
        assert at.number_input(key="n").value == 0
        errors: list[sp.PersistError] = at.session_state["__p"].errors
        reported = [(e.key, str(e.kind)) for e in errors if e.key == "n"]
        assert reported == ([("n", "invalid")] if number == 1 else []), f"load {number}: {errors}"
        assert "n" not in browser.values(namespace=NS), f"load {number}"
