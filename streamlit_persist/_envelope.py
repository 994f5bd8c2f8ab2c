"""The stored token: a codec body wrapped with its schema version, issue time and expiry.

Token grammar (ASCII header, ``.``-separated)::

    sp1.<mode>.<kid>.<version>.<body>

``mode`` is ``p`` (plain), ``s`` (signed) or ``e`` (encrypted); ``kid`` selects a server
key (``-`` in plain mode) and never names an algorithm; ``version`` is the app's schema
version. The plaintext is canonical JSON ``[iat, exp, flag, value]`` (see ``codec``).
In plain mode the body is that JSON text, readable in DevTools. Protected modes hand the
plaintext to a ``Protector`` together with associated data that binds the token to its
context, so a token moved to another slot, app, purpose, version or user fails to open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

import orjson

from streamlit_persist import _codec
from streamlit_persist._crypto import Protector
from streamlit_persist._encoding import CLOCK_SKEW_SECONDS
from streamlit_persist.exceptions import PersistError

PREFIX: Final = "sp1"
MAX_TOKEN_CHARS: Final = 8 * 1024 * 1024
_MAX_VERSION: Final = 10**9


@dataclass(frozen=True)
class Context:
    """Where a token belongs: a token opens only in the context it was sealed for."""

    purpose: str  # "store" or "link"
    namespace: str
    slot: str
    user: str | None = None

    def associated_data(self, mode: str, kid: str, version: int) -> bytes:
        """Length-prefixed fields, so no two contexts share an encoding."""
        # "-" for no user and "u:<id>" otherwise, so a signed-out token never opens for user "".
        user = "-" if self.user is None else "u:" + self.user
        fields = (PREFIX, mode, self.purpose, self.namespace, self.slot, kid, str(version), user)
        out = bytearray()
        for field in fields:
            raw = field.encode("utf-8", "surrogatepass")
            out += len(raw).to_bytes(4, "big") + raw
        return bytes(out)


@dataclass(frozen=True)
class Opened:
    """A token that opened: its codec body, schema version and times."""

    flag: str
    value_json: bytes
    version: int
    issued_at: int
    expires_at: int | None
    old_key: bool

    def value(self) -> object:
        return _codec.loads(self.flag, self.value_json)


def seal(
    flag: str,
    value_json: bytes,
    context: Context,
    *,
    version: int = 1,
    ttl_seconds: int | None = None,
    protector: Protector | None = None,
    now: float | None = None,
) -> str:
    """Wrap a codec body (``_codec.dumps``) into a token for ``context``."""
    issued = int(time.time() if now is None else now)
    expires = None if ttl_seconds is None else issued + ttl_seconds
    plaintext = _plaintext(issued, expires, flag, value_json)
    if protector is None:
        return f"{PREFIX}.p.-.{version}.{plaintext.decode('utf-8')}"
    kid = protector.kid_for_seal()
    aad = context.associated_data(protector.mode, kid, version)
    kid, body = protector.seal(plaintext, aad)
    return f"{PREFIX}.{protector.mode}.{kid}.{version}.{body}"


def open_token(
    token: object,
    context: Context,
    *,
    protector: Protector | None = None,
    now: float | None = None,
) -> Opened:
    """Open a token from the browser; every failure is a ``PersistError``, nothing else."""
    if not isinstance(token, str):
        raise PersistError("corrupt", "stored entry is not a string", key=context.slot)
    if len(token) > MAX_TOKEN_CHARS:
        raise PersistError("too_large", "stored entry is too large", key=context.slot)
    parts = token.split(".", 4)
    if len(parts) != 5 or parts[0] != PREFIX:
        raise PersistError("corrupt", "stored entry is not a streamlit-persist token", key=context.slot)
    _, mode, kid, version_text, body = parts
    version = _parse_version(version_text, context.slot)
    if protector is None:
        if mode != "p" or kid != "-":
            raise PersistError(
                "wrong_key", "entry is protected but no secret is configured", key=context.slot
            )
        plaintext, old_key = body.encode("utf-8", "surrogatepass"), False
    else:
        if mode != protector.mode:
            raise PersistError(
                "tampered", f"entry mode {mode[:8]!r} is not the configured protection", key=context.slot
            )
        plaintext, old_key = protector.open(
            kid, body, lambda k: context.associated_data(mode, k, version)
        )
    issued, expires, flag, value_json = _split_plaintext(plaintext, context.slot)
    moment = time.time() if now is None else now
    if expires is not None and moment >= expires:
        raise PersistError("expired", "stored value has expired", key=context.slot)
    if issued > moment + CLOCK_SKEW_SECONDS:
        raise PersistError("expired", "stored value is dated in the future", key=context.slot)
    return Opened(flag, value_json, version, issued, expires, old_key)


def _plaintext(issued: int, expires: int | None, flag: str, value_json: bytes) -> bytes:
    head = orjson.dumps([issued, expires, flag])
    return head[:-1] + b"," + value_json + b"]"


def _split_plaintext(plaintext: bytes, slot: str) -> tuple[int, int | None, str, bytes]:
    prefix_end = _header_end(plaintext, slot)
    try:
        header = orjson.loads(plaintext[:prefix_end] + b"]")
    except orjson.JSONDecodeError as e:
        raise PersistError("corrupt", "stored entry header is not valid", key=slot) from e
    if (
        not isinstance(header, list)
        or len(header) != 3
        or type(header[0]) is not int
        or not (header[1] is None or type(header[1]) is int)
        or type(header[2]) is not str
        or header[2] not in _codec.FLAGS
        or orjson.dumps(header)[:-1] != plaintext[:prefix_end]
        or not plaintext.endswith(b"]")
    ):
        raise PersistError("corrupt", "stored entry header is not valid", key=slot)
    return header[0], header[1], header[2], plaintext[prefix_end + 1 : -1]


def _header_end(plaintext: bytes, slot: str) -> int:
    """Index of the comma after the third header field (the header holds no strings with commas)."""
    commas = 0
    for index, byte in enumerate(plaintext[:64]):
        if byte == 0x2C:
            commas += 1
            if commas == 3:
                return index
    raise PersistError("corrupt", "stored entry header is not valid", key=slot)


def _parse_version(text: str, slot: str) -> int:
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0") or len(text) > 9:
        raise PersistError("corrupt", "stored entry has an invalid version", key=slot)
    version = int(text)
    if version >= _MAX_VERSION:
        raise PersistError("corrupt", "stored entry has an invalid version", key=slot)
    return version
