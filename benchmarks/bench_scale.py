"""Scale benchmark: a return visit with 100 to 10,000 persisted keys, against the floor and peers (issues 5, 14).

What is measured
----------------
Systems (``--systems``), each a ``streamlit run`` server started once per run:

- ``bare``: ``apps/scale_app.py`` with ``SP_BENCH_PERSIST=0``: no persistence, the values come
  from constants (the floor);
- ``persist_literal``: ``apps/scale_app.py?keys=literal``: ``sp.persist([f"k{i:04d}" for i in range(n)])``;
- ``persist_glob``: ``apps/scale_app.py?keys=glob``: ``sp.persist(["k*"])`` (one glob);
- ``extras``: ``apps/scale_extras_peer.py``: streamlit-extras 1.6.0 ``local_storage_manager``;
- ``local_storage``: ``apps/scale_local_storage_peer.py``: streamlit-local-storage 0.0.25.

Every app shows one line, ``restored=<n> digest=<12 hex>``, once all ``n`` values are there with
the right values (:func:`benchmarks.scale.summary`). Default options everywhere (these states
exceed the boot cookie's budget, so persistence takes its one-rerun path).

Seeding, once per system and case before the rounds, in its own browser context: a first visit
(``mode=seed``) writes the ``n`` values through the system's OWN write path, and the runner waits
until localStorage holds all ``n`` values, exactly, in that system's stored format (a key that
exists is not enough: streamlit-local-storage first writes ``null``). streamlit-local-storage
writes one iframe per key, so it is seeded in slices of 200 keys, one page load each. The
context's storage (``storage_state``: localStorage and cookies) is kept. ``--seed storage``
instead writes the peers' exact stored format straight into localStorage (persistence is
always seeded through its own path): use it to measure a peer's return visit at sizes its own
write path cannot reach in time.

One sample, in a fresh browser context holding that storage (the runner first waits until every
seeded value is visible there: Chromium commits localStorage asynchronously): an unmeasured return
visit (warms the HTTP cache; must show the marker, which proves the values all arrived, right),
then the measured return visit in a new page:

- ``ms``: navigation start -> the marker in the DOM (``MutationObserver``, installed first);
- ``runs``: script runs of that page load (once idle);
- ``msgs``/``KB sent``: WebSocket messages and bytes the browser sent during the load (the
  state travels browser -> server); ``KB recv``: bytes it received.

After one warm-up sample per system, ``--rounds`` rounds alternate all systems for every case (the
order rotates each round). Medians; ``ratio`` is over the floor's median for the same case.

A step that does not finish within its timeout (``--seed-timeout`` for seeding, ``--timeout``
for one return visit) is recorded as "did not finish within N s" for that system and case, which
is then skipped; seeding stops early when its rate so far projects past ``--seed-timeout``.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                  # 3 rounds, default cases, all systems
    .venv/bin/python benchmarks/bench_scale.py --rounds 5 --cases 100x100,1000x100 --systems bare,persist_glob
    .venv/bin/python benchmarks/bench_scale.py --seed storage   # peers seeded in their stored format

Writes ``benchmarks/results/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

if __package__ != "benchmarks":  # run as a file: only benchmarks/ is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, BrowserContext, Page, StorageState, WebSocket, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.common import fmt, median_of, run_meta, write_results
from benchmarks.scale import case_values, marker
from tests.support.apps import RUNS_SELECTOR
from tests.support.browser import launch_chromium
from tests.support.pages import read_runs, wait_for_app
from tests.support.streamlit_server import StreamlitServer

APPS_DIR: Final = Path(__file__).resolve().parent / "apps"
RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "scale.json"
DEFAULT_CASES: Final = "100x100,1000x100,10000x100,1000x1000"
DEFAULT_TIMEOUT_S: Final = 120.0
DEFAULT_SEED_TIMEOUT_S: Final = 600.0
SLICE: Final = 200  # streamlit-local-storage: keys written per seed page load (one iframe each)

_OBSERVER_JS: Final = """
(() => {
  const marker = %s;
  const runsSelector = %s;
  const observer = new MutationObserver(() => {
    if (window.__spRestored || !document.body || !document.body.textContent.includes(marker)) return;
    const element = document.querySelector(runsSelector);
    const match = element && /runs=(\\d+)/.exec(element.textContent);
    window.__spRestored = {ms: performance.now(), runs: match ? Number(match[1]) : null};
    observer.disconnect();
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

# How many of `entries` ([storageKey, name, value]) localStorage holds with exactly that value;
# `%s` decodes the stored string `raw` (of key `name`) into the value, in the system's format.
_HOLDS_JS: Final = """
(entries) => entries.filter(([storageKey, name, value]) => {
  const raw = localStorage.getItem(storageKey);
  if (raw === null) return false;
  try { return (%s) === value; } catch { return false; }
}).length
"""


@dataclass(frozen=True)
class Case:
    n: int
    size: int

    @property
    def name(self) -> str:
        return f"{self.n}x{self.size}"

    @property
    def description(self) -> str:
        total = self.n * self.size
        amount = f"{total / 1_000_000:.1f} MB" if total >= 1_000_000 else f"{total / 1000:.0f} KB"
        return f"{self.n:,} keys x {self.size:,} B ({amount})"


# streamlit-persist's plain tokens: "sp1.p.-.<version>.[iat, exp, flag, value]".
_PERSIST_DECODE: Final = "JSON.parse(raw.split('.').slice(4).join('.'))[3]"


class DidNotFinishError(Exception):
    """A step of a system did not finish in time (or failed): the system is skipped for that case."""


@dataclass(frozen=True)
class System:
    name: str
    label: str
    app: str
    persist: bool = True
    query: str = ""
    prefix: str | None = None  # storage key = prefix + name (None: stores nothing)
    decode_js: str = "raw"  # JS expression: the value of a stored string `raw` (key `name`)
    slice: int | None = None  # seed in slices of this many keys (one page load each)
    direct_js: str | None = None  # JS body (entries: [[name, value]]) writing the stored format directly

    @property
    def server_key(self) -> tuple[str, bool]:
        return (self.app, self.persist)


SYSTEMS: Final[tuple[System, ...]] = (
    System("bare", "no persistence (floor)", "scale_app.py", persist=False),
    System(
        "persist_literal",
        "streamlit-persist, literal key list",
        "scale_app.py",
        query="&keys=literal",
        prefix="sp:scale_app:",
        decode_js=_PERSIST_DECODE,
    ),
    System(
        "persist_glob",
        'streamlit-persist, one glob ["k*"]',
        "scale_app.py",
        query="&keys=glob",
        prefix="sp:scale_app:",
        decode_js=_PERSIST_DECODE,
    ),
    System(
        "extras",
        "streamlit-extras 1.6.0 local_storage_manager",
        "scale_extras_peer.py",
        prefix="st_extras___",  # "st_extras_" + pathname "/" sanitized to "_" + "_"
        decode_js="JSON.parse(raw)",
        direct_js="for (const [n, v] of entries) localStorage.setItem('st_extras___' + n, JSON.stringify(v));",
    ),
    System(
        "local_storage",
        "streamlit-local-storage 0.0.25",
        "scale_local_storage_peer.py",
        prefix="",
        decode_js="JSON.parse(raw)[name]",
        slice=SLICE,
        direct_js="for (const [n, v] of entries) localStorage.setItem(n, JSON.stringify({[n]: v}));",
    ),
)


@dataclass
class Sample:
    ms: float
    wall_ms: float
    runs: int | None
    runs_settled: int
    msgs: int
    bytes_sent: int
    bytes_received: int


@dataclass
class Series:
    system: System
    case: Case
    samples: list[Sample] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    seed_s: float | None = None
    seeded_with: str | None = None
    did_not_finish: str | None = None

    def median(self, attribute: str) -> float | None:
        return median_of(self.samples, attribute)


def _url(server: StreamlitServer, system: System, case: Case, extra: str = "") -> str:
    return f"{server.url}?n={case.n}&size={case.size}{system.query}{extra}"


def _entries(system: System, case: Case, first: int = 0, stop: int | None = None) -> list[list[str]]:
    assert system.prefix is not None
    items = list(case_values(case.n, case.size).items())[first:stop]
    return [[system.prefix + name, name, value] for name, value in items]


def _count(page: Page, system: System, case: Case) -> int:
    """How many of the case's values localStorage holds, exactly, in the system's format."""
    count: int = page.evaluate(_HOLDS_JS % system.decode_js, _entries(system, case))
    return count


def _wait_stored(page: Page, system: System, case: Case, first: int, stop: int, timeout_s: float) -> None:
    """Wait until keys ``first`` to ``stop`` hold their values (a key that exists is not enough:
    streamlit-local-storage first writes ``null`` for a key, then the value)."""
    page.wait_for_function(
        f"(entries) => ({_HOLDS_JS % system.decode_js})(entries) === entries.length",
        arg=_entries(system, case, first, stop),
        polling=250,
        timeout=timeout_s * 1000,
    )


def seed(
    browser: Browser, system: System, server: StreamlitServer, case: Case, *, mode: str, timeout_s: float
) -> tuple[StorageState, float, str]:
    """Store the case's values the way ``system`` does; return the storage, seconds taken and how."""
    context = browser.new_context()
    context.set_default_timeout(timeout_s * 1000)
    start = time.perf_counter()
    how = "none"
    try:
        page = context.new_page()
        if system.prefix is None:  # the floor stores nothing
            pass
        elif mode == "storage" and system.direct_js is not None:
            how = "stored format written directly"
            page.goto(server.url + "_stcore/health")  # the app's origin, without a session
            entries = list(case_values(case.n, case.size).items())
            page.evaluate(f"(entries) => {{ {system.direct_js} }}", entries)
        else:
            how = "own write path"
            step = system.slice or case.n
            for first in range(0, case.n, step):
                stop = min(case.n, first + step)
                page.goto(_url(server, system, case, f"&mode=seed&start={first}&stop={stop}"))
                left = timeout_s - (time.perf_counter() - start)
                try:
                    _wait_stored(page, system, case, first, stop, max(left, 1.0))
                except PlaywrightError as error:
                    stored = _count(page, system, case)
                    raise DidNotFinishError(
                        f"did not finish within {timeout_s:.0f} s (seeding through its own write path: "
                        f"{stored:,} of {case.n:,} keys stored)"
                    ) from error
                elapsed = time.perf_counter() - start
                projected = elapsed / stop * case.n
                if stop < case.n and projected > timeout_s:
                    raise DidNotFinishError(
                        f"did not finish within {timeout_s:.0f} s (seeding through its own write path: "
                        f"{stop:,} of {case.n:,} keys in {elapsed:.0f} s, projected {projected:.0f} s; stopped early)"
                    )
            stored = _count(page, system, case)
            if stored != case.n:
                raise DidNotFinishError(f"seeding stored {stored:,} of {case.n:,} values")
        state = context.storage_state()
    except PlaywrightError as error:
        raise DidNotFinishError(_failure(error, timeout_s, "seeding")) from error
    finally:
        context.close()
    return state, time.perf_counter() - start, how


def measure(
    browser: Browser, server: StreamlitServer, system: System, case: Case, state: StorageState, timeout_s: float
) -> tuple[Sample, list[str]]:
    """One return-visit sample in a fresh context holding the seeded storage."""
    errors: list[str] = []
    context: BrowserContext = browser.new_context(storage_state=state)
    context.set_default_timeout(timeout_s * 1000)
    context.on("page", lambda p: p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None))
    url = _url(server, system, case)
    expected = json.dumps(marker(case.n, case.size))
    stage = "seeded storage visible in a new context"
    current: Page | None = None
    try:
        if system.prefix is not None:  # Chromium commits localStorage asynchronously: wait until it is all there
            check = current = context.new_page()
            check.goto(server.url + "_stcore/health")
            _wait_stored(check, system, case, 0, case.n, timeout_s)
            check.close()
        stage = "first return visit (unmeasured)"
        warm = current = context.new_page()
        warm.goto(url)
        warm.wait_for_function(f"() => document.body && document.body.textContent.includes({expected})", polling=100)
        wait_for_app(warm, timeout=timeout_s * 1000)
        warm.close()

        stage = "measured return visit"
        page = current = context.new_page()
        counts = {"msgs": 0, "sent": 0, "received": 0}

        def on_websocket(ws: WebSocket) -> None:
            def sent(payload: str | bytes) -> None:
                counts["msgs"] += 1
                counts["sent"] += len(payload)

            def received(payload: str | bytes) -> None:
                counts["received"] += len(payload)

            ws.on("framesent", sent)
            ws.on("framereceived", received)

        page.on("websocket", on_websocket)
        page.add_init_script(_OBSERVER_JS % (expected, json.dumps(RUNS_SELECTOR)))
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__spRestored", polling="raf")
        wall_ms = (time.perf_counter() - start) * 1000
        restored: dict[str, Any] = page.evaluate("window.__spRestored")
        wait_for_app(page, timeout=timeout_s * 1000)
        page.wait_for_timeout(300)  # a late extra run would count in runs_settled and msgs
        wait_for_app(page, timeout=timeout_s * 1000)
        sample = Sample(
            ms=float(restored["ms"]),
            wall_ms=wall_ms,
            runs=restored["runs"],
            runs_settled=read_runs(page),
            msgs=counts["msgs"],
            bytes_sent=counts["sent"],
            bytes_received=counts["received"],
        )
    except (PlaywrightError, AssertionError) as error:  # AssertionError: expect(...) in wait_for_app
        _log(f"{system.name} / {case.name}: {stage} failed; the page shows: {_page_tail(current)!r}")
        raise DidNotFinishError(_failure(error, timeout_s, stage)) from error
    finally:
        context.close()
    return sample, errors


def _page_tail(page: Page | None) -> str:
    """The end of what the page shows, and whether a script run is in progress (for diagnostics)."""
    if page is None or page.is_closed():
        return ""
    try:
        shown: str = page.evaluate(
            "() => (document.body ? document.body.innerText.slice(-200) : '') + ' [script: '"
            " + document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') + ']'",
        )
    except PlaywrightError as error:
        return f"(unreadable: {_first_line(error)})"
    return " | ".join(line for line in shown.splitlines() if line.strip())


def _ratio(median: float | None, floor: float | None) -> float | None:
    return median / floor if median is not None and floor else None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else type(error).__name__


def _failure(error: BaseException, timeout_s: float, stage: str) -> str:
    if isinstance(error, PlaywrightTimeoutError | AssertionError):
        return f"did not finish within {timeout_s:.0f} s ({stage})"
    return f"failed ({stage}: {_first_line(error)})"


def table(series: Sequence[Series]) -> str:
    floors = {s.case: s.median("ms") for s in series if not s.system.persist}
    lines = [
        "| case | system | median ms | ratio to floor | overhead ms | script runs | WS msgs sent | KB sent "
        "| KB received | samples |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in series:
        if s.did_not_finish is not None and not s.samples:
            lines.append(f"| {s.case.description} | {s.system.label} | {s.did_not_finish} | | | | | | | 0 |")
            continue
        median, floor = s.median("ms"), floors.get(s.case)
        ratio = _ratio(median, floor)
        overhead = median - floor if median is not None and floor is not None and s.system.persist else None
        sent, received = s.median("bytes_sent"), s.median("bytes_received")
        note = f" (then: {s.did_not_finish})" if s.did_not_finish else ""
        lines.append(
            f"| {s.case.description} | {s.system.label} | {fmt(median, '.0f')} | {fmt(ratio, '.2f')}x "
            f"| {fmt(overhead, '.0f')} | {fmt(s.median('runs_settled'), 'g')} | {fmt(s.median('msgs'), 'g')} "
            f"| {fmt(sent / 1000 if sent is not None else None, '.1f')} "
            f"| {fmt(received / 1000 if received is not None else None, '.1f')} | {len(s.samples)}{note} |"
        )
    return "\n".join(lines)


def _parse_cases(text: str) -> list[Case]:
    cases = []
    for item in text.split(","):
        n, _, size = item.strip().partition("x")
        cases.append(Case(int(n), int(size)))
    return cases


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    names = ",".join(s.name for s in SYSTEMS)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--cases", default=DEFAULT_CASES, help=f"<keys>x<bytes>,... (default {DEFAULT_CASES})")
    parser.add_argument("--systems", default=names, help=f"comma-separated, from {names} (default all)")
    parser.add_argument(
        "--seed",
        choices=("own", "storage"),
        default="own",
        help="peers: seed through their own write path (default) or write their stored format directly",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds per return visit (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--seed-timeout",
        type=float,
        default=DEFAULT_SEED_TIMEOUT_S,
        help=f"seconds to seed one system and case (default {DEFAULT_SEED_TIMEOUT_S:g})",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON output path")
    return parser.parse_args(argv)


def _select_systems(names: str) -> list[System]:
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = set(wanted) - {s.name for s in SYSTEMS}
    if unknown:
        raise SystemExit(f"Unknown systems: {', '.join(sorted(unknown))}")
    return [s for s in SYSTEMS if s.name in wanted]


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _server_tail(server: StreamlitServer) -> str:
    return "\n".join(server.logs().splitlines()[-20:])


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    cases = _parse_cases(args.cases)
    systems = _select_systems(args.systems)
    for case in cases:
        case_values(case.n, case.size)  # build the values once, outside any measurement
    series = {(s.name, c): Series(s, c) for c in cases for s in systems}
    states: dict[tuple[str, Case], StorageState] = {}
    servers: dict[tuple[str, bool], StreamlitServer] = {}

    def attempt(step: Callable[[], None], entry: Series) -> None:
        try:
            step()
        except DidNotFinishError as reason:
            entry.did_not_finish = str(reason)
            server = servers[entry.system.server_key]
            _log(f"{entry.system.name} / {entry.case.name}: {reason}\nserver log tail:\n{_server_tail(server)}")

    try:
        for system in systems:
            if system.server_key not in servers:
                env = {"SP_BENCH_PERSIST": "1" if system.persist else "0"}
                servers[system.server_key] = StreamlitServer(APPS_DIR / system.app, env=env)
                servers[system.server_key].start()
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            for case in cases:
                for system in systems:
                    entry = series[(system.name, case)]

                    def seed_step(system: System = system, case: Case = case, entry: Series = entry) -> None:
                        server = servers[system.server_key]
                        state, seconds, how = seed(
                            browser, system, server, case, mode=args.seed, timeout_s=args.seed_timeout
                        )
                        states[(system.name, case)] = state
                        entry.seed_s, entry.seeded_with = seconds, how
                        _log(f"seeded {system.name} / {case.name} in {seconds:.1f} s ({how})")

                    attempt(seed_step, entry)
            for system in systems:  # warm-up: imports and first-session costs (not recorded)
                case = cases[0]
                if (system.name, case) in states:
                    try:
                        state = states[(system.name, case)]
                        measure(browser, servers[system.server_key], system, case, state, args.timeout)
                    except DidNotFinishError as reason:
                        _log(f"warm-up {system.name} / {case.name}: {reason}")
            for round_ in range(args.rounds):
                order = systems[round_ % len(systems) :] + systems[: round_ % len(systems)]
                for case in cases:
                    for system in order:
                        entry = series[(system.name, case)]
                        if entry.did_not_finish is not None:
                            continue

                        def sample_step(system: System = system, case: Case = case, entry: Series = entry) -> None:
                            sample, errors = measure(
                                browser,
                                servers[system.server_key],
                                system,
                                case,
                                states[(system.name, case)],
                                args.timeout,
                            )
                            entry.samples.append(sample)
                            entry.console_errors.extend(errors)

                        attempt(sample_step, entry)
                _log(f"round {round_ + 1}/{args.rounds} done")
            browser_version = browser.version
            browser.close()
    finally:
        for server in servers.values():
            server.stop()

    ordered = [series[(s.name, c)] for c in cases for s in systems]
    print(table(ordered))
    floors = {s.case: s.median("ms") for s in ordered if not s.system.persist}
    payload = {
        "meta": run_meta(
            browser_version,
            rounds=args.rounds,
            seed=args.seed,
            timeout_s=args.timeout,
            seed_timeout_s=args.seed_timeout,
        ),
        "results": [
            {
                "system": s.system.name,
                "label": s.system.label,
                "case": s.case.name,
                "description": s.case.description,
                "did_not_finish": s.did_not_finish,
                "seeded_with": s.seeded_with,
                "seed_s": s.seed_s,
                "median_ms": s.median("ms"),
                "ratio_to_floor": _ratio(s.median("ms"), floors.get(s.case)),
                "runs_median": s.median("runs"),
                "runs_settled_median": s.median("runs_settled"),
                "msgs_sent_median": s.median("msgs"),
                "bytes_sent_median": s.median("bytes_sent"),
                "bytes_received_median": s.median("bytes_received"),
                "wall_median_ms": s.median("wall_ms"),
                "samples": [asdict(x) for x in s.samples],
                "console_errors": s.console_errors,
            }
            for s in ordered
        ],
    }
    write_results(args.output, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
