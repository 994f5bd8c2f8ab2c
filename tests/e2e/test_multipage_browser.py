"""Multipage apps (``st.navigation``) in a real browser: one ``persist()`` in the entrypoint.

The app (``apps/nav_app/nav_app.py``) has sidebar widgets and three pages: Dashboard (default,
``/``), Settings (``/settings``: a form, a keyed expander and a keyed popover) and Explore
(``/explore``: pills and segmented controls). The "Show code" checkbox (key ``show_code``) is on
Dashboard and Explore, like streamlit hello's.

Every page prints its keys from session state as ``key=<repr> (<type>)``. "Nothing stored" is
checked after a *barrier*: a later change of another key (``sb_name``) reaching storage; the
browser applies each run's writes in order, so a write of an earlier run would be there by then.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser_helpers import (
    HYDRATION_MS,
    expect_line,
    plain_value,
    storage_items,
    wait_for_stored,
)
from tests.support.fixtures import ConsoleErrors, NewContext, StreamlitAppFactory
from tests.support.pages import element_by_key, expect_no_streamlit_exception, wait_for_app
from tests.support.streamlit_server import StreamlitServer

pytestmark = pytest.mark.e2e

APP: Final = "nav_app/nav_app.py"
NAMESPACE: Final = "nav_app"  # the entrypoint's file stem
PREFIX: Final = f"sp:{NAMESPACE}:"
# Fixed, so the two servers of the "another app" test share it (only the namespace differs).
SECRET: Final = "nav-app-e2e-secret-0123456789abcdefghijklmnopqrstuvwxyz"
LINK_WARNING: Final = "This share link could not be opened"


@pytest.fixture(autouse=True)
def _page_url_probes(console_errors: ConsoleErrors) -> None:
    # Streamlit's frontend probes `<page>/_stcore/...` as a possible base path when a page URL
    # is loaded directly, and logs the 404s (not streamlit-persist's doing).
    console_errors.allow(r"404 \(Not Found\) \(http://localhost:\d+/(settings|explore)/_stcore/(health|host-config)\)")


# --- helpers ---------------------------------------------------------------------------------------


def _server(streamlit_app: StreamlitAppFactory, mode: str = "plain", namespace: str = "") -> StreamlitServer:
    """The app's server: ``signed`` sets a secret (signed values and links); ``namespace`` another app."""
    return streamlit_app(APP, NAV_SECRET=SECRET if mode == "signed" else "", NAV_NAMESPACE=namespace)


def _line(page: Page, key: str, value: str, kind: str, *, timeout: float = HYDRATION_MS) -> None:
    """Wait for the page's ``key=<repr> (<type>)`` line (what session state holds)."""
    expect_line(page, f"{key}={value} ({kind})", timeout=timeout)


def _go(page: Page, title: str) -> None:
    """Navigate with the sidebar, as a user does (no page load), and wait for the page."""
    page.get_by_test_id("stSidebarNavLink").filter(has_text=re.compile(f"^{title}$")).click()
    _on_page(page, title)


def _on_page(page: Page, title: str) -> None:
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=HYDRATION_MS)
    expect(element_by_key(page, "share-url")).to_contain_text(f"page={title}", timeout=HYDRATION_MS)
    wait_for_app(page, timeout=HYDRATION_MS)


def _ours(page: Page, prefix: str = PREFIX) -> dict[str, Any]:
    """This app's stored values by key (plain tokens)."""
    return {k.removeprefix(prefix): plain_value(v) for k, v in storage_items(page).items() if k.startswith(prefix)}


def _stored_keys(page: Page, prefix: str = PREFIX) -> set[str]:
    return {k.removeprefix(prefix) for k in storage_items(page) if k.startswith(prefix)}


def _stored_value_js(value_json: str) -> str:
    """A ``wait_for_stored`` predicate: the plain token holds this JSON value."""
    return f"v !== null && JSON.stringify(JSON.parse(v.split('.').slice(4).join('.'))[3]) === {value_json!r}"


def _barrier(page: Page, marker: str, prefix: str = PREFIX) -> None:
    """Change ``sb_name`` and wait until storage holds it: earlier runs' writes are in by then.

    Plain or signed tokens alike: the entry must become a new, non-null token.
    """
    before = storage_items(page).get(prefix + "sb_name")
    name = element_by_key(page, "sb_name").locator("input")
    name.fill(marker)
    name.press("Enter")
    expect_line(page, f"sb_name={marker!r} (str)")
    wait_for_stored(page, prefix + "sb_name", f"v !== null && v !== {json.dumps(before)}")


def _slider(page: Page) -> Locator:
    return element_by_key(page, "dash_level").get_by_role("slider")


def _move_slider(page: Page, steps: int) -> None:
    slider = _slider(page)
    slider.focus()
    for _ in range(abs(steps)):
        slider.press("ArrowRight" if steps > 0 else "ArrowLeft")


def _show_code(page: Page) -> Locator:
    return element_by_key(page, "show_code").locator("input")


def _click_show_code(page: Page) -> None:
    element_by_key(page, "show_code").get_by_text("Show code").click()


def _option(page: Page, key: str, label: str) -> Locator:
    """One option button of a pills or segmented control."""
    return element_by_key(page, key).locator("button").filter(has_text=re.compile(f"^{re.escape(label)}$"))


def _expect_selected(page: Page, key: str, labels: list[str]) -> None:
    """Exactly these options are shown selected (single: aria-checked, multi: aria-pressed)."""
    selected = element_by_key(page, key).locator("button[aria-checked='true'], button[aria-pressed='true']")
    expect(selected).to_have_text(labels, timeout=HYDRATION_MS)


def _choose_region(page: Page, region: str) -> None:
    element_by_key(page, "sb_region").get_by_role("combobox").click()
    page.get_by_role("option", name=region, exact=True).click()
    expect_line(page, f"sb_region={region!r} (str)")


def _share_link(page: Page, title: str, state: str) -> str:
    """The share URL the page shows, once the run that shows ``state`` has rendered it."""
    expect_line(page, state)
    block = element_by_key(page, "share-url")
    expect(block).to_contain_text(f"page={title}")
    wait_for_app(page)
    link = block.locator("code").inner_text().strip()
    assert "state=" in link, link
    return link


def _expect_link_opened(page: Page) -> None:
    """The link's parameter left the address bar and nothing was reported."""
    expect(page).not_to_have_url(re.compile(r"[?&]state="))
    expect(element_by_key(page, "status")).to_contain_text("hydrated=True errors=[]")
    expect(page.get_by_text(LINK_WARNING)).to_have_count(0)


# --- 1. navigate away and back --------------------------------------------------------------------


def test_slider_value_survives_navigating_away_and_back(streamlit_app: StreamlitAppFactory, page: Page) -> None:
    """A persisted widget key on one page shows the user's value after visiting two other pages."""
    server = _server(streamlit_app)
    page.goto(server.url)
    _on_page(page, "Dashboard")
    _line(page, "dash_level", "50", "int")
    _move_slider(page, 3)
    _line(page, "dash_level", "53", "int")
    wait_for_stored(page, PREFIX + "dash_level", _stored_value_js("53"))

    _go(page, "Settings")
    _go(page, "Explore")
    _go(page, "Dashboard")
    _line(page, "dash_level", "53", "int")
    expect(_slider(page)).to_have_value("53")

    # The value is still the user's, not reset to the default by the round trip.
    _barrier(page, "after the round trip")
    assert _ours(page)["dash_level"] == 53

    # Restored on a page load (the first run) on its own page, then away and back.
    page.reload()
    _on_page(page, "Dashboard")
    _line(page, "dash_level", "53", "int")
    _go(page, "Explore")
    _go(page, "Dashboard")
    _line(page, "dash_level", "53", "int")
    expect(_slider(page)).to_have_value("53")

    # Restored on a page load of another page, then shown.
    page.goto(server.url + "settings")
    _on_page(page, "Settings")
    _go(page, "Dashboard")
    _line(page, "dash_level", "53", "int")
    expect(_slider(page)).to_have_value("53")
    _barrier(page, "after the reloads")
    assert _ours(page)["dash_level"] == 53
    expect_no_streamlit_exception(page)


# --- 2. one key, one widget on each of two pages ---------------------------------------------------


def _expect_show_code(page: Page, checked: bool) -> None:
    _line(page, "show_code", repr(checked), "bool")
    if checked:
        expect(_show_code(page)).to_be_checked()
    else:
        expect(_show_code(page)).not_to_be_checked()


def test_checkbox_shared_by_two_pages_keeps_the_users_value(streamlit_app: StreamlitAppFactory, page: Page) -> None:
    """Like streamlit hello's "Show code": the same key on Dashboard and Explore. Each page shows the
    value last set on either, session state agrees with the widget, storage follows."""
    server = _server(streamlit_app)
    page.goto(server.url)
    _on_page(page, "Dashboard")
    _expect_show_code(page, False)
    _click_show_code(page)
    _expect_show_code(page, True)
    wait_for_stored(page, PREFIX + "show_code", "v !== null")

    _go(page, "Explore")
    _expect_show_code(page, True)
    _click_show_code(page)  # unchecked on the other page: back to the default, so no longer stored
    _expect_show_code(page, False)
    wait_for_stored(page, PREFIX + "show_code", "v === null")

    _go(page, "Dashboard")
    _expect_show_code(page, False)
    _click_show_code(page)
    _expect_show_code(page, True)
    wait_for_stored(page, PREFIX + "show_code", _stored_value_js("true"))

    _go(page, "Explore")
    _expect_show_code(page, True)
    _go(page, "Settings")  # a page without the widget in between
    _go(page, "Explore")
    _expect_show_code(page, True)
    _barrier(page, "before the reload")
    assert _ours(page)["show_code"] is True

    page.reload()
    _on_page(page, "Explore")
    _expect_show_code(page, True)
    _go(page, "Dashboard")
    _expect_show_code(page, True)
    expect_no_streamlit_exception(page)


def test_shared_checkbox_value_from_a_link_survives_navigation(
    streamlit_app: StreamlitAppFactory, new_context: NewContext
) -> None:
    """A "Show code" value a share link applied on Explore (the first run) is still the value on
    Dashboard, the other page with that key, and stays stored after the next interaction there."""
    server = _server(streamlit_app)
    a = new_context().new_page()
    a.goto(server.url + "explore")
    _on_page(a, "Explore")
    _click_show_code(a)
    link = _share_link(a, "Explore", "show_code=True (bool)")

    b = new_context().new_page()
    b.goto(link)
    _on_page(b, "Explore")
    _expect_show_code(b, True)
    _go(b, "Dashboard")
    _expect_show_code(b, True)
    _move_slider(b, 1)  # any interaction: the checkbox must not fall back to its default now
    _line(b, "dash_level", "51", "int")
    _expect_show_code(b, True)
    wait_for_stored(b, PREFIX + "dash_level", _stored_value_js("51"))
    assert _ours(b).get("show_code") is True, _ours(b)
    expect_no_streamlit_exception(b)


# --- 3. untouched widgets are never stored ---------------------------------------------------------


def test_untouched_widgets_store_nothing(streamlit_app: StreamlitAppFactory, page: Page) -> None:
    """Visiting every page stores nothing; a form stores nothing before its submit (even across
    other reruns) and its fields after; a keyed popover and expander never opened and a
    ``selectbox(index=None)`` never chosen store nothing."""
    server = _server(streamlit_app)
    page.goto(server.url)
    _on_page(page, "Dashboard")
    for title in ("Settings", "Explore", "Dashboard", "Settings"):
        _go(page, title)
    _line(page, "exp_advanced", "False", "bool")
    _line(page, "pop_display", "False", "bool")
    _barrier(page, "visited")
    assert _stored_keys(page) == {"sb_name"}, f"stored after visiting every page untouched: {_ours(page)}"

    # Form fields filled but not submitted; another widget reruns the page meanwhile.
    email = element_by_key(page, "form_email").locator("input")
    email.fill("ann@example.com")
    size = element_by_key(page, "form_size").locator("input")
    size.fill("12")
    element_by_key(page, "set_compact").get_by_text("Compact rows").click()
    _line(page, "set_compact", "True", "bool")
    _line(page, "form_email", "''", "str")
    _line(page, "form_size", "5", "int")
    _barrier(page, "filled, not submitted")
    assert _stored_keys(page) == {"sb_name"}, f"stored before the form was submitted: {_ours(page)}"

    page.get_by_role("button", name="Save").click()
    _line(page, "form_email", "'ann@example.com'", "str")
    _line(page, "form_size", "12", "int")
    wait_for_stored(page, PREFIX + "form_email", _stored_value_js('"ann@example.com"'))
    wait_for_stored(page, PREFIX + "form_size", _stored_value_js("12"))

    _barrier(page, "submitted")
    stored = _ours(page)
    assert stored == {"sb_name": "submitted", "form_email": "ann@example.com", "form_size": 12}, stored
    # Never opened, never chosen: still nothing for them.
    _line(page, "sb_region", "None", "NoneType")
    _line(page, "exp_advanced", "False", "bool")
    _line(page, "pop_display", "False", "bool")

    # Once chosen, the selectbox is stored.
    _choose_region(page, "US")
    wait_for_stored(page, PREFIX + "sb_region", _stored_value_js('"US"'))
    expect_no_streamlit_exception(page)


def test_back_to_default_removes_the_stored_entry(streamlit_app: StreamlitAppFactory, page: Page) -> None:
    """A stored value whose widget is set back to its default leaves storage (slider, checkbox,
    a form field on submit), and a reload then shows the defaults."""
    server = _server(streamlit_app)
    page.goto(server.url)
    _on_page(page, "Dashboard")
    _move_slider(page, 2)
    _line(page, "dash_level", "52", "int")
    wait_for_stored(page, PREFIX + "dash_level", _stored_value_js("52"))
    _click_show_code(page)
    _expect_show_code(page, True)
    wait_for_stored(page, PREFIX + "show_code", _stored_value_js("true"))

    _move_slider(page, -2)
    _line(page, "dash_level", "50", "int")
    wait_for_stored(page, PREFIX + "dash_level", "v === null")
    _click_show_code(page)
    _expect_show_code(page, False)
    wait_for_stored(page, PREFIX + "show_code", "v === null")

    _go(page, "Settings")
    size = element_by_key(page, "form_size").locator("input")
    size.fill("9")
    page.get_by_role("button", name="Save").click()
    _line(page, "form_size", "9", "int")
    wait_for_stored(page, PREFIX + "form_size", _stored_value_js("9"))
    size.fill("5")
    page.get_by_role("button", name="Save").click()
    _line(page, "form_size", "5", "int")
    wait_for_stored(page, PREFIX + "form_size", "v === null")

    _barrier(page, "defaults again")
    assert _stored_keys(page) == {"sb_name"}, _ours(page)
    page.reload()
    _on_page(page, "Settings")
    expect_line(page, "sb_name='defaults again' (str)")
    _line(page, "form_size", "5", "int")
    expect(element_by_key(page, "form_size").locator("input")).to_have_value("5")
    _go(page, "Dashboard")
    _line(page, "dash_level", "50", "int")
    _expect_show_code(page, False)
    expect_no_streamlit_exception(page)


def test_link_values_equal_to_defaults_are_not_stored(
    streamlit_app: StreamlitAppFactory, new_context: NewContext
) -> None:
    """A share link carries the sender's untouched widgets too (their defaults, ``None`` for
    ``segmented_control`` and ``selectbox(index=None)``). The receiver did not touch them either:
    only the values that differ from the widgets' defaults may be stored."""
    server = _server(streamlit_app)
    a = new_context().new_page()
    a.goto(server.url + "explore")
    _on_page(a, "Explore")
    _option(a, "pick_size", "n=100").click()
    link = _share_link(a, "Explore", "pick_size=100 (int)")

    b = new_context().new_page()
    b.goto(link)
    _on_page(b, "Explore")
    _line(b, "pick_size", "100", "int")
    _line(b, "seg_chart", "None", "NoneType")
    _line(b, "sb_region", "None", "NoneType")
    _expect_link_opened(b)
    _barrier(b, "opened")
    stored = _ours(b)
    assert stored == {"sb_name": "opened", "pick_size": 100}, f"stored after opening the link: {stored}"
    expect_no_streamlit_exception(b)


# --- 4. pills and segmented controls ---------------------------------------------------------------

PICKED: Final = (
    ("pick_size", "1000", "int", ["n=1000"]),
    ("pick_fruits", "['apple', 'cherry']", "list", ["apple", "cherry"]),
    ("seg_chart", "'bar'", "str", ["bar"]),
    ("seg_days", "[2, 4]", "list", ["Tue", "Thu"]),
)


def _expect_picked(page: Page) -> None:
    _on_page(page, "Explore")
    for key, value, kind, labels in PICKED:
        _line(page, key, value, kind)
        _expect_selected(page, key, labels)


def test_pills_and_segmented_controls_restore_with_value_and_type(
    streamlit_app: StreamlitAppFactory, page: Page, new_context: NewContext
) -> None:
    """``st.pills`` and ``st.segmented_control``, single and multi, with int and str options:
    after a reload and for a returning user (a new context with the saved storage state) they
    show the same selection, and session state holds the same values of the same types."""
    server = _server(streamlit_app)
    page.goto(server.url + "explore")
    _on_page(page, "Explore")
    for key, *_ in PICKED:
        _expect_selected(page, key, [])
    # One change at a time, each in storage before the next (quick successive changes are
    # test_quick_changes_of_several_widgets_all_reach_storage's subject).
    steps = (
        ("pick_size", "n=1000", "1000", "int", "1000"),
        ("pick_fruits", "apple", "['apple']", "list", '["apple"]'),
        ("pick_fruits", "cherry", "['apple', 'cherry']", "list", '["apple","cherry"]'),
        ("seg_chart", "bar", "'bar'", "str", '"bar"'),
        ("seg_days", "Tue", "[2]", "list", "[2]"),
        ("seg_days", "Thu", "[2, 4]", "list", "[2,4]"),
    )
    for key, label, value, kind, value_json in steps:
        _option(page, key, label).click()
        _line(page, key, value, kind)
        wait_for_stored(page, PREFIX + key, _stored_value_js(value_json))
    _expect_picked(page)
    stored = _ours(page)
    assert {k: stored[k] for k, *_ in PICKED} == {
        "pick_size": 1000,
        "pick_fruits": ["apple", "cherry"],
        "seg_chart": "bar",
        "seg_days": [2, 4],
    }

    page.reload()
    _expect_picked(page)
    expect_no_streamlit_exception(page)

    returning = new_context(storage_state=page.context.storage_state()).new_page()
    returning.goto(server.url + "explore")
    _expect_picked(returning)
    expect(element_by_key(returning, "status")).to_contain_text("hydrated=True errors=[]")
    expect_no_streamlit_exception(returning)


def test_quick_changes_of_several_widgets_all_reach_storage(streamlit_app: StreamlitAppFactory, page: Page) -> None:
    """A user clicking through several widgets in quick succession (each click a rerun, the
    next one before the browser has applied the last): every widget's final value is stored,
    and a reload shows all of them. Three rounds, five widgets each."""
    server = _server(streamlit_app)
    page.goto(server.url + "explore")
    _on_page(page, "Explore")
    rounds = (
        (
            [("pick_size", "n=10"), ("pick_fruits", "banana"), ("seg_chart", "area"), ("seg_days", "Wed")],
            True,
            {"pick_size": 10, "pick_fruits": ["banana"], "seg_chart": "area", "seg_days": [3], "show_code": True},
        ),
        (
            [("seg_days", "Fri"), ("pick_size", "n=1000"), ("seg_chart", "line"), ("pick_fruits", "apple")],
            False,
            {"pick_size": 1000, "pick_fruits": ["banana", "apple"], "seg_chart": "line", "seg_days": [3, 5]},
        ),
        (
            [("pick_fruits", "cherry"), ("seg_chart", "bar"), ("seg_days", "Mon"), ("pick_size", "n=100")],
            True,
            {
                "pick_size": 100,
                "pick_fruits": ["banana", "apple", "cherry"],
                "seg_chart": "bar",
                "seg_days": [3, 5, 1],
                "show_code": True,
            },
        ),
    )
    for clicks, show_code, expected in rounds:
        for key, label in clicks:
            _option(page, key, label).click()  # no wait: the next click follows at once
        _click_show_code(page)
        for key, value in expected.items():
            _line(page, key, repr(value), type(value).__name__)
        _expect_show_code(page, show_code)
        wait_for_app(page)
        for key, value in expected.items():
            wait_for_stored(page, PREFIX + key, _stored_value_js(json.dumps(value, separators=(",", ":"))))
        if not show_code:
            wait_for_stored(page, PREFIX + "show_code", "v === null")

    page.reload()
    _on_page(page, "Explore")
    for key, value in rounds[-1][2].items():
        _line(page, key, repr(value), type(value).__name__)
    expect_no_streamlit_exception(page)


# --- 5. share links --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "signed"])
def test_share_link_made_on_a_non_default_page(
    streamlit_app: StreamlitAppFactory, new_context: NewContext, mode: str
) -> None:
    """A link made on Explore (reached through the sidebar) opens Explore in a fresh browser with
    the values on the first run, then leaves the address bar; ``p.errors`` stays empty."""
    server = _server(streamlit_app, mode)
    a = new_context().new_page()
    a.goto(server.url)
    _on_page(a, "Dashboard")
    _choose_region(a, "APAC")
    _go(a, "Explore")
    _click_show_code(a)
    _expect_show_code(a, True)
    _option(a, "pick_size", "n=100").click()
    _line(a, "pick_size", "100", "int")
    _option(a, "seg_days", "Mon").click()
    _line(a, "seg_days", "[1]", "list")
    _option(a, "seg_days", "Fri").click()
    link = _share_link(a, "Explore", "seg_days=[1, 5] (list)")
    assert urlsplit(link).path == "/explore", link

    b = new_context().new_page()
    b.goto(link)
    _on_page(b, "Explore")
    first = element_by_key(b, "first-run")
    for item in ("'sb_region': 'APAC'", "'show_code': True", "'pick_size': 100", "'seg_days': [1, 5]"):
        expect(first).to_contain_text(item)
    _expect_show_code(b, True)
    _line(b, "pick_size", "100", "int")
    _expect_selected(b, "pick_size", ["n=100"])
    _line(b, "seg_days", "[1, 5]", "list")
    _expect_selected(b, "seg_days", ["Mon", "Fri"])
    _line(b, "sb_region", "'APAC'", "str")
    expect(element_by_key(b, "sb_region").get_by_role("combobox")).to_have_value("APAC")
    expect(element_by_key(b, "status")).to_contain_text("('pick_size', 'link')")
    _expect_link_opened(b)
    assert urlsplit(b.url).path == "/explore", b.url
    # The link's values are stored as usual; p.errors is still empty once they are.
    if mode == "plain":
        for key, value_json in (("pick_size", "100"), ("seg_days", "[1,5]"), ("show_code", "true")):
            wait_for_stored(b, PREFIX + key, _stored_value_js(value_json))
    else:
        for key in ("pick_size", "seg_days", "show_code", "sb_region"):
            wait_for_stored(b, PREFIX + key, "v !== null")
    wait_for_app(b)
    _expect_link_opened(b)
    expect_no_streamlit_exception(b)


def test_share_link_made_on_the_default_page(streamlit_app: StreamlitAppFactory, new_context: NewContext) -> None:
    """A link made on the default page (``/``) opens it in a fresh browser with the values."""
    server = _server(streamlit_app)
    a = new_context().new_page()
    a.goto(server.url)
    _on_page(a, "Dashboard")
    _move_slider(a, -3)
    _line(a, "dash_level", "47", "int")
    _click_show_code(a)
    link = _share_link(a, "Dashboard", "show_code=True (bool)")
    assert urlsplit(link).path == "/", link

    b = new_context().new_page()
    b.goto(link)
    _on_page(b, "Dashboard")
    first = element_by_key(b, "first-run")
    expect(first).to_contain_text("'dash_level': 47")
    expect(first).to_contain_text("'show_code': True")
    _line(b, "dash_level", "47", "int")
    expect(_slider(b)).to_have_value("47")
    _expect_show_code(b, True)
    expect(element_by_key(b, "status")).to_contain_text("('dash_level', 'link')")
    _expect_link_opened(b)
    assert urlsplit(b.url).path == "/", b.url
    wait_for_stored(b, PREFIX + "dash_level", _stored_value_js("47"))
    wait_for_stored(b, PREFIX + "show_code", _stored_value_js("true"))
    wait_for_app(b)
    _expect_link_opened(b)
    expect_no_streamlit_exception(b)


@pytest.mark.parametrize("mode", ["plain", "signed"])
def test_share_link_of_another_app_is_refused(
    streamlit_app: StreamlitAppFactory, new_context: NewContext, mode: str
) -> None:
    """The same pages under another namespace (another app) refuse the link: a warning, an
    error record, default values, and the parameter leaves the address bar."""
    server = _server(streamlit_app, mode)
    other = _server(streamlit_app, mode, "nav_other")
    a = new_context().new_page()
    a.goto(server.url + "explore")
    _on_page(a, "Explore")
    _option(a, "pick_size", "n=10").click()
    link = _share_link(a, "Explore", "pick_size=10 (int)")

    split, target = urlsplit(link), urlsplit(other.url)
    foreign = urlunsplit((split.scheme, target.netloc, split.path, split.query, ""))
    assert parse_qs(urlsplit(foreign).query)["state"] == parse_qs(split.query)["state"]

    b = new_context().new_page()
    b.goto(foreign)
    _on_page(b, "Explore")
    expect(b.get_by_text(LINK_WARNING)).to_be_visible()
    expect(element_by_key(b, "status")).to_contain_text("errors=[('link', None)]")
    expect(element_by_key(b, "first-run")).to_have_text("first={}")
    _line(b, "pick_size", "None", "NoneType")
    _expect_selected(b, "pick_size", [])
    expect(b).not_to_have_url(re.compile(r"[?&]state="))
    _barrier(b, "refused", prefix="sp:nav_other:")
    assert _stored_keys(b, "sp:nav_other:") == {"sb_name"}, storage_items(b)
    assert not _stored_keys(b), storage_items(b)  # nothing under the link's own namespace either
    expect(element_by_key(b, "status")).to_contain_text("errors=[('link', None)]")
    expect_no_streamlit_exception(b)
