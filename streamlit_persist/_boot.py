"""The boot cookie: a small snapshot of stored entries that Streamlit hands us on run 1.

Streamlit reads cookies once per WebSocket connection, so a cookie the browser module
wrote on an earlier visit is in ``st.context.cookies`` on the very first run: restoring
from it costs no extra script run. The browser module keeps it in step with storage
(``component/cookie.ts``); the cookie holds the same tokens as storage (encrypted when
a secret is set), so it is exactly as trusted as storage: not at all.

Payload: JSON ``{"h": <storage hash>, "e": {slot: token} | null}``, plus ``"w": true``
when that page load's first run changed a value it had restored (the next load then defines
the early copy up front, see ``bridge.load_early``); ``e`` is null when the entries exceed the byte
budget. ``h`` lets the browser notice that storage changed behind the cookie's back
(DevTools, another app version) and send storage. Value:
``"z." + base64url(deflate-raw(payload))``, or ``base64url(payload)`` (the "too large"
marker, and browsers without CompressionStream).
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from typing import Final

import orjson

MAX_COOKIE_BYTES: Final = 3800  # browsers cap one cookie (name + value) near 4096 bytes
MAX_AGE_SECONDS: Final = 400 * 24 * 3600  # Chromium's ceiling for cookie lifetimes
MAX_PAYLOAD_BYTES: Final = 64 * 1024  # a cookie inflating past this is not ours
MAX_RATIO: Final = 12  # deflate rarely shrinks tokens more than this (as in cookie.ts)
COMPRESSED: Final = "z."


@dataclass(frozen=True)
class Snapshot:
    """What the boot cookie says storage holds: ``entries`` None means "too large, ask"."""

    storage_hash: str
    entries: dict[str, str] | None
    first_run_wrote: bool = False


EMPTY: Final = Snapshot("", {})


def cookie_name(prefix: str) -> str:
    """``sp_<fnv1a32(prefix)>``: cookie names cannot carry every namespace character."""
    digest = 0x811C9DC5
    for byte in prefix.encode("utf-8"):
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"sp_{digest:08x}"


def read(raw: object) -> Snapshot | None:
    """Parse a cookie value; None when it is missing or not ours (then storage is asked)."""
    if raw is None:
        return EMPTY
    if not isinstance(raw, str) or not raw or len(raw) > MAX_COOKIE_BYTES * 2:
        return None
    compressed = raw.startswith(COMPRESSED)
    text = raw[len(COMPRESSED) :] if compressed else raw
    try:
        data = _b64decode(text)
        if compressed:
            inflater = zlib.decompressobj(wbits=-15)
            data = inflater.decompress(data, MAX_PAYLOAD_BYTES)
            if inflater.unconsumed_tail or not inflater.eof:
                return None
        parsed = orjson.loads(data)
    except (binascii.Error, ValueError, UnicodeError, zlib.error):
        return None
    if not isinstance(parsed, dict) or set(parsed) - {"w"} != {"h", "e"} or not isinstance(parsed["h"], str):
        return None
    wrote = parsed.get("w", False)
    if wrote is not True and wrote is not False:
        return None
    entries = parsed["e"]
    if entries is None:
        return Snapshot(parsed["h"], None, wrote)
    if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
        return None
    return Snapshot(parsed["h"], entries, wrote)


def storage_hash(entries: dict[str, str]) -> str:
    """FNV-1a (32-bit) over UTF-16 code units of the sorted entries; "" when empty.

    ``component/cookie.ts`` computes the same; ``tests/unit/test_boot.py`` pins a vector.
    It only detects drift between cookie and storage: both are untrusted anyway.
    """
    if not entries:
        return ""
    text = "".join(f"{slot}\u0000{entries[slot]}\u0001" for slot in sorted(entries))
    raw = text.encode("utf-16-le", "surrogatepass")
    digest = 0x811C9DC5
    for index in range(0, len(raw), 2):
        digest = ((digest ^ (raw[index] | raw[index + 1] << 8)) * 0x01000193) & 0xFFFFFFFF
    return f"{digest:08x}"


def cookie_value(entries: dict[str, str], budget: int, *, first_run_wrote: bool = False) -> str:
    """A cookie value like the browser module's for these entries (MemoryBrowser, early copy)."""
    digest = storage_hash(entries)  # pure Python: once, not again for the marker
    fields: dict[str, object] = {"h": digest, "e": entries}
    if first_run_wrote:
        fields["w"] = True
    payload = orjson.dumps(fields)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    full = COMPRESSED + _b64encode(deflater.compress(payload) + deflater.flush())
    return full if len(full) <= budget else _b64encode(orjson.dumps({"h": digest, "e": None}))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url: the alphabet only, canonical (re-encoding gives the same text)."""
    data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data
