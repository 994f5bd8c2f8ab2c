"""Cross-tab benchmark: how long a change in tab 1 takes to show in tab 2 (issue 5, row 4).

What is measured
----------------
``apps/tabs_app.py`` (``sp.persist(["count"], sync_tabs=True)``) is open in two pages of one
browser context (two tabs, one localStorage). One trial clicks "Increment" in tab 1 and waits
until tab 2 shows the new ``count=<n>`` without a reload. Timestamps use the clock every page of
the browser shares (``performance.timeOrigin + performance.now()``):

- ``click ms``: from the click in tab 1 to the text in tab 2 (a ``MutationObserver``);
- ``write ms``: from tab 1's ``localStorage.setItem`` (the change is persisted) to the text in
  tab 2: the part that sync adds;
- ``tab 2 runs``: script runs the change cost tab 2 (expected 1);
- ``tab 2 writes``: ``sp:`` storage writes tab 2 made in response (expected 0: no echo).

Peers have no cross-tab sync, so there is no floor. Target (issue 5): < 1000 ms.

Usage::

    .venv/bin/python benchmarks/bench_tabs.py               # 30 trials
    .venv/bin/python benchmarks/bench_tabs.py --trials 50

Writes ``benchmarks/results/tabs.json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

if __package__ != "benchmarks":  # run as a file: only benchmarks/ is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright

from benchmarks.common import fmt, median_of, run_meta, write_results
from tests.support.browser import launch_chromium
from tests.support.pages import read_runs, wait_for_app
from tests.support.streamlit_server import StreamlitServer

APP: Final = Path(__file__).resolve().parent / "apps" / "tabs_app.py"
RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "tabs.json"
TIMEOUT_MS: Final = 60_000
TARGET_MS: Final = 1_000

_INIT_JS: Final = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__spWrites = 0;
  window.__spLastWrite = null;
  for (const name of ["setItem", "removeItem"]) {
    const original = Storage.prototype[name];
    Storage.prototype[name] = function (key, ...rest) {
      if (typeof key === "string" && key.startsWith("sp:")) {
        window.__spWrites += 1;
        window.__spLastWrite = now();
      }
      return original.call(this, key, ...rest);
    };
  }
  let target = null;
  window.__spSeen = null;
  const check = () => {
    if (target !== null && window.__spSeen === null && document.body
        && document.body.textContent.includes(target)) {
      window.__spSeen = now();
    }
  };
  window.__spExpect = (text) => { target = text; window.__spSeen = null; check(); };
  window.__spClick = (selector) => {
    window.__spWrites = 0;
    window.__spLastWrite = null;
    window.__spT0 = now();
    document.querySelector(selector).click();
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""


@dataclass
class Sample:
    click_ms: float
    write_ms: float
    tab2_runs: int
    tab1_writes: int
    tab2_writes: int


def _percentile(numbers: Sequence[float], fraction: float) -> float | None:
    if not numbers:
        return None
    ordered = sorted(numbers)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def trial(tab1: Page, tab2: Page, count: int) -> Sample:
    for tab in (tab1, tab2):
        wait_for_app(tab, timeout=TIMEOUT_MS)
    runs_before = read_runs(tab2)
    tab2.evaluate("window.__spWrites = 0")
    tab2.evaluate("(t) => window.__spExpect(t)", f"count={count}")
    tab1.evaluate("(s) => window.__spClick(s)", ".st-key-inc button")
    tab2.wait_for_function("() => window.__spSeen !== null", polling="raf", timeout=TIMEOUT_MS)
    seen: float = tab2.evaluate("window.__spSeen")
    clicked: float = tab1.evaluate("window.__spT0")
    tab1.wait_for_function("() => window.__spLastWrite !== null", timeout=TIMEOUT_MS)
    written: float = tab1.evaluate("window.__spLastWrite")
    for tab in (tab1, tab2):
        wait_for_app(tab, timeout=TIMEOUT_MS)
    tab2.wait_for_timeout(200)  # a late echo would show as a write or a run here
    for tab in (tab1, tab2):
        wait_for_app(tab, timeout=TIMEOUT_MS)
    return Sample(
        click_ms=seen - clicked,
        write_ms=seen - written,
        tab2_runs=read_runs(tab2) - runs_before,
        tab1_writes=tab1.evaluate("window.__spWrites"),
        tab2_writes=tab2.evaluate("window.__spWrites"),
    )


def table(samples: Sequence[Sample]) -> str:
    lines = [
        "| measure | median | p90 | max | target |",
        "|---|---:|---:|---:|---:|",
    ]
    for attribute, label in (
        ("click_ms", "click in tab 1 -> text in tab 2 (ms)"),
        ("write_ms", "storage write in tab 1 -> text in tab 2 (ms)"),
    ):
        numbers = [getattr(s, attribute) for s in samples]
        lines.append(
            f"| {label} | {fmt(median_of(samples, attribute), '.0f')} | {fmt(_percentile(numbers, 0.9), '.0f')} "
            f"| {fmt(max(numbers) if numbers else None, '.0f')} | < {TARGET_MS} |"
        )
    for attribute, label, target in (
        ("tab2_runs", "script runs in tab 2 per change", "1"),
        ("tab1_writes", "sp: writes in tab 1 per change", "1"),
        ("tab2_writes", "sp: writes in tab 2 per change (echo)", "0"),
    ):
        numbers = [getattr(s, attribute) for s in samples]
        lines.append(
            f"| {label} | {fmt(median_of(samples, attribute), 'g')} | {fmt(_percentile(numbers, 0.9), 'g')} "
            f"| {fmt(max(numbers) if numbers else None, 'g')} | {target} |"
        )
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=30, help="measured changes (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured changes (default 3)")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON output path")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    samples: list[Sample] = []
    errors: list[str] = []
    server = StreamlitServer(APP)
    server.start()
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            context = browser.new_context()
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(_INIT_JS)
            context.on(
                "page", lambda p: p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            )
            tab1, tab2 = context.new_page(), context.new_page()
            for tab in (tab1, tab2):
                tab.goto(server.url)
                tab.wait_for_function(
                    "() => document.body && document.body.textContent.includes('hydrated=True')",
                    timeout=TIMEOUT_MS,
                )
                wait_for_app(tab, timeout=TIMEOUT_MS)
            for index in range(args.warmup + args.trials):
                sample = trial(tab1, tab2, index + 1)
                if index >= args.warmup:
                    samples.append(sample)
            browser_version = browser.version
            browser.close()
    finally:
        server.stop()

    print(table(samples))
    payload: dict[str, Any] = {
        "meta": run_meta(browser_version, trials=args.trials, warmup=args.warmup, target_ms=TARGET_MS),
        "results": {
            "click_ms_median": median_of(samples, "click_ms"),
            "write_ms_median": median_of(samples, "write_ms"),
            "tab2_runs_median": median_of(samples, "tab2_runs"),
            "tab2_writes_max": max((s.tab2_writes for s in samples), default=None),
            "samples": [asdict(s) for s in samples],
            "console_errors": errors,
        },
    }
    write_results(args.output, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
