"""Rerun benchmark: what persisting N keys adds to a rerun after a widget change (issues 5 and 14).

What is measured
----------------
Two servers run ``apps/rerun_app.py``: ``persist`` (``sp.persist(["clicks", "k*"])``, ``--keys``
keys, default 100, of which all but ``clicks`` hold 100 characters) and ``bare``
(``SP_BENCH_PERSIST=0``: the same app without the call, the floor). Each system has one page
open, hydrated, with its N keys in storage.

One sample is one click on "Click", end to end in the browser:

- ``ms``: from the click (``performance.now()`` taken in the page right before
  ``button.click()``) until ``clicks=<n>`` is in the DOM (timestamped by a ``MutationObserver``
  installed before any page script, so Playwright's polling adds nothing);
- ``runs``: script runs the click caused (must be 1: persistence adds no rerun);
- ``ws bytes``: bytes the server sent over the WebSocket for that rerun (the component data
  persistence adds to each run is the difference to the floor);
- ``writes``: ``localStorage`` writes under ``sp:`` (must be 1: the changed key only, whatever N).

After ``--warmup`` unmeasured clicks per system, ``--trials`` rounds alternate the systems
(the order flips each round). The table gives medians; ``ratio`` is over the floor's median.
Target (issue 5): ratio <= 1.05. Issue 14: the same with ``--keys 1000`` (a rerun's cost grows
with what changed, not with what is persisted).

Usage::

    .venv/bin/python benchmarks/bench_rerun.py              # 30 trials, 100 keys
    .venv/bin/python benchmarks/bench_rerun.py --trials 60
    .venv/bin/python benchmarks/bench_rerun.py --trials 60 --keys 1000

Writes ``benchmarks/results/rerun.json`` (``rerun_<N>.json`` with ``--keys N`` other than 100).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

if __package__ != "benchmarks":  # run as a file: only benchmarks/ is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import BrowserContext, Page, WebSocket, sync_playwright

from benchmarks.common import fmt, median_of, ratio_interval, run_meta, write_results
from tests.support.browser import launch_chromium
from tests.support.pages import read_runs, wait_for_app
from tests.support.streamlit_server import StreamlitServer

APP: Final = Path(__file__).resolve().parent / "apps" / "rerun_app.py"
RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "rerun.json"
TIMEOUT_MS: Final = 60_000
DEFAULT_KEYS: Final = 100
TARGET_RATIO: Final = 1.05

# Counts storage writes under "sp:"; window.__spExpect(text) arms a timestamp for `text`.
_INIT_JS: Final = """
(() => {
  window.__spWrites = 0;
  for (const name of ["setItem", "removeItem"]) {
    const original = Storage.prototype[name];
    Storage.prototype[name] = function (key, ...rest) {
      if (typeof key === "string" && key.startsWith("sp:")) window.__spWrites += 1;
      return original.call(this, key, ...rest);
    };
  }
  let target = null;
  window.__spSeen = null;
  const check = () => {
    if (target !== null && window.__spSeen === null && document.body
        && document.body.textContent.includes(target)) {
      window.__spSeen = performance.now();
    }
  };
  window.__spExpect = (text) => { target = text; window.__spSeen = null; };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

_CLICK_JS: Final = """(selector) => {
  const button = document.querySelector(selector);
  window.__spWrites = 0;
  window.__spT0 = performance.now();
  button.click();
}"""


@dataclass
class Sample:
    ms: float
    runs: int
    ws_bytes: int
    writes: int


@dataclass
class System:
    name: str
    label: str
    persist: bool
    server: StreamlitServer | None = None
    page: Page | None = None
    clicks: int = 0
    ws_bytes: int = 0
    samples: list[Sample] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def median(self, attribute: str) -> float | None:
        return median_of(self.samples, attribute)

    def mean_ms(self) -> float | None:
        """The mean: click latencies are bimodal (~30 ms / ~100 ms), which makes medians jumpy."""
        return statistics.fmean(s.ms for s in self.samples) if self.samples else None


def _open(context: BrowserContext, system: System, persisted_keys: int) -> Page:
    assert system.server is not None
    page = context.new_page()
    page.on("console", lambda m: system.console_errors.append(m.text) if m.type == "error" else None)

    def on_websocket(ws: WebSocket) -> None:
        def count(payload: str | bytes) -> None:
            system.ws_bytes += len(payload)

        ws.on("framereceived", count)

    page.on("websocket", on_websocket)
    page.add_init_script(_INIT_JS)
    page.goto(system.server.url)
    page.wait_for_function("() => document.body && document.body.textContent.includes('clicks=0')", timeout=TIMEOUT_MS)
    wait_for_app(page, timeout=TIMEOUT_MS)
    if system.persist:  # the N keys are in storage before anything is measured
        page.wait_for_function(
            "(n) => Object.keys(localStorage).filter((k) => k.startsWith('sp:rerun_app:')).length === n",
            arg=persisted_keys,
            polling=100,
            timeout=TIMEOUT_MS,
        )
    return page


def click_once(system: System) -> Sample:
    page = system.page
    assert page is not None
    page.bring_to_front()
    wait_for_app(page, timeout=TIMEOUT_MS)
    runs_before = read_runs(page)
    system.clicks += 1
    page.evaluate("(t) => window.__spExpect(t)", f"clicks={system.clicks}")
    system.ws_bytes = 0
    page.evaluate(_CLICK_JS, ".st-key-click button")
    page.wait_for_function("() => window.__spSeen !== null", polling="raf", timeout=TIMEOUT_MS)
    ms: float = page.evaluate("window.__spSeen - window.__spT0")
    wait_for_app(page, timeout=TIMEOUT_MS)
    page.wait_for_timeout(150)  # let the end-of-run component data reach the page and storage
    wait_for_app(page, timeout=TIMEOUT_MS)
    writes: int = page.evaluate("window.__spWrites")
    return Sample(ms=ms, runs=read_runs(page) - runs_before, ws_bytes=system.ws_bytes, writes=writes)


def table(systems: Sequence[System]) -> str:
    floor = next((s.median("ms") for s in systems if not s.persist), None)
    floor_mean = next((s.mean_ms() for s in systems if not s.persist), None)
    floor_times = next(([x.ms for x in s.samples] for s in systems if not s.persist), [])
    lines = [
        "| system | median ms (click -> text) | ratio to floor | 95% interval | target | mean ms | mean ratio "
        "| runs per click | ws bytes per rerun | sp: writes per click | min-max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in systems:
        median = s.median("ms")
        ratio = median / floor if median is not None and floor else None
        times = [x.ms for x in s.samples]
        spread = f"{min(times):.0f}-{max(times):.0f}" if times else "n/a"
        target = f"<= {TARGET_RATIO}x" if s.persist else "floor"
        mean = s.mean_ms()
        mean_ratio = mean / floor_mean if mean is not None and floor_mean else None
        interval = ratio_interval(times, floor_times) if s.persist else None
        shown = f"{interval[0]:.3f}-{interval[1]:.3f}x" if interval else "n/a"
        lines.append(
            f"| {s.label} | {fmt(median, '.1f')} | {fmt(ratio, '.3f')}x | {shown} | {target} "
            f"| {fmt(mean, '.1f')} | {fmt(mean_ratio, '.3f')}x "
            f"| {fmt(s.median('runs'), 'g')} | {fmt(s.median('ws_bytes'), '.0f')} "
            f"| {fmt(s.median('writes'), 'g')} | {spread} |"
        )
    return "\n".join(lines)


def to_json(systems: Sequence[System], args: argparse.Namespace, browser_version: str) -> dict[str, Any]:
    floor = next((s.median("ms") for s in systems if not s.persist), None)
    floor_times = next(([x.ms for x in s.samples] for s in systems if not s.persist), [])
    return {
        "meta": run_meta(
            browser_version,
            trials=args.trials,
            warmup=args.warmup,
            persisted_keys=args.keys,
            target_ratio=TARGET_RATIO,
        ),
        "results": [
            {
                "system": s.name,
                "label": s.label,
                "median_ms": s.median("ms"),
                "mean_ms": s.mean_ms(),
                "ratio_to_floor": (s.median("ms") or 0) / floor if floor else None,
                "ratio_95_interval": ratio_interval([x.ms for x in s.samples], floor_times) if s.persist else None,
                "runs_median": s.median("runs"),
                "ws_bytes_median": s.median("ws_bytes"),
                "writes_median": s.median("writes"),
                "samples": [asdict(x) for x in s.samples],
                "console_errors": s.console_errors,
            }
            for s in systems
        ],
    }


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=30, help="measured clicks per system (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured clicks per system (default 5)")
    parser.add_argument(
        "--keys", type=int, default=DEFAULT_KEYS, help=f"persisted keys, 'clicks' included (default {DEFAULT_KEYS})"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON output path (default results/rerun.json, or rerun_<N>.json)"
    )
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = RESULTS_PATH if args.keys == DEFAULT_KEYS else RESULTS_PATH.with_name(f"rerun_{args.keys}.json")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    systems = [
        System("bare", "same app, no persistence (floor)", persist=False),
        System("persist", f"streamlit-persist, {args.keys:,} keys", persist=True),
    ]
    try:
        for system in systems:
            env = {"SP_BENCH_PERSIST": "1" if system.persist else "0", "SP_BENCH_KEYS": str(args.keys)}
            system.server = StreamlitServer(APP, env=env)
            system.server.start()
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            for system in systems:
                context = browser.new_context()
                context.set_default_timeout(TIMEOUT_MS)
                system.page = _open(context, system, args.keys)
            for _ in range(args.warmup):
                for system in systems:
                    click_once(system)
            for trial in range(args.trials):
                order = systems if trial % 2 == 0 else systems[::-1]
                for system in order:
                    system.samples.append(click_once(system))
            browser_version = browser.version
            browser.close()
    finally:
        for system in systems:
            if system.server is not None:
                system.server.stop()

    print(table(systems))
    for system in systems:
        if system.persist and system.median("writes") != 1:
            print(f"CHECK FAILED: {system.label}: median sp: writes per click is {system.median('writes')}, not 1")
        if system.median("runs") != 1:
            print(f"CHECK FAILED: {system.label}: median script runs per click is {system.median('runs')}, not 1")
    write_results(args.output, to_json(systems, args, browser_version))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
