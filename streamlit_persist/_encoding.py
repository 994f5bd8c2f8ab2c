"""Byte-level helpers every format shares: strict base64url, capped raw deflate, hashes, clock skew.

Strictness matters here: ``base64.urlsafe_b64decode`` drops characters outside the alphabet and
accepts non-canonical tail bits, and an unbounded inflate turns a 2 KB cookie or link into
gigabytes. Each helper refuses such input with ``ValueError``.
"""

from __future__ import annotations

import binascii
import hashlib
import zlib
from collections.abc import Mapping
from typing import Final

import pybase64

CLOCK_SKEW_SECONDS: Final = 300  # a value issued this far in the future is still accepted
_WBITS: Final = -15  # raw deflate: no zlib header or Adler-32 (a MAC or tag covers integrity)

_B64_VALUES: Final[dict[int, int]] = {
    c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}


def b64encode(data: bytes) -> str:
    """base64url without padding (pybase64: SIMD, ~20x the stdlib on 1 MB values)."""
    return pybase64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict base64url without padding: only the 64 alphabet characters, canonical tail bits.

    Equivalent to ``b64encode(b64decode(text)) == text`` but O(1) after decoding: the unused
    low bits of the last character must be zero and the length must not be 1 mod 4.
    Raises ``ValueError`` on anything else.
    """
    if not text.isascii():
        raise ValueError("not base64url")
    raw = text.encode("ascii")
    rest = len(raw) % 4
    if rest == 1 or b"=" in raw or b"+" in raw or b"/" in raw:  # the standard alphabet is not ours
        raise ValueError("not base64url")
    try:
        data = pybase64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError("not base64url") from e
    if rest:
        unused = 0x0F if rest == 2 else 0x03
        if _B64_VALUES[raw[-1]] & unused:
            raise ValueError("not canonical base64url")
    return data


def deflate(data: bytes) -> bytes:
    """Raw deflate at the highest level (links and cookies are small and sent often)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, _WBITS, 9)
    return packer.compress(data) + packer.flush()


def inflate(compressed: bytes, cap: int) -> bytes:
    """Raw inflate producing at most ``cap`` bytes; ``ValueError`` says what is wrong ("is truncated")."""
    inflater = zlib.decompressobj(_WBITS)
    try:
        out = inflater.decompress(compressed, cap)
    except zlib.error:
        raise ValueError("is not valid compressed data") from None
    if inflater.unconsumed_tail:
        raise ValueError(f"expands to more than {cap:,} bytes")
    if not inflater.eof:
        raise ValueError("is truncated")
    if inflater.unused_data:
        raise ValueError("has trailing data")
    return out


def short_hash(text: str, chars: int = 8) -> str:
    """A short, stable, URL- and cookie-safe name for ``text`` (not a secret, not a MAC)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:chars]


def entries_hash(entries: Mapping[str, str]) -> str:
    """CRC-32 of stored entries, as 8 hex digits; "" when there are none.

    Entries are sorted by UTF-16 code units and hashed as UTF-16-LE bytes of
    ``slot \\0 token \\1 ...``: ``component/hash.ts`` computes the same in the browser, whatever
    the text holds (lone surrogates included). It only detects drift between what Python
    believes and what storage holds; both are untrusted anyway.
    """
    if not entries:
        return ""
    slots = sorted(entries, key=_utf16_order)
    text = "".join(f"{slot}\u0000{entries[slot]}\u0001" for slot in slots)
    return f"{zlib.crc32(text.encode('utf-16-le', 'surrogatepass')):08x}"


def _utf16_order(text: str) -> bytes:
    """The sort key of JavaScript's default string order (UTF-16 code units)."""
    return text.encode("utf-16-be", "surrogatepass")
