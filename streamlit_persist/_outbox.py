"""What each message to the browser carries: its own news, and the news of the last seconds.

Streamlit hands a component only the newest data of its element: when two messages for one
element arrive within one render (quick clicks, an interrupted run), the older one is never
seen by the browser module. So every message also repeats what the messages of the last
``WINDOW_SECONDS`` carried: writes (the browser applies a write only if it is newer than what
the slot got), checks (each answered once) and the cookie value. Transports that see every
message (the tests' ``MemoryBrowser``, a server store) get only the news.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Final

from streamlit_persist._protocol import Check, CookieSpec

WINDOW_SECONDS: Final = 5.0


class Outbox:
    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self._window = window
        self._recent: deque[tuple[float, dict[str, str | None], list[Check]]] = deque()
        self._cookie: tuple[float, CookieSpec] | None = None

    def compose(
        self, writes: dict[str, str | None], checks: list[Check], cookie: CookieSpec | None, *, repeat: bool
    ) -> tuple[dict[str, str | None], list[Check], CookieSpec | None]:
        """The writes, checks and cookie of the next message (with the recent ones if ``repeat``)."""
        now = time.monotonic()
        while self._recent and now - self._recent[0][0] > self._window:
            self._recent.popleft()
        if cookie is not None:
            self._cookie = (now, cookie)
        if not repeat:
            return writes, checks, cookie
        merged: dict[str, str | None] = {}
        repeated: dict[str, Check] = {}
        for _, sent_writes, sent_checks in self._recent:
            merged.update(sent_writes)
            repeated.update((check["req"], check) for check in sent_checks)
        merged.update(writes)
        repeated.update((check["req"], check) for check in checks)
        self._recent.append((now, writes, checks))
        if cookie is None and self._cookie is not None and now - self._cookie[0] <= self._window:
            cookie = self._cookie[1]
        return merged, list(repeated.values()), cookie
