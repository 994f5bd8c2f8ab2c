"""What the browser benchmark runners (``bench_*.py``) share: run metadata, results file, medians.

A runner run as a file (``python benchmarks/bench_x.py``) has only ``benchmarks/`` on
``sys.path``; it puts the repository root there itself before importing this module.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import streamlit

REPO_ROOT: Final = Path(__file__).resolve().parents[1]


def run_meta(browser_version: str, **settings: object) -> dict[str, Any]:
    """The ``meta`` of a results file, taken now (call it once the run is over).

    ``settings`` (the run's options and targets) go, in order, after ``date`` and ``command``.
    """
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        **settings,
        "streamlit": streamlit.__version__,
        "browser": browser_version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
    }


def write_results(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON to ``path`` (creating its folder), and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    print(f"\nwrote {shown}")


def median_of(samples: Iterable[object], attribute: str) -> float | None:
    """The median of ``attribute`` over the samples that have it (not ``None``); ``None`` if none do."""
    numbers = [getattr(s, attribute) for s in samples if getattr(s, attribute) is not None]
    return statistics.median(numbers) if numbers else None


def fmt(number: float | None, pattern: str) -> str:
    """``number`` formatted with ``pattern``, or ``n/a``."""
    return "n/a" if number is None else format(number, pattern)


def ratio_interval(
    measured: Sequence[float], floor: Sequence[float], *, rounds: int = 2_000, seed: int = 0
) -> tuple[float, float] | None:
    """A 95% bootstrap interval of ``median(measured) / median(floor)``: how far the ratio could
    move with other draws of the same noise (click latencies are bimodal; medians jump)."""
    if not measured or not floor:
        return None
    draw = random.Random(seed)
    ratios = sorted(
        statistics.median(draw.choices(measured, k=len(measured)))
        / statistics.median(draw.choices(floor, k=len(floor)))
        for _ in range(rounds)
    )
    return ratios[int(rounds * 0.025)], ratios[int(rounds * 0.975) - 1]
