"""The data every benchmark app stores and restores (pure Python: imported by apps and runner).

A scenario is ``count`` keys ``k00`` .. ``k19`` of ``size`` characters each. Values are
deterministic and not repetitive (chained SHA-256 hex), so no layer can compress them away, and
each ends with a tail naming key, scenario and size. Apps render one :func:`summary` line per key;
the runner waits for the summary of :data:`LAST_KEY` as the "restored UI is visible" signal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Final

LAST_KEY: Final = "k19"


@dataclass(frozen=True)
class Scenario:
    name: str
    count: int
    size: int
    description: str

    @property
    def total_bytes(self) -> int:
        return self.count * self.size


SCENARIOS: Final[dict[str, Scenario]] = {
    "A": Scenario("A", 20, 100, "20 keys x 100 B"),
    "B": Scenario("B", 20, 50_000, "20 keys x 50 KB (~1 MB)"),
}


def keys(scenario: Scenario) -> list[str]:
    return [f"k{i:02d}" for i in range(scenario.count)]


def make_value(key: str, scenario: Scenario) -> str:
    tail = f"|{key}-{scenario.name}-{scenario.size}-end"
    chunks: list[str] = []
    digest = f"{key}:{scenario.name}".encode()
    length = 0
    while length < scenario.size - len(tail):
        digest = hashlib.sha256(digest).hexdigest().encode()
        chunks.append(digest.decode())
        length += len(digest)
    return "".join(chunks)[: scenario.size - len(tail)] + tail


@cache
def _values(name: str) -> dict[str, str]:
    scenario = SCENARIOS[name]
    return {key: make_value(key, scenario) for key in keys(scenario)}


def values(scenario: Scenario) -> dict[str, str]:
    """``{key: value}`` of the scenario (a fresh dict; the values are cached)."""
    return dict(_values(scenario.name))


def summary(key: str, value: object) -> str:
    """The line an app renders for one key: short even for 50 KB values."""
    if not isinstance(value, str):
        return f"{key} = (not stored)"
    return f"{key} = ...{value[-24:]} ({len(value)} chars)"


def restored_marker(scenario: Scenario) -> str:
    """The text that proves the last key was restored with the right value."""
    return summary(LAST_KEY, _values(scenario.name)[LAST_KEY])
