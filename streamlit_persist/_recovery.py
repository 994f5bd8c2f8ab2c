"""A run that raises after values were restored: hold the suspects back, rerun, then decide.

The suspect is the restored key of the widget call that raised, else the restored key the
app read last, else every value restored since the last run that did not raise. Suspects
are withheld from session state for the rerun; if a run then succeeds they were guilty and
leave storage, if the app raises anyway they were innocent and storage keeps them. At most
``MAX_ROUNDS`` reruns per page load, so a broken app is never rerun forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

MAX_ROUNDS: Final = 3


class Recovery:
    def __init__(self, watch_reads: Callable[[bool], None]) -> None:
        """``watch_reads(True)`` while values are at risk: only then do the app's reads matter."""
        self.at_risk: set[str] = set()  # restored, not yet through a run that did not raise
        self.suspects: set[str] = set()
        self._suspects_run: object = None
        self._rounds = 0
        self._last_read: str | None = None
        self._watch_reads = watch_reads
        self._watching = False

    def restored(self, slot: str) -> None:
        self.at_risk.add(slot)
        self._risk_changed()

    def forget(self, slot: str) -> None:
        self.at_risk.discard(slot)
        self._risk_changed()

    def new_run(self) -> None:
        self._last_read = None

    def read(self, key: str) -> None:
        if key in self.at_risk:
            self._last_read = key

    def suspect(self, blamed_widget: str | None, run: object) -> set[str]:
        """Who to hold back after the run ``run`` raised (empty: give the app's exception its way)."""
        if not self.at_risk or self._rounds >= MAX_ROUNDS:
            return set()
        blamed = blamed_widget if blamed_widget in self.at_risk else None
        if blamed is None and self._last_read in self.at_risk:
            blamed = self._last_read
        found = {blamed} if blamed is not None else set(self.at_risk)
        self.suspects |= found
        self.at_risk -= found
        self._risk_changed()
        self._suspects_run = run
        self._rounds += 1
        return found

    def waiting(self, run: object) -> bool:
        """True right after ``run`` held suspects back: the rerun decides, not this run's end."""
        return bool(self.suspects) and self._suspects_run is run

    def settle(self, *, raised: bool) -> set[str]:
        """The end of a run after the suspects were held back: the guilty ones (to drop from storage)."""
        self._rounds = 0
        guilty = set() if raised else set(self.suspects)
        self.suspects.clear()
        if not raised:
            self.at_risk.clear()
            self._risk_changed()
        return guilty

    def _risk_changed(self) -> None:
        if bool(self.at_risk) != self._watching:
            self._watching = not self._watching
            self._watch_reads(self._watching)
