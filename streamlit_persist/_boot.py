"""The boot cookie: the stored entries Streamlit hands Python on the first run, authenticated.

Streamlit reads cookies once per WebSocket connection, so a cookie written on an earlier
visit is in ``st.context.cookies`` on the very first run: restoring from it costs no extra
script run. Python writes it (through the browser module) whenever what storage holds
changes, so only this deployment can make one:

- its name hashes the storage prefix AND the host (with port) the page was served from;
  cookies ignore ports and may be set for a parent domain, so without this two apps on one
  host would read each other's;
- its value carries an HMAC over the same binding, keyed with a server-side secret, so a
  cookie written by another app, site or script (or edited) is ignored.

Value grammar (cookie-safe characters only)::

    b1.<b64(mac[:16])>.<b64(deflate(payload))>

``payload`` is JSON ``{"e": {slot: token} | null}``, plus ``"w": true`` when that page
load's first run changed a value it had restored (the next load then defines the early
copy up front). ``e`` is null when the entries exceed the budget: "ask storage".
The tokens inside are the same ones storage holds (encrypted when a secret is set).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

import orjson

from streamlit_persist._encoding import b64decode, b64encode, deflate, inflate, short_hash

MAX_COOKIE_BYTES: Final = 3800  # browsers cap one cookie (name + value) near 4096 bytes
MAX_AGE_SECONDS: Final = 400 * 24 * 3600  # Chromium's ceiling for cookie lifetimes
MAX_PAYLOAD_BYTES: Final = 64 * 1024  # a cookie inflating past this is not ours
MAX_RATIO: Final = 12  # deflate rarely shrinks tokens more than this: skip compressing beyond
VERSION: Final = "b1"
_MAC_BYTES: Final = 16


@dataclass(frozen=True)
class Binding:
    """Where a boot cookie belongs: one storage prefix, served from one host (with port)."""

    prefix: str
    host: str

    def name(self) -> str:
        """``sp_<hash>``: cookie names cannot carry every namespace or host character."""
        return "sp_" + short_hash(f"{self.host}|{self.prefix}")

    def encoded(self) -> bytes:
        """Length-prefixed fields, so no two bindings share an encoding."""
        out = bytearray()
        for field in (VERSION, self.host, self.prefix):
            raw = field.encode("utf-8", "surrogatepass")
            out += len(raw).to_bytes(4, "big") + raw
        return bytes(out)


@dataclass(frozen=True)
class Snapshot:
    """What the boot cookie says storage holds: ``entries`` None means "too large, ask storage"."""

    entries: dict[str, str] | None
    first_run_wrote: bool = False


EMPTY: Final = Snapshot({})


def cookie_key(secret: bytes) -> bytes:
    """The MAC key for boot cookies, from a server-side secret (never sent anywhere)."""
    return hmac.new(secret, b"streamlit-persist/boot-cookie/v1", hashlib.sha256).digest()


def may_fit(chars: int, budget: int) -> bool:
    """Whether entries of ``chars`` characters (slots and tokens) might fit in ``budget`` bytes."""
    return chars <= budget * MAX_RATIO


def seal(
    entries: dict[str, str] | None, key: bytes, binding: Binding, budget: int, *, first_run_wrote: bool = False
) -> str:
    """The cookie value for ``entries`` ("" when there are none: delete the cookie).

    ``entries`` None: known not to fit (``may_fit``), so the cookie says "too large, ask storage".
    """
    if entries is not None:
        if not entries:
            return ""
        if may_fit(sum(len(slot) + len(token) for slot, token in entries.items()), budget):
            fields: dict[str, object] = {"e": entries}
            if first_run_wrote:
                fields["w"] = True
            value = _pack(fields, key, binding)
            if len(value) <= budget:
                return value
    return _pack({"e": None}, key, binding)


def read(raw: object, key: bytes, binding: Binding) -> Snapshot | None:
    """Parse and authenticate a cookie; None when it is not ours or not intact (ask storage).

    No cookie at all means nothing is stored: the browser writes one whenever storage holds
    something, and checks that claim (it answers when storage holds entries after all).
    """
    if raw is None:
        return EMPTY
    if not isinstance(raw, str) or len(raw) > MAX_COOKIE_BYTES * 2:
        return None
    version, _, rest = raw.partition(".")
    mac_text, _, body = rest.partition(".")
    if version != VERSION or not body:
        return None
    try:
        given = b64decode(mac_text)
        compressed = b64decode(body)
    except ValueError:
        return None
    if not hmac.compare_digest(given, _mac(key, binding, compressed)):
        return None
    try:
        parsed = orjson.loads(inflate(compressed, MAX_PAYLOAD_BYTES))
    except ValueError:  # orjson.JSONDecodeError is a ValueError
        return None
    if not isinstance(parsed, dict) or set(parsed) - {"w"} != {"e"}:
        return None
    wrote = parsed.get("w", False)
    entries = parsed["e"]
    if wrote is not True and wrote is not False:
        return None
    if entries is None:
        return Snapshot(None, wrote)
    if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
        return None
    return Snapshot(entries, wrote)


def _pack(fields: dict[str, object], key: bytes, binding: Binding) -> str:
    compressed = deflate(orjson.dumps(fields))
    return f"{VERSION}.{b64encode(_mac(key, binding, compressed))}.{b64encode(compressed)}"


def _mac(key: bytes, binding: Binding, compressed: bytes) -> bytes:
    return hmac.new(key, binding.encoded() + compressed, hashlib.sha256).digest()[:_MAC_BYTES]
