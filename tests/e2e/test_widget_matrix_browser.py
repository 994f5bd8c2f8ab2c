"""Widget matrix: every keyed input widget of Streamlit 1.67 in a real Chromium.

Each value widget of ``apps/matrix_app.py`` is changed through its UI (click, keyboard,
typing) to a value other than its default, and each read-only widget is used once. Then:

1. the app's own line for each key (``<key>=<repr> type=<type>``) shows the new value, and
   ``localStorage`` holds ``sp:matrix_app:<key>`` whose token opens to exactly that value
   and type;
2. after a reload, once persistence has settled (see ``_settle``), every line is the same,
   the key is in ``p.restored`` and storage still holds the same value;
3. a NEW browser context opened with the first one's ``storage_state()`` (localStorage and
   cookies) shows the same, likewise;
4. the read-only widgets (buttons, download, link and menu buttons, file, camera and audio
   uploads, chat input, data editor, form submit, dataframe and chart selections) cause no
   exception, are never stored, show their idle value after a load, and since the app names
   every one of them in ``persist()``, ``p.errors`` holds an ``unassignable`` record naming
   each, in the session that used them and after each load (README, "Keys that cannot be
   assigned ... naming one produces an ``unassignable`` error naming the key").

The browser of this module is launched with Chromium's fake camera and microphone
(``--use-fake-device-for-media-stream``), so ``st.camera_input`` and ``st.audio_input`` get a
real (synthetic) photo and recording headless.

Every check is recorded rather than stopping the test at the first mismatch, so one run
prints the whole table (``-s`` shows it; a failure carries it too) and lists every widget
that did not behave.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, Playwright, expect
from playwright.sync_api import Error as PlaywrightError

from streamlit_persist import _envelope
from tests.e2e.browser_helpers import HYDRATION_MS, hydrated_with_runs, storage_items, text_line
from tests.support.browser import LAUNCH_ARGS, chromium_executable
from tests.support.fixtures import ConsoleErrors, NewContext, StreamlitAppFactory
from tests.support.pages import element_by_key, expect_no_streamlit_exception, read_runs, runs_locator, wait_for_app

pytestmark = pytest.mark.e2e

APP: Final = "matrix_app.py"
NAMESPACE: Final = "matrix_app"
MEDIA_ARGS: Final = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
SETTLED_MS: Final = 5_000  # a hydrated page shows its values at once; this only absorbs a render

Action = Callable[[Page], None]


# --- how each widget is changed ------------------------------------------------------------------


def _expect_line(page: Page, text: str, timeout: float = HYDRATION_MS) -> None:
    expect(text_line(page, text)).to_be_visible(timeout=timeout)


def _blur(page: Page) -> None:
    """Click a neutral spot (the app's summary line) so a focused field commits and closes."""
    page.get_by_test_id("stText").filter(has_text=re.compile(r"^hydrated=")).click()


def _type_into(key: str, text: str, *, tag: str = "input", submit: str = "Enter") -> Action:
    def act(page: Page) -> None:
        field = element_by_key(page, key).locator(tag)
        field.fill(text)
        field.press(submit)

    return act


def _arrow_right(key: str, presses: int, *, thumb: int = 0) -> Action:
    def act(page: Page) -> None:
        slider = element_by_key(page, key).get_by_role("slider").nth(thumb)
        slider.focus()
        for _ in range(presses):
            slider.press("ArrowRight")

    return act


def _choose(key: str, option: str, shows: str) -> Action:
    """A selectbox / multiselect: type the option's name (the list opens filtered), click it,
    click away; the app then ``shows`` that line.

    A rerun that re-renders the widget while the list is open can swallow the typing or the
    click: then try again, unless the app already shows the choice (a second click on a
    multiselect option would take it away).
    """

    def act(page: Page) -> None:
        field = element_by_key(page, key).get_by_role("combobox")
        for attempt in range(3):
            wait_for_app(page)
            if text_line(page, shows).count():
                break
            try:
                field.click()
                field.press_sequentially(option)
                page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
                _expect_line(page, shows, 5_000)
                break
            except (AssertionError, PlaywrightError):
                if attempt == 2:
                    raise
                page.keyboard.press("Escape")  # close the list, drop the typed text
        _blur(page)

    return act


def _switch_on(key: str, label: str) -> Action:
    """A checkbox or toggle: click its label until its input is checked (a click the widget
    lost to a re-render is repeated; one it took is never undone)."""

    def act(page: Page) -> None:
        box = element_by_key(page, key)
        control = box.locator("input")
        for attempt in range(3):
            wait_for_app(page)
            if not control.is_checked():
                box.get_by_text(label, exact=True).click()
            try:
                expect(control).to_be_checked(timeout=5_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise

    return act


def _click_text(key: str, text: str) -> Action:
    def act(page: Page) -> None:
        element_by_key(page, key).get_by_text(text, exact=True).click()

    return act


def _click_role(key: str, role: Any, name: str) -> Action:
    def act(page: Page) -> None:
        element_by_key(page, key).get_by_role(role, name=name, exact=True).click()

    return act


def _segments(key: str, field_name: str, digits: str) -> Action:
    """A segmented date/time field: click its first spinbutton, type every digit, close, blur."""

    def act(page: Page) -> None:
        element_by_key(page, key).get_by_role("spinbutton", name=field_name).click()
        page.keyboard.type(digits)
        page.keyboard.press("Escape")
        _blur(page)

    return act


def _date_range(page: Page) -> None:
    box = element_by_key(page, "w_date_range")
    box.get_by_role("spinbutton", name="year, Date range start date").click()
    page.keyboard.type("20200201")
    box.get_by_role("spinbutton", name="year, Date range end date").click()
    page.keyboard.type("20200214")
    page.keyboard.press("Escape")
    _blur(page)


def _color(page: Page) -> None:
    element_by_key(page, "w_color_picker").get_by_role("button").click()
    hex_field = page.get_by_test_id("stColorPickerPopover").locator("input")
    hex_field.fill("#ff0000")
    hex_field.press("Enter")
    page.keyboard.press("Escape")
    _blur(page)


def _then(*actions: Action) -> Action:
    def act(page: Page) -> None:
        for action in actions:
            action(page)

    return act


def _waiting_for(text: str) -> Action:
    """Between two clicks of one widget: wait until the first one's run shows ``text``."""

    def act(page: Page) -> None:
        _expect_line(page, text)
        wait_for_app(page)

    return act


def _popover(page: Page) -> None:
    element_by_key(page, "w_popover").get_by_role("button", name="Popover").click()
    expect(page.get_by_text("popover body")).to_be_visible()


# --- read-only widgets ----------------------------------------------------------------------------


def _download(page: Page) -> None:
    with page.expect_download() as download:
        element_by_key(page, "r_download_button").get_by_role("button").click()
    assert download.value.suggested_filename == "hello.txt"


def _link(page: Page) -> None:
    with page.context.expect_page() as opened:
        element_by_key(page, "r_link_button").get_by_role("link").click()
    opened.value.close()


def _menu(page: Page) -> None:
    element_by_key(page, "r_menu_button").get_by_role("button").click()
    page.get_by_role("menuitem", name="Paste").click()


def _upload(page: Page) -> None:
    element_by_key(page, "r_file_uploader").locator("input[type=file]").set_input_files(
        files=[FilePayload(name="note.txt", mimeType="text/plain", buffer=b"hello matrix")]
    )


def _camera(page: Page) -> None:
    camera = element_by_key(page, "r_camera_input")
    expect(camera.locator("video")).to_be_visible()
    # The fake device's stream must be playing before a frame can be taken.
    camera.locator("video").evaluate(
        "v => new Promise(r => { if (v.readyState >= 2) r(null); else v.addEventListener('loadeddata', () => r(null)); })"
    )
    camera.get_by_role("button", name="Take Photo").click()


def _audio(page: Page) -> None:
    audio = element_by_key(page, "r_audio_input")
    audio.get_by_role("button", name="Record").click()
    expect(audio.get_by_test_id("stAudioInputWaveformTimeCode")).not_to_have_text("00:00")
    audio.get_by_role("button", name=re.compile("^Stop")).click()


def _chat(page: Page) -> None:
    box = element_by_key(page, "r_chat_input").locator("textarea")
    box.fill("hello matrix")
    box.press("Enter")


_GRID_HEADER_PX: Final = 35
_GRID_ROW_PX: Final = 35


def _click_grid(page: Page, key: str, *, row: int, x: float) -> None:
    """Click a glide-data-grid (a canvas) at ``x`` from its left edge, in data ``row``.

    A locator click with a position: Playwright scrolls the grid into view, waits until it
    stops moving and checks that nothing (the pinned ``st.chat_input``) covers the point.
    """
    grid = element_by_key(page, key).get_by_test_id("stDataFrameResizable")
    # In the middle of the viewport: near its bottom edge (above the pinned chat input) the
    # grid ignores clicks although the point is visible.
    grid.evaluate("e => e.scrollIntoView({block: 'center', behavior: 'instant'})")
    grid.click(position={"x": x, "y": _GRID_HEADER_PX + _GRID_ROW_PX * row + _GRID_ROW_PX / 2})


def _edit_cell(page: Page) -> None:
    """Edit the ``n`` cell of row 0 to 7: select it, open its editor with Enter, type, commit."""
    box = element_by_key(page, "r_data_editor").get_by_test_id("stDataFrameResizable").bounding_box()
    assert box is not None
    # The grid mirrors its canvas in an accessible table, where the clicked cell shows as
    # selected. The first click after a rerun may only focus the grid: then click again.
    cell = element_by_key(page, "r_data_editor").get_by_test_id("glide-cell-1-0")
    for attempt in range(3):
        _click_grid(page, "r_data_editor", row=0, x=box["width"] - 40)
        try:
            expect(cell).to_have_attribute("aria-selected", "true", timeout=3_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    page.keyboard.press("Enter")
    editor = page.locator("input.gdg-input")  # the grid's overlay editor (in a portal)
    editor.fill("7")
    editor.press("Enter")


def _select_row(page: Page) -> None:
    """Click the selection checkbox of row 0 (the grid's first column)."""
    _click_grid(page, "r_dataframe_select", row=0, x=15)


def _chart(page: Page) -> None:
    element_by_key(page, "r_chart_select").locator('[aria-label="x: b; y: 5"]').click()


# --- the matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueCase:
    """A widget whose value is a state: changed to ``value``, it must come back as it is."""

    key: str
    widget: str
    change: Action
    value: str  # repr() the script must see after the change
    type_name: str

    @property
    def line(self) -> str:
        return f"{self.key}={self.value} type={self.type_name}"


@dataclass(frozen=True)
class ReadOnlyCase:
    """A widget whose value is an event: used once, never stored, refused when named."""

    key: str
    widget: str
    use: Action
    event: str  # regex of the line in the run the use caused
    idle: str  # the line of a page load that did not use it


VALUE_CASES: Final[tuple[ValueCase, ...]] = (
    ValueCase("w_text_input", "text_input", _type_into("w_text_input", "Ada Lovelace"), "'Ada Lovelace'", "str"),
    ValueCase(
        "w_text_area",
        "text_area",
        _type_into("w_text_area", "first line\nsecond line", tag="textarea", submit="Control+Enter"),
        "'first line\\nsecond line'",
        "str",
    ),
    ValueCase("w_number_int", "number_input (int)", _type_into("w_number_int", "42"), "42", "int"),
    ValueCase("w_number_float", "number_input (float)", _type_into("w_number_float", "2.75"), "2.75", "float"),
    ValueCase("w_slider_int", "slider (int)", _arrow_right("w_slider_int", 3), "3", "int"),
    ValueCase("w_slider_float", "slider (float)", _arrow_right("w_slider_float", 3), "0.75", "float"),
    ValueCase("w_slider_range", "slider (range)", _arrow_right("w_slider_range", 2), "(22, 80)", "tuple"),
    ValueCase("w_slider_date", "slider (date)", _arrow_right("w_slider_date", 2), "datetime.date(2024, 6, 3)", "date"),
    ValueCase(
        "w_slider_datetime",
        "slider (datetime)",
        _arrow_right("w_slider_datetime", 2),
        "datetime.datetime(2024, 1, 1, 14, 0)",
        "datetime",
    ),
    ValueCase("w_slider_time", "slider (time)", _arrow_right("w_slider_time", 2), "datetime.time(9, 30)", "time"),
    ValueCase("w_select_slider", "select_slider", _arrow_right("w_select_slider", 1), "'L'", "str"),
    ValueCase(
        "w_select_slider_range",
        "select_slider (range)",
        _arrow_right("w_select_slider_range", 1, thumb=1),
        "('S', 'XL')",
        "tuple",
    ),
    ValueCase(
        "w_selectbox", "selectbox", _choose("w_selectbox", "Blue", "w_selectbox='Blue' type=str"), "'Blue'", "str"
    ),
    ValueCase("w_radio", "radio", _click_text("w_radio", "Three"), "'Three'", "str"),
    ValueCase(
        "w_multiselect",
        "multiselect",
        _then(
            _choose("w_multiselect", "Banana", "w_multiselect=['Banana'] type=list"),
            _choose("w_multiselect", "Cherry", "w_multiselect=['Banana', 'Cherry'] type=list"),
        ),
        "['Banana', 'Cherry']",
        "list",
    ),
    ValueCase("w_checkbox", "checkbox", _switch_on("w_checkbox", "Checkbox"), "True", "bool"),
    ValueCase("w_toggle", "toggle", _switch_on("w_toggle", "Toggle"), "True", "bool"),
    ValueCase(
        "w_date_input",
        "date_input",
        _segments("w_date_input", "year, Date input", "20210304"),
        "datetime.date(2021, 3, 4)",
        "date",
    ),
    ValueCase(
        "w_date_range",
        "date_input (range)",
        _date_range,
        "(datetime.date(2020, 2, 1), datetime.date(2020, 2, 14))",
        "tuple",
    ),
    ValueCase(
        "w_time_input",
        "time_input",
        _segments("w_time_input", "hour, Time input", "1030"),
        "datetime.time(10, 30)",
        "time",
    ),
    ValueCase(
        "w_datetime_input",
        "datetime_input",
        _segments("w_datetime_input", "year, Datetime input", "202502030415"),
        "datetime.datetime(2025, 2, 3, 4, 15)",
        "datetime",
    ),
    ValueCase("w_color_picker", "color_picker", _color, "'#ff0000'", "str"),
    ValueCase("w_pills_single", "pills (single)", _click_text("w_pills_single", "Beta"), "'Beta'", "str"),
    ValueCase(
        "w_pills_multi",
        "pills (multi)",
        _then(
            _click_text("w_pills_multi", "North"),
            _waiting_for("w_pills_multi=['North'] type=list"),
            _click_text("w_pills_multi", "East"),
        ),
        "['North', 'East']",
        "list",
    ),
    ValueCase(
        "w_segmented_single",
        "segmented_control (single)",
        _click_text("w_segmented_single", "Right"),
        "'Right'",
        "str",
    ),
    ValueCase(
        "w_segmented_multi",
        "segmented_control (multi)",
        _then(
            _click_text("w_segmented_multi", "Bold"),
            _waiting_for("w_segmented_multi=['Bold'] type=list"),
            _click_text("w_segmented_multi", "Under"),
        ),
        "['Bold', 'Under']",
        "list",
    ),
    ValueCase(
        "w_feedback_thumbs", "feedback (thumbs)", _click_role("w_feedback_thumbs", "radio", "Thumbs up"), "1", "int"
    ),
    ValueCase(
        "w_feedback_faces", "feedback (faces)", _click_role("w_feedback_faces", "radio", "Satisfied"), "3", "int"
    ),
    ValueCase(
        "w_feedback_stars",
        "feedback (stars)",
        _click_role("w_feedback_stars", "radio", "4 out of 5 stars"),
        "3",
        "int",
    ),
    ValueCase("w_pagination", "pagination", _click_role("w_pagination", "button", "Page 4"), "4", "int"),
    ValueCase("w_tabs", "tabs (on_change=rerun)", _click_role("w_tabs", "tab", "Third"), "'Third'", "str"),
    ValueCase(
        "w_expander",
        "expander (on_change=rerun)",
        lambda page: element_by_key(page, "w_expander").locator("summary").click(),
        "True",
        "bool",
    ),
    # Last: a click anywhere else closes a popover.
    ValueCase("w_popover", "popover (on_change=rerun)", _popover, "True", "bool"),
)

# An UploadedFile's repr spans lines (its upload URLs are a protobuf message).
_UPLOADED: Final = r"UploadedFile\(file_id='[^']+', name='[^']+', .*\) type=UploadedFile"

READ_ONLY_CASES: Final[tuple[ReadOnlyCase, ...]] = (
    ReadOnlyCase(
        "r_button",
        "button",
        lambda page: element_by_key(page, "r_button").get_by_role("button").click(),
        r"True type=bool",
        "False type=bool",
    ),
    ReadOnlyCase("r_download_button", "download_button", _download, r"True type=bool", "False type=bool"),
    ReadOnlyCase("r_link_button", "link_button (on_click=rerun)", _link, r"True type=bool", "False type=bool"),
    ReadOnlyCase("r_menu_button", "menu_button", _menu, r"'Paste' type=str", "None type=NoneType"),
    ReadOnlyCase("r_file_uploader", "file_uploader", _upload, _UPLOADED, "None type=NoneType"),
    ReadOnlyCase("r_camera_input", "camera_input", _camera, _UPLOADED, "None type=NoneType"),
    ReadOnlyCase("r_audio_input", "audio_input", _audio, _UPLOADED, "None type=NoneType"),
    ReadOnlyCase("r_chat_input", "chat_input", _chat, r"'hello matrix' type=str", "None type=NoneType"),
    ReadOnlyCase(
        "r_data_editor",
        "data_editor",
        _edit_cell,
        r"\{'edited_rows': \{0: \{'n': 7\}\}, 'added_rows': \[\], 'deleted_rows': \[\]\} type=DataEditorState",
        "{'edited_rows': {}, 'added_rows': [], 'deleted_rows': []} type=DataEditorState",
    ),
    ReadOnlyCase(
        "r_form_submit",
        "form_submit_button",
        lambda page: element_by_key(page, "r_form_submit").get_by_role("button").click(),
        r"True type=bool",
        "False type=bool",
    ),
    ReadOnlyCase(
        "r_dataframe_select",
        "dataframe (on_select)",
        _select_row,
        r"\{'selection': \{'rows': \[0\], 'columns': \[\], 'cells': \[\]\}\} type=DataframeState",
        "{'selection': {'rows': [], 'columns': [], 'cells': []}} type=DataframeState",
    ),
    ReadOnlyCase(
        "r_chart_select",
        "vega_lite_chart (on_select)",
        _chart,
        r"\{'selection': \{'pick': \[\{.*'x': 'b'.*\}\]\}\} type=VegaLiteState",
        "{'selection': {'pick': {}}} type=VegaLiteState",
    ),
)

VALUE_KEYS: Final = tuple(case.key for case in VALUE_CASES)
READ_ONLY_KEYS: Final = tuple(case.key for case in READ_ONLY_CASES)


# --- recording ----------------------------------------------------------------------------------

CHANGE_MS: Final = 10_000
ALL_KEYS: Final = frozenset((*VALUE_KEYS, *READ_ONLY_KEYS))


@dataclass
class Row:
    widget: str
    key: str
    value: str = "-"
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Matrix:
    """What each widget did at each stage; problems are collected and reported together."""

    rows: dict[str, Row] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, key: str, widget: str) -> None:
        self.rows[key] = Row(widget, key)

    def ok(self, key: str, stage: str) -> None:
        self.rows[key].cells.setdefault(stage, "OK")

    def fail(self, key: str, stage: str, problem: str) -> None:
        self.rows[key].cells[stage] = "FAIL"
        self.problems.append(f"{key} [{stage}]: {problem}")

    def attempt(self, key: str, stage: str, check: Callable[[], None]) -> bool:
        try:
            check()
        except (AssertionError, PlaywrightError) as e:  # expect() gave up, or an action timed out
            self.fail(key, stage, f"{type(e).__name__}: " + " / ".join(str(e).splitlines()[:3])[:300])
            return False
        self.ok(key, stage)
        return True

    def table(self, stages: tuple[str, ...]) -> str:
        header = ("widget", "key", "value after the change", *stages)
        rows = [(r.widget, r.key, r.value, *(r.cells.get(s, "-") for s in stages)) for r in self.rows.values()]
        lines = [header, *rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        return "\n".join(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines)


def _matrix_lines(page: Page) -> dict[str, str]:
    """Every ``<key>=...`` line the app shows now, by key."""
    lines: dict[str, str] = {}
    for text in page.get_by_test_id("stText").all_inner_texts():
        key, sep, _ = text.strip().partition("=")
        if sep and key in ALL_KEYS:
            lines[key] = text.strip()
    return lines


def _expect_lines(page: Page, matrix: Matrix, stage: str, recorded: dict[str, str]) -> None:
    """Every value widget's line is the recorded one; every read-only widget shows its idle value.

    One retrying wait for the whole set, then each key is judged on what the page shows.
    """
    want = {case.key: recorded[case.key] for case in VALUE_CASES}
    want.update({ro.key: f"{ro.key}={ro.idle}" for ro in READ_ONLY_CASES})
    every_line = page.get_by_test_id("stText").filter(has_text=re.compile(r"^[wr]_\w+="))
    expected = [re.compile("^" + re.escape(want[key]) + "$") for key in (*VALUE_KEYS, *READ_ONLY_KEYS)]
    with contextlib.suppress(AssertionError):  # judged key by key below
        expect(every_line).to_have_text(expected, timeout=SETTLED_MS)
    shown = _matrix_lines(page)
    for key, line in want.items():
        if shown.get(key) == line:
            matrix.ok(key, stage)
        else:
            matrix.fail(key, stage, f"shows {shown.get(key)!r}, expected {line!r}")


def _stored_value_line(token: str, key: str) -> str:
    value = _envelope.open_token(token, _envelope.Context("store", NAMESPACE, key)).value()
    return f"{key}={value!r} type={type(value).__name__}"


def _check_storage(page: Page, matrix: Matrix, stage: str, recorded: dict[str, str]) -> None:
    """Each value key is stored with exactly its value and type; no read-only key is stored.

    Storage is read until it holds all of that (a write lands when the browser applies the run
    that made it) or ``HYDRATION_MS`` passed; then each key is judged on what it holds.
    """

    def mismatches(stored: dict[str, str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for case in VALUE_CASES:
            slot = f"sp:{NAMESPACE}:{case.key}"
            token = stored.get(slot)
            if token is None:
                found[case.key] = f"{slot} is not in localStorage"
                continue
            seen = _stored_value_line(token, case.key)
            if seen != recorded[case.key]:
                found[case.key] = f"{slot} opens to {seen!r}, the app showed {recorded[case.key]!r}"
        for ro in READ_ONLY_CASES:
            slot = f"sp:{NAMESPACE}:{ro.key}"
            if slot in stored:
                found[ro.key] = f"{slot} is stored: {stored[slot][:120]!r}"
        return found

    deadline = time.monotonic() + HYDRATION_MS / 1000
    wrong = mismatches(storage_items(page))
    while wrong and time.monotonic() < deadline:
        page.wait_for_timeout(250)  # a poll with a deadline, like expect(): storage has no event to wait on
        wrong = mismatches(storage_items(page))
    for key in (*VALUE_KEYS, *READ_ONLY_KEYS):
        if key in wrong:
            matrix.fail(key, stage, wrong[key])
        else:
            matrix.ok(key, stage)


_RESTORED_LINE: Final = re.compile(r"^hydrated=True restored=\[(.*)\]$")


def _hydrated(page: Page, matrix: Matrix, stage: str) -> None:
    """Wait for the restored page (at most one extra script run); each value key is in ``p.restored``."""
    line = page.get_by_test_id("stText").filter(has_text=_RESTORED_LINE)
    expect(line).to_be_visible(timeout=HYDRATION_MS)
    wait_for_app(page, timeout=HYDRATION_MS)
    runs = read_runs(page)
    if not 1 <= runs <= 2:
        matrix.problems.append(f"[{stage}]: the page load took {runs} script runs (at most 2)")
    match = _RESTORED_LINE.match(line.inner_text().strip())
    assert match is not None
    restored = set(re.findall(r"'([^']+)'", match.group(1)))
    for key in VALUE_KEYS:
        if key not in restored:
            matrix.fail(key, stage, "not in p.restored")
    for key in sorted(restored & set(READ_ONLY_KEYS)):
        matrix.fail(key, stage, "a read-only widget's key was restored")


_FOCUS_IN_FIELD_JS: Final = """() => {
  const a = document.activeElement;
  if (a instanceof HTMLElement && (a.matches("input, textarea") || a.isContentEditable)) a.blur();
}"""


def _rerun(page: Page) -> None:
    """One more script run, through Streamlit's "r" shortcut (a click would close an open
    popover), waited for by the run counter."""
    wait_for_app(page)
    before = runs_locator(page).inner_text().strip()
    page.evaluate(_FOCUS_IN_FIELD_JS)  # typed into a field, "r" would be text
    page.keyboard.press("r")
    expect(runs_locator(page)).not_to_have_text(before)
    wait_for_app(page)


_MODULE_LOADED_JS: Final = """() => performance.getEntriesByType("resource").some(
  (e) => e.name.includes("/bidi-components/streamlit-persist.bridge/") && e.responseEnd > 0
)"""
_TWO_FRAMES_JS: Final = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))))"


def _settle(page: Page) -> None:
    """Let the page load finish what persistence does in it, then run the script once more.

    A restored page shows the boot cookie's values at once, but the browser module, which
    checks them against storage (storage wins), is fetched only after the page's first render
    (seconds later on this page). Its answer, if any, reaches Python before the run asked for
    here, so what the page shows afterwards is what the user keeps.
    """
    page.wait_for_function(_MODULE_LOADED_JS, timeout=HYDRATION_MS)
    page.evaluate(_TWO_FRAMES_JS)
    _rerun(page)


_ERROR_LINE: Final = re.compile(r"^error (\w+) (\S+): (.*)$")


def _check_refusals(page: Page, matrix: Matrix, stage: str) -> None:
    """An ``unassignable`` record naming each read-only key, and no record about any other key.

    Call it after a run that followed the events (a record made at a run's end shows in the next).
    """
    lines = page.get_by_test_id("stText").filter(has_text=re.compile(r"^error "))
    wanted = "|".join(re.escape(key) for key in READ_ONLY_KEYS)
    refusals = lines.filter(has_text=re.compile(rf"^error unassignable ({wanted}): "))
    with contextlib.suppress(AssertionError):  # judged key by key below
        expect(refusals).not_to_have_count(0, timeout=SETTLED_MS)
    records = [_ERROR_LINE.match(text.strip()) for text in lines.all_inner_texts()]
    for ro in READ_ONLY_KEYS:
        mine = [m for m in records if m is not None and m.group(1) == "unassignable" and m.group(2) == ro]
        if mine:
            matrix.ok(ro, stage)
        else:
            matrix.fail(ro, stage, "no p.errors record of kind 'unassignable' names it")
    for match in records:
        if match is None or (match.group(1) == "unassignable" and match.group(2) in READ_ONLY_KEYS):
            continue
        key = match.group(2)
        if key in matrix.rows:
            matrix.fail(key, stage, f"unexpected p.errors record: {match.group(0)!r}")
        else:
            matrix.problems.append(f"[{stage}]: unexpected p.errors record: {match.group(0)!r}")


# --- a Chromium with a fake camera and microphone ------------------------------------------------


@pytest.fixture(scope="module")
def media_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=chromium_executable(playwright.chromium), headless=True, args=[*LAUNCH_ARGS, *MEDIA_ARGS]
    )
    yield browser
    browser.close()


@pytest.fixture
def media_context(media_browser: Browser, console_errors: ConsoleErrors) -> Iterator[NewContext]:
    """Like ``new_context``, in the fake-media browser, with camera and microphone granted."""
    contexts: list[BrowserContext] = []

    def factory(*, storage_state: Any = None, **kwargs: Any) -> BrowserContext:
        context = media_browser.new_context(
            storage_state=storage_state, permissions=["camera", "microphone"], accept_downloads=True, **kwargs
        )
        context.set_default_timeout(15_000)
        context.on("page", console_errors.watch)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


# --- the test -----------------------------------------------------------------------------------

STAGES: Final = ("changed", "errors@use", "stored", "reload", "errors@reload", "new context", "errors@new context")
LEGEND: Final = (
    "changed: set through the UI (read-only: used, and the script saw the event) | "
    "errors@*: an 'unassignable' record names each read-only key, no other key has any | "
    "stored: sp:matrix_app:<key> opens to the same value and type (read-only: absent) | "
    "reload, new context: once persistence settled, the same repr and type, in p.restored, "
    "stored alike (read-only: idle value, absent)"
)


class TestWidgetMatrix:
    def test_every_keyed_widget_survives_reload_and_a_new_context(
        self, streamlit_app: StreamlitAppFactory, media_context: NewContext
    ) -> None:
        """Every keyed input widget of Streamlit 1.67: same value and type after a reload and
        in a new context with the saved storage; read-only widgets never stored, reported."""
        started = time.monotonic()
        server = streamlit_app(APP)
        matrix = Matrix()
        for case in VALUE_CASES:
            matrix.add(case.key, case.widget)
        for ro in READ_ONLY_CASES:
            matrix.add(ro.key, ro.widget)

        # 1. A fresh context: change every widget through its UI (the popover last: any click
        #    elsewhere closes it), use every read-only widget once.
        first = media_context()
        page = first.new_page()
        page.goto(server.url)
        hydrated_with_runs(page, "hydrated=True restored=[]")
        *values, popover = VALUE_CASES
        for case in values:
            self._change(page, matrix, case)
        for ro in READ_ONLY_CASES:
            self._use(page, matrix, ro)
        _rerun(page)
        _check_refusals(page, matrix, "errors@use")
        self._change(page, matrix, popover)
        wait_for_app(page)
        shown = _matrix_lines(page)
        recorded = {key: shown.get(key, f"{key}=<no line>") for key in VALUE_KEYS}
        for case in VALUE_CASES:
            matrix.rows[case.key].value = recorded[case.key].split("=", 1)[1]
            if recorded[case.key] != case.line and matrix.rows[case.key].cells.get("changed") == "OK":
                matrix.fail(case.key, "changed", f"later changes undid it: shows {recorded[case.key]!r}")
        expect_no_streamlit_exception(page)

        # 2. Stored under sp:<ns>:<key> with the same value and type; a reload shows them all.
        _check_storage(page, matrix, "stored", recorded)
        page.reload()
        self._returned(page, matrix, "reload", recorded)
        state = first.storage_state()  # localStorage and cookies (the boot cookie)

        # 3. A new context with the saved storage.
        returning = media_context(storage_state=state).new_page()
        returning.goto(server.url)
        self._returned(returning, matrix, "new context", recorded)

        table = f"widget matrix ({time.monotonic() - started:.0f} s; {LEGEND}):\n{matrix.table(STAGES)}"
        print("\n" + table)
        assert not matrix.problems, table + "\n\nwidgets that did not behave:\n" + "\n".join(matrix.problems)

    @staticmethod
    def _returned(page: Page, matrix: Matrix, stage: str, recorded: dict[str, str]) -> None:
        """A page load with the stored state: restored in at most two runs; once persistence has
        settled, the same lines as before, the same storage, the refusals."""
        _hydrated(page, matrix, stage)
        _settle(page)
        _expect_lines(page, matrix, stage, recorded)
        _check_storage(page, matrix, stage, recorded)
        _check_refusals(page, matrix, f"errors@{stage}")
        expect_no_streamlit_exception(page)

    @staticmethod
    def _change(page: Page, matrix: Matrix, case: ValueCase) -> None:
        def changed() -> None:
            wait_for_app(page)  # a run still in progress may re-render the widget under the click
            case.change(page)
            _expect_line(page, case.line, CHANGE_MS)

        if not matrix.attempt(case.key, "changed", changed):
            matrix.problems[-1] += f" (shows {_matrix_lines(page).get(case.key)!r})"

    @staticmethod
    def _use(page: Page, matrix: Matrix, ro: ReadOnlyCase) -> None:
        event = re.compile(f"^{ro.key}={ro.event}$", re.DOTALL)

        def used() -> None:
            wait_for_app(page)
            ro.use(page)
            expect(page.get_by_test_id("stText").filter(has_text=event)).to_be_visible(timeout=CHANGE_MS)

        if matrix.attempt(ro.key, "changed", used):
            matrix.rows[ro.key].value = _matrix_lines(page)[ro.key].split("=", 1)[1].split(",")[0][:50]
        else:
            matrix.problems[-1] += f" (shows {_matrix_lines(page).get(ro.key)!r})"
