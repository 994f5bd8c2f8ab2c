"""Scale benchmark: restoring 100, 300 and 1,000 keys, and ~1 MB, on a return visit (issue 5, item 4).

What is measured
----------------
``apps/scale_app.py`` restores ``n`` keys of ``size`` characters (``sp.persist(["k*"])``, default
options: these states exceed the boot cookie's budget, so they take the one-rerun path). The
floor is the same app with ``SP_BENCH_PERSIST=0`` (values from constants, one run).

One sample, in a fresh browser context: a seed visit (``mode=seed``: the app sets every value and
persistence stores them; the runner waits until all ``n`` keys are in localStorage; for the floor
the same visit only warms the HTTP cache), then the measured return visit in a new page:

- ``ms``: navigation start -> ``restored=<n> digest=<...>`` in the DOM (``MutationObserver``);
- ``runs``: script runs of that page load (2 for persistence: one hydration round trip);
- ``msgs``: WebSocket messages the browser sent during the load (the floor's count + 1 means the
  whole state came back in ONE message);
- ``in KB``: bytes the browser sent over the WebSocket (the state travels browser -> server).

The cases alternate persistence and floor, ``--rounds`` times after one warm-up round. Growth
should be linear: ``overhead ms`` (persist median minus floor median) per 1,000 keys or per MB.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                 # 3 rounds
    .venv/bin/python benchmarks/bench_scale.py --rounds 5 --cases 100x100,1000x100

Writes ``benchmarks/results/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

if __package__ != "benchmarks":  # run as a file: only benchmarks/ is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, BrowserContext, WebSocket, sync_playwright

from benchmarks.common import fmt, median_of, run_meta, write_results
from benchmarks.scale import case_values, marker
from tests.support.apps import RUNS_SELECTOR
from tests.support.browser import launch_chromium
from tests.support.pages import read_runs, wait_for_app
from tests.support.streamlit_server import StreamlitServer

APP: Final = Path(__file__).resolve().parent / "apps" / "scale_app.py"
RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "scale.json"
TIMEOUT_MS: Final = 120_000
DEFAULT_CASES: Final = "100x100,300x100,1000x100,1000x1000"
PREFIX: Final = "sp:scale_app:"

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
        return f"{self.n} keys x {self.size} B ({amount})"


@dataclass
class Sample:
    ms: float
    wall_ms: float
    runs: int | None
    runs_settled: int
    msgs: int
    bytes_sent: int


@dataclass
class Series:
    system: str
    case: Case
    samples: list[Sample] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def median(self, attribute: str) -> float | None:
        return median_of(self.samples, attribute)


def measure(browser: Browser, server: StreamlitServer, persist: bool, case: Case) -> tuple[Sample, list[str]]:
    errors: list[str] = []
    context: BrowserContext = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.on("page", lambda p: p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None))
    url = f"{server.url}?n={case.n}&size={case.size}"
    try:
        seed = context.new_page()
        seed.goto(url + "&mode=seed")
        wait_for_app(seed, timeout=TIMEOUT_MS)
        if persist:
            seed.wait_for_function(
                "([prefix, n]) => Object.keys(localStorage).filter((k) => k.startsWith(prefix)).length === n",
                arg=[PREFIX, case.n],
                polling=100,
                timeout=TIMEOUT_MS,
            )
        seed.close()

        page = context.new_page()
        sent = {"msgs": 0, "bytes": 0}

        def on_websocket(ws: WebSocket) -> None:
            def count(payload: str | bytes) -> None:
                sent["msgs"] += 1
                sent["bytes"] += len(payload)

            ws.on("framesent", count)

        page.on("websocket", on_websocket)
        page.add_init_script(_OBSERVER_JS % (json.dumps(marker(case.n, case.size)), json.dumps(RUNS_SELECTOR)))
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__spRestored", polling="raf", timeout=TIMEOUT_MS)
        wall_ms = (time.perf_counter() - start) * 1000
        restored: dict[str, Any] = page.evaluate("window.__spRestored")
        wait_for_app(page, timeout=TIMEOUT_MS)
        page.wait_for_timeout(300)  # a late extra run would count in runs_settled and msgs
        wait_for_app(page, timeout=TIMEOUT_MS)
        sample = Sample(
            ms=float(restored["ms"]),
            wall_ms=wall_ms,
            runs=restored["runs"],
            runs_settled=read_runs(page),
            msgs=sent["msgs"],
            bytes_sent=sent["bytes"],
        )
    finally:
        context.close()
    return sample, errors


def table(series: Sequence[Series]) -> str:
    floors = {s.case: s.median("ms") for s in series if s.system == "bare"}
    lines = [
        "| case | system | median ms | ratio to floor | overhead ms | overhead ms per 1k keys "
        "| script runs | WS msgs sent | KB sent |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in series:
        median, floor = s.median("ms"), floors.get(s.case)
        ratio = median / floor if median is not None and floor else None
        overhead = median - floor if median is not None and floor is not None else None
        per_k = overhead / s.case.n * 1000 if overhead is not None and s.system != "bare" else None
        kb = s.median("bytes_sent")
        lines.append(
            f"| {s.case.description} | {s.system} | {fmt(median, '.0f')} | {fmt(ratio, '.2f')}x "
            f"| {fmt(overhead if s.system != 'bare' else None, '.0f')} | {fmt(per_k, '.0f')} "
            f"| {fmt(s.median('runs_settled'), 'g')} | {fmt(s.median('msgs'), 'g')} "
            f"| {fmt(kb / 1000 if kb is not None else None, '.1f')} |"
        )
    return "\n".join(lines)


def _parse_cases(text: str) -> list[Case]:
    cases = []
    for item in text.split(","):
        n, _, size = item.strip().partition("x")
        cases.append(Case(int(n), int(size)))
    return cases


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--cases", default=DEFAULT_CASES, help=f"<keys>x<bytes>,... (default {DEFAULT_CASES})")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON output path")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    cases = _parse_cases(args.cases)
    for case in cases:
        case_values(case.n, case.size)  # build the values once, outside any measurement
    systems = {"bare": False, "persist": True}
    series = {(name, case): Series(name, case) for case in cases for name in systems}
    servers: dict[str, StreamlitServer] = {}
    try:
        for name, persist in systems.items():
            servers[name] = StreamlitServer(APP, env={"SP_BENCH_PERSIST": "1" if persist else "0"})
            servers[name].start()
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            for name, persist in systems.items():  # warm-up: imports and first-session costs
                measure(browser, servers[name], persist, cases[0])
            for round_ in range(args.rounds):
                order = list(systems.items())
                if round_ % 2:
                    order.reverse()
                for case in cases:
                    for name, persist in order:
                        sample, errors = measure(browser, servers[name], persist, case)
                        series[(name, case)].samples.append(sample)
                        series[(name, case)].console_errors.extend(errors)
                print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
            browser_version = browser.version
            browser.close()
    finally:
        for server in servers.values():
            server.stop()

    ordered = [series[(name, case)] for case in cases for name in systems]
    print(table(ordered))
    payload = {
        "meta": run_meta(browser_version, rounds=args.rounds),
        "results": [
            {
                "system": s.system,
                "case": s.case.name,
                "description": s.case.description,
                "median_ms": s.median("ms"),
                "runs_median": s.median("runs"),
                "runs_settled_median": s.median("runs_settled"),
                "msgs_sent_median": s.median("msgs"),
                "bytes_sent_median": s.median("bytes_sent"),
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
