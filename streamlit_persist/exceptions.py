"""What streamlit-persist raises, and what it records in ``Persisted.errors``.

Two different things:

- ``UsageError`` is raised for the app author's mistakes (bad arguments, a short secret,
  ``persist()`` called after its widget). It is a ``ValueError`` too.
- ``ErrorRecord`` is what ``p.errors`` holds: a problem with data that came from the
  browser, a cookie, a URL or a store (corrupt, tampered, expired, invalid for its widget,
  ...). Such problems are never raised into the app; the key falls back to its default.

Lower layers raise ``PersistError`` with a ``kind``; ``persist()`` turns those into records
at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

ErrorKind = Literal[
    "usage",  # the app author called the API wrongly (raised as UsageError)
    "corrupt",  # a stored entry could not be decoded
    "unsupported",  # a value of a type without a codec
    "too_large",  # over a per-value or total budget
    "quota",  # the browser refused the write (QuotaExceededError)
    "storage",  # browser storage failed otherwise (a write refused, no answer from the browser)
    "unavailable",  # no browser storage for this page (denied in a cross-site frame, or kept apart
    # for the embedding site): values live for this session only; see ``Persisted.available``
    "unassignable",  # a key Streamlit never lets session state assign (buttons, ...)
    "invalid",  # a restored value its widget would reject (wrong type, out of range, ...)
    "quarantined",  # restored, then the app raised: removed so the next load starts clean
    "tampered",  # authentication failed
    "expired",  # past its ttl, or issued in the future
    "wrong_key",  # sealed under a key that is not (or no longer) configured
    "migrated",  # restored through ``migrate`` from an older schema version
    "dropped",  # dropped on purpose: old version without ``migrate``, newer version
    "link",  # a share link was rejected
    "store",  # the server-side store failed (locked, read-only, unreachable); retried later
]

ERROR_KINDS: Final[frozenset[str]] = frozenset(get_args(ErrorKind))


class PersistError(Exception):
    """A problem of a given ``kind``, about one persisted ``key`` when it concerns one.

    Examples
    --------
    >>> import streamlit_persist as sp
    >>> err = sp.PersistError("corrupt", "stored value is not valid JSON", key="name")
    >>> str(err)
    'name: stored value is not valid JSON'
    """

    def __init__(self, kind: ErrorKind, message: str, *, key: str | None = None) -> None:
        super().__init__(f"{key}: {message}" if key is not None else message)
        self.kind: ErrorKind = kind
        self.key: str | None = key
        self.message: str = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, key={self.key!r}, message={self.message!r})"

    def record(self, key: str | None = None) -> ErrorRecord:
        """This problem as an entry of ``p.errors`` (``key`` names the slot if the error does not)."""
        return ErrorRecord(self.kind, self.message, self.key if self.key is not None else key)


class UsageError(PersistError, ValueError):
    """The app author called the API wrongly; the message says what to do instead.

    Examples
    --------
    >>> import streamlit_persist as sp
    >>> sp.persist("name")
    Traceback (most recent call last):
    ...
    streamlit_persist.exceptions.UsageError: persist() takes a list of keys, e.g. persist(['name'])
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__("usage", message, key=key)


@dataclass(frozen=True)
class ErrorRecord:
    """One entry of ``Persisted.errors``: a problem with stored, linked or restored data.

    Examples
    --------
    >>> for error in p.errors:
    ...     st.warning(f"{error.key}: {error.message}" if error.key else error.message)
    """

    kind: ErrorKind
    message: str
    key: str | None = None

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key is not None else self.message
