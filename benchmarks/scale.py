"""Values of ``bench_scale.py`` cases (pure Python: imported by the app and the runner)."""

from __future__ import annotations

import hashlib
from functools import cache

from benchmarks.scenarios import Scenario, make_value


@cache
def _case_values(n: int, size: int) -> tuple[tuple[str, str], ...]:
    scenario = Scenario(f"n{n}s{size}", n, size, f"{n} keys x {size} B")
    return tuple((f"k{i:04d}", make_value(f"k{i:04d}", scenario)) for i in range(n))


def case_values(n: int, size: int) -> dict[str, str]:
    """``{k0000: value, ...}``: ``n`` deterministic, incompressible values of ``size`` characters."""
    return dict(_case_values(n, size))


def marker(n: int, size: int) -> str:
    """The line the app shows once all ``n`` values are there (see ``apps/scale_app.py``)."""
    values = case_values(n, size)
    digest = hashlib.sha256("\x00".join(f"{k}={v}" for k, v in values.items()).encode()).hexdigest()[:12]
    return f"restored={n} digest={digest}"
