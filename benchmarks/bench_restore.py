"""Restore benchmark: how long a RETURN VISIT takes until the persisted UI is back.

What is measured
----------------
For each system and scenario, one sample is:

1. a fresh browser context (empty storage, empty HTTP cache);
2. a first visit ``?scenario=S&mode=seed``: the app writes the scenario's values through the
   system's OWN write path; the runner waits until they are in localStorage, in the exact
   format the system uses (or, for a system without a known format, until an unmeasured return
   visit shows them), then closes that page;
3. the measured return visit ``?scenario=S`` in a new page of the same context:

   - ``ms``: from navigation start (the page's ``performance.timeOrigin``, i.e. ``page.goto``)
     until the summary line of the LAST key (``k19``), with the stored value, is in the DOM
     (a ``MutationObserver`` installed before any page script takes the timestamp, so Playwright's
     polling adds nothing). ``wall ms`` (JSON only) is the same seen from Python.
   - ``runs``: the script runs that page load took until then (the ``runs=<n>`` counter of
     :mod:`tests.support.apps`, read in the same mutation callback); ``runs settled`` (JSON only)
     once the app is idle.

Systems (``benchmarks/apps``): ``bare`` (no persistence: renders the values from constants, the
floor), ``local_storage`` (streamlit-local-storage 0.0.25), ``extras`` (streamlit-extras 1.6.0
``local_storage_manager``) and ``persist`` (ours, ``apps/persist_app.py``; skipped with a note
while that file does not exist). Each app uses its library as documented.

Scenarios: ``A`` 20 keys x 100 B; ``B`` 20 keys x 50 KB (~1 MB).

Each server is started once per run and warmed up with one unmeasured sample; then ``--rounds``
rounds alternate the systems round-robin (the order rotates each round). The table gives medians;
``ratio`` is the system's median over the bare floor's median for the same scenario; ``min-max``
shows the spread (on a busy 2-core machine it is wide: compare ratios over several runs, and
script runs, which do not depend on load).

Contract for ``apps/persist_app.py`` (the same as the peers' apps)
-------------------------------------------------------------------
- call ``tests.support.apps.show_run_count()`` first, before anything that may ``st.stop()``;
- ``scenario = benchmarks.apps.common.current_scenario()``;
- when ``benchmarks.apps.common.is_seed_mode()``, write ``benchmarks.scenarios.values(scenario)``
  through streamlit-persist's normal write path;
- render ``benchmarks.apps.common.render_values(scenario, restored)`` with what was restored.

Usage
-----
::

    .venv/bin/python benchmarks/bench_restore.py                 # 5 rounds, A and B, all systems
    .venv/bin/python benchmarks/bench_restore.py --rounds 3 --scenarios A --systems bare,extras

Writes ``benchmarks/results/restore.json``. Chromium: ``SP_CHROMIUM`` or auto-detection
(:mod:`tests.support.browser`).
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

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from benchmarks.common import fmt, median_of, run_meta, write_results
from benchmarks.scenarios import LAST_KEY, SCENARIOS, Scenario, restored_marker, values
from tests.support.apps import RUNS_SELECTOR
from tests.support.browser import launch_chromium
from tests.support.pages import read_runs, wait_for_app
from tests.support.streamlit_server import StreamlitServer

APPS_DIR: Final = Path(__file__).resolve().parent / "apps"
RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "restore.json"
TIMEOUT_MS: Final = 60_000

# Installed before any page script: timestamps the first DOM state containing the marker and
# reads the run counter in that same callback.
_OBSERVER_JS: Final = """
(() => {
  const marker = %s;
  const runsSelector = %s;
  const observer = new MutationObserver(() => {
    if (window.__spRestored || !document.body || !document.body.textContent.includes(marker)) {
      return;
    }
    const ms = performance.now();
    const runsElement = document.querySelector(runsSelector);
    const match = runsElement && /runs=(\\d+)/.exec(runsElement.textContent);
    window.__spRestored = {ms, runs: match ? Number(match[1]) : null};
    observer.disconnect();
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

# entries: [storageKey, name, value]; `decode` turns the raw stored string into the value.
_STORAGE_HOLDS_JS: Final = """
(entries) => entries.every(([storageKey, name, value]) => {
  const raw = localStorage.getItem(storageKey);
  if (raw === null) return false;
  try { return (%s) === value; } catch { return false; }
})
"""

SeedCheck = Callable[[Page, Scenario], None]


def _storage_check(storage_key: Callable[[str], str], decode_js: str) -> SeedCheck:
    """Wait until every value is in localStorage in the exact format the peer writes."""

    def check(page: Page, scenario: Scenario) -> None:
        entries = [[storage_key(name), name, value] for name, value in values(scenario).items()]
        page.wait_for_function(_STORAGE_HOLDS_JS % decode_js, arg=entries, polling=100, timeout=TIMEOUT_MS)

    return check


def _page_shows_values(page: Page, scenario: Scenario) -> None:
    marker = json.dumps(restored_marker(scenario))
    page.wait_for_function(f"() => document.body && document.body.textContent.includes({marker})", timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class System:
    name: str
    label: str
    app: str
    seed_check: SeedCheck
    # True when the seed check can't see the stored format: an unmeasured return visit must show
    # the values before the measured one.
    verify_by_visit: bool = False


SYSTEMS: Final[tuple[System, ...]] = (
    System("bare", "no persistence (floor)", "bare.py", _page_shows_values),
    System(
        "local_storage",
        "streamlit-local-storage 0.0.25",
        "local_storage_peer.py",
        _storage_check(lambda name: name, "JSON.parse(raw)[name]"),
    ),
    System(
        "extras",
        "streamlit-extras 1.6.0 local_storage_manager",
        "extras_peer.py",
        # Prefix "st_extras_" + pathname "/" sanitized to "_" + "_".
        _storage_check(lambda name: f"st_extras___{name}", "JSON.parse(raw)"),
    ),
    System(
        "persist",
        "streamlit-persist (ours)",
        "persist_app.py",
        # Plain tokens: "sp1.p.-.<version>.[iat, exp, flag, value]" under "sp:<namespace>:<key>".
        _storage_check(lambda name: f"sp:persist_app:{name}", "JSON.parse(raw.split('.').slice(4).join('.'))[3]"),
        verify_by_visit=True,
    ),
)


@dataclass
class Sample:
    ms: float
    wall_ms: float
    runs: int | None
    runs_settled: int


@dataclass
class Series:
    system: str
    label: str
    scenario: str
    samples: list[Sample] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def median(self, attribute: str) -> float | None:
        return median_of(self.samples, attribute)

    def spread(self) -> str:
        times = [s.ms for s in self.samples]
        return f"{min(times):.0f}-{max(times):.0f}" if times else "n/a"


def _url(server: StreamlitServer, scenario: Scenario, *, seed: bool = False) -> str:
    return f"{server.url}?scenario={scenario.name}" + ("&mode=seed" if seed else "")


def measure(browser: Browser, system: System, server: StreamlitServer, scenario: Scenario) -> tuple[Sample, list[str]]:
    """One return-visit sample in a fresh context (see the module docstring)."""
    errors: list[str] = []
    context: BrowserContext = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.on("page", lambda p: p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None))
    try:
        seed_page = context.new_page()
        seed_page.goto(_url(server, scenario, seed=True))
        system.seed_check(seed_page, scenario)
        seed_page.close()
        if system.verify_by_visit:
            verify_page = context.new_page()
            verify_page.goto(_url(server, scenario))
            _page_shows_values(verify_page, scenario)
            verify_page.close()

        page = context.new_page()
        page.add_init_script(_OBSERVER_JS % (json.dumps(restored_marker(scenario)), json.dumps(RUNS_SELECTOR)))
        start = time.perf_counter()
        page.goto(_url(server, scenario), wait_until="commit")
        page.wait_for_function("() => window.__spRestored", polling="raf", timeout=TIMEOUT_MS)
        wall_ms = (time.perf_counter() - start) * 1000
        restored: dict[str, Any] = page.evaluate("window.__spRestored")
        wait_for_app(page, timeout=TIMEOUT_MS)
        sample = Sample(ms=float(restored["ms"]), wall_ms=wall_ms, runs=restored["runs"], runs_settled=read_runs(page))
    finally:
        context.close()
    return sample, errors


def _measure_or_explain(
    browser: Browser, system: System, server: StreamlitServer, scenario: Scenario
) -> tuple[Sample, list[str]]:
    try:
        return measure(browser, system, server, scenario)
    except Exception:
        tail = "\n".join(server.logs().splitlines()[-40:])
        print(f"{system.name} / scenario {scenario.name} failed; server log tail:\n{tail}", file=sys.stderr)
        raise


def table(series: Sequence[Series]) -> str:
    floors = {s.scenario: s.median("ms") for s in series if s.system == "bare"}
    lines = [
        "| system | scenario | median ms | ratio to bare | script runs (median) | min-max ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for s in series:
        median_ms, floor = s.median("ms"), floors.get(s.scenario)
        ratio = median_ms / floor if median_ms is not None and floor else None
        lines.append(
            f"| {s.label} | {SCENARIOS[s.scenario].description} | {fmt(median_ms, '.0f')} "
            f"| {fmt(ratio, '.2f')}x | {fmt(s.median('runs'), 'g')} | {s.spread()} |"
        )
    return "\n".join(lines)


def to_json(series: Sequence[Series], args: argparse.Namespace, browser_version: str) -> dict[str, Any]:
    floors = {s.scenario: s.median("ms") for s in series if s.system == "bare"}
    results = []
    for s in series:
        median_ms, floor = s.median("ms"), floors.get(s.scenario)
        results.append(
            {
                "system": s.system,
                "label": s.label,
                "scenario": s.scenario,
                "scenario_description": SCENARIOS[s.scenario].description,
                "median_ms": median_ms,
                "ratio_to_bare": median_ms / floor if median_ms is not None and floor else None,
                "runs_median": s.median("runs"),
                "runs_settled_median": s.median("runs_settled"),
                "wall_median_ms": s.median("wall_ms"),
                "samples": [asdict(sample) for sample in s.samples],
                "console_errors": s.console_errors,
            }
        )
    return {
        "meta": {**run_meta(browser_version, rounds=args.rounds), "last_key": LAST_KEY},
        "results": results,
    }


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--scenarios", default="A,B", help="comma-separated, from A,B (default A,B)")
    parser.add_argument(
        "--systems",
        default=",".join(s.name for s in SYSTEMS),
        help="comma-separated, from " + ",".join(s.name for s in SYSTEMS) + " (default all)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON output path")
    return parser.parse_args(argv)


def _select_systems(names: str) -> list[System]:
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = set(wanted) - {s.name for s in SYSTEMS}
    if unknown:
        raise SystemExit(f"Unknown systems: {', '.join(sorted(unknown))}")
    selected = []
    for system in SYSTEMS:
        if system.name not in wanted:
            continue
        if not (APPS_DIR / system.app).is_file():
            print(f"note: skipping {system.name}: benchmarks/apps/{system.app} does not exist yet")
            continue
        selected.append(system)
    return selected


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    systems = _select_systems(args.systems)
    scenarios = [SCENARIOS[name.strip()] for name in args.scenarios.split(",") if name.strip()]
    series = {(sy.name, sc.name): Series(sy.name, sy.label, sc.name) for sc in scenarios for sy in systems}
    servers: dict[str, StreamlitServer] = {}
    try:
        for system in systems:
            servers[system.name] = StreamlitServer(APPS_DIR / system.app)
            servers[system.name].start()
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            for system in systems:  # warm-up: imports, caches, first-session costs
                _measure_or_explain(browser, system, servers[system.name], scenarios[0])
            for round_ in range(args.rounds):
                order = systems[round_ % len(systems) :] + systems[: round_ % len(systems)]
                for scenario in scenarios:
                    for system in order:
                        sample, errors = _measure_or_explain(browser, system, servers[system.name], scenario)
                        entry = series[(system.name, scenario.name)]
                        entry.samples.append(sample)
                        entry.console_errors.extend(errors)
                print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
            browser_version = browser.version
            browser.close()
    finally:
        for server in servers.values():
            server.stop()

    ordered = [series[(sy.name, sc.name)] for sc in scenarios for sy in systems]
    print(table(ordered))
    write_results(args.output, to_json(ordered, args, browser_version))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
