"""Server-scope benchmark: atomic increments, live push, and a signed-in user's return visit.

Each part runs on every backend chosen (``--backends``, default ``sqlite,redis``): SQLite is a
fresh file in a temporary folder, Redis a ``redis-server`` this runner starts on a free loopback
port (:mod:`tests.support.redis_server`), each system on a store of its own
(:class:`~streamlit_persist.testing.TemporaryStore`). Within a part every system is warmed up
(one unmeasured trial; two changes for push), then alternates round-robin with the others (the
order rotates each round); tables give medians. What a part starts (servers, stores, browser
contexts) stops before the next part starts.

What is measured
----------------
1. **Atomic increments** (``apps/server_counter_app.py``). Two ``streamlit run`` processes on one
   store; in each, a page clicks "Start" at the same instant (a ``setTimeout`` on the clock both
   pages share), which runs 4 threads x N ``sp.shared("counter").update(lambda n: n + 1)``.
   ``increments/s`` = 2 x 4 x N over the time from the first thread's start to the last one's
   end (epoch seconds the apps print). After each round the store must hold exactly the sum of
   every round's increments, and each page must come to show it (a push): ``exact``. ``runs``:
   script runs the round cost the pages (the click's run and the reruns that pushes caused). Also
   one process alone (its own store), and streamlit-server-state 0.20.2
   (``apps/sss_counter_app.py``, ``with server_state_lock["counter"]: server_state["counter"] += 1``)
   in ONE process: its state is the memory of one process, so it cannot count across two (there
   is no 2-process figure for it). Each of its writes reruns the session that shows the value; a
   worker thread that raises (the server log tells) leaves the count short: not ``exact``.
2. **Push latency** (``apps/server_push_app.py``, ``sp.persist(["banner"], storage="app")``).
   Page A types a banner and presses Enter; page B (another browser context: another user)
   shows ``banner=<text>`` without a reload. ``ms``: from A's Enter keydown (capture phase) to
   the MutationObserver in B seeing the text, on the clock all pages of one browser share
   (``performance.timeOrigin + performance.now()``). Systems: A and B on two processes of one
   store ("2 processes": two processes on one SQLite file / one Redis), A and B on one process,
   and streamlit-server-state (``apps/sss_push_app.py``, an ``on_change`` callback writing
   ``server_state``) on one process, the only case it supports. ``B runs``: script runs in B
   per change (read before each change; every system's pages are idle by then).
3. **Return visit, signed in** (``apps/signed_in_app.py``; scenarios of :mod:`benchmarks.scenarios`:
   ``A`` 20 keys x 100 B, ``B`` 20 keys x 50 KB ~ 1 MB). Every system's server has ``[auth]``
   secrets pointing at a local OpenID Connect provider (:mod:`tests.support.oidc`). Per system and
   scenario, one browser context signs in once (its own user), seeds the values with a
   ``mode=seed`` visit (the app's own write path; the runner waits until the store, or
   localStorage, holds them) and checks them with an unmeasured visit. Each round then opens a
   new page of that context (signed in by the auth cookie; warm HTTP cache, the same for every
   system): ``ms`` from navigation start until the last key's value is in the DOM, and the
   script runs until then (as ``bench_restore.py``), ``runs settled`` once idle, and the time
   the last run's ``sp.persist()`` call took on the server (the app's ``persist_ms`` caption).
   Systems: the floor (``none``: values from constants), ``storage="local"`` (browser storage:
   the boot cookie holds at most 2,048 bytes, so a larger state takes one extra run) and
   ``storage="user"`` per backend. Goal (issue): ``user`` in 1 run, <= 1.05x the floor.

Loads (``os.getloadavg()``) are recorded at the start and after each part: other work may share
this 2-core machine; compare ratios and run counts rather than raw times.

Usage
-----
::

    .venv/bin/python benchmarks/bench_server.py                    # all parts, both backends
    .venv/bin/python benchmarks/bench_server.py --parts push --backends sqlite --changes 30
    .venv/bin/python benchmarks/bench_server.py --count-rounds 9 --per-thread 1000 --visit-rounds 15

Writes ``benchmarks/results/server.json``. Needs ``redis-server`` for the Redis backend and
streamlit-server-state (``pip install --group bench``) for its rows (skipped with a note if absent).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

if __package__ != "benchmarks":  # run as a file: only benchmarks/ is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from benchmarks.bench_restore import _OBSERVER_JS, _page_shows_values
from benchmarks.common import fmt, median_of, run_meta, write_results
from benchmarks.scenarios import SCENARIOS, Scenario, restored_marker, values
from streamlit_persist.testing import TemporaryStore
from tests.support.apps import RUNS_SELECTOR
from tests.support.browser import launch_chromium
from tests.support.oidc import OidcProvider, auth_secrets, keep_on_loopback, sign_in_at_provider
from tests.support.pages import element_by_key, read_runs, wait_for_app
from tests.support.redis_server import RedisServer
from tests.support.streamlit_server import StreamlitServer, free_port

APPS_DIR: Final = Path(__file__).resolve().parent / "apps"
RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "server.json"
TIMEOUT_MS: Final = 60_000
COUNT_TIMEOUT_MS: Final = 120_000
THREADS: Final = 4  # apps/server_counter_app.py, apps/sss_counter_app.py
QUIET_MS: Final = 1_500
GOAL_RATIO: Final = 1.05
BACKENDS: Final = ("sqlite", "redis")
PARTS: Final = ("increments", "push", "visit")

# Every page: __spActed (Enter/click, capture phase), __spWatch(text) arms __spSeen, on the clock
# every page of the browser shares.
_INSTRUMENT_JS: Final = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__spActed = null;
  const acted = (event) => { if (event.type === "click" || event.key === "Enter") window.__spActed = now(); };
  document.addEventListener("keydown", acted, true);
  document.addEventListener("click", acted, true);
  window.__spSeen = null;
  let target = null;
  const check = () => {
    if (target !== null && window.__spSeen === null && document.body
        && document.body.textContent.includes(target)) window.__spSeen = now();
  };
  window.__spWatch = (text) => { target = text; window.__spSeen = null; check(); };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""
# The button is looked up when the time comes: a rerun in between may have replaced it.
_CLICK_AT_JS: Final = """([key, at]) => {
  setTimeout(() => document.querySelector(`.st-key-${key} button`).click(), Math.max(0, at - Date.now()));
}"""
_DONE: Final = re.compile(r"done#(\d+) (\d+) in [\d.]+ s \(([\d.]+)-([\d.]+)\)")
_HAS_SSS: Final = importlib.util.find_spec("streamlit_server_state") is not None

T = TypeVar("T")


def percentile(numbers: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (``fraction`` 0.9: p90); ``None`` when empty."""
    if not numbers:
        return None
    ordered = sorted(numbers)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def page_has(page: Page, text: str, timeout_ms: float = TIMEOUT_MS) -> None:
    page.wait_for_function("t => document.body && document.body.innerText.includes(t)", arg=text, timeout=timeout_ms)


def open_page(context: BrowserContext, url: str, ready: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page_has(page, ready)
    wait_for_app(page, timeout=TIMEOUT_MS)
    return page


@dataclass
class Run:
    """What a part needs: the browser, Redis, and ``stack``, the part's own: what a part starts
    (stores, servers, browser contexts) ends with it, so the next part runs on a quiet machine."""

    browser: Browser
    redis: RedisServer | None
    errors: list[str] = field(default_factory=list)
    stack: ExitStack = field(default_factory=ExitStack)
    servers: list[StreamlitServer] = field(default_factory=list)

    def store(self, backend: str) -> TemporaryStore:
        """A fresh store on ``backend``."""
        store = TemporaryStore(self.redis.url if backend == "redis" and self.redis else None)
        return self.stack.enter_context(store)

    def context(self) -> BrowserContext:
        """A browser context whose pages are instrumented (``_INSTRUMENT_JS``) and log errors here."""
        context = self.browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(_INSTRUMENT_JS)
        context.on(
            "page", lambda p: p.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        )
        self.stack.callback(context.close)
        return context

    def server(
        self, app: str, env: dict[str, str] | None = None, cwd: Path | None = None, port: int | None = None
    ) -> StreamlitServer:
        server = StreamlitServer(APPS_DIR / app, env=env, cwd=cwd, port=port)
        self.servers.append(server)
        self.stack.enter_context(server)
        return server

    def logs_tail(self) -> str:
        return "\n".join(f"--- {s.app.name}:{s.port}\n" + "\n".join(s.logs().splitlines()[-15:]) for s in self.servers)


def fill_runs(samples: Sequence[CountSample | PushSample], pages: Sequence[Page]) -> None:
    """Each sample's ``runs``: the next sample's ``runs_before`` (the pages' runs now, for the last
    one) minus its own. Read before each trial, when every page of the part is idle (the systems
    alternate, so the previous trial's trailing reruns are long over)."""
    for page in pages:
        wait_for_app(page, timeout=TIMEOUT_MS)
    after = [s.runs_before for s in samples[1:]] + [sum(read_runs(page) for page in pages)]
    for sample, next_before in zip(samples, after, strict=True):
        sample.runs = next_before - sample.runs_before


def rounds_of(systems: Sequence[T], rounds: int, what: str) -> Iterator[T]:
    """Every system once per round, round-robin, the order rotating by one each round."""
    for round_ in range(rounds):
        shift = round_ % len(systems)
        yield from [*systems[shift:], *systems[:shift]]
        print(f"{what}: round {round_ + 1}/{rounds} done", file=sys.stderr)


# --- 1. atomic increments -----------------------------------------------------------------------


@dataclass
class CountSample:
    increments: int
    seconds: float
    per_second: float
    overlap: bool  # every process's work overlapped every other's
    exact: bool
    seen: str  # what the store and the pages held when not exact
    runs_before: int  # script runs of the pages so far (all pages idle)
    runs: int | None = None  # script runs the round cost its pages (see fill_runs)


@dataclass
class CountSystem:
    name: str
    label: str
    backend: str | None
    processes: int
    pages: list[Page]
    store: TemporaryStore | None
    total: int = 0
    clicks: int = 0
    samples: list[CountSample] = field(default_factory=list)


def count_trial(system: CountSystem, per_thread: int) -> CountSample:
    for page in system.pages:
        wait_for_app(page, timeout=TIMEOUT_MS)
    runs_before = sum(read_runs(page) for page in system.pages)
    system.clicks += 1
    at = system.pages[0].evaluate("Date.now()") + 400
    for page in system.pages:
        page.evaluate(_CLICK_AT_JS, ["start", at])
    spans: list[tuple[float, float]] = []
    for page in system.pages:
        line = page.get_by_test_id("stText").filter(has_text=f"done#{system.clicks} ")
        try:
            line.wait_for(timeout=COUNT_TIMEOUT_MS)
        except Exception as e:
            shown = [p.inner_text("body").replace("\n", " | ") for p in system.pages]
            raise AssertionError(f"{system.name}: click {system.clicks} never finished; pages show {shown}") from e
        match = _DONE.search(line.inner_text())
        assert match is not None, line.inner_text()
        spans.append((float(match.group(3)), float(match.group(4))))
    increments = len(system.pages) * THREADS * per_thread
    system.total += increments
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    seen: list[str] = []
    if system.store is not None:
        held = system.store.values("server_counter_app", scope="shared").get("counter")
        if held != system.total:
            seen.append(f"store={held}")
    for page in system.pages:  # each page comes to show the total (the other process's is a push)
        try:
            page_has(page, f"counter={system.total}", 20_000)
        except Exception:
            seen.append(page.get_by_test_id("stText").filter(has_text="counter=").first.inner_text())
    if seen:  # judge the next rounds on their own increments
        seen.append(f"expected {system.total}")
        held_now = re.search(r"\d+$", seen[0])
        system.total = int(held_now.group()) if held_now else system.total
    return CountSample(
        increments=increments,
        seconds=seconds,
        per_second=increments / seconds,
        overlap=max(s for s, _ in spans) < min(e for _, e in spans),
        exact=not seen,
        seen=", ".join(seen),
        runs_before=runs_before,
    )


def run_increments(run: Run, backends: Sequence[str], rounds: int, per_thread: int) -> list[CountSystem]:
    env = {"SP_BENCH_PER_THREAD": str(per_thread)}
    systems: list[CountSystem] = []

    def pages_on(servers: list[StreamlitServer]) -> list[Page]:
        return [open_page(run.context(), s.url, "counter=") for s in servers]

    for backend in backends:
        store = run.store(backend)
        pair = [run.server("server_counter_app.py", {"STREAMLIT_PERSIST_STORE": store.url, **env}) for _ in range(2)]
        label = f"streamlit-persist sp.shared, 2 processes, {backend}"
        systems.append(CountSystem(f"ours-2proc-{backend}", label, backend, 2, pages_on(pair), store))
        alone = run.store(backend)
        single = run.server("server_counter_app.py", {"STREAMLIT_PERSIST_STORE": alone.url, **env})
        label = f"streamlit-persist sp.shared, 1 process, {backend}"
        systems.append(CountSystem(f"ours-1proc-{backend}", label, backend, 1, pages_on([single]), alone))
    if _HAS_SSS:
        sss = run.server("sss_counter_app.py", env)
        label = "streamlit-server-state 0.20.2, 1 process (cannot span 2)"
        systems.append(CountSystem("sss-1proc", label, None, 1, pages_on([sss]), None))
    else:
        print("note: streamlit-server-state is not installed (pip install --group bench): its rows are skipped")
    for system in systems:  # warm-up: imports, connections, the first update's costs
        count_trial(system, per_thread)
    for system in rounds_of(systems, rounds, "increments"):
        system.samples.append(count_trial(system, per_thread))
    systems[0].pages[0].wait_for_timeout(QUIET_MS)
    for system in systems:
        fill_runs(system.samples, system.pages)
    return systems


def increments_table(systems: Sequence[CountSystem]) -> str:
    lines = [
        "| system | increments per round | increments/s (median) | min-max /s | s per round (median) | all exact "
        "| processes overlapped | script runs per round (median) |",
        "|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for s in systems:
        rates = [x.per_second for x in s.samples]
        spread = f"{min(rates):.0f}-{max(rates):.0f}" if rates else "n/a"
        exact = "yes" if all(x.exact for x in s.samples) else "NO: " + "; ".join(x.seen for x in s.samples if x.seen)
        increments = s.samples[0].increments if s.samples else 0
        overlapped = "n/a" if s.processes == 1 else f"{sum(x.overlap for x in s.samples)}/{len(s.samples)}"
        lines.append(
            f"| {s.label} | {increments:,} | {fmt(median_of(s.samples, 'per_second'), ',.0f')} | {spread} "
            f"| {fmt(median_of(s.samples, 'seconds'), '.2f')} | {exact} "
            f"| {overlapped} | {fmt(median_of(s.samples, 'runs'), 'g')} |"
        )
    return "\n".join(lines)


# --- 2. push latency ----------------------------------------------------------------------------


@dataclass
class PushSample:
    ms: float
    runs_before: int  # page B's script runs so far (idle)
    runs: int | None = None  # script runs the change cost page B (see fill_runs)


@dataclass
class PushSystem:
    name: str
    label: str
    writer: Page
    reader: Page
    changes: int = 0
    samples: list[PushSample] = field(default_factory=list)


def push_trial(system: PushSystem) -> PushSample:
    for page in (system.writer, system.reader):
        wait_for_app(page, timeout=TIMEOUT_MS)
    system.changes += 1
    text = f"{system.name} #{system.changes:03d}"
    runs_before = read_runs(system.reader)
    system.reader.evaluate("t => window.__spWatch(t)", f"banner={text}")
    system.writer.evaluate("window.__spActed = null")
    field_ = element_by_key(system.writer, "banner").locator("input")
    field_.fill(text)
    field_.press("Enter")
    system.reader.wait_for_function("() => window.__spSeen !== null", polling="raf", timeout=TIMEOUT_MS)
    seen: float = system.reader.evaluate("window.__spSeen")
    acted: float | None = system.writer.evaluate("window.__spActed")
    assert acted is not None, "the Enter key in page A was not seen"
    page_has(system.writer, f"banner={text}")
    return PushSample(ms=seen - acted, runs_before=runs_before)


def run_push(run: Run, backends: Sequence[str], changes: int) -> list[PushSystem]:
    systems: list[PushSystem] = []

    def pair(a: StreamlitServer, b: StreamlitServer) -> tuple[Page, Page]:
        pages = [open_page(run.context(), s.url, "banner=") for s in (a, b)]
        return pages[0], pages[1]

    for backend in backends:
        store = run.store(backend)
        a, b = (run.server("server_push_app.py", {"STREAMLIT_PERSIST_STORE": store.url}) for _ in range(2))
        label = f"streamlit-persist storage='app', 2 processes, {backend}"
        systems.append(PushSystem(f"ours-2proc-{backend}", label, *pair(a, b)))
        alone = run.store(backend)
        single = run.server("server_push_app.py", {"STREAMLIT_PERSIST_STORE": alone.url})
        label = f"streamlit-persist storage='app', 1 process, {backend}"
        systems.append(PushSystem(f"ours-1proc-{backend}", label, *pair(single, single)))
    if _HAS_SSS:
        sss = run.server("sss_push_app.py")
        systems.append(PushSystem("sss-1proc", "streamlit-server-state 0.20.2, 1 process", *pair(sss, sss)))
    for system in systems:  # warm-up
        for _ in range(2):
            push_trial(system)
    for system in rounds_of(systems, changes, "push"):
        system.samples.append(push_trial(system))
    systems[0].reader.wait_for_timeout(QUIET_MS)
    for system in systems:
        fill_runs(system.samples, [system.reader])
    return systems


def push_table(systems: Sequence[PushSystem]) -> str:
    lines = [
        "| system | changes | median ms | p90 ms | max ms | B runs per change (median, max) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in systems:
        ms = [x.ms for x in s.samples]
        runs = [x.runs for x in s.samples if x.runs is not None]
        lines.append(
            f"| {s.label} | {len(ms)} | {fmt(median_of(s.samples, 'ms'), '.0f')} | {fmt(percentile(ms, 0.9), '.0f')} "
            f"| {fmt(max(ms) if ms else None, '.0f')} | {fmt(median_of(s.samples, 'runs'), 'g')}, "
            f"{fmt(max(runs) if runs else None, 'g')} |"
        )
    return "\n".join(lines)


# --- 3. return visit, signed in -----------------------------------------------------------------


@dataclass
class VisitSample:
    ms: float
    wall_ms: float
    runs: int | None
    runs_settled: int
    persist_ms: float | None  # the sp.persist() call of the page's last run, on the server


@dataclass
class VisitSystem:
    name: str
    label: str
    storage: str  # "none" | "local" | "user"
    server: StreamlitServer
    store: TemporaryStore | None
    contexts: dict[str, BrowserContext] = field(default_factory=dict)  # by scenario
    samples: dict[str, list[VisitSample]] = field(default_factory=dict)


def signed_in_servers(run: Run, provider: OidcProvider, backends: Sequence[str]) -> list[VisitSystem]:
    """One server per system, each in a folder of its own with ``[auth]`` secrets for its port."""
    root = Path(run.stack.enter_context(tempfile.TemporaryDirectory(prefix="sp-bench-signin-")))
    systems: list[VisitSystem] = []
    wanted: list[tuple[str, str, str, str | None]] = [
        ("none", "none", "no persistence (floor)", None),
        ("local", "local", "storage='local'", None),
    ]
    wanted += [(f"user-{b}", "user", f"storage='user', {b}", b) for b in backends]
    for name, storage, label, backend in wanted:
        directory = root / name
        (directory / ".streamlit").mkdir(parents=True)
        port = free_port()
        (directory / ".streamlit" / "secrets.toml").write_text(auth_secrets(provider, app_port=port))
        store = run.store(backend) if backend else None
        env = {"SP_BENCH_STORAGE": storage, **({"STREAMLIT_PERSIST_STORE": store.url} if store else {})}
        server = run.server("signed_in_app.py", env, cwd=directory, port=port)
        systems.append(VisitSystem(name, label, storage, server, store))
    return systems


def _url(system: VisitSystem, scenario: Scenario, *, seed: bool = False) -> str:
    return f"{system.server.url}?scenario={scenario.name}" + ("&mode=seed" if seed else "")


def prepare(run: Run, provider: OidcProvider, system: VisitSystem, scenario: Scenario) -> None:
    """Sign in (once for this context), seed through the app, wait until stored, check by a visit."""
    context = run.context()
    keep_on_loopback(context)
    system.contexts[scenario.name] = context
    sub = f"bench-{system.name}-{scenario.name}"
    page = context.new_page()
    page.goto(system.server.url)
    element_by_key(page, "login").get_by_role("button").click()
    sign_in_at_provider(page, sub, provider)
    page.wait_for_url(system.server.url, timeout=TIMEOUT_MS)
    page.goto(_url(system, scenario, seed=True))
    _page_shows_values(page, scenario)
    wait_for_app(page, timeout=TIMEOUT_MS)
    expected = values(scenario)
    if system.store is not None:
        user = f"{provider.issuer}|{sub}"
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while system.store.values("signed_in_app", scope="user", user=user) != expected:
            if time.monotonic() > deadline:
                raise AssertionError(f"{system.name}: the store never held {scenario.name}'s values")
            time.sleep(0.1)
    elif system.storage == "local":
        tails = [[f"sp:signed_in_app:{key}", value[-24:]] for key, value in expected.items()]
        page.wait_for_function(
            "entries => entries.every(([k, tail]) => (localStorage.getItem(k) || '').includes(tail))", arg=tails
        )
    page.close()
    check = context.new_page()
    check.goto(_url(system, scenario))
    _page_shows_values(check, scenario)
    wait_for_app(check, timeout=TIMEOUT_MS)
    check.close()


def visit(system: VisitSystem, scenario: Scenario) -> VisitSample:
    page = system.contexts[scenario.name].new_page()
    try:
        page.add_init_script(_OBSERVER_JS % (json.dumps(restored_marker(scenario)), json.dumps(RUNS_SELECTOR)))
        start = time.perf_counter()
        page.goto(_url(system, scenario), wait_until="commit")
        page.wait_for_function("() => window.__spRestored", polling="raf", timeout=TIMEOUT_MS)
        wall_ms = (time.perf_counter() - start) * 1000
        restored: dict[str, Any] = page.evaluate("window.__spRestored")
        wait_for_app(page, timeout=TIMEOUT_MS)
        caption = re.search(r"persist_ms=([\d.]+)", page.inner_text("body"))
        persist_ms = float(caption.group(1)) if caption else None
        return VisitSample(float(restored["ms"]), wall_ms, restored["runs"], read_runs(page), persist_ms)
    finally:
        page.close()


def run_visits(run: Run, backends: Sequence[str], scenarios: Sequence[Scenario], rounds: int) -> list[VisitSystem]:
    provider = run.stack.enter_context(OidcProvider())
    systems = signed_in_servers(run, provider, backends)
    for system in systems:
        for scenario in scenarios:
            prepare(run, provider, system, scenario)
            system.samples[scenario.name] = []
            visit(system, scenario)  # warm-up
    for system in rounds_of(systems, rounds, "visits"):
        for scenario in scenarios:
            system.samples[scenario.name].append(visit(system, scenario))
    return systems


def visit_rows(systems: Sequence[VisitSystem], scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    floor = next((s for s in systems if s.storage == "none"), None)
    rows = []
    for scenario in scenarios:
        base = median_of(floor.samples[scenario.name], "ms") if floor else None
        for s in systems:
            samples = s.samples[scenario.name]
            median_ms = median_of(samples, "ms")
            ratio = median_ms / base if median_ms is not None and base else None
            times = [x.ms for x in samples]
            rows.append(
                {
                    "system": s.name,
                    "label": s.label,
                    "scenario": scenario.name,
                    "scenario_description": scenario.description,
                    "median_ms": median_ms,
                    "ratio_to_floor": ratio,
                    "runs_median": median_of(samples, "runs"),
                    "runs_settled_median": median_of(samples, "runs_settled"),
                    "wall_median_ms": median_of(samples, "wall_ms"),
                    "persist_call_median_ms": median_of(samples, "persist_ms"),
                    "spread_ms": [min(times), max(times)] if times else None,
                    "meets_goal": (ratio <= GOAL_RATIO and median_of(samples, "runs") == 1)
                    if s.storage == "user" and ratio is not None
                    else None,
                    "samples": [asdict(x) for x in samples],
                }
            )
    return rows


def visits_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| system | scenario | median ms | ratio to floor | script runs (median) | runs settled | min-max ms "
        "| persist() call ms | goal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        spread = "n/a" if r["spread_ms"] is None else f"{r['spread_ms'][0]:.0f}-{r['spread_ms'][1]:.0f}"
        goal = {None: "", True: "met", False: f"MISSED (1 run, <= {GOAL_RATIO}x)"}[r["meets_goal"]]
        lines.append(
            f"| {r['label']} | {r['scenario_description']} | {fmt(r['median_ms'], '.0f')} "
            f"| {fmt(r['ratio_to_floor'], '.2f')}x | {fmt(r['runs_median'], 'g')} "
            f"| {fmt(r['runs_settled_median'], 'g')} | {spread} | {fmt(r['persist_call_median_ms'], '.1f')} | {goal} |"
        )
    return "\n".join(lines)


# --- the run --------------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated, from " + ",".join(PARTS))
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated, from sqlite,redis")
    parser.add_argument("--count-rounds", type=int, default=5, help="measured increment rounds (default 5)")
    parser.add_argument("--per-thread", type=int, default=500, help="increments per thread (default 500)")
    parser.add_argument("--changes", type=int, default=20, help="measured push changes per system (default 20)")
    parser.add_argument("--visit-rounds", type=int, default=9, help="measured return-visit rounds (default 9)")
    parser.add_argument("--scenarios", default="A,B", help="return-visit scenarios, from A,B (default A,B)")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON output path")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.scenarios = [SCENARIOS[name.strip()] for name in args.scenarios.split(",") if name.strip()]
    for chosen, allowed in ((args.parts, PARTS), (args.backends, BACKENDS)):
        if unknown := set(chosen) - set(allowed):
            parser.error(f"unknown: {', '.join(sorted(unknown))}")
    return args


def run_part(run: Run, part: str, args: argparse.Namespace) -> tuple[str, Any]:
    """Run one part; its printed table and its JSON results."""
    if part == "increments":
        counted = run_increments(run, args.backends, args.count_rounds, args.per_thread)
        results: Any = [
            {
                "system": s.name,
                "label": s.label,
                "backend": s.backend,
                "processes": s.processes,
                "per_second_median": median_of(s.samples, "per_second"),
                "seconds_median": median_of(s.samples, "seconds"),
                "all_exact": all(x.exact for x in s.samples),
                "final_total": s.total,
                "runs_median": median_of(s.samples, "runs"),
                "samples": [asdict(x) for x in s.samples],
            }
            for s in counted
        ]
        return f"Atomic increments ({THREADS} threads per process)\n\n" + increments_table(counted), results
    if part == "push":
        pushed = run_push(run, args.backends, args.changes)
        results = [
            {
                "system": s.name,
                "label": s.label,
                "median_ms": median_of(s.samples, "ms"),
                "p90_ms": percentile([x.ms for x in s.samples], 0.9),
                "max_ms": max(x.ms for x in s.samples),
                "b_runs_median": median_of(s.samples, "runs"),
                "samples": [asdict(x) for x in s.samples],
            }
            for s in pushed
        ]
        return "Push latency, Enter in page A -> text in page B\n\n" + push_table(pushed), results
    rows = visit_rows(run_visits(run, args.backends, args.scenarios, args.visit_rounds), args.scenarios)
    return "Return visit, signed in\n\n" + visits_table(rows), rows


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers and redis-server too
    loads: dict[str, tuple[float, float, float]] = {"start": os.getloadavg()}
    results: dict[str, Any] = {}
    tables: list[str] = []
    began = time.monotonic()
    with ExitStack() as stack, sync_playwright() as pw:
        redis = stack.enter_context(RedisServer()) if "redis" in args.backends else None  # says if not installed
        browser = launch_chromium(pw)
        browser_version = browser.version
        run = Run(browser, redis)
        for part in args.parts:
            with ExitStack() as run.stack:  # what the part starts stops before the next part
                run.servers.clear()
                try:
                    table, results[part] = run_part(run, part, args)
                except Exception:
                    print(f"{part} failed; server log tails:\n{run.logs_tail()}", file=sys.stderr)
                    raise
            loads[f"after_{part}"] = os.getloadavg()
            tables.append(table)
        browser.close()

    print("\n\n".join(tables))
    print(f"\nload average: start {loads['start']}, end {os.getloadavg()}; {time.monotonic() - began:.0f} s")
    meta = run_meta(
        browser_version,
        parts=args.parts,
        backends=args.backends,
        count_rounds=args.count_rounds,
        per_thread=args.per_thread,
        threads=THREADS,
        changes=args.changes,
        visit_rounds=args.visit_rounds,
        scenarios=[s.name for s in args.scenarios],
    )
    meta |= {"load_averages": loads, "seconds": round(time.monotonic() - began), "goal_ratio": GOAL_RATIO}
    write_results(args.output, {"meta": meta, "results": results, "console_errors": run.errors})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
