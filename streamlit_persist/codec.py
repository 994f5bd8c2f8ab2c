"""Values to canonical JSON bytes and back (initial JSON-only version; tagged types follow)."""

from __future__ import annotations

from typing import Any, Final

import orjson

from streamlit_persist.exceptions import PersistError

PLAIN: Final = "j"
TAGGED: Final = "t"
FLAGS: Final = frozenset({PLAIN, TAGGED})


def dumps(value: Any) -> tuple[str, bytes]:
    """Return ``(flag, canonical JSON bytes)`` for a value."""
    try:
        data = orjson.dumps(value)
    except TypeError as e:
        raise PersistError("unsupported", f"values of type {type(value).__name__} cannot be stored") from e
    return PLAIN, data


def loads(flag: str, data: bytes) -> Any:
    """Decode what ``dumps`` produced; anything else is a ``PersistError``."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise PersistError("corrupt", "stored value is not valid JSON") from e
    if flag not in FLAGS or orjson.dumps(value) != data:
        raise PersistError("corrupt", "stored value is not in canonical form")
    return value
