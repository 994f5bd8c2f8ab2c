"""Real-browser tests of issue 11: server-side values pushed live, atomic across processes,
kept across restarts, and store faults that never break the page.

- ``apps/live_app.py``: ``persist(["banner"], storage="app")`` with a text input, and
  ``visits = sp.shared("visits", default=0)`` with a "Visit" button (``visits.update``). It
  renders ``banner=...``, ``visits=...``, every ``p.errors`` record (``error <kind> <key>: ...``)
  and every ``visits.errors`` record (``shared error <kind> ...``).
- ``apps/live_counter_app.py``: "Start" runs 4 threads x 500 ``counter.update(lambda n: n + 1)``
  on one ``Shared`` handle, joins them and shows ``done 2000 in <s> s``.

Every test gets its own SQLite store in ``tmp_path`` (``STREAMLIT_PERSIST_STORE``), hence its
own server(s). Two browser contexts are two users; a page is never reloaded unless said so.
Latencies are measured in the browser, on one clock shared by every page of the browser
(``performance.timeOrigin + performance.now()``): from the user's action in page A (the Enter
key, the click) to the moment a MutationObserver in page B sees the new text.

Run counts are read once the pages are idle AND stayed idle for :data:`QUIET_MS` (a live rerun
starts a moment after the change that caused it, so a plain "notRunning" wait would miss it).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from streamlit_persist import _envelope
from tests.e2e.browser_helpers import WATCH_TEXT_JS, expect_line
from tests.support.fixtures import NewContext, StreamlitAppFactory
from tests.support.pages import element_by_key, expect_no_streamlit_exception, read_runs, wait_for_app
from tests.support.streamlit_server import StreamlitServer

pytestmark = pytest.mark.e2e

LIVE_APP: Final = "live_app.py"
LIVE_NS: Final = "live_app"  # the app's file stem: persist()'s and sp.shared()'s default namespace
COUNTER_APP: Final = "live_counter_app.py"
COUNTER_NS: Final = "live_counter_app"
THREADS: Final = 4  # apps/live_counter_app.py
PER_THREAD: Final = 500

LOAD_MS: Final = 20_000
QUIET_MS: Final = 1_500  # no further run may start in this window (measuring that nothing happens)
STILL_MS: Final = 3_000  # after the changes stop, no session reruns for this long (no rerun loop)
LIVE_BUDGET_MS: Final = 1_000  # issue 11: a change shows in the other session within a second
CHANGES: Final = 5  # changes measured per kind
BURST: Final = 5  # quick clicks
BURST_MAX_RERUNS: Final = 3  # "a few": a burst of 5 changes costs the other session at most 3 runs
BUSY_TIMEOUT_S: Final = 5.0  # the SQLite store's busy timeout
LOCK_HOLD_S: Final = 7.0  # longer than the busy timeout: the write must fail
COUNT_MS: Final = 60_000  # 4,000 increments on this machine take a few seconds

_MISSING: Final = object()

# window.__spActed: when the user last pressed Enter or clicked (capture phase, before Streamlit
# sees it); window.__spWatch(text) arms a MutationObserver that stamps window.__spSeen when
# `text` first appears; window.__spLoad identifies the page load (a reload changes it).
_INSTRUMENT_JS: Final = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__spLoad = Math.random();
  window.__spActed = null;
  const acted = (event) => {
    if (event.type === "click" || event.key === "Enter") window.__spActed = now();
  };
  document.addEventListener("keydown", acted, true);
  document.addEventListener("click", acted, true);
""" + WATCH_TEXT_JS + """})();
"""


# --- the store, read from the test process -------------------------------------------------------


def store_url(path: Path) -> str:
    """The ``STREAMLIT_PERSIST_STORE`` of a server using the SQLite file ``path``."""
    return f"sqlite:///{path}"


def stored_value(path: Path, namespace: str, scope: str, key: str) -> Any:
    """The value the store holds for an app-wide ``key`` (``_MISSING`` when none), authenticated
    against its context exactly as the app opens it."""
    if not path.exists():
        return _MISSING
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        row = db.execute(
            "SELECT token FROM entries WHERE namespace=? AND scope=? AND owner='' AND key=? AND token IS NOT NULL",
            (namespace, scope, key),
        ).fetchone()
    finally:
        db.close()
    if row is None:
        return _MISSING
    context = _envelope.Context("store", f"{namespace}/{scope}", key)
    return _envelope.open_token(row[0], context).value()


def wait_until(page: Page, predicate: Callable[[], bool], what: str, *, timeout_ms: int = LOAD_MS) -> None:
    """Poll a Python predicate (the store, seen from the test process) until it holds."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for {what}")
        page.wait_for_timeout(50)


# --- pages ---------------------------------------------------------------------------------------


def open_live_page(new_context: NewContext, server: StreamlitServer) -> Page:
    """A user: a fresh browser context with one page of the app, loaded and idle."""
    context: BrowserContext = new_context()
    context.add_init_script(_INSTRUMENT_JS)
    page = context.new_page()
    page.goto(server.url)
    expect_line(page, "hydrated=True", timeout=LOAD_MS)
    wait_for_app(page, timeout=LOAD_MS)
    return page


def banner_input(page: Page) -> Locator:
    return element_by_key(page, "banner").locator("input")


def set_banner(page: Page, text: str) -> None:
    """Type a banner and commit it with Enter, as a user does."""
    field = banner_input(page)
    field.fill(text)
    field.press("Enter")


def click_visit(page: Page) -> None:
    element_by_key(page, "visit").get_by_role("button").click()


def text_line_starting(page: Page, prefix: str) -> Locator:
    return page.get_by_test_id("stText").filter(has_text=re.compile("^" + re.escape(prefix)))


def settled_runs(*pages: Page) -> list[int]:
    """The run counters once every page is idle and stayed idle for :data:`QUIET_MS`."""
    for page in pages:
        wait_for_app(page, timeout=LOAD_MS)
    pages[0].wait_for_timeout(QUIET_MS)
    for page in pages:
        wait_for_app(page, timeout=LOAD_MS)
    return [read_runs(page) for page in pages]


def stays_still(*pages: Page) -> list[str]:
    """Problems when any page reruns within :data:`STILL_MS` (a measured absence: a plain wait)."""
    before = settled_runs(*pages)
    pages[0].wait_for_timeout(STILL_MS)
    after = [read_runs(page) for page in pages]
    return [
        f"page {name} kept rerunning after the changes stopped: runs {b} -> {a} in {STILL_MS} ms"
        for name, b, a in zip("AB", before, after, strict=False)
        if a != b
    ]


def change_and_measure(source: Page, target: Page, act: Callable[[], None], line: str) -> float:
    """Do ``act`` in ``source``; ms from the user's action there to ``line`` showing in ``target``."""
    target.evaluate("(t) => window.__spWatch(t)", line)
    source.evaluate("window.__spActed = null")
    act()
    expect_line(source, line)
    expect_line(target, line, timeout=LOAD_MS)  # generous: the latency is asserted with its value
    target.wait_for_function("() => window.__spSeen !== null", timeout=LOAD_MS)
    seen: float = target.evaluate("window.__spSeen")
    acted: float | None = source.evaluate("window.__spActed")
    assert acted is not None, "the action in page A was not seen (no Enter key, no click)"
    return seen - acted


_CLICK_AT_JS: Final = """([key, at]) => {
  const button = document.querySelector(`.st-key-${key} button`);
  setTimeout(() => button.click(), Math.max(0, at - Date.now()));
}"""


def latency_summary(what: str, latencies: list[float]) -> str:
    shown = ", ".join(f"{ms:.0f}" for ms in latencies)
    return (
        f"{what}: A -> B median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms "
        f"over {len(latencies)} changes ({shown} ms)"
    )


def live_server(streamlit_app: StreamlitAppFactory, tmp_path: Path) -> tuple[StreamlitServer, Path]:
    path = tmp_path / "persist.sqlite3"
    return streamlit_app(LIVE_APP, STREAMLIT_PERSIST_STORE=store_url(path)), path


# --- 1. live push ----------------------------------------------------------------------------------


class TestLivePush:
    def test_a_banner_change_shows_in_the_other_session_within_a_second(
        self, streamlit_app: StreamlitAppFactory, new_context: NewContext, tmp_path: Path
    ) -> None:
        """storage="app": B shows A's banner without a reload, within 1 s; A's own change costs A
        exactly one run (the writer is not rerun by its own write) and B one run."""
        server, path = live_server(streamlit_app, tmp_path)
        page_a, page_b = open_live_page(new_context, server), open_live_page(new_context, server)
        load_b = page_b.evaluate("window.__spLoad")
        latencies: list[float] = []
        problems: list[str] = []
        for n in range(1, CHANGES + 1):
            runs_a, runs_b = settled_runs(page_a, page_b)
            banner = f"banner {n} of {CHANGES}"
            latencies.append(
                change_and_measure(page_a, page_b, functools.partial(set_banner, page_a, banner), f"banner={banner}")
            )
            expect(banner_input(page_b)).to_have_value(banner)
            after_a, after_b = settled_runs(page_a, page_b)
            if after_a - runs_a != 1:
                problems.append(f"change {n}: A (the writer) took {after_a - runs_a} runs for its own change, not 1")
            if after_b - runs_b != 1:
                problems.append(f"change {n}: B took {after_b - runs_b} runs for one change, not 1")
        print("\n" + latency_summary("banner (storage='app')", latencies))
        assert page_b.evaluate("window.__spLoad") == load_b, "page B was reloaded"
        assert stored_value(path, LIVE_NS, "app", "banner") == f"banner {CHANGES} of {CHANGES}"
        problems += stays_still(page_a, page_b)
        slow = [f"{ms:.0f} ms" for ms in latencies if ms >= LIVE_BUDGET_MS]
        if slow:
            problems.append(f"changes reached B in {', '.join(slow)} (budget {LIVE_BUDGET_MS} ms)")
        for page in (page_a, page_b):
            expect_no_streamlit_exception(page)
        assert not problems, "\n".join(problems)

    def test_a_shared_counter_shows_in_the_other_session_within_a_second(
        self, streamlit_app: StreamlitAppFactory, new_context: NewContext, tmp_path: Path
    ) -> None:
        """sp.shared: a click in A shows the new count in B without a reload, within 1 s; the
        click costs A exactly one run and B one run."""
        server, path = live_server(streamlit_app, tmp_path)
        page_a, page_b = open_live_page(new_context, server), open_live_page(new_context, server)
        expect_line(page_b, "visits=0")
        load_b = page_b.evaluate("window.__spLoad")
        latencies: list[float] = []
        problems: list[str] = []
        for n in range(1, CHANGES + 1):
            runs_a, runs_b = settled_runs(page_a, page_b)
            latencies.append(change_and_measure(page_a, page_b, lambda: click_visit(page_a), f"visits={n}"))
            after_a, after_b = settled_runs(page_a, page_b)
            if after_a - runs_a != 1:
                problems.append(f"click {n}: A (the writer) took {after_a - runs_a} runs for its own click, not 1")
            if after_b - runs_b != 1:
                problems.append(f"click {n}: B took {after_b - runs_b} runs for one change, not 1")
        print("\n" + latency_summary("visits (sp.shared)", latencies))
        assert page_b.evaluate("window.__spLoad") == load_b, "page B was reloaded"
        assert stored_value(path, LIVE_NS, "shared", "visits") == CHANGES
        problems += stays_still(page_a, page_b)
        slow = [f"{ms:.0f} ms" for ms in latencies if ms >= LIVE_BUDGET_MS]
        if slow:
            problems.append(f"changes reached B in {', '.join(slow)} (budget {LIVE_BUDGET_MS} ms)")
        for page in (page_a, page_b):
            expect_no_streamlit_exception(page)
        assert not problems, "\n".join(problems)

    def test_a_burst_of_clicks_costs_the_other_session_a_few_runs(
        self, streamlit_app: StreamlitAppFactory, new_context: NewContext, tmp_path: Path
    ) -> None:
        """5 quick clicks in A (no wait in between): B ends on the value A and the store hold,
        having rerun at most :data:`BURST_MAX_RERUNS` times, and then both sessions stay still.

        How many of the clicks count is Streamlit's business: a click that arrives while the
        previous one's run is starting can stop that run before its callback (plain Streamlit,
        no persistence, does this too on a loaded machine). What counted must be the same
        everywhere."""
        server, path = live_server(streamlit_app, tmp_path)
        page_a, page_b = open_live_page(new_context, server), open_live_page(new_context, server)
        click_visit(page_a)  # one change first: both sessions have run with a stored value
        expect_line(page_b, "visits=1")
        runs_a, runs_b = settled_runs(page_a, page_b)
        button = element_by_key(page_a, "visit").get_by_role("button")
        for _ in range(BURST):
            button.click()
        expect(text_line_starting(page_a, "visits=")).not_to_have_text("visits=1")
        after_a, after_b = settled_runs(page_a, page_b)
        final = int(text_line_starting(page_a, "visits=").inner_text().strip().removeprefix("visits="))
        print(
            f"\nburst of {BURST} clicks: {final - 1} counted; A ran {after_a - runs_a} times, "
            f"B ran {after_b - runs_b} times"
        )
        assert 1 < final <= 1 + BURST
        assert stored_value(path, LIVE_NS, "shared", "visits") == final, "A shows another count than the store"
        expect_line(page_b, f"visits={final}", timeout=1_000)  # B settled on the right value
        assert after_b - runs_b <= BURST_MAX_RERUNS, (
            f"{final - 1} quick changes cost B {after_b - runs_b} runs (at most {BURST_MAX_RERUNS}: coalesced)"
        )
        problems = stays_still(page_a, page_b)
        expect_line(page_a, f"visits={final}", timeout=1_000)
        expect_line(page_b, f"visits={final}", timeout=1_000)
        for page in (page_a, page_b):
            expect_no_streamlit_exception(page)
        assert not problems, "\n".join(problems)


# --- 2. atomic across processes --------------------------------------------------------------------


def test_updates_from_two_servers_on_one_store_are_all_counted(
    streamlit_app: StreamlitAppFactory, new_context: NewContext, tmp_path: Path
) -> None:
    """Two `streamlit run` processes on one SQLite file; "Start" in a page of each at once: 2 x 4
    threads x 500 atomic increments end at exactly 4,000, and each page shows "done"."""
    path = tmp_path / "persist.sqlite3"
    servers = [streamlit_app(COUNTER_APP, SP_SERVER=str(n), STREAMLIT_PERSIST_STORE=store_url(path)) for n in (1, 2)]
    assert servers[0].port != servers[1].port
    pages: list[Page] = []
    for server in servers:
        page = new_context().new_page()
        page.goto(server.url)
        expect_line(page, "counter=0", timeout=LOAD_MS)
        wait_for_app(page, timeout=LOAD_MS)
        pages.append(page)
    expected = 2 * THREADS * PER_THREAD

    # Both clicks at one instant: each page clicks at the same time of the browser's clock.
    go_at: float = pages[0].evaluate("Date.now()") + 500
    for page in pages:
        page.evaluate(_CLICK_AT_JS, ["start", go_at])
    started = time.perf_counter() + max(0.0, (go_at - pages[0].evaluate("Date.now()")) / 1000)
    # A lost update leaves the count short of 4,000 for good; the wait then fails with its value.
    seen: list[Any] = [None]

    def counted() -> bool:
        seen[0] = stored_value(path, COUNTER_NS, "shared", "counter")
        return bool(seen[0] == expected)

    try:
        wait_until(pages[0], counted, f"the store to count {expected}", timeout_ms=COUNT_MS)
    except AssertionError:
        raise AssertionError(f"the store holds {seen[0]!r} after {COUNT_MS} ms, not {expected}") from None
    elapsed = time.perf_counter() - started
    print(
        f"\n{expected} increments from 2 processes x {THREADS} threads: the store counted {seen[0]} "
        f"{elapsed:.2f} s after the clicks ({expected / elapsed:,.0f} increments/s, seen from the test)"
    )

    done = re.compile(rf"^done {THREADS * PER_THREAD} in [0-9.]+ s \(([0-9.]+)-([0-9.]+)\)$")
    spans: list[tuple[float, float]] = []
    for n, page in enumerate(pages, start=1):
        line = page.get_by_test_id("stText").filter(has_text=done)
        expect(line, f"server {n}'s page never showed 'done' for its click").to_be_visible(timeout=LOAD_MS)
        match = done.match(line.inner_text().strip())
        assert match is not None
        spans.append((float(match.group(1)), float(match.group(2))))
        print(f"server {n}: {line.inner_text()}")
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    overlap = min(e for _, e in spans) - max(s for s, _ in spans)
    print(
        f"work from the first thread's start to the last one's end: {last - first:.3f} s, "
        f"{expected / (last - first):,.0f} increments/s; the two servers overlapped {overlap:.3f} s"
    )
    assert overlap > 0, f"the servers did not work at the same time: {spans}"
    page_a = pages[0]
    page_a.wait_for_timeout(1_000)  # a straggling update would show here
    assert stored_value(path, COUNTER_NS, "shared", "counter") == expected
    fresh = new_context().new_page()
    fresh.goto(servers[1].url)
    expect_line(fresh, f"counter={expected}", timeout=LOAD_MS)
    for page in [*pages, fresh]:
        expect_no_streamlit_exception(page)
        expect(text_line_starting(page, "shared error")).to_have_count(0)


# --- 3. restart -------------------------------------------------------------------------------------


def test_a_restarted_server_keeps_every_value(
    streamlit_app: StreamlitAppFactory, new_context: NewContext, tmp_path: Path
) -> None:
    """An app-scope value and a shared value survive stopping the server and starting a new one
    on the same store; a fresh browser context sees both on its first page load."""
    server, path = live_server(streamlit_app, tmp_path)
    page = open_live_page(new_context, server)
    set_banner(page, "kept across a restart")
    expect_line(page, "banner=kept across a restart")
    for n in (1, 2, 3):
        click_visit(page)
        expect_line(page, f"visits={n}")
    wait_for_app(page, timeout=LOAD_MS)
    wait_until(
        page,
        lambda: (
            stored_value(path, LIVE_NS, "app", "banner") == "kept across a restart"
            and stored_value(path, LIVE_NS, "shared", "visits") == 3
        ),
        "both values in the store",
    )
    page.context.close()  # before the server goes: no page left talking to it
    server.stop()
    assert not server.running

    restarted = streamlit_app(LIVE_APP, STREAMLIT_PERSIST_STORE=store_url(path))  # the factory starts a new process
    assert restarted is not server
    assert restarted.running
    fresh = open_live_page(new_context, restarted)
    expect_line(fresh, "banner=kept across a restart")
    expect(banner_input(fresh)).to_have_value("kept across a restart")
    expect_line(fresh, "visits=3")
    expect(text_line_starting(fresh, "error")).to_have_count(0)
    expect(text_line_starting(fresh, "shared error")).to_have_count(0)
    expect_no_streamlit_exception(fresh)


# --- 4. faults --------------------------------------------------------------------------------------


class TestStoreFaults:
    def test_a_locked_store_is_reported_and_the_change_lands_once_it_is_free(
        self, streamlit_app: StreamlitAppFactory, new_context: NewContext, tmp_path: Path
    ) -> None:
        """Another connection holds the store's write lock for longer than its busy timeout while
        the user changes the banner: no exception box, the page renders the change and reports a
        "store" error while the store is locked; once free, the change reaches the store."""
        server, path = live_server(streamlit_app, tmp_path)
        page = open_live_page(new_context, server)
        set_banner(page, "before the lock")
        expect_line(page, "banner=before the lock")
        wait_for_app(page, timeout=LOAD_MS)
        wait_until(page, lambda: stored_value(path, LIVE_NS, "app", "banner") == "before the lock", "the first banner")
        store_error = text_line_starting(page, "error store banner")
        expect(store_error).to_have_count(0)

        problems: list[str] = []
        holder = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            locked_at = time.monotonic()
            set_banner(page, "during the lock")
            expect_line(page, "banner=during the lock", timeout=LOAD_MS)  # rendered (after the busy timeout)
            rendered_after = time.monotonic() - locked_at
            expect_no_streamlit_exception(page)
            remaining_ms = max(1.0, (LOCK_HOLD_S - (time.monotonic() - locked_at)) * 1000)
            try:
                expect(store_error).to_be_visible(timeout=remaining_ms)
            except AssertionError:
                problems.append(
                    f"no 'store' error was rendered while the store was locked (the change rendered "
                    f"{rendered_after:.1f} s after locking; the lock was held {LOCK_HOLD_S:.0f} s)"
                )
            (held,) = holder.execute(
                "SELECT token FROM entries WHERE namespace=? AND scope='app' AND owner='' AND key='banner'",
                (LIVE_NS,),
            ).fetchone()
            assert "before the lock" in held, "the write got through the lock: the test did not lock the store"
            page.wait_for_timeout(max(0.0, (LOCK_HOLD_S - (time.monotonic() - locked_at)) * 1000))
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        print(
            f"\nlocked store: the change rendered {rendered_after:.1f} s after locking (busy timeout {BUSY_TIMEOUT_S:.0f} s)"
        )

        click_visit(page)  # one more interaction
        expect_line(page, "visits=1")
        wait_until(
            page,
            lambda: stored_value(path, LIVE_NS, "app", "banner") == "during the lock",
            "the banner changed during the lock to reach the store",
        )
        expect_line(page, "banner=during the lock")
        expect(store_error).to_be_visible(timeout=LOAD_MS)  # reported at the latest now
        expect_no_streamlit_exception(page)
        assert not problems, "\n".join(problems)

    def test_a_corrupt_store_file_is_reported_not_raised(
        self, streamlit_app: StreamlitAppFactory, new_context: NewContext, tmp_path: Path
    ) -> None:
        """The store file holds garbage before the server starts: the page renders without an
        exception box, and both persist() and sp.shared() report a "store" error."""
        path = tmp_path / "persist.sqlite3"
        path.write_bytes(b"this is not an SQLite database\n" * 512)
        server = streamlit_app(LIVE_APP, STREAMLIT_PERSIST_STORE=store_url(path))
        page = new_context().new_page()
        page.goto(server.url)
        expect(element_by_key(page, "sp-runs")).to_be_visible(timeout=LOAD_MS)
        wait_for_app(page, timeout=LOAD_MS)
        expect_no_streamlit_exception(page)
        expect(banner_input(page)).to_be_visible()
        expect(text_line_starting(page, "error store").first).to_be_visible()
        expect(text_line_starting(page, "shared error store visits").first).to_be_visible()

        set_banner(page, "typed on a corrupt store")  # using the page still works
        expect_line(page, "banner=typed on a corrupt store")
        click_visit(page)
        wait_for_app(page, timeout=LOAD_MS)
        expect_no_streamlit_exception(page)
        expect(text_line_starting(page, "shared error store visits").first).to_be_visible()
        expect_line(page, "visits=0")  # unreadable: the default
