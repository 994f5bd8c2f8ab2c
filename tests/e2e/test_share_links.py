"""Share links in a real browser: A makes a link (and copies it), a fresh B opens it."""

from __future__ import annotations

import re
import secrets
import zlib
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Page, expect

from streamlit_persist import _encoding
from tests.support.compat import MULTISELECT_TAG
from tests.support.fixtures import NewContext, StreamlitAppFactory
from tests.support.pages import element_by_key, expect_no_streamlit_exception, wait_for_app

pytestmark = pytest.mark.e2e

APP = "share_app.py"
SECRET = secrets.token_urlsafe(32)
CLIPBOARD = ["clipboard-read", "clipboard-write"]


def _server(streamlit_app: StreamlitAppFactory, protect: str) -> str:
    return streamlit_app(APP, SP_SECRET=SECRET, SP_PROTECT=protect).url


def _choose(page: Page, key: str, option: str) -> None:
    element_by_key(page, key).get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def _set_state(page: Page) -> None:
    """Browser A: filters=[beta, gamma], view=chart, name=Ann, sort=desc (bound to the URL)."""
    wait_for_app(page)
    _choose(page, "filters", "beta")
    wait_for_app(page)
    _choose(page, "filters", "gamma")
    wait_for_app(page)
    element_by_key(page, "view").get_by_text("chart").click()
    wait_for_app(page)
    name = element_by_key(page, "name").locator("input")
    name.fill("Ann")
    name.press("Enter")
    wait_for_app(page)
    _choose(page, "sort", "desc")
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"sort=desc"))
    expect(element_by_key(page, "share-url")).to_contain_text("now=['beta', 'gamma']|chart|desc")
    wait_for_app(page)


def _share_url(page: Page) -> str:
    return element_by_key(page, "share-url").locator("code").inner_text().strip()


def _expect_state(page: Page, filters: list[str], view: str) -> None:
    tags = element_by_key(page, "filters").locator(MULTISELECT_TAG)
    expect(tags).to_have_count(len(filters))
    for index, name in enumerate(filters):
        expect(tags.nth(index)).to_contain_text(name)
    expect(element_by_key(page, "view").get_by_role("radio", name=view)).to_be_checked()


@pytest.mark.smoke
@pytest.mark.parametrize("protect", ["encrypt", "sign"])
def test_link_round_trip_between_browsers(
    streamlit_app: StreamlitAppFactory, new_context: NewContext, protect: str
) -> None:
    url = _server(streamlit_app, protect)
    a = new_context(permissions=CLIPBOARD).new_page()
    a.goto(url)
    _set_state(a)
    link = _share_url(a)
    assert link.startswith(url.rstrip("/"))
    assert "state=" in link
    assert len(link) <= 2000

    # The button copies the same URL, with a visible confirmation and no rerun.
    wait_for_app(a)
    a.get_by_role("button", name="Copy link").click()
    expect(a.get_by_text("Link copied")).to_be_visible()
    link = _share_url(a)  # the code block and the button come from the same (last) run
    assert a.evaluate("navigator.clipboard.readText()") == link

    # A fresh browser context opens it: same values on its FIRST script run.
    b = new_context().new_page()
    b.goto(link)
    expect(element_by_key(b, "first-run")).to_contain_text("first=['beta', 'gamma']|chart")
    _expect_state(b, ["beta", "gamma"], "chart")
    expect(element_by_key(b, "name").locator("input")).to_have_value("")  # not shared
    expect(element_by_key(b, "status")).to_contain_text("('filters', 'link')")
    expect(b).not_to_have_url(re.compile(r"[?&]state="))  # the param left the address bar
    wait_for_app(b)
    expect_no_streamlit_exception(b)

    # The link's values reach B's storage once the run is rendered, which includes loading
    # the browser module: wait for that before reloading (a reload earlier would lose them).
    b.wait_for_function(
        "['filters', 'view'].every((k) => localStorage.getItem('sp:share-e2e:' + k) !== null)", timeout=20_000
    )

    # A reload keeps B's values (now from B's own storage), and re-applies no link.
    b.reload()
    _expect_state(b, ["beta", "gamma"], "chart")
    expect(element_by_key(b, "status")).to_contain_text("('filters', 'storage')")


def test_tampered_link_warns_and_shows_defaults(
    streamlit_app: StreamlitAppFactory, new_context: NewContext
) -> None:
    url = _server(streamlit_app, "encrypt")
    a = new_context().new_page()
    a.goto(url)
    _set_state(a)
    link = _share_url(a)
    split = urlsplit(link)
    query = parse_qs(split.query)
    param = query["state"][0]
    query["state"] = [param[:-4] + ("AAAA" if not param.endswith("AAAA") else "BBBB")]
    tampered = urlunsplit((split.scheme, split.netloc, split.path, urlencode(query, doseq=True), ""))

    b = new_context().new_page()
    b.goto(tampered)
    expect(b.get_by_text("This share link could not be opened")).to_be_visible()
    _expect_state(b, [], "table")
    expect(element_by_key(b, "status")).to_contain_text("errors=['link']")
    expect(b).not_to_have_url(re.compile(r"[?&]state="))


def test_bound_widget_key_is_not_in_the_link(
    streamlit_app: StreamlitAppFactory, new_context: NewContext
) -> None:
    """With signed links the payload is readable: 'sort' (bind="query-params") is not in it."""
    url = _server(streamlit_app, "sign")
    a = new_context().new_page()
    a.goto(url)
    _set_state(a)
    param = parse_qs(urlsplit(_share_url(a)).query)["state"][0]
    assert param.startswith("s")
    _head, _mac, body = param.split(".", 2)
    payload = zlib.decompressobj(-15).decompress(_encoding.b64decode(body), 1 << 20)
    assert b'"view":"chart"' in payload
    assert b'"filters":["beta","gamma"]' in payload
    assert b'"sort"' not in payload
    assert b'"name"' not in payload
