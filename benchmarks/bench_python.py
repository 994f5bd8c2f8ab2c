"""Python-side benchmark: the library's own time per script run, at 10 to 10,000 persisted keys (issue 14).

What is measured
----------------
``apps/python_app.py`` runs under ``streamlit.testing.v1.AppTest`` with a
``streamlit_persist.testing.MemoryBrowser`` (in-memory storage that answers at once: no browser,
no network). Every value is ``n`` keys ``k0000``... of 100 characters, stored with the library's
own ``MemoryBrowser.store`` before the session starts (not timed). The app calls
``sp.persist([f"k{i:04d}" for i in range(n)])`` (``literal``) or ``sp.persist(["k*"])``
(``glob``), then creates one ``st.text_input`` keyed ``k0000``.

The library's share of a run is timed by wrapping, for the whole process:

- ``streamlit_persist.persist`` (the call in the app: options, key list, then ``Persisted._run``);
- ``Persisted._run`` (inside the call above);
- ``Persisted._end_of_run`` (the end-of-run hook, after the script body).

``lib ms`` is the time spent in the outermost of these calls (a nested call is not counted
twice), i.e. what ``persist()`` costs that run, minus the time the ``MemoryBrowser`` spent
answering inside them (``browser ms``, JSON only: what ``component/bridge.ts`` does in the page,
on the browser's side in reality). The boot cookie, which a browser just sends, is computed
from the seeded storage once, outside the timed runs. Four kinds of run:

- ``restore``: a new session's first run (a return visit: every stored value is opened and put
  into session state; at 10 keys the state fits the boot cookie, which is the path then taken);
- ``second run``: the session's second run, nothing changed; it is the run where the library
  looks once for keys that matched nothing (a one-time cost, shown apart);
- ``unchanged``: a later rerun where nothing changed (the cost that must not grow with ``n``);
- ``one change``: a rerun after ``k0000``'s text input changed (one write).

``writes`` is the number of storage writes the runs sent (must be 0 unchanged, 1 per change);
``msg B`` the bytes of the messages the library handed to the browser that run (orjson). The
``floor`` row is the same script without ``persist()`` (``script ms`` only: AppTest's own cost
of a run, for scale).

``vs n=<smallest>`` is the median over the same (keys, run) median at the smallest ``n`` measured:
about 1x for reruns is "cost that grows only with the work".

Each round builds a new session per (n, keys) and takes one ``restore`` and one ``second run``
sample, then ``--reruns`` samples of each other kind; the order of ``literal``/``glob`` flips each
round. Medians over all rounds. ``gc.collect()`` runs before every timed run.

``--profile`` instead runs one restore (a return visit's first run, literal keys) per ``n``
under ``cProfile`` and prints where the library's time goes: the inclusive time of each step
(:data:`STEPS`; profiling slows every call, so read shares, not milliseconds).

Usage::

    .venv/bin/python benchmarks/bench_python.py                 # 5 rounds x 5 reruns, n = 10,100,1000,10000
    .venv/bin/python benchmarks/bench_python.py --rounds 2 --reruns 3 --n 10,1000
    .venv/bin/python benchmarks/bench_python.py --profile       # where a restore's time goes

Writes ``benchmarks/results/python.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import logging
import pstats
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

if __package__ != "benchmarks":  # run as a file: only benchmarks/ is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
from streamlit.testing.v1 import AppTest

import streamlit_persist
from benchmarks.common import fmt, median_of, run_meta, write_results
from benchmarks.scale import case_values
from streamlit_persist import _persisted, _streamlit
from streamlit_persist._protocol import PersistData, PersistMessage
from streamlit_persist.testing import MemoryBrowser

APP: Final = Path(__file__).resolve().parent / "apps" / "python_app.py"
RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "python.json"
NAMESPACE: Final = "bench"
VALUE_SIZE: Final = 100
DEFAULT_N: Final = "10,100,1000,10000"
KINDS: Final = ("restore", "second run", "unchanged", "one change")
TIMEOUT_S: Final = 600.0
# The steps of a restore, as (module, function) and what they are; inclusive times (they nest).
STEPS: Final = (
    ("_api", "persist", "persist() call"),
    ("_persisted", "_end_of_run", "end of run"),
    ("_boot", "read", "boot cookie: check and unpack"),
    ("_keys", "__init__", "key selection: built"),
    ("_restore", "open_entries", "open and decode every entry"),
    ("_envelope", "open_token", "  of which: open (header, integrity, expiry)"),
    ("_codec", "loads", "  of which: decode (type-exact JSON)"),
    ("_streamlit", "assign", "assignment into session state"),
    ("_persisted", "_stage_session_state", "look for changes to store"),
    ("_outbox", "compose", "message to the browser: composed"),
    ("testing", "_deliver", "in-memory browser answering (the page's work in reality)"),
    ("_persisted", "_receive", "the answer handled (hydration: open, decode, assign)"),
)


class LibraryClock:
    """Time spent in wrapped library functions: nested calls count once (the outermost call).

    Time the in-memory browser spends answering inside those calls (:meth:`browser_work`: work a
    real browser does in its own process) is kept apart and subtracted, from the total and from
    each function's own (inclusive) time.
    """

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.total = 0.0
        self.browser = 0.0
        self.parts: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def reset(self) -> None:
        self.total = 0.0
        self.browser = 0.0
        self.parts = {}
        self.calls = {}

    @property
    def library(self) -> float:
        """Seconds in the library, the browser's share excluded."""
        return self.total - self.browser

    def part(self, name: str) -> float:
        """Seconds in ``name`` (callees included, the browser's share excluded)."""
        return self.parts.get(name, 0.0)

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            outermost = not self.stack
            self.stack.append(name)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.stack.pop()
                if name not in self.stack:  # a recursive call is already inside the outer one
                    self.parts[name] = self.parts.get(name, 0.0) + elapsed
                self.calls[name] = self.calls.get(name, 0) + 1
                if outermost:
                    self.total += elapsed

        return timed

    def browser_work(self, seconds: float) -> None:
        """``seconds`` the browser stand-in worked, inside whatever library calls are open."""
        if not self.stack:
            return
        self.browser += seconds
        for name in set(self.stack):
            self.parts[name] = self.parts.get(name, 0.0) - seconds


@contextmanager
def instrumented(clock: LibraryClock) -> Iterator[None]:
    """Wrap ``persist``, ``Persisted._run`` and ``Persisted._end_of_run`` while the block runs.

    Under AppTest the library looks at every key each run (a test may set session state from
    its own thread, unseen); this benchmark sets none that way, so it measures the path of a
    real server instead: only keys that can have changed are looked at.
    """
    originals = (streamlit_persist.persist, _persisted.Persisted._run, _persisted.Persisted._end_of_run)
    under_app_test = _streamlit.under_app_test
    _streamlit.under_app_test = lambda: False
    streamlit_persist.persist = clock.wrap("persist", originals[0])
    _persisted.Persisted._run = clock.wrap("_run", originals[1])  # type: ignore[method-assign]
    _persisted.Persisted._end_of_run = clock.wrap("_end_of_run", originals[2])  # type: ignore[method-assign]
    try:
        yield
    finally:
        _streamlit.under_app_test = under_app_test
        streamlit_persist.persist = originals[0]
        _persisted.Persisted._run = originals[1]  # type: ignore[method-assign]
        _persisted.Persisted._end_of_run = originals[2]  # type: ignore[method-assign]


class TimedBrowser(MemoryBrowser):
    """A ``MemoryBrowser`` holding ``seeded`` storage whose own work is kept out of the library's time.

    Its answers (``_deliver``: what ``component/bridge.ts`` does in the page) are timed apart. The
    boot cookie, which a real browser simply sends with the request, is computed from storage once
    per storage content (``cookie_memo``, shared by sessions) instead of on every first run.
    """

    def __init__(self, clock: LibraryClock, seeded: dict[str, str], cookie_memo: dict[str, str | None]) -> None:
        super().__init__()
        self.local = dict(seeded)
        self._clock = clock
        self._cookie_memo = cookie_memo

    def cookie(self, name: str) -> str | None:
        start = time.perf_counter()
        try:
            if name in self.cookies:
                return self.cookies[name]
            if name not in self._cookie_memo:
                self._cookie_memo[name] = super().cookie(name)
            return self._cookie_memo[name]
        finally:
            self._clock.browser_work(time.perf_counter() - start)

    def _deliver(self, key: str, data: PersistData, on_message: Callable[[], None]) -> PersistMessage | None:
        start = time.perf_counter()
        try:
            return super()._deliver(key, data, on_message)
        finally:
            self._clock.browser_work(time.perf_counter() - start)


@dataclass
class Sample:
    lib_ms: float
    persist_ms: float
    end_of_run_ms: float
    browser_ms: float
    script_ms: float
    end_of_run_calls: int
    writes: int
    msg_bytes: int


@dataclass
class Series:
    n: int
    keys: str  # "literal", "glob" or "floor"
    kind: str
    samples: list[Sample] = field(default_factory=list)

    def median(self, attribute: str) -> float | None:
        return median_of(self.samples, attribute)


class Session:
    """One AppTest session of the app against one MemoryBrowser, every run timed."""

    def __init__(
        self, clock: LibraryClock, n: int, keys: str, seeded: dict[str, str], cookie_memo: dict[str, str | None]
    ) -> None:
        self.clock = clock
        self.browser = TimedBrowser(clock, seeded, cookie_memo)
        self.at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
        self.at.query_params["n"] = str(n)
        if keys == "floor":
            self.at.query_params["persist"] = "0"
        else:
            self.at.query_params["keys"] = keys

    def run(self, change: str | None = None) -> Sample:
        self.browser.messages.clear()
        self.clock.reset()
        gc.collect()
        with self.browser:
            start = time.perf_counter()
            if change is None:
                self.at.run()
            else:
                self.at.text_input(key="k0000").set_value(change).run()
            script_ms = (time.perf_counter() - start) * 1000
        if self.at.exception:
            raise RuntimeError(f"the app raised: {self.at.exception[0].message}")
        writes = sum(len(m["writes"]) for m in self.browser.messages)
        return Sample(
            lib_ms=self.clock.library * 1000,
            persist_ms=self.clock.part("persist") * 1000,
            end_of_run_ms=self.clock.part("_end_of_run") * 1000,
            browser_ms=self.clock.browser * 1000,
            script_ms=script_ms,
            end_of_run_calls=self.clock.calls.get("_end_of_run", 0),
            writes=writes,
            msg_bytes=sum(len(orjson.dumps(m)) for m in self.browser.messages),
        )


def seeded_storage(n: int) -> dict[str, str]:
    """What a returning user's localStorage holds: ``n`` values stored by the library itself."""
    browser = MemoryBrowser()
    browser.store(case_values(n, VALUE_SIZE), namespace=NAMESPACE)
    return browser.local


def table(series: Sequence[Series]) -> str:
    smallest = min(s.n for s in series)
    base = {(s.keys, s.kind): s.median("lib_ms") for s in series if s.n == smallest and s.keys != "floor"}
    lines = [
        f"| keys | persist() given | run | lib ms (median) | vs n={smallest:,} | persist() ms | end-of-run ms "
        "| script ms | writes | msg bytes |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in series:
        lib = s.median("lib_ms") if s.keys != "floor" else None
        reference = base.get((s.keys, s.kind))
        growth = lib / reference if lib is not None and reference else None
        times = "" if growth is None else "x"
        lines.append(
            f"| {s.n:,} | {s.keys} | {s.kind} | {fmt(lib, '.3f')} | {fmt(growth, '.2f')}{times} "
            f"| {fmt(s.median('persist_ms') if lib is not None else None, '.3f')} "
            f"| {fmt(s.median('end_of_run_ms') if lib is not None else None, '.3f')} "
            f"| {fmt(s.median('script_ms'), '.1f')} | {fmt(s.median('writes'), 'g')} "
            f"| {fmt(s.median('msg_bytes'), '.0f')} |"
        )
    return "\n".join(lines)


def checks(series: Sequence[Series]) -> list[str]:
    """What must hold whatever the timings: writes per run, one end-of-run call per run."""
    problems = []
    for s in series:
        if s.keys == "floor":
            continue
        expected_writes = 1 if s.kind == "one change" else 0
        for i, sample in enumerate(s.samples):
            where = f"{s.n:,} keys, {s.keys}, {s.kind}, sample {i + 1}"
            if sample.writes != expected_writes:
                problems.append(f"{where}: {sample.writes} storage writes, expected {expected_writes}")
            if sample.end_of_run_calls != 1:
                problems.append(f"{where}: end of run called {sample.end_of_run_calls} times, expected 1")
    return problems


@contextmanager
def profiled(profiler: cProfile.Profile) -> Iterator[None]:
    """Profile ``persist`` and the end-of-run hook: they run in AppTest's script thread."""

    def under_profiler(function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return profiler.runcall(function, *args, **kwargs)

        return call

    originals = (streamlit_persist.persist, _persisted.Persisted._end_of_run)
    streamlit_persist.persist = under_profiler(originals[0])
    _persisted.Persisted._end_of_run = under_profiler(originals[1])  # type: ignore[method-assign]
    try:
        yield
    finally:
        streamlit_persist.persist = originals[0]
        _persisted.Persisted._end_of_run = originals[1]  # type: ignore[method-assign]


def profile(counts: Sequence[int]) -> str:
    """A table: each restore step's inclusive time (ms, under cProfile) and share of the library's."""
    columns: list[dict[str, float]] = []
    for n in counts:
        clock = LibraryClock()
        storage, memo = seeded_storage(n), dict[str, str | None]()
        Session(clock, n, "literal", storage, memo).run()  # warm: imports, compilation
        session = Session(clock, n, "literal", storage, memo)
        profiler = cProfile.Profile()
        with profiled(profiler):
            session.run()
        inclusive: dict[tuple[str, str], float] = {}
        for (path, _, function), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
            module = Path(path).stem
            if "streamlit_persist" in path:
                inclusive[(module, function)] = inclusive.get((module, function), 0.0) + row[3]
        columns.append({label: inclusive.get((m, f), 0.0) * 1000 for m, f, label in STEPS})
    header = "| step | " + " | ".join(f"{n:,} keys" for n in counts) + " |"
    lines = [header, "|---|" + "---:|" * len(counts)]
    for _, _, label in STEPS:
        cells = []
        for column in columns:
            total = column[STEPS[0][2]] + column[STEPS[1][2]]
            share = column[label] / total * 100 if total else 0.0
            cells.append(f"{column[label]:.1f} ms ({share:.0f}%)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="new sessions per (n, keys) (default 5)")
    parser.add_argument("--reruns", type=int, default=5, help="samples of each rerun kind per session (default 5)")
    parser.add_argument("--n", default=DEFAULT_N, help=f"comma-separated key counts (default {DEFAULT_N})")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON output path")
    parser.add_argument("--profile", action="store_true", help="where one restore's time goes, per n")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    # AppTest sets session state outside a script run when it is built: Streamlit warns each time.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    counts = [int(x) for x in args.n.split(",") if x.strip()]
    if args.profile:
        print(profile(counts))
        return 0
    modes = ["literal", "glob"]
    series: dict[tuple[int, str, str], Series] = {}
    for n in counts:
        for keys in [*modes, "floor"]:
            for kind in KINDS:
                series[(n, keys, kind)] = Series(n, keys, kind)
    clock = LibraryClock()
    storages = {n: seeded_storage(n) for n in counts}
    cookies: dict[int, dict[str, str | None]] = {n: {} for n in counts}
    with instrumented(clock):
        for n in counts:  # warm-up: imports, the app's compilation, first-session costs
            for keys in modes:
                warm = Session(clock, n, keys, storages[n], cookies[n])
                warm.run()
                warm.run()
        for round_ in range(args.rounds):
            order = modes if round_ % 2 == 0 else modes[::-1]
            for n in counts:
                for keys in [*order, "floor"]:
                    session = Session(clock, n, keys, storages[n], cookies[n])
                    series[(n, keys, "restore")].samples.append(session.run())
                    series[(n, keys, "second run")].samples.append(session.run())
                    for _ in range(args.reruns):
                        series[(n, keys, "unchanged")].samples.append(session.run())
                    for i in range(args.reruns):
                        change = f"changed in round {round_} rerun {i}"
                        series[(n, keys, "one change")].samples.append(session.run(change))
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    ordered = list(series.values())
    print(table(ordered))
    for problem in checks(ordered):
        print(f"CHECK FAILED: {problem}")
    payload = {
        "meta": run_meta(
            "none (AppTest + MemoryBrowser)",
            rounds=args.rounds,
            reruns=args.reruns,
            value_size=VALUE_SIZE,
            namespace=NAMESPACE,
        ),
        "results": [
            {
                "n": s.n,
                "keys": s.keys,
                "run": s.kind,
                "lib_median_ms": s.median("lib_ms") if s.keys != "floor" else None,
                "persist_median_ms": s.median("persist_ms") if s.keys != "floor" else None,
                "end_of_run_median_ms": s.median("end_of_run_ms") if s.keys != "floor" else None,
                "browser_median_ms": s.median("browser_ms") if s.keys != "floor" else None,
                "script_median_ms": s.median("script_ms"),
                "writes_median": s.median("writes"),
                "msg_bytes_median": s.median("msg_bytes"),
                "samples": [asdict(x) for x in s.samples],
            }
            for s in ordered
        ],
    }
    write_results(args.output, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
