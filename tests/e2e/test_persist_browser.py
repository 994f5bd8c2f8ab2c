"""Real-browser acceptance tests of ``sp.persist`` (issue 2, scenarios 1-8).

Each test runs ``streamlit run`` on a small app under ``tests/e2e/apps`` and drives Chromium.
Scenario 8 (no Streamlit exception, no console error) is part of every test: the
``console_errors`` fixture fails a test on any browser console error, and each test ends with
``expect_no_streamlit_exception``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser_helpers import (
    HYDRATION_MS,
    expect_line,
    hydrated_with_runs,
    plain_token,
    plain_value,
    storage_items,
    text_line,
    wait_for_stored,
)
from tests.support.fixtures import ConsoleErrors, NewContext, StreamlitAppFactory
from tests.support.pages import (
    element_by_key,
    expect_no_streamlit_exception,
    read_runs,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

# --- 1. every widget kind ---------------------------------------------------------------------

WIDGETS_APP: Final = "widgets_app.py"
WIDGET_LINES: Final = (
    "w_text='Ada Lovelace'",
    "w_number=42",
    "w_select='Blue'",
    "w_multi=['Banana', 'Cherry']",
    "w_slider=3",
    "w_check=True",
    "w_date=datetime.date(2021, 3, 4)",
)
RESTORED_ALL: Final = (
    "hydrated=True restored=['w_check', 'w_date', 'w_multi', 'w_number', 'w_select', 'w_slider', 'w_text']"
)


def _set_every_widget(page: Page) -> None:
    text = element_by_key(page, "w_text").locator("input")
    text.fill("Ada Lovelace")
    text.press("Enter")
    expect_line(page, "w_text='Ada Lovelace'")

    number = element_by_key(page, "w_number").locator("input")
    number.fill("42")
    number.press("Enter")
    expect_line(page, "w_number=42")

    element_by_key(page, "w_select").locator("input").click()
    page.get_by_role("option", name="Blue").click()
    expect_line(page, "w_select='Blue'")

    element_by_key(page, "w_multi").locator("input").click()
    page.get_by_role("option", name="Banana").click()
    expect_line(page, "w_multi=['Banana']")
    element_by_key(page, "w_multi").locator("input").click()
    page.get_by_role("option", name="Cherry").click()
    expect_line(page, "w_multi=['Banana', 'Cherry']")
    page.keyboard.press("Escape")

    slider = element_by_key(page, "w_slider").get_by_role("slider")
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
    expect_line(page, "w_slider=3")

    element_by_key(page, "w_check").get_by_text("Agree").click()
    expect_line(page, "w_check=True")

    # A segmented date field (year, month, day spinbuttons): type, close the calendar, blur.
    element_by_key(page, "w_date").get_by_role("spinbutton", name=re.compile("^year")).click()
    page.keyboard.type("20210304")
    page.keyboard.press("Escape")
    text_line(page, "w_check=True").click()
    expect_line(page, "w_date=datetime.date(2021, 3, 4)")


def _expect_widgets_restored(page: Page) -> None:
    hydrated_with_runs(page, RESTORED_ALL)
    for line in WIDGET_LINES:
        expect_line(page, line, timeout=5_000)
    # What the user sees in the widgets themselves, not only in session state.
    expect(element_by_key(page, "w_text").locator("input")).to_have_value("Ada Lovelace")
    expect(element_by_key(page, "w_number").locator("input")).to_have_value("42")
    expect(element_by_key(page, "w_select").get_by_role("combobox")).to_have_value("Blue")
    expect(element_by_key(page, "w_multi")).to_contain_text("Banana")
    expect(element_by_key(page, "w_multi")).to_contain_text("Cherry")
    expect(element_by_key(page, "w_slider").get_by_role("slider")).to_have_value("3")
    expect(element_by_key(page, "w_check").locator("input")).to_be_checked()
    date = element_by_key(page, "w_date")
    for part, value in (("year", "2021"), ("month", "3"), ("day", "4")):
        spin = date.get_by_role("spinbutton", name=re.compile(f"^{part}"))
        expect(spin).to_have_attribute("aria-valuenow", value)
    expect_no_streamlit_exception(page)


class TestWidgets:
    def test_widgets_restored_after_reload_and_in_a_new_context(
        self, streamlit_app: StreamlitAppFactory, page: Page, context: BrowserContext, new_context: NewContext
    ) -> None:
        """Scenario 1: seven widget kinds set in the UI come back after a reload and for a
        returning user (a new context from the old one's storage state), in two script runs."""
        server = streamlit_app(WIDGETS_APP)
        page.goto(server.url)
        hydrated_with_runs(page, "hydrated=True restored=[]")
        _set_every_widget(page)
        for slot in ("w_text", "w_number", "w_select", "w_multi", "w_slider", "w_check", "w_date"):
            wait_for_stored(page, f"sp:widgets_app:{slot}", "v !== null && v.startsWith('sp1.p.')")
        stored = storage_items(page)
        assert plain_value(stored["sp:widgets_app:w_text"]) == "Ada Lovelace"
        assert plain_value(stored["sp:widgets_app:w_number"]) == 42
        assert plain_value(stored["sp:widgets_app:w_check"]) is True

        page.reload()
        _expect_widgets_restored(page)

        state = context.storage_state()
        returning = new_context(storage_state=state).new_page()
        returning.goto(server.url)
        _expect_widgets_restored(returning)


# --- 2. the classic counter ---------------------------------------------------------------------

_COUNTER_RE: Final = re.compile(r"^counter=(\d+) hydrated=True$")


def _hydrated_counter(page: Page) -> int:
    line = page.get_by_test_id("stText").filter(has_text=_COUNTER_RE)
    expect(line).to_be_visible(timeout=HYDRATION_MS)
    wait_for_app(page, timeout=HYDRATION_MS)
    assert read_runs(page) <= 2, "persistence must cost at most one extra script run"
    match = _COUNTER_RE.match(line.inner_text().strip())
    assert match is not None
    return int(match.group(1))


def _wait_for_stored_counter(page: Page, value: int) -> None:
    wait_for_stored(page, "sp:counter_app:counter", f"v !== null && JSON.parse(v.split('.').slice(4).join('.'))[3] === {value}")


class TestCounter:
    @pytest.mark.smoke
    def test_counter_goes_up_by_exactly_one_per_reload(self, streamlit_app: StreamlitAppFactory, page: Page) -> None:
        """Scenario 2: ``st.session_state.counter += 1`` below persist(): +1 per reload, 6 reloads,
        each started as soon as the run's write is in storage (no further run is waited for).

        On a page load the browser module is still loading when the value is first shown: its
        write lands some tens of milliseconds later (README, "Known limits")."""
        page.goto(streamlit_app("counter_app.py").url)
        seen = [_hydrated_counter(page)]
        for _ in range(6):
            _wait_for_stored_counter(page, seen[-1])
            page.reload()
            seen.append(_hydrated_counter(page))
        assert seen == list(range(seen[0], seen[0] + 7)), f"counter after each reload: {seen}"
        expect_no_streamlit_exception(page)


class TestFootprint:
    def test_mounting_imports_no_dataframe_libraries(self, streamlit_app: StreamlitAppFactory, page: Page) -> None:
        """The bridge and the share button have been mounted (first page load) before the
        reload's first run reports which of pandas, numpy and pyarrow the server has loaded."""
        page.goto(streamlit_app("footprint_app.py").url)
        expect(page.get_by_text("counter=1 hydrated=True")).to_be_visible()
        expect(page.get_by_role("button", name="Copy link")).to_be_visible()
        wait_for_stored(page, "sp:footprint_app:counter", "v !== null")
        page.reload()
        expect(page.get_by_text("counter=2 hydrated=True")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^heavy="))).to_have_text("heavy=none")
        expect_no_streamlit_exception(page)


# --- 3. corrupt entries -------------------------------------------------------------------------


class TestCorruptEntries:
    def test_a_module_of_another_protocol_version_says_so(
        self, streamlit_app: StreamlitAppFactory, page: Page
    ) -> None:
        """A page whose browser module speaks another protocol than the server (open across an
        upgrade) reads and writes nothing, and tells Python once: an error, not silence."""
        server = streamlit_app("mismatch_app.py")
        page.goto(server.url)
        expect_line(page, "error storage None: the browser module speaks protocol 2 and the server 99: nothing was "
                    "read or written; reloading the page loads the matching module")
        wait_for_app(page)
        expect_no_streamlit_exception(page)
        assert storage_items(page) == {}

    def test_corrupt_entries_dropped_reported_others_restored(
        self, streamlit_app: StreamlitAppFactory, page: Page
    ) -> None:
        """Scenario 3: a truncated and a garbage entry next to valid ones: the app runs, the
        valid keys come back, ``errors`` names the corrupt keys, storage no longer holds them."""
        server = streamlit_app("errors_app.py")
        page.goto(server.url)
        hydrated_with_runs(page, "hydrated=True restored=[]")
        ns = "errors_app"
        seeded = {
            f"sp:{ns}:a": plain_token("alpha", ns, "a"),
            f"sp:{ns}:b": plain_token("bravo", ns, "b")[:-4],  # truncated
            f"sp:{ns}:c": plain_token(7, ns, "c"),
            f"sp:{ns}:d": "this is not a token {",
        }
        page.evaluate("(items) => { for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v); }", seeded)
        page.reload()
        hydrated_with_runs(page, "hydrated=True restored=['a', 'c']")
        expect_line(page, "a='alpha'")
        expect_line(page, "c=7")
        expect_line(page, "b=None")
        expect_line(page, "d=None")
        errors = page.get_by_test_id("stText").filter(has_text=re.compile(r"^error "))
        expect(errors.filter(has_text=re.compile(r"^error \w+ b: "))).to_have_count(1)
        expect(errors.filter(has_text=re.compile(r"^error \w+ d: "))).to_have_count(1)
        expect(errors).to_have_count(2)
        wait_for_stored(page, f"sp:{ns}:b", "v === null")
        wait_for_stored(page, f"sp:{ns}:d", "v === null")
        stored = storage_items(page)
        assert stored[f"sp:{ns}:a"] == seeded[f"sp:{ns}:a"]
        assert stored[f"sp:{ns}:c"] == seeded[f"sp:{ns}:c"]
        expect_no_streamlit_exception(page)


# --- 4. st.rerun() straight after a change --------------------------------------------------------


class TestRerun:
    ITERATIONS: Final = 50

    def test_no_write_lost_when_rerun_follows_a_change(self, streamlit_app: StreamlitAppFactory, page: Page) -> None:
        """Scenario 4: 50 clicks of a handler that increments a persisted value then calls
        ``st.rerun()``: storage holds every value; a reload brings back the last one."""
        page.goto(streamlit_app("rerun_app.py").url)
        hydrated_with_runs(page, "clicks=0 hydrated=True")
        button = element_by_key(page, "add").get_by_role("button")
        slot = "sp:rerun_app:clicks"
        lost: list[int] = []
        for i in range(1, self.ITERATIONS + 1):
            button.click()
            expect_line(page, f"clicks={i} hydrated=True")
            try:
                wait_for_stored(page, slot, f"v !== null && JSON.parse(v.split('.').slice(4).join('.'))[3] === {i}")
            except AssertionError:
                lost.append(i)
        assert lost == [], f"values never written to localStorage: {lost}; stored: {storage_items(page).get(slot)}"
        page.reload()
        hydrated_with_runs(page, f"clicks={self.ITERATIONS} hydrated=True")
        assert plain_value(storage_items(page)[slot]) == self.ITERATIONS
        expect_no_streamlit_exception(page)


# --- 5. sessionStorage ---------------------------------------------------------------------------


class TestSessionStorage:
    def test_reload_restores_and_a_new_tab_starts_empty(
        self, streamlit_app: StreamlitAppFactory, page: Page, new_page: Callable[[], Page]
    ) -> None:
        """Scenario 5: ``storage="session"``: a reload of the tab restores, a new tab does not,
        and nothing goes to localStorage."""
        server = streamlit_app("session_app.py")
        page.goto(server.url)
        hydrated_with_runs(page, "note='' hydrated=True")
        note = element_by_key(page, "note").locator("input")
        note.fill("tab one")
        note.press("Enter")
        expect_line(page, "note='tab one' hydrated=True")
        wait_for_stored(page, "sp:session_app:note", "v !== null", kind="session")
        assert not [k for k in storage_items(page, "local") if k.startswith("sp:")]

        page.reload()
        hydrated_with_runs(page, "note='tab one' hydrated=True")
        expect(element_by_key(page, "note").locator("input")).to_have_value("tab one")

        other = new_page()
        other.goto(server.url)
        hydrated_with_runs(other, "note='' hydrated=True")
        expect(element_by_key(other, "note").locator("input")).to_have_value("")
        assert not [k for k in storage_items(other, "session") if k.startswith("sp:")]
        expect_no_streamlit_exception(page)
        expect_no_streamlit_exception(other)


# --- 6. namespaces ------------------------------------------------------------------------------


class TestNamespaces:
    def test_two_namespaces_never_see_each_other(self, streamlit_app: StreamlitAppFactory, page: Page) -> None:
        """Scenario 6: one origin, the same key name under two namespaces (and a foreign key and a
        Streamlit-like key next to them): neither sees, overwrites nor removes the other's."""
        server = streamlit_app("namespace_app.py")
        page.goto(server.url + "?ns=a")
        hydrated_with_runs(page, "ns=space_a shared='' hydrated=True")
        page.evaluate("localStorage.setItem('foreign', 'keep me'); localStorage.setItem('sp:space_c:shared', 'x')")
        shared = element_by_key(page, "shared").locator("input")
        shared.fill("from A")
        shared.press("Enter")
        expect_line(page, "ns=space_a shared='from A' hydrated=True")
        wait_for_stored(page, "sp:space_a:shared", "v !== null")

        page.goto(server.url + "?ns=b")
        hydrated_with_runs(page, "ns=space_b shared='' hydrated=True")
        shared = element_by_key(page, "shared").locator("input")
        expect(shared).to_have_value("")
        shared.fill("from B")
        shared.press("Enter")
        expect_line(page, "ns=space_b shared='from B' hydrated=True")
        wait_for_stored(page, "sp:space_b:shared", "v !== null")

        page.goto(server.url + "?ns=a")
        hydrated_with_runs(page, "ns=space_a shared='from A' hydrated=True")
        page.goto(server.url + "?ns=b")
        hydrated_with_runs(page, "ns=space_b shared='from B' hydrated=True")

        stored = storage_items(page)
        assert plain_value(stored["sp:space_a:shared"]) == "from A"
        assert plain_value(stored["sp:space_b:shared"]) == "from B"
        assert stored["foreign"] == "keep me"
        assert stored["sp:space_c:shared"] == "x"
        expect_no_streamlit_exception(page)


# --- 7. quota exceeded ---------------------------------------------------------------------------

_FILL_TO_QUOTA_JS: Final = """() => {
  // Fill localStorage with one filler key (NOT under our prefix) until less than ~200,000
  // characters are left; never clear anything.
  let size = 5_300_000;
  while (size > 0) {
    try { localStorage.setItem("filler", "f".repeat(size)); return size; }
    catch (e) { size -= 50_000; }
  }
  return 0;
}"""


class TestQuota:
    def test_quota_exceeded_keeps_existing_keys_and_is_reported(
        self, streamlit_app: StreamlitAppFactory, page: Page
    ) -> None:
        """Scenario 7: with localStorage nearly full, a 1 MB write fails in the browser: the old
        stored values survive, ``errors`` reports a quota error, a reload restores the old ones."""
        server = streamlit_app("quota_app.py")
        page.goto(server.url)
        hydrated_with_runs(page, "small='' big_len=2 hydrated=True")
        small = element_by_key(page, "small").locator("input")
        small.fill("keep me")
        small.press("Enter")
        expect_line(page, "small='keep me' big_len=2 hydrated=True")
        wait_for_stored(page, "sp:quota_app:small", "v !== null")
        wait_for_stored(page, "sp:quota_app:big", "v !== null")
        before = storage_items(page)
        streamlit_keys = {k: v for k, v in before.items() if not k.startswith("sp:")}

        filled = page.evaluate(_FILL_TO_QUOTA_JS)
        assert filled > 4_000_000, f"could not fill localStorage (filler of {filled} chars)"

        element_by_key(page, "write_big").get_by_role("button").click()
        error = page.get_by_test_id("stText").filter(has_text=re.compile(r"^error quota big: "))
        expect(error).to_be_visible(timeout=HYDRATION_MS)
        wait_for_app(page)
        after = storage_items(page)
        assert after["sp:quota_app:small"] == before["sp:quota_app:small"]
        assert after["sp:quota_app:big"] == before["sp:quota_app:big"], "the previous value was lost"
        assert plain_value(after["sp:quota_app:big"]) == "v1"
        for name, value in streamlit_keys.items():
            assert after.get(name) == value, f"Streamlit's key {name} was touched"
        assert len(after["filler"]) == filled

        page.reload()
        hydrated_with_runs(page, "small='keep me' big_len=2 hydrated=True")
        expect_no_streamlit_exception(page)


# --- multipage ------------------------------------------------------------------------------------


class TestMultipage:
    def test_values_survive_page_switches_and_reload_on_another_page(
        self, streamlit_app: StreamlitAppFactory, page: Page, console_errors: ConsoleErrors
    ) -> None:
        """One persist() in the st.navigation entrypoint covers both pages: a value set on page
        one survives going to page two and back, and a reload on page two."""
        # Streamlit's own frontend probes `<page>/_stcore/...` as a possible base path when a
        # page URL is loaded directly, and logs the 404s (not streamlit-persist's doing).
        console_errors.allow(r"404 \(Not Found\) \(http://localhost:\d+/two/_stcore/(health|host-config)\)")
        server = streamlit_app("multipage_app.py")
        page.goto(server.url)
        hydrated_with_runs(page, "p1_text=''")
        expect_line(page, "hydrated=True")
        text = element_by_key(page, "p1_text").locator("input")
        text.fill("page one value")
        text.press("Enter")
        expect_line(page, "p1_text='page one value'")

        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_text("Two", exact=True).click()
        expect_line(page, "p2_number=0")
        number = element_by_key(page, "p2_number").locator("input")
        number.fill("5")
        number.press("Enter")
        expect_line(page, "p2_number=5")

        nav.get_by_text("One", exact=True).click()
        expect_line(page, "p1_text='page one value'")
        expect(element_by_key(page, "p1_text").locator("input")).to_have_value("page one value")

        nav.get_by_text("Two", exact=True).click()
        expect_line(page, "p2_number=5")
        wait_for_stored(page, "sp:multipage_app:p2_number", "v !== null")
        page.reload()
        expect_line(page, "p2_number=5")
        expect(element_by_key(page, "p2_number").locator("input")).to_have_value("5")
        wait_for_app(page, timeout=HYDRATION_MS)
        assert read_runs(page) <= 2
        page.get_by_test_id("stSidebarNav").get_by_text("One", exact=True).click()
        expect_line(page, "p1_text='page one value'")
        expect(element_by_key(page, "p1_text").locator("input")).to_have_value("page one value")
        expect_no_streamlit_exception(page)


# --- wait() -------------------------------------------------------------------------------------

# Records every value any <input> had, at every DOM mutation and every animation frame.
_RECORD_INPUT_VALUES_JS: Final = """
(() => {
  window.__seenValues = [];
  const record = () => {
    for (const input of document.querySelectorAll("input")) {
      if (!window.__seenValues.includes(input.value)) window.__seenValues.push(input.value);
    }
  };
  const start = () => {
    new MutationObserver(record).observe(document.documentElement, {
      subtree: true, childList: true, attributes: true, characterData: true,
    });
    const frame = () => { record(); requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  };
  if (document.documentElement) start(); else document.addEventListener("DOMContentLoaded", start);
})();
"""


class TestWait:
    def test_wait_never_paints_the_default_of_a_restored_value(
        self, streamlit_app: StreamlitAppFactory, page: Page
    ) -> None:
        """With ``p.wait()`` before the widgets, a reload with a stored value never shows the
        text_input's default, not even for one frame."""
        server = streamlit_app("wait_app.py")
        page.goto(server.url)
        hydrated_with_runs(page, "name='DEFAULT-NAME' hydrated=True")
        name = element_by_key(page, "name").locator("input")
        name.fill("Stored Name")
        name.press("Enter")
        expect_line(page, "name='Stored Name' hydrated=True")
        wait_for_stored(page, "sp:wait_app:name", "v !== null")

        page.add_init_script(_RECORD_INPUT_VALUES_JS)
        page.reload()
        hydrated_with_runs(page, "name='Stored Name' hydrated=True")
        expect(element_by_key(page, "name").locator("input")).to_have_value("Stored Name")
        seen: list[str] = page.evaluate("window.__seenValues")
        assert "Stored Name" in seen, f"the recorder saw no input value: {seen}"
        assert "DEFAULT-NAME" not in seen, f"the default was painted before the restored value: {seen}"
        expect_no_streamlit_exception(page)
