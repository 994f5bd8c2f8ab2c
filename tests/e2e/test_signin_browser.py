"""Real-browser tests of ``storage="user"`` behind a real ``st.login`` (issue 11).

A local OpenID Connect provider (``oidc-provider-mock``, :mod:`tests.support.oidc`) runs on a
free loopback port; ``apps/signin_app.py`` is copied into a temporary directory beside a
``.streamlit/secrets.toml`` whose ``[auth]`` points at it, and runs with
``STREAMLIT_PERSIST_STORE`` set to a :class:`~streamlit_persist.testing.TemporaryStore`, which
the tests read (and seed) directly. Signing in is what a user does: the app's "Log in" button
(``st.login``), the provider's form (type the ``sub``, "Authorize"), back to the app.

- A user's state set in one browser context is in a second context signed in as the same
  user, on that page load's first run; another user does not see it.
- Anonymous -> signed in: what the user chose signed out (browser storage) is taken into their
  server state once (the server's values win), and leaves the browser; signing out shows
  defaults.

Every test ends with ``expect_no_streamlit_exception``; console errors fail a test through the
``console_errors`` fixture.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from streamlit_persist.testing import TemporaryStore
from tests.e2e.browser_helpers import expect_line, storage_items, wait_for_stored
from tests.support.fixtures import NewContext
from tests.support.oidc import (
    OidcProvider,
    auth_secrets,
    end_session_at_provider,
    keep_on_loopback,
    sign_in_at_provider,
)
from tests.support.pages import element_by_key, expect_no_streamlit_exception, read_runs, wait_for_app
from tests.support.streamlit_server import StreamlitServer, free_port

pytestmark = pytest.mark.e2e

APP: Final = Path(__file__).resolve().parent / "apps" / "signin_app.py"
NS: Final = "signin_app"  # the default namespace: the main script's name
PREFIX: Final = f"sp:{NS}:"
LOAD_MS: Final = 20_000
QUIET_MS: Final = 1_500  # no further run may start in this window (measuring that nothing happens)
STORE_WAIT_S: Final = 10.0
LOG_TAIL_LINES: Final = 60
BRIDGE_JS: Final = "**/_stcore/bidi-components/streamlit-persist.bridge/index.js"  # the browser module


@dataclass
class SigninApp:
    server: StreamlitServer
    provider: OidcProvider
    store: TemporaryStore

    def user_id(self, sub: str) -> str:
        """The owner of ``sub``'s server state: ``<issuer>|<sub>``."""
        return f"{self.provider.issuer}|{sub}"

    def stored(self, sub: str) -> dict[str, Any]:
        """What the server holds for ``sub`` (decoded)."""
        return self.store.values(NS, scope="user", user=self.user_id(sub))


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider() as running:
        yield running


@pytest.fixture(scope="module")
def signin(provider: OidcProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SigninApp]:
    """The app in a temporary directory with ``[auth]`` secrets; the port is chosen first."""
    directory = tmp_path_factory.mktemp("signin-app")
    shutil.copy(APP, directory / APP.name)
    port = free_port()
    (directory / ".streamlit").mkdir()
    (directory / ".streamlit" / "secrets.toml").write_text(auth_secrets(provider, app_port=port))
    with TemporaryStore() as store:
        server = StreamlitServer(
            directory / APP.name, cwd=directory, port=port, env={"STREAMLIT_PERSIST_STORE": store.url}
        )
        with server:
            yield SigninApp(server, provider, store)


@pytest.fixture
def app(signin: SigninApp) -> Iterator[SigninApp]:
    """``signin``, and the tails of the app's and the provider's logs in a failing test's report."""
    yield signin
    for name, text in (("streamlit", signin.server.logs()), ("oidc-provider-mock", signin.provider.logs())):
        tail = "\n".join(text.splitlines()[-LOG_TAIL_LINES:])
        print(f"--- {name} log (tail) ---\n{tail}")


# --- helpers -------------------------------------------------------------------------------------


def status(user: str | None, prefs: str = "", note: str = "") -> str:
    """The app's status line once hydrated, with no errors."""
    return f"user={user} prefs={prefs!r} note={note!r} hydrated=True errors=[]"


def open_app(new_context: NewContext, app: SigninApp) -> Page:
    """A page in a fresh browser context (no storage, no cookies) on the app, signed out and hydrated."""
    context = new_context()
    keep_on_loopback(context)
    page = context.new_page()
    page.goto(app.server.url)
    expect_line(page, status(None), timeout=LOAD_MS)
    return page


def type_into(page: Page, key: str, value: str) -> None:
    field = element_by_key(page, key).locator("input")
    field.fill(value)
    field.press("Enter")


def sign_in(page: Page, app: SigninApp, sub: str) -> None:
    """The app's "Log in" button, the provider's form, and back to the app's first page."""
    element_by_key(page, "login").get_by_role("button").click()
    sign_in_at_provider(page, sub, app.provider)
    page.wait_for_url(app.server.url, timeout=LOAD_MS)


def sign_out(page: Page, app: SigninApp) -> None:
    """The app's "Log out" button (``st.logout``), the provider's end of session, back to the app."""
    element_by_key(page, "logout").get_by_role("button").click()
    end_session_at_provider(page, app.provider)
    page.wait_for_url(app.server.url, timeout=LOAD_MS)


def settled_runs(page: Page) -> int:
    """The page load's run counter once the app is idle and stayed idle for :data:`QUIET_MS`."""
    wait_for_app(page, timeout=LOAD_MS)
    page.wait_for_timeout(QUIET_MS)
    wait_for_app(page, timeout=LOAD_MS)
    return read_runs(page)


def persisted(page: Page) -> dict[str, str]:
    """This app's entries in the page's localStorage, by slot."""
    return {name[len(PREFIX) :]: token for name, token in storage_items(page).items() if name.startswith(PREFIX)}


def boot_cookies(context: BrowserContext) -> list[str]:
    """Names of streamlit-persist boot cookies (``sp_<hash>``) the context holds."""
    return [str(c.get("name")) for c in context.cookies() if str(c.get("name", "")).startswith("sp_")]


def eventually(read: Callable[[], Any], expected: Any, what: str) -> None:
    """Poll ``read()`` until it equals ``expected`` (another process writes it)."""
    deadline = time.monotonic() + STORE_WAIT_S
    while True:
        got = read()
        if got == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: expected {expected!r}, still {got!r} after {STORE_WAIT_S:.0f}s")
        time.sleep(0.1)


def set_while_signed_out(page: Page, **values: str) -> None:
    """Type values while signed out and wait until browser storage and the boot cookie hold them.

    The browser module writes the cookie in the same task as the storage entries, so once the
    entries are there, the cookie a sign-in reads is too.
    """
    for key, value in values.items():
        type_into(page, key, value)
    expect_line(page, status(None, values.get("prefs", ""), values.get("note", "")))
    for key, value in values.items():
        wait_for_stored(page, PREFIX + key, f"v !== null && v.includes({value!r})")
    assert boot_cookies(page.context), "signed out, the values should be mirrored in a boot cookie"


# --- tests ---------------------------------------------------------------------------------------


def test_state_follows_the_user_to_another_browser_and_no_one_else(app: SigninApp, new_context: NewContext) -> None:
    """Ann sets prefs in context A; context B signed in as Ann has them on its first run; Bob not."""
    page_a = open_app(new_context, app)
    sign_in(page_a, app, "ann")
    expect_line(page_a, status("ann"))
    type_into(page_a, "prefs", "ann-compact-3f1")
    expect_line(page_a, status("ann", "ann-compact-3f1"))
    eventually(lambda: app.stored("ann"), {"prefs": "ann-compact-3f1"}, "ann's server state")
    assert persisted(page_a) == {}, "signed in, the values live on the server, not in the browser"
    expect_no_streamlit_exception(page_a)

    page_b = open_app(new_context, app)
    sign_in(page_b, app, "ann")
    expect_line(page_b, status("ann", "ann-compact-3f1"))
    assert settled_runs(page_b) == 1, "ann's state should be restored on the first run after sign-in"
    expect_line(page_b, status("ann", "ann-compact-3f1"), timeout=5_000)
    assert persisted(page_b) == {}
    expect_no_streamlit_exception(page_b)

    page_c = open_app(new_context, app)
    sign_in(page_c, app, "bob")
    expect_line(page_c, status("bob"))
    assert settled_runs(page_c) == 1
    expect_line(page_c, status("bob"), timeout=5_000)
    assert app.stored("bob") == {}
    assert app.stored("ann") == {"prefs": "ann-compact-3f1"}
    expect_no_streamlit_exception(page_c)


def test_at_sign_in_a_new_user_keeps_what_they_chose_signed_out(app: SigninApp, new_context: NewContext) -> None:
    """Carol (no server state yet) sets prefs signed out, signs in: prefs stays, now on the server
    for Carol, and leaves the browser (storage and boot cookie), with no extra run."""
    page = open_app(new_context, app)
    set_while_signed_out(page, prefs="carol-anon-prefs-9b2")
    assert app.stored("carol") == {}

    sign_in(page, app, "carol")
    expect_line(page, status("carol", "carol-anon-prefs-9b2"))
    eventually(lambda: app.stored("carol"), {"prefs": "carol-anon-prefs-9b2"}, "carol's server state")
    wait_for_stored(page, PREFIX + "prefs", "v === null")
    assert persisted(page) == {}, "the browser's copy should be gone once taken at sign-in"
    assert boot_cookies(page.context) == [], "the boot cookie of the signed-out values should be deleted"
    assert settled_runs(page) == 1, "taking the browser's values at sign-in should cost no extra run"
    expect_line(page, status("carol", "carol-anon-prefs-9b2"), timeout=5_000)
    expect_no_streamlit_exception(page)


def test_at_sign_in_the_server_value_wins_for_a_key_it_has(app: SigninApp, new_context: NewContext) -> None:
    """Dave's server state has a note; signed out this browser set prefs and another note.
    After sign-in: the server's note, the browser's prefs; both on the server, none in the browser."""
    app.store.store_values(NS, {"note": "dave-server-note-51c"}, scope="user", user=app.user_id("dave"))
    page = open_app(new_context, app)
    set_while_signed_out(page, prefs="dave-anon-prefs-7e0", note="dave-anon-note-d44")

    sign_in(page, app, "dave")
    expect_line(page, status("dave", "dave-anon-prefs-7e0", "dave-server-note-51c"))
    eventually(
        lambda: app.stored("dave"),
        {"prefs": "dave-anon-prefs-7e0", "note": "dave-server-note-51c"},
        "dave's server state",
    )
    wait_for_stored(page, PREFIX + "prefs", "v === null")
    assert persisted(page) == {}, "the browser's copy (both keys) should be gone once taken at sign-in"
    assert boot_cookies(page.context) == []
    expect_no_streamlit_exception(page)


def test_sign_out_shows_defaults_and_sign_in_brings_the_state_back(app: SigninApp, new_context: NewContext) -> None:
    """Erin: signed-out prefs taken at sign-in, a note set signed in; after st.logout the page
    shows defaults (the browser holds nothing of hers); signing in again restores both."""
    page = open_app(new_context, app)
    set_while_signed_out(page, prefs="erin-anon-prefs-2a8")
    sign_in(page, app, "erin")
    expect_line(page, status("erin", "erin-anon-prefs-2a8"))
    type_into(page, "note", "erin-signed-in-note-0c6")
    expect_line(page, status("erin", "erin-anon-prefs-2a8", "erin-signed-in-note-0c6"))
    eventually(
        lambda: app.stored("erin"),
        {"prefs": "erin-anon-prefs-2a8", "note": "erin-signed-in-note-0c6"},
        "erin's server state",
    )

    sign_out(page, app)
    expect_line(page, status(None))
    page.wait_for_timeout(QUIET_MS)  # a late restore would show here
    expect_line(page, status(None), timeout=5_000)
    assert persisted(page) == {}, "signed out, this browser should hold nothing of erin's"
    assert boot_cookies(page.context) == []

    sign_in(page, app, "erin")
    expect_line(page, status("erin", "erin-anon-prefs-2a8", "erin-signed-in-note-0c6"))
    expect_no_streamlit_exception(page)


def test_the_signed_out_copy_leaves_the_browser_when_the_user_acts_before_the_page_code_loads(
    app: SigninApp, new_context: NewContext
) -> None:
    """Gina signs in on a slow connection: the browser module (the component's JavaScript) arrives
    only after she changed a widget (a second run). Her signed-out copy must still leave the
    browser once the module runs, as it does when it loads at once."""
    page = open_app(new_context, app)
    set_while_signed_out(page, prefs="gina-anon-prefs-6d3")
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # answered below, after the second run

    page.context.route(BRIDGE_JS, hold)

    sign_in(page, app, "gina")
    expect_line(page, status("gina", "gina-anon-prefs-6d3"))
    type_into(page, "note", "gina-note-first-1f7")
    expect_line(page, status("gina", "gina-anon-prefs-6d3", "gina-note-first-1f7"))
    eventually(
        lambda: app.stored("gina"),
        {"prefs": "gina-anon-prefs-6d3", "note": "gina-note-first-1f7"},
        "gina's server state",
    )

    page.context.unroute(BRIDGE_JS, hold)
    for route in held:
        route.continue_()
    wait_for_stored(page, PREFIX + "prefs", "v === null")
    assert persisted(page) == {}, "the browser's copy should be gone once taken at sign-in"
    assert boot_cookies(page.context) == []
    expect_no_streamlit_exception(page)
