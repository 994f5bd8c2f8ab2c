"""Real-browser tests of trust in restored state (issue 9): values that no longer fit their
widget, crafted share links, writes during a slow run, two ports of one host, and a boot
cookie that storage contradicts.

Apps (``tests/e2e/apps/trust_*.py``) render their state as ``st.text`` lines, ``p.errors`` as
``errors=[(kind, key), ...]`` and, where the restore path matters, ``first=``: the key's value
in session state on the page load's first run, before its widget (the boot cookie's value when
run 1 restored from it, ``None`` when storage had to be asked).

"Settled" means: the app is idle and stayed idle for :data:`QUIET_MS` (a browser answer may
start one more run a moment after the first one ended). Console errors fail a test through the
``console_errors`` fixture; every page also ends with ``expect_no_streamlit_exception``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from streamlit_persist import _boot, _links
from tests.e2e.browser_helpers import (
    HYDRATION_MS,
    expect_line,
    plain_token,
    plain_value,
    storage_items,
    text_line,
    wait_for_stored,
)
from tests.support.fixtures import NewContext, StreamlitAppFactory
from tests.support.pages import APP_SELECTOR, element_by_key, expect_no_streamlit_exception, wait_for_app
from tests.support.streamlit_server import COOKIE_SECRET, StreamlitServer, free_port

pytestmark = pytest.mark.e2e

APPS: Final = Path(__file__).resolve().parent / "apps"
QUIET_MS: Final = 1_500
SETTLED_MS: Final = 5_000  # a line that must already be there once the app has settled

UPGRADE_APP: Final = "trust_upgrade_app.py"
UPGRADE_NS: Final = "trust_upgrade_app"
SHARE_APP: Final = "trust_share_app.py"
SHARE_NS: Final = "trust_share_app"
SLOW_APP: Final = "trust_slow_app.py"
SLOW_NS: Final = "trust_slow_app"
PORTS_APP: Final = "trust_ports_app.py"
PORTS_NS: Final = "trust_ports_app"
REHYDRATE_APP: Final = "trust_rehydrate_app.py"
REHYDRATE_NS: Final = "trust_rehydrate_app"

NO_ERRORS: Final = "errors=[]"


# --- helpers -----------------------------------------------------------------------------------


def settle(page: Page) -> None:
    """Wait until the app is idle and has stayed idle for :data:`QUIET_MS`."""
    wait_for_app(page, timeout=HYDRATION_MS)
    page.wait_for_timeout(QUIET_MS)
    wait_for_app(page, timeout=HYDRATION_MS)


def slot(namespace: str, key: str) -> str:
    return f"sp:{namespace}:{key}"


def stored_under(page: Page, namespace: str) -> dict[str, str]:
    """The page's localStorage entries under ``sp:<namespace>:``."""
    prefix = f"sp:{namespace}:"
    return {k: v for k, v in storage_items(page).items() if k.startswith(prefix)}


def boot_cookie(context: BrowserContext, host: str, namespace: str) -> dict[str, str] | None:
    """The entries of the app's boot cookie for ``host`` (``"localhost:8501"``), authenticated
    with the harness's cookie secret; None when there is no such cookie. Fails on one that does
    not authenticate or says "too large"."""
    binding = _boot.Binding(f"sp:{namespace}:", host)
    for cookie in context.cookies(f"http://{host}/"):
        if cookie.get("name") == binding.name():
            raw = cookie.get("value", "")
            snapshot = _boot.read(raw, _boot.cookie_key(COOKIE_SECRET.encode()), binding)
            assert snapshot is not None, f"the boot cookie for {host} does not authenticate: {raw[:40]!r}"
            assert snapshot.entries is not None, "the boot cookie unexpectedly says 'too large'"
            return snapshot.entries
    return None


def wait_until(page: Page, predicate: Callable[[], bool], what: str, *, timeout_ms: int = HYDRATION_MS) -> None:
    """Poll a Python predicate (e.g. over ``context.cookies()``) until it holds."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for {what}")
        page.wait_for_timeout(100)


def wait_cookie_mirrors_storage(page: Page, context: BrowserContext, host: str, namespace: str) -> None:
    """Wait until the boot cookie lists exactly what storage holds under the namespace."""

    def mirrors() -> bool:
        entries = stored_under(page, namespace)
        cookie = boot_cookie(context, host, namespace)
        held = {k.removeprefix(f"sp:{namespace}:"): v for k, v in entries.items()}
        if not held:
            return cookie is None
        return cookie is not None and {k.removeprefix(f"sp:{namespace}:"): v for k, v in cookie.items()} == held

    def describe() -> str:
        return f"storage={stored_under(page, namespace)} cookie={boot_cookie(context, host, namespace)}"

    try:
        wait_until(page, mirrors, "the boot cookie to mirror storage")
    except AssertionError as e:
        raise AssertionError(f"{e}: {describe()}") from None


def seeded_state(port: int, items: dict[str, str]) -> dict[str, Any]:
    """A Playwright storage state: no cookies, ``items`` in localStorage of localhost:<port>."""
    return {
        "cookies": [],
        "origins": [
            {
                "origin": f"http://localhost:{port}",
                "localStorage": [{"name": name, "value": value} for name, value in items.items()],
            }
        ],
    }


def type_into(page: Page, key: str, text: str) -> None:
    box = element_by_key(page, key).locator("input")
    box.fill(text)
    box.press("Enter")


def expect_settled_line(page: Page, text: str) -> None:
    expect(text_line(page, text)).to_be_visible(timeout=SETTLED_MS)


@pytest.fixture
def own_servers() -> Iterator[Callable[..., StreamlitServer]]:
    """Start servers this test controls itself (a fixed port, a restart); stopped afterwards.

    Their log tails are printed at teardown (pytest shows them only for a failing test).
    """
    servers: list[StreamlitServer] = []

    def start(app: str, *, port: int, **env: str) -> StreamlitServer:
        server = StreamlitServer(APPS / app, env=env, port=port)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
        tail = "\n".join(server.logs().splitlines()[-60:])
        print(f"--- streamlit log {server.app.name} port {server.port} env {server.env} ---\n{tail}")


# --- 1. upgrade: v1 stored text, v2 has a number input ------------------------------------------


def _expect_upgrade_rejected(page: Page, *, first: str) -> None:
    """The v2 page after loading what v1 stored: default shown, one ``invalid`` error, no box."""
    expect_line(page, "errors=[('invalid', 'n')]")
    settle(page)
    expect_no_streamlit_exception(page)
    expect_settled_line(page, f"first={first}")  # which restore path this load took
    expect_settled_line(page, "n=0")
    expect_settled_line(page, "errors=[('invalid', 'n')]")
    expect(element_by_key(page, "n").locator("input")).to_have_value("0")
    wait_for_stored(page, slot(UPGRADE_NS, "n"), "v === null")
    expect_no_streamlit_exception(page)


def _expect_clean_load(page: Page, *, key: str, shown: str, line: str) -> None:
    """A load with nothing to restore for ``key``: its default, no error, no exception box."""
    expect_line(page, "hydrated=True")
    settle(page)
    expect_no_streamlit_exception(page)
    expect_settled_line(page, line)
    expect_settled_line(page, NO_ERRORS)
    expect(element_by_key(page, key).locator("input")).to_have_value(shown)
    expect_no_streamlit_exception(page)


class TestUpgrade:
    def test_v1_text_meets_v2_number_input_through_the_boot_cookie(
        self, own_servers: Callable[..., StreamlitServer], new_context: NewContext
    ) -> None:
        """v1 (``st.text_input``, key ``n``) stores "five" and writes the boot cookie; v2 of the
        same app (``st.number_input(min_value=0, max_value=10)``) is deployed on the same
        host:port. A returning browser (fresh context, v1's cookie and storage) restores "five"
        on run 1 from the cookie (``first='five'``): the number input must show 0, ``p.errors``
        must name ``n`` as ``invalid``, storage and the cookie must forget it, and the next
        load must be clean.

        On 50e1417 (checked: the same test with that commit's cookie format) the restored str
        went straight into session state before ``st.number_input``, which raised "TypeError:
        '<' not supported between instances of 'str' and 'float'" on run 1 (exception box, no
        error record; the entry stayed, so every load raised again)."""
        port = free_port()
        host = f"localhost:{port}"
        v1 = own_servers(UPGRADE_APP, port=port, SP_TRUST_VERSION="1")
        old = new_context()
        page = old.new_page()
        page.goto(v1.url)
        expect_line(page, "hydrated=True")
        wait_for_app(page)
        type_into(page, "n", "five")
        expect_line(page, "n='five'")
        wait_for_stored(page, slot(UPGRADE_NS, "n"), "v !== null")
        assert plain_value(storage_items(page)[slot(UPGRADE_NS, "n")]) == "five"
        wait_cookie_mirrors_storage(page, old, host, UPGRADE_NS)
        expect_no_streamlit_exception(page)
        state = old.storage_state()
        old.close()

        v1.stop()
        v2 = own_servers(UPGRADE_APP, port=port, SP_TRUST_VERSION="2")
        returning = new_context(storage_state=state)
        page = returning.new_page()
        page.goto(v2.url)
        _expect_upgrade_rejected(page, first="'five'")
        wait_cookie_mirrors_storage(page, returning, host, UPGRADE_NS)  # no cookie: nothing stored

        page.reload()
        _expect_clean_load(page, key="n", shown="0", line="n=0")
        expect_settled_line(page, "first=None")
        assert stored_under(page, UPGRADE_NS) == {}

    def test_v1_text_meets_v2_number_input_from_storage(
        self, streamlit_app: StreamlitAppFactory, new_context: NewContext
    ) -> None:
        """The same upgrade without a boot cookie (``boot_cookie_bytes=0``): storage holds v1's
        plain token for "five"; the value arrives with storage's answer, which the first run waits
        for and takes (``first='five'``; with the component rerun before, ``first=None``).
        Default shown, ``invalid`` reported, the entry removed, the next load clean.

        On 50e1417 (checked) the str reached the number input with the component rerun and it
        raised the same TypeError (exception box on run 2, entry kept)."""
        server = streamlit_app(UPGRADE_APP, SP_BOOT_BYTES="0")
        seeded = {slot(UPGRADE_NS, "n"): plain_token("five", UPGRADE_NS, "n")}
        assert seeded[slot(UPGRADE_NS, "n")].startswith("sp1.p.-.1.[")
        context = new_context(storage_state=seeded_state(server.port, seeded))
        page = context.new_page()
        page.goto(server.url)
        _expect_upgrade_rejected(page, first="'five'")
        assert boot_cookie(context, f"localhost:{server.port}", UPGRADE_NS) is None

        page.reload()
        _expect_clean_load(page, key="n", shown="0", line="n=0")
        assert stored_under(page, UPGRADE_NS) == {}


# --- 2. a crafted share link ------------------------------------------------------------------------


class TestCraftedLink:
    def test_text_in_a_link_for_a_number_input_is_rejected(
        self, streamlit_app: StreamlitAppFactory, page: Page
    ) -> None:
        """A link (no secret: anyone can write one) carrying ``{"n": "abc"}`` for a shared number
        input: opened in a fresh browser, the input shows its default 0, ``p.errors`` names
        ``n`` as ``invalid``, "abc" is never stored, and the next load is clean.

        On 50e1417 (checked, with that commit's link context: the page's script hash) the
        link's str was assigned to the number input's key on run 1 and the widget raised the
        same TypeError (exception box)."""
        server = streamlit_app(SHARE_APP)
        param = _links.encode_link({"n": "abc"}, _links.link_context(SHARE_NS, ""))
        page.goto(f"{server.url}?state={param}")
        expect_line(page, "errors=[('invalid', 'n')]")
        settle(page)
        expect_no_streamlit_exception(page)
        expect_settled_line(page, "n=0")
        expect_settled_line(page, "errors=[('invalid', 'n')]")
        expect(element_by_key(page, "n").locator("input")).to_have_value("0")
        held = stored_under(page, SHARE_NS)
        assert slot(SHARE_NS, "n") not in held, f"storage holds {held}"
        assert all("abc" not in token for token in held.values()), f"storage holds {held}"
        expect(page).not_to_have_url(re.compile(r"[?&]state="))

        page.reload()
        _expect_clean_load(page, key="n", shown="0", line="n=0")
        assert stored_under(page, SHARE_NS) == {}


# --- 3. a reload while a slow run is busy ---------------------------------------------------------


class TestSlowRun:
    RELOADS: Final = 3
    RELOAD_AFTER_MS: Final = 1_000

    def test_change_survives_a_reload_during_the_slow_run_it_started(
        self, streamlit_app: StreamlitAppFactory, page: Page
    ) -> None:
        """A persisted slider above ``time.sleep(4)``: change it with the keyboard, reload one
        second later (its run is still sleeping), three times. Every change must be in
        localStorage at the reload and shown by the slider after it.

        On 50e1417 (checked) writes happened only at the end of a run: at each reload storage
        held nothing and the slider came back at 0, three times out of three."""
        server = streamlit_app(SLOW_APP)
        slider_slot = slot(SLOW_NS, "s")
        page.goto(server.url)
        expect_line(page, "done")
        expect_line(page, "hydrated=True")
        wait_for_app(page)
        expect_line(page, "s=0", timeout=SETTLED_MS)
        shown = 0
        lost: list[str] = []
        for attempt in range(1, self.RELOADS + 1):
            wanted = shown + 1
            slider = element_by_key(page, "s").get_by_role("slider")
            slider.focus()
            slider.press("ArrowRight")
            changed_at = time.monotonic()
            expect_line(page, f"s={wanted}")  # its run started (the reload waits for that too)
            page.wait_for_timeout(max(0.0, self.RELOAD_AFTER_MS - (time.monotonic() - changed_at) * 1000))
            state = page.locator(APP_SELECTOR).get_attribute("data-test-script-state")
            at_reload = storage_items(page).get(slider_slot)
            assert state == "running", f"attempt {attempt}: the run was no longer busy at the reload ({state})"
            page.reload()
            expect_line(page, "done")
            expect_line(page, "hydrated=True")
            settle(page)
            expect_no_streamlit_exception(page)
            now = page.get_by_test_id("stText").filter(has_text=re.compile(r"^s=\d+$")).inner_text()
            shown = int(now.removeprefix("s="))
            slider_now = element_by_key(page, "s").get_by_role("slider").input_value()
            stored_value = None if at_reload is None else plain_value(at_reload)
            if shown != wanted or slider_now != str(wanted) or stored_value != wanted:
                lost.append(
                    f"attempt {attempt}: changed to {wanted}; storage at the reload held {stored_value!r}; "
                    f"after it the app shows {now!r} and the slider {slider_now!r}"
                )
        assert lost == [], "changes lost by a reload during the slow run:\n" + "\n".join(lost)
        expect_no_streamlit_exception(page)


# --- 4. one app on two ports of one host --------------------------------------------------------------

# Records whether a text ever appeared in the page, as text or as an input's value (checked
# after the load: "never shown"). Mutations catch rendered text; a 20 ms poll catches values
# React sets as a property only.
_WATCH_JS: Final = """
(() => {
  window.__spSeen = false;
  const target = %s;
  const check = () => {
    if (window.__spSeen || !document.body) return;
    if (document.body.textContent.includes(target)) window.__spSeen = true;
    for (const input of document.querySelectorAll("input, textarea")) {
      if (input.value.includes(target)) window.__spSeen = true;
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true, subtree: true, characterData: true, attributes: true,
  });
  setInterval(check, 20);
})();
"""


class TestTwoPorts:
    VALUE: Final = "port-one-7c1d"

    def test_second_port_restores_nothing_of_the_first(
        self, streamlit_app: StreamlitAppFactory, context: BrowserContext
    ) -> None:
        """The same app on http://127.0.0.1:P1/ and http://127.0.0.1:P2/ (same namespace, same
        cookie secret): a value set on P1 (storage of origin P1, and P1's boot cookie, which the
        browser also sends to P2: cookies ignore ports) must never appear on P2, neither on its
        first run nor after idle, and P2 reports no error.

        On 50e1417 (checked) the boot cookie was named after the namespace only and not bound
        to the host, so P2 restored P1's value from P1's cookie: P2's text box showed it."""
        one = streamlit_app(PORTS_APP, SP_TRUST_SERVER="1")
        two = streamlit_app(PORTS_APP, SP_TRUST_SERVER="2")
        host_one, host_two = f"127.0.0.1:{one.port}", f"127.0.0.1:{two.port}"
        page = context.new_page()
        page.goto(f"http://{host_one}/")
        expect_line(page, "hydrated=True")
        wait_for_app(page)
        type_into(page, "t", self.VALUE)
        expect_line(page, f"t={self.VALUE!r}")
        wait_for_stored(page, slot(PORTS_NS, "t"), "v !== null")
        wait_cookie_mirrors_storage(page, context, host_one, PORTS_NS)
        sent_to_two = {c.get("name") for c in context.cookies(f"http://{host_two}/")}
        assert _boot.Binding(f"sp:{PORTS_NS}:", host_one).name() in sent_to_two, "P1's cookie must reach P2"

        other = context.new_page()
        other.add_init_script(_WATCH_JS % repr(self.VALUE))
        other.goto(f"http://{host_two}/")
        expect_line(other, "t=''")
        expect(element_by_key(other, "t").locator("input")).to_have_value("")
        settle(other)
        expect_no_streamlit_exception(other)
        expect_settled_line(other, "t=''")
        expect_settled_line(other, "hydrated=True")
        expect_settled_line(other, NO_ERRORS)
        expect(element_by_key(other, "t").locator("input")).to_have_value("")
        assert other.evaluate("window.__spSeen") is False, f"P2 showed P1's value {self.VALUE!r}"
        assert stored_under(other, PORTS_NS) == {}
        assert boot_cookie(context, host_two, PORTS_NS) is None
        # P1 still has its value (P2 touched neither its storage nor its cookie).
        page.reload()
        expect_line(page, f"t={self.VALUE!r}")
        expect_no_streamlit_exception(page)


# --- 5. storage contradicts the boot cookie -------------------------------------------------------------


class TestStorageBehindTheCookie:
    COOKIE_VALUE: Final = "from-cookie"
    STORAGE_VALUE: Final = "from-storage"

    @pytest.mark.parametrize("edit", ["removed", "replaced"])
    def test_widget_shows_storage_and_the_stale_cookie_value_never_returns(
        self, streamlit_app: StreamlitAppFactory, context: BrowserContext, page: Page, edit: str
    ) -> None:
        """The value "from-cookie" is stored and mirrored in the boot cookie; then storage changes
        behind the cookie's back (entry removed, or replaced with a plain "from-storage"). On reload
        run 1 restores "from-cookie" from the cookie, the browser answers that storage differs,
        and once idle the text box must show storage's value (or its empty default). A later
        rerun (a button) must not send "from-cookie" back: session state, storage and the cookie
        keep storage's value, and so does the next load.

        On 50e1417 (checked) "removed" fails: Python withdrew the value but the browser's text
        box kept showing "from-cookie" from run 1. "replaced" passes there (storage's value was
        applied to the widget by the answer's rerun); it guards the new restore-through-the-
        widget path against the same kind of drift."""
        server = streamlit_app(REHYDRATE_APP)
        host = f"localhost:{server.port}"
        entry = slot(REHYDRATE_NS, "t")
        page.goto(server.url)
        expect_line(page, "hydrated=True")
        wait_for_app(page)
        type_into(page, "t", self.COOKIE_VALUE)
        expect_line(page, f"t={self.COOKIE_VALUE!r}")
        wait_for_stored(page, entry, "v !== null")
        assert plain_value(storage_items(page)[entry]) == self.COOKIE_VALUE
        wait_cookie_mirrors_storage(page, context, host, REHYDRATE_NS)

        if edit == "removed":
            page.evaluate("(name) => localStorage.removeItem(name)", entry)
            expected, expected_token = "", None
        else:
            expected_token = plain_token(self.STORAGE_VALUE, REHYDRATE_NS, "t")
            page.evaluate("([name, value]) => localStorage.setItem(name, value)", [entry, expected_token])
            expected = self.STORAGE_VALUE
        cookie = boot_cookie(context, host, REHYDRATE_NS)
        assert cookie is not None
        assert plain_value(cookie[entry.removeprefix(f"sp:{REHYDRATE_NS}:")]) == self.COOKIE_VALUE

        page.reload()
        expect_line(page, f"first={self.COOKIE_VALUE!r}")  # run 1 restored from the cookie
        expect_line(page, f"t={expected!r}")
        box = element_by_key(page, "t").locator("input")
        expect(box).to_have_value(expected, timeout=HYDRATION_MS)
        settle(page)
        expect_no_streamlit_exception(page)
        expect_settled_line(page, f"t={expected!r}")
        expect(box).to_have_value(expected)

        element_by_key(page, "poke").get_by_role("button").click()
        expect_line(page, "pokes=1")
        settle(page)
        expect_no_streamlit_exception(page)
        expect_settled_line(page, f"t={expected!r}")
        expect(box).to_have_value(expected)
        held = stored_under(page, REHYDRATE_NS).get(entry)
        assert held == expected_token or (held is not None and plain_value(held) == expected), (
            f"storage holds {held!r} after the rerun, expected {expected!r}"
        )
        wait_cookie_mirrors_storage(page, context, host, REHYDRATE_NS)

        page.reload()
        expect_line(page, f"first={expected!r}" if expected else "first=None")
        expect_line(page, "hydrated=True")
        settle(page)
        expect_settled_line(page, f"t={expected!r}")
        expect(element_by_key(page, "t").locator("input")).to_have_value(expected)
        expect_settled_line(page, NO_ERRORS)
        expect_no_streamlit_exception(page)
