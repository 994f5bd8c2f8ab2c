"""p.inspector() in Chromium: its table shows what storage holds, and "Forget" removes one key."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser_helpers import expect_line, plain_value, storage_items, wait_for_stored
from tests.support.fixtures import StreamlitAppFactory
from tests.support.pages import expect_no_streamlit_exception, wait_for_app

APP = "inspector_app.py"
PREFIX = "sp:inspector_app:"
TIMEOUT = 20_000


def row(scope: Locator, key: str) -> Locator:
    """The cells of the inspector's row for ``key`` (the data grid's accessible table)."""
    first = scope.page.locator("td:first-child").filter(has_text=re.compile(f"^{re.escape(key)}$"))
    return scope.get_by_test_id("stDataFrame").first.locator("tr").filter(has=first).locator("td")


def type_into(page: Page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


@pytest.mark.parametrize("placement", ["inline", "dialog"])
def test_forget_one_key_then_reload(streamlit_app: StreamlitAppFactory, page: Page, placement: str) -> None:
    """The row of a stored key shows where it lives and its size; after "Forget b" and a reload,
    b is at its default and a and c are restored."""
    page.goto(streamlit_app(APP, INSPECTOR=placement).url)
    wait_for_app(page)
    for label, value in (("A", "one"), ("B", "two"), ("C", "three")):
        type_into(page, label, value)
    expect_line(page, "values=one|two|three")
    for key in "abc":
        wait_for_stored(page, PREFIX + key, "v !== null")

    panel: Locator = page.locator("body")
    if placement == "dialog":
        page.get_by_role("button", name="Inspect").click()
        panel = page.get_by_role("dialog")
    cells = row(panel, "b")
    expect(cells.nth(1)).to_have_text("local + cookie", timeout=TIMEOUT)
    expect(cells.nth(2)).to_have_text(str(len(PREFIX + "b") + len(storage_items(page)[PREFIX + "b"])))
    expect(cells.nth(7)).to_have_text("'two'")

    picker = panel.get_by_role("combobox", name="Stored key")
    picker.click()
    picker.press_sequentially("b")
    page.get_by_role("option", name="b", exact=True).click()
    panel.get_by_role("button", name="Forget b", exact=True).click()
    wait_for_stored(page, PREFIX + "b", "v === null")
    expect(cells.nth(1)).to_have_text("not stored", timeout=TIMEOUT)
    held = storage_items(page)
    assert {name: plain_value(token) for name, token in held.items() if name.startswith(PREFIX)} == {
        PREFIX + "a": "one",
        PREFIX + "c": "three",
    }

    page.reload()
    expect_line(page, "values=one||three")
    expect(page.get_by_label("B", exact=True)).to_have_value("")
    expect_no_streamlit_exception(page)
