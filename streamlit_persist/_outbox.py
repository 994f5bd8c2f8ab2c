"""What each message to the browser carries, so that no write is lost on the way.

Streamlit hands a component only the newest data of its element. Two messages arriving
within one render (quick clicks, a run interrupted by the next), the older is never seen;
and the browser module loads only after the page's first render (seconds, on a heavy page),
so it first sees only the newest data of each mount. Two measures:

- every message repeats what the messages of the last ``WINDOW_SECONDS`` carried (writes,
  checks, the cookie value): coalesced renders lose nothing, at no extra script run;
- every message says, in ``base``, the revision of the last write it does *not* carry. A
  browser that has not applied that far asks for a resend (``resync``); the next message
  then carries every write since (from the history, or everything Python holds), at the
  cost of one script run, only when something was really missed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Final

from streamlit_persist._protocol import Check, CookieSpec

WINDOW_SECONDS: Final = 1.0
HISTORY: Final = 256  # write-carrying messages kept for resends; older ones mean a full resend

Writes = dict[str, str | None]


class Outbox:
    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self._window = window
        self._recent: deque[tuple[float, int, Writes, list[Check]]] = deque()
        self._history: deque[tuple[int, Writes]] = deque()
        self._forgotten = 0  # the newest write-carrying message dropped from the history
        self._cookie: tuple[float, CookieSpec] | None = None
        self._last_write_outside = 0  # the newest write-carrying message no longer repeated
        self._resync_from: int | None = None

    def resync(self, applied: int) -> None:
        """The browser has applied every write up to revision ``applied``, and missed later ones."""
        self._resync_from = applied if self._resync_from is None else min(self._resync_from, applied)

    def compose(
        self,
        rev: int,
        writes: Writes,
        checks: list[Check],
        cookie: CookieSpec | None,
        *,
        repeat: bool,
        everything: Callable[[], tuple[Writes, list[Check], CookieSpec | None]],
    ) -> tuple[Writes, list[Check], CookieSpec | None, int]:
        """The writes, checks, cookie and ``base`` of message ``rev``.

        ``everything`` gives what Python holds (every stored token and removal, the checks not
        yet answered, the current cookie), for a resend that reaches further back than the
        history.
        """
        now = time.monotonic()
        while self._recent and now - self._recent[0][0] > self._window:
            _, old_rev, old_writes, _ = self._recent.popleft()
            if old_writes:
                self._last_write_outside = max(self._last_write_outside, old_rev)
        if cookie is not None:
            self._cookie = (now, cookie)
        base = self._last_write_outside
        merged: Writes = {}
        sent_checks: dict[str, Check] = {}
        if self._resync_from is not None:
            base, merged, sent_checks, cookie = self._resend(self._resync_from, cookie, everything)
            self._resync_from = None
        elif repeat:
            for _, _, old_writes, old_checks in self._recent:
                merged.update(old_writes)
                sent_checks.update((check["req"], check) for check in old_checks)
            if cookie is None and self._cookie is not None and now - self._cookie[0] <= self._window:
                cookie = self._cookie[1]
        merged.update(writes)
        sent_checks.update((check["req"], check) for check in checks)
        if repeat:
            self._recent.append((now, rev, writes, checks))
        else:
            base = self._last_write_outside
            if writes:
                self._last_write_outside = rev
        if writes:
            self._history.append((rev, writes))
            if len(self._history) > HISTORY:
                self._forgotten = self._history.popleft()[0]
        return merged, list(sent_checks.values()), cookie, base

    def _resend(
        self,
        applied: int,
        cookie: CookieSpec | None,
        everything: Callable[[], tuple[Writes, list[Check], CookieSpec | None]],
    ) -> tuple[int, Writes, dict[str, Check], CookieSpec | None]:
        held, pending, current = everything()
        checks = {check["req"]: check for check in pending}
        if self._forgotten <= applied:  # the history holds every write since
            merged: Writes = {}
            for rev, writes in self._history:
                if rev > applied:
                    merged.update(writes)
            return applied, merged, checks, cookie or current
        return applied, dict(held), checks, cookie or current
