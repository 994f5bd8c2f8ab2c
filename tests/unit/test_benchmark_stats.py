"""The statistics the benchmarks report their verdicts with."""

from __future__ import annotations

import random
import statistics

from benchmarks.common import ratio_interval


def test_the_ratio_interval_holds_the_ratio_and_narrows_with_more_samples() -> None:
    draw = random.Random(1)
    floor = [draw.gauss(100, 20) for _ in range(1_000)]
    measured = [draw.gauss(110, 20) for _ in range(1_000)]
    wide = ratio_interval(measured[:50], floor[:50])
    narrow = ratio_interval(measured, floor)
    assert wide is not None
    assert narrow is not None
    ratio = statistics.median(measured) / statistics.median(floor)
    assert narrow[0] < ratio < narrow[1]
    assert narrow[1] - narrow[0] < (wide[1] - wide[0]) / 2
    assert narrow[0] > 1.0  # 10% slower is told apart from the floor with 1,000 samples each


def test_no_samples_no_interval() -> None:
    assert ratio_interval([], [1.0]) is None
