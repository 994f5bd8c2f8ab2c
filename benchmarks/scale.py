"""Values of ``bench_scale.py`` cases (pure Python: imported by the apps and the runner)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache

from benchmarks.scenarios import Scenario, make_value


@cache
def _case_values(n: int, size: int) -> tuple[tuple[str, str], ...]:
    scenario = Scenario(f"n{n}s{size}", n, size, f"{n} keys x {size} B")
    return tuple((f"k{i:04d}", make_value(f"k{i:04d}", scenario)) for i in range(n))


def case_values(n: int, size: int) -> dict[str, str]:
    """``{k0000: value, ...}``: ``n`` deterministic, incompressible values of ``size`` characters."""
    return dict(_case_values(n, size))


def summary(present: Mapping[str, object]) -> str:
    """The one line every scale app shows: how many values are there, and a digest over them."""
    digest = hashlib.sha256("\x00".join(f"{k}={v}" for k, v in present.items()).encode()).hexdigest()[:12]
    return f"restored={len(present)} digest={digest}"


def marker(n: int, size: int) -> str:
    """The line an app shows once all ``n`` values are there, with the right values."""
    return summary(case_values(n, size))
