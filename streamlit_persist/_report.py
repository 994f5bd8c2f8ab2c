"""Problems seen in one session: kept as records for ``p.errors``, logged once per kind and batch.

10,000 corrupt entries must not mean 10,000 log lines or 10,000 records: the log gets one
line per kind for each batch ("1,000 corrupt entries dropped"), and the records stop at
``MAX_RECORDS`` (the log still counts every one).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Final

from streamlit_persist.exceptions import ErrorKind, ErrorRecord, PersistError

LOGGER: Final = logging.getLogger("streamlit_persist")
MAX_RECORDS: Final = 100

_VERBS: Final[dict[str, str]] = {
    "corrupt": "corrupt entries dropped",
    "tampered": "tampered entries dropped",
    "expired": "expired entries dropped",
    "wrong_key": "entries sealed with an unknown key dropped",
    "invalid": "values their widget rejects dropped",
    "quarantined": "values quarantined after the app raised",
    "dropped": "entries of another schema version dropped",
    "migrated": "values migrated",
    "unassignable": "keys that cannot be assigned skipped",
    "unsupported": "values of unsupported types not stored",
    "too_large": "values over a budget not stored",
    "quota": "writes refused by a full browser storage",
    "storage": "browser storage failures",
    "unavailable": "reports of browser storage unavailable to this page",
    "link": "share link problems",
}


class Reporter:
    """Collects problems; ``flush_log`` writes what came in since the last call."""

    def __init__(self) -> None:
        self._records: list[ErrorRecord] = []
        self._seen: set[ErrorRecord] = set()
        self._batch: Counter[ErrorKind] = Counter()
        self._first: dict[ErrorKind, ErrorRecord] = {}

    @property
    def records(self) -> list[ErrorRecord]:
        return list(self._records)

    def report(self, kind: ErrorKind, message: str, key: str | None = None) -> None:
        """Record a problem once (the same kind, key and message again is not news)."""
        record = ErrorRecord(kind, message, key)
        if record in self._seen:
            return
        self._seen.add(record)
        if len(self._records) < MAX_RECORDS:
            self._records.append(record)
        self._batch[kind] += 1
        self._first.setdefault(kind, record)

    def error(self, error: PersistError, key: str | None = None) -> None:
        """Record a lower layer's ``PersistError`` against ``key``."""
        self.report(error.kind, error.message, error.key if error.key is not None else key)

    def flush_log(self) -> None:
        """One warning per kind for everything reported since the last flush."""
        for kind, count in self._batch.items():
            first = self._first[kind]
            if count == 1:
                LOGGER.warning("streamlit-persist: %s", first)
            else:
                what = _VERBS.get(kind, f"{kind} problems")
                LOGGER.warning("streamlit-persist: %s %s (first: %s)", f"{count:,}", what, first)
        self._batch.clear()
        self._first.clear()
