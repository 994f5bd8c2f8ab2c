"""Helpers of the real-browser tests of streamlit-persist: storage access, stored tokens, waits."""

from __future__ import annotations

import json
import re
from typing import Any, Final

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from streamlit_persist import _codec, _envelope
from tests.support.pages import read_runs, wait_for_app

HYDRATION_MS: Final = 20_000

# A fragment of a page init script (it needs `now()` in scope: performance.timeOrigin +
# performance.now(), one clock for every page of a browser): window.__spWatch(text) arms a
# MutationObserver that stamps window.__spSeen when `text` first appears in the page.
WATCH_TEXT_JS: Final = """
  window.__spSeen = null;
  let target = null;
  const check = () => {
    if (target !== null && window.__spSeen === null && document.body
        && document.body.textContent.includes(target)) {
      window.__spSeen = now();
    }
  };
  window.__spWatch = (text) => { target = text; window.__spSeen = null; check(); };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, characterData: true});
"""

_READ_STORAGE_JS: Final = """(kind) => {
  const s = kind === "local" ? window.localStorage : window.sessionStorage;
  const out = {};
  for (let i = 0; i < s.length; i++) { const n = s.key(i); out[n] = s.getItem(n); }
  return out;
}"""


def storage_items(page: Page, kind: str = "local") -> dict[str, str]:
    """Every entry of the page's localStorage (or sessionStorage)."""
    items: dict[str, str] = page.evaluate(_READ_STORAGE_JS, kind)
    return items


def plain_value(token: str) -> Any:
    """The JSON value inside a plain token ``sp1.p.-.<version>.[iat, exp, flag, value]``."""
    parts = token.split(".", 4)
    assert parts[:3] == ["sp1", "p", "-"], f"not a plain sp1 token: {token[:80]!r}"
    return json.loads(parts[4])[3]


def plain_token(value: Any, namespace: str, slot: str) -> str:
    """A valid plain token, exactly as ``persist(namespace=...)`` stores ``value`` under ``slot``."""
    return _envelope.seal(*_codec.dumps(value), _envelope.Context("store", namespace, slot))


def text_line(page: Page, text: str) -> Locator:
    """An ``st.text`` line with exactly this text."""
    return page.get_by_test_id("stText").filter(has_text=re.compile("^" + re.escape(text) + "$"))


def expect_line(page: Page, text: str, *, timeout: float = HYDRATION_MS) -> None:
    expect(text_line(page, text)).to_be_visible(timeout=timeout)


def wait_for_stored(page: Page, name: str, predicate_js: str, *, kind: str = "local") -> None:
    """Wait (retrying in the page) until ``predicate_js`` holds for ``storage.getItem(name)``.

    ``predicate_js`` is a JS expression over ``v`` (the stored string or null).
    """
    storage = "localStorage" if kind == "local" else "sessionStorage"
    try:
        page.wait_for_function(
            f"([name]) => {{ const v = window.{storage}.getItem(name); return {predicate_js}; }}",
            arg=[name],
            timeout=HYDRATION_MS,
        )
    except PlaywrightTimeoutError:
        now = storage_items(page, kind).get(name)
        shown = None if now is None else now[:200]
        raise AssertionError(f"{storage}[{name!r}] never satisfied `{predicate_js}`; it holds {shown!r}") from None


def hydrated_with_runs(page: Page, marker: str, max_runs: int = 2) -> int:
    """Wait for the hydrated page (``marker`` visible) and assert it took at most ``max_runs``
    script runs (persistence costs at most ONE extra run; a boot cookie may save even that).

    Returns the number of runs the page load took.
    """
    expect_line(page, marker)
    wait_for_app(page, timeout=HYDRATION_MS)
    runs = read_runs(page)
    assert 1 <= runs <= max_runs, f"the page load took {runs} script runs (at most {max_runs} allowed)"
    expect_line(page, marker, timeout=5_000)
    return runs
