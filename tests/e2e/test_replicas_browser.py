"""Two ``streamlit run`` replicas on one real ``redis-server`` (issue 12).

Each test starts its own replicas: two Streamlit processes on different ports with the same
``STREAMLIT_PERSIST_STORE`` (a fresh key prefix on the Redis the tests start), as behind a load
balancer. What a user sees is read from real Chromium pages; what is stored is read from Redis.

- An ``"app"`` key typed on replica A shows on replica B without a reload within a second.
- ``storage="user"`` values follow a signed-in user (a real local OpenID Connect provider) from
  replica A to replica B.
- 2 replicas x 4 threads x 500 ``update(+1)`` on one ``sp.shared`` counter = exactly 4,000.
- ``redis-server`` killed (SIGKILL) mid-session and restarted: no exception box, the writes made
  meanwhile are reported (kind ``store``) and then applied in order; nothing is lost.
- 50 sessions on one replica, all rerun at once by a push, stay within the connection budget.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Final

import pytest
import redis
from playwright.sync_api import Page, expect

from streamlit_persist._redis import MAX_CONNECTIONS
from streamlit_persist.testing import TemporaryStore
from tests.e2e.browser_helpers import expect_line
from tests.support.fixtures import NewContext
from tests.support.oidc import OidcProvider, auth_secrets, keep_on_loopback, sign_in_at_provider
from tests.support.pages import element_by_key, expect_no_streamlit_exception, wait_for_app
from tests.support.redis_server import RedisServer
from tests.support.streamlit_server import StreamlitServer, free_port

pytestmark = pytest.mark.e2e

APPS: Final = Path(__file__).resolve().parent / "apps"
LOAD_MS: Final = 20_000
PUSH_TRIALS: Final = 7
PUSH_LIMIT_S: Final = 1.0
STORE_WAIT_S: Final = 20.0
SESSIONS: Final = 50


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    """Servers and stores a test starts; requested before ``new_context``, so they stop after
    the test's pages are closed (a page left on a stopped server logs console errors)."""
    with ExitStack() as started:
        yield started


def replicas(stack: ExitStack, app: Path, store_url: str, count: int = 2) -> list[StreamlitServer]:
    """``count`` Streamlit processes of ``app`` on one store, each on its own port."""
    env = {"STREAMLIT_PERSIST_STORE": store_url}
    return [stack.enter_context(StreamlitServer(app, env=env)) for _ in range(count)]


def open_page(new_context: NewContext, server: StreamlitServer) -> Page:
    page = new_context().new_page()
    page.goto(server.url)
    wait_for_app(page, timeout=LOAD_MS)
    return page


def type_into(page: Page, key: str, value: str) -> None:
    field = element_by_key(page, key).locator("input")
    field.fill(value)
    field.press("Enter")


def wait_for_text(page: Page, text: str, timeout_ms: float = 10_000) -> None:
    """Poll the page's text every 20 ms (``expect`` backs off to a second between polls)."""
    page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, polling=20, timeout=timeout_ms)


def eventually(read: Callable[[], Any], expected: Any, what: str) -> None:
    deadline = time.monotonic() + STORE_WAIT_S
    while (got := read()) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: expected {expected!r}, still {got!r} after {STORE_WAIT_S:.0f}s")
        time.sleep(0.05)


def test_an_app_key_typed_on_one_replica_shows_on_the_other_within_a_second(
    stack: ExitStack, redis_server: RedisServer, new_context: NewContext
) -> None:
    store = stack.enter_context(TemporaryStore(redis_server.url))
    a, b = replicas(stack, APPS / "live_app.py", store.url)
    page_a, page_b = open_page(new_context, a), open_page(new_context, b)
    expect_line(page_b, "banner=", timeout=LOAD_MS)
    lags: list[float] = []
    for trial in range(PUSH_TRIALS):
        text = f"from replica A, take {trial}"
        field = element_by_key(page_a, "banner").locator("input")
        field.fill(text)
        started = time.perf_counter()
        field.press("Enter")
        wait_for_text(page_b, f"banner={text}")
        lags.append(time.perf_counter() - started)
    lags.sort()
    print(
        f"\nreplica A -> replica B (Enter on A until B shows it), {PUSH_TRIALS} trials: "
        f"median {statistics.median(lags) * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms"
    )
    assert store.values("live_app") == {"banner": f"from replica A, take {PUSH_TRIALS - 1}"}
    assert statistics.median(lags) < PUSH_LIMIT_S, lags
    for page in (page_a, page_b):
        expect_no_streamlit_exception(page)


def test_a_users_state_follows_them_to_another_replica(
    stack: ExitStack, redis_server: RedisServer, new_context: NewContext, tmp_path: Path
) -> None:
    provider = stack.enter_context(OidcProvider())
    store = stack.enter_context(TemporaryStore(redis_server.url))
    servers: list[StreamlitServer] = []
    for name in ("a", "b"):  # each replica has its own port, so its own redirect_uri
        directory = tmp_path / name
        (directory / ".streamlit").mkdir(parents=True)
        shutil.copy(APPS / "signin_app.py", directory)
        port = free_port()
        (directory / ".streamlit" / "secrets.toml").write_text(auth_secrets(provider, app_port=port))
        server = StreamlitServer(
            directory / "signin_app.py", cwd=directory, port=port, env={"STREAMLIT_PERSIST_STORE": store.url}
        )
        servers.append(stack.enter_context(server))

    def signed_in(server: StreamlitServer) -> Page:
        context = new_context()
        keep_on_loopback(context)
        page = context.new_page()
        page.goto(server.url)
        expect_line(page, "user=None prefs='' note='' hydrated=True errors=[]", timeout=LOAD_MS)
        element_by_key(page, "login").get_by_role("button").click()
        sign_in_at_provider(page, "ann", provider)
        page.wait_for_url(server.url, timeout=LOAD_MS)
        return page

    page_a = signed_in(servers[0])
    expect_line(page_a, "user=ann prefs='' note='' hydrated=True errors=[]")
    type_into(page_a, "prefs", "compact, from replica A")
    expect_line(page_a, "user=ann prefs='compact, from replica A' note='' hydrated=True errors=[]")
    ann = f"{provider.issuer}|ann"
    eventually(lambda: store.values("signin_app", scope="user", user=ann), {"prefs": "compact, from replica A"}, "ann")

    page_b = signed_in(servers[1])
    expect_line(page_b, "user=ann prefs='compact, from replica A' note='' hydrated=True errors=[]")
    type_into(page_b, "note", "written on B")
    eventually(
        lambda: store.values("signin_app", scope="user", user=ann),
        {"prefs": "compact, from replica A", "note": "written on B"},
        "ann after replica B",
    )
    for page in (page_a, page_b):
        expect_no_streamlit_exception(page)


def test_increments_from_two_replicas_are_all_counted(
    stack: ExitStack, redis_server: RedisServer, new_context: NewContext
) -> None:
    """Each replica runs 4 threads x 500 ``update(+1)`` at the same time: 4,000 exactly."""
    store = stack.enter_context(TemporaryStore(redis_server.url))
    a, b = replicas(stack, APPS / "live_counter_app.py", store.url)
    pages = [open_page(new_context, server) for server in (a, b)]
    for page in pages:
        expect_line(page, "counter=0", timeout=LOAD_MS)
    for page in pages:  # the second starts while the first is still counting (it takes seconds)
        element_by_key(page, "start").get_by_role("button").click()
    done = [page.get_by_test_id("stText").filter(has_text="done 2000 in") for page in pages]
    for line in done:
        expect(line).to_be_visible(timeout=120_000)
    assert store.values("live_counter_app", scope="shared") == {"counter": 4000}
    for page in pages:  # each shows the total once both are done (a push reruns the first)
        expect_line(page, "counter=4000")
    elapsed = [line.inner_text() for line in done]
    print(f"\n2 replicas x 4 threads x 500 update(+1) on Redis: {elapsed}")
    for page in pages:
        expect_no_streamlit_exception(page)


def test_redis_killed_mid_session_loses_nothing(stack: ExitStack, new_context: NewContext) -> None:
    """Writes made while Redis is down are reported, then applied in order once it is back."""
    server = stack.enter_context(RedisServer(durable=True))
    store = stack.enter_context(TemporaryStore(server.url))
    (app,) = replicas(stack, APPS / "live_app.py", store.url, count=1)
    page = open_page(new_context, app)
    type_into(page, "banner", "before the outage")
    eventually(lambda: store.values("live_app"), {"banner": "before the outage"}, "first write")

    server.stop(kill=True)
    for n in range(1, 4):
        type_into(page, "banner", f"during the outage {n}")
        expect_line(page, f"banner=during the outage {n}")
    reported = page.get_by_test_id("stText").filter(has_text="error store banner: the store refused the write")
    expect(reported).to_be_visible(timeout=STORE_WAIT_S * 1000)
    expect_no_streamlit_exception(page)

    seen: list[Any] = []
    stop_watching = threading.Event()

    def watch() -> None:  # every value Redis holds while the session catches up, in order
        while not stop_watching.is_set():
            try:
                value = store.values("live_app").get("banner")
            except Exception:  # the store is still down: keep watching
                value = "<down>"
            if not seen or seen[-1] != value:
                seen.append(value)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        server.start()
        eventually(lambda: seen[-1] if seen else None, "during the outage 3", "the retried write")
        time.sleep(2)  # nothing older may land afterwards
    finally:
        stop_watching.set()
        watcher.join()
    values_held = [v for v in seen if v != "<down>"]
    assert values_held[values_held.index("during the outage 3") :] == ["during the outage 3"], seen
    print(f"\nvalues Redis held while the session caught up: {seen}")

    type_into(page, "banner", "after the outage")  # the session works on as before
    eventually(lambda: store.values("live_app"), {"banner": "after the outage"}, "a write after")
    expect_line(page, "banner=after the outage")
    expect_no_streamlit_exception(page)


def test_fifty_sessions_stay_within_the_connection_budget(stack: ExitStack, new_context: NewContext) -> None:
    """One replica, 50 sessions all rerun at once by a push: Redis sees a bounded client count."""
    server = stack.enter_context(RedisServer())  # its own: every client but the monitor is the replica's
    (app,) = replicas(stack, APPS / "live_app.py", f"{server.url}?prefix=budget", count=1)
    context = new_context()
    pages = []
    for _ in range(SESSIONS):
        page = context.new_page()
        page.goto(app.url)
        pages.append(page)
    for page in pages:
        expect_line(page, "banner=", timeout=60_000)

    monitor = redis.Redis(host="127.0.0.1", port=server.port)
    peak = 0
    stop_watching = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop_watching.is_set():
            clients = int(monitor.info("clients")["connected_clients"]) - 1  # not the monitor
            peak = max(peak, clients)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        type_into(pages[0], "banner", "to all fifty")
        for page in pages:
            expect_line(page, "banner=to all fifty", timeout=60_000)
    finally:
        stop_watching.set()
        watcher.join()
    monitor.close()
    print(f"\n{SESSIONS} sessions on one replica, one push to all: peak {peak} Redis connections")
    assert peak <= MAX_CONNECTIONS, peak
    for page in pages:
        expect_no_streamlit_exception(page)
