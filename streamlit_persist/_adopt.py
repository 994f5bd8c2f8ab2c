"""Values the peers stored, read once when an app moves to ``persist(..., adopt=...)``.

Where each peer keeps a value named ``name`` in the origin's ``localStorage`` (read in their
0.0.25 and 1.6.0 sources, and seen in Chromium):

* ``"streamlit-local-storage"``: under ``name`` itself, as ``JSON.stringify({name: value})``;
  its reader unwraps an object holding ``name`` and takes any other JSON as the value.
* ``"streamlit-extras"`` (``local_storage_manager``): under ``"st_extras_" + path + "_" + name``,
  ``path`` being the page's URL path with every character but ``[A-Za-z0-9]`` made ``_``
  (``"/"`` gives ``st_extras___name``), as ``JSON.stringify(value)``, or
  ``{"__st_expires_at__": <epoch seconds>, "value": value}`` when set with ``expires_in``.

The browser looks the keys up (``component/adopt.ts``, which knows the page's path) only for
names Python asks about, and sends the raw strings. They are hostile input like everything
the browser sends: decoded here strictly (size, JSON, depth, the codec's plain-JSON check),
then put into session state where the widget gate checks them like stored values.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Final, Literal, get_args

import orjson

from streamlit_persist import _codec
from streamlit_persist.exceptions import PersistError

Source = Literal["streamlit-local-storage", "streamlit-extras"]
SOURCES: Final[tuple[str, ...]] = get_args(Source)
EXPIRY_KEY: Final = "__st_expires_at__"
_EXTRAS_PREFIX: Final = "st_extras_"


def source(name: str) -> Source | None:
    """``name`` as a known source (the wire carries a plain string)."""
    for known in SOURCES:
        if name == known:
            return known  # type: ignore[return-value]  # one of the Literal's values
    return None


def peer_key(source: Source, name: str, path: str) -> str:
    """The ``localStorage`` key under which ``source`` keeps ``name`` on the page at URL ``path``."""
    if source == "streamlit-local-storage":
        return name
    return _EXTRAS_PREFIX + re.sub(r"[^a-zA-Z0-9]", "_", path) + "_" + name


def peer_value(source: Source, name: str, value: Any, *, expires_at: float | None = None) -> str:
    """What ``source`` writes for ``value`` (``expires_at``: streamlit-extras' ``expires_in``)."""
    if source == "streamlit-local-storage":
        value = {name: value}
    elif expires_at is not None:
        value = {EXPIRY_KEY: expires_at, "value": value}
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # as JSON.stringify


def decode(source: Source, name: str, raw: str, *, max_chars: int, now: float | None = None) -> Any:
    """The value a peer stored under ``name`` as ``raw``; ``PersistError`` when it cannot be adopted."""
    if len(raw) > max_chars:
        raise PersistError("too_large", f"the {source} value has {len(raw)} characters, over {max_chars}; not adopted")
    try:
        tree = orjson.loads(raw)
        value = _codec.loads(_codec.PLAIN, orjson.dumps(tree))  # the codec's own checks (depth, ...)
    except PersistError as e:
        raise PersistError("corrupt", f"the {source} value cannot be read ({e.message}); not adopted") from e
    except (orjson.JSONDecodeError, orjson.JSONEncodeError) as e:
        raise PersistError("corrupt", f"the {source} value is not valid JSON; not adopted") from e
    if source == "streamlit-local-storage":
        return value[name] if isinstance(value, dict) and name in value else value
    if isinstance(value, dict) and EXPIRY_KEY in value and "value" in value:
        expires = value[EXPIRY_KEY]
        if type(expires) not in (int, float):
            raise PersistError("corrupt", f"the {source} expiry is not a number; not adopted")
        if (time.time() if now is None else now) > expires:
            raise PersistError("expired", f"the {source} value expired; not adopted")
        return value["value"]
    return value
