"""One exception tree for everything streamlit-persist reports or raises.

Problems caused by what the browser (or a URL) sends are never raised into the app:
they are collected as ``PersistError`` instances in ``Persisted.errors``. Only the
app author's mistakes (bad arguments, a short secret) are raised.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

ErrorKind = Literal[
    "usage",  # the app author called the API wrongly (raised)
    "corrupt",  # a stored entry could not be decoded
    "unsupported",  # a value of a type without a codec
    "too_large",  # over a per-value or total budget
    "quota",  # the browser refused the write (QuotaExceededError)
    "storage",  # browser storage unavailable or failed otherwise
    "unassignable",  # a key Streamlit never lets session state assign (buttons, ...)
    "tampered",  # authentication failed
    "expired",  # past its ttl, or issued in the future
    "wrong_key",  # sealed under a key that is not (or no longer) configured
    "migrated",  # restored through ``migrate`` from an older schema version
    "dropped",  # dropped on purpose: old version without ``migrate``, newer version
    "link",  # a share link was rejected
]

ERROR_KINDS: Final[frozenset[str]] = frozenset(get_args(ErrorKind))


class PersistError(Exception):
    """A problem with one persisted key (``key``), of a given ``kind``.

    Examples
    --------
    >>> import streamlit_persist as sp
    >>> err = sp.PersistError("corrupt", "stored value is not valid JSON", key="name")
    >>> str(err)
    "name: stored value is not valid JSON"
    """

    def __init__(self, kind: ErrorKind, message: str, *, key: str | None = None) -> None:
        super().__init__(f"{key}: {message}" if key is not None else message)
        self.kind: ErrorKind = kind
        self.key: str | None = key
        self.message: str = message

    def __repr__(self) -> str:
        return f"PersistError(kind={self.kind!r}, key={self.key!r}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PersistError):
            return NotImplemented
        return (self.kind, self.key, self.message) == (other.kind, other.key, other.message)

    def __hash__(self) -> int:
        return hash((self.kind, self.key, self.message))
