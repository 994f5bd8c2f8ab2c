"""Share links: chosen session-state values in one compact, validated query-parameter value.

Pure functions, no Streamlit: :func:`encode_link` and :func:`decode_link`.

Pipeline (encode)::

    {key: value} --_codec.dumps--> (flag, JSON) --header--> plaintext --raw deflate-->
    compressed --protect (purpose "link")--> base64url param value

Param grammar (only base64url characters and ``.``, so nothing is percent-encoded)::

    p.<b64(deflate(plaintext))>                       no secret: anyone can read and edit it
    s<kid>.<mac>.<b64(deflate(plaintext))>            signed: HMAC-SHA256 over the base64 text
    e<kid>.<b64(nonce || AES-GCM(deflate(plaintext)) || tag)>   encrypted

``plaintext`` is ``[iat,exp,"flag","ctx"]`` followed by the codec JSON of a ``dict``. In the
protected modes ``ctx`` is empty: the associated data (purpose ``link``, namespace, page, kid,
user) binds the link instead. In plain mode ``ctx`` is a short hash of the same context, so a
link made for one app or page does not silently apply on another (it is no protection).

Decoding authenticates FIRST (nothing is decompressed before the MAC or tag checked), then
inflates with a hard cap on the output, then decodes strictly. Every failure is a
``PersistError("link", ...)``; nothing else escapes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import orjson

from streamlit_persist import _codec, _envelope
from streamlit_persist._crypto import Protector
from streamlit_persist._encoding import CLOCK_SKEW_SECONDS, b64decode, b64encode, deflate, inflate
from streamlit_persist.exceptions import PersistError, UsageError

__all__ = [
    "DENY_PATTERN",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_PARAM_CHARS",
    "MAX_URL_CHARS",
    "DecodedLink",
    "LinkStore",
    "decode_link",
    "encode_link",
    "is_denied",
    "key_sizes",
    "link_context",
]

MAX_URL_CHARS: Final = 2000  # whole URL; proxies often cap the request line near 8 KB
MAX_PARAM_CHARS: Final = 8192  # anything longer is refused unread
MAX_DECOMPRESSED_BYTES: Final = 256 * 1024  # inflate never produces more than this
LINK_VERSION: Final = 1
DENY_WORDS: Final = ("password", "secret", "token", "api_key", "auth", "credential", "cookie", "session")
DENY_PATTERN: Final = "|".join(DENY_WORDS)

_KID_CHARS: Final = 8
_CTX_CHARS: Final = 8
_HEADER_MAX: Final = 96


def is_denied(key: str) -> bool:
    """True if ``key`` looks like a secret (it never enters a link)."""
    lowered = key.lower()
    return any(word in lowered for word in DENY_WORDS)


class LinkStore(Protocol):
    """Seam for server-stored short links (not shipped yet).

    ``share_url`` hands the full parameter value to ``put`` and puts the returned short
    id in the URL instead; opening a link asks ``get`` for the value back (``None``: unknown
    or expired). Values stay sealed, so a store only keeps opaque strings.
    """

    def put(self, value: str, *, expires_at: int | None) -> str:
        """Keep ``value``; return a short id made of base64url characters."""
        ...

    def get(self, short_id: str) -> str | None:
        """The value kept for ``short_id``, or None."""
        ...


@dataclass(frozen=True)
class DecodedLink:
    """The values a link carried, with its issue and expiry times."""

    values: dict[str, Any]
    issued_at: int
    expires_at: int | None


def link_context(namespace: str, page: str, user: str | None = None) -> _envelope.Context:
    """The context a link is bound to: purpose ``link``, the app namespace and the page."""
    return _envelope.Context("link", namespace, "page:" + page, user)


def _fail(message: str) -> PersistError:
    return PersistError("link", message)


def _ctx_hash(context: _envelope.Context) -> str:
    digest = hashlib.sha256(context.associated_data("p", "-", LINK_VERSION)).digest()
    return b64encode(digest)[:_CTX_CHARS]


def encode_link(
    values: Mapping[str, Any],
    context: _envelope.Context,
    *,
    protector: Protector | None = None,
    ttl_seconds: int | None = 7 * 24 * 3600,
    now: float | None = None,
) -> str:
    """The query-parameter value carrying ``values`` (raises ``PersistError`` if unsupported)."""
    for key in values:
        if not isinstance(key, str):
            raise UsageError(f"link keys must be str, not {key!r}")
        if is_denied(key):
            raise UsageError(f"{key!r} looks like a secret and never enters a share link", key=key)
    flag, body = _codec.dumps(dict(values))
    issued = int(time.time() if now is None else now)
    expires = None if ttl_seconds is None else issued + int(ttl_seconds)
    ctx = "" if protector is not None else _ctx_hash(context)
    plaintext = orjson.dumps([issued, expires, flag, ctx]) + body
    compressed = deflate(plaintext)
    if protector is None:
        return "p." + b64encode(compressed)
    kid = protector.kid_for_seal()
    if protector.mode == "e":
        kid, sealed = protector.seal(compressed, context.associated_data("e", kid, LINK_VERSION))
        return f"e{kid}.{sealed}"
    if protector.mode == "s":
        text = b64encode(compressed).encode("ascii")
        kid, sealed = protector.seal(text, context.associated_data("s", kid, LINK_VERSION))
        return f"s{kid}.{sealed}"
    raise UsageError(f"unknown protection mode {protector.mode!r}")


def decode_link(
    value: object,
    context: _envelope.Context,
    *,
    protector: Protector | None = None,
    now: float | None = None,
    max_chars: int = MAX_PARAM_CHARS,
    max_decompressed: int = MAX_DECOMPRESSED_BYTES,
) -> DecodedLink:
    """Open a link's parameter value; every failure is ``PersistError("link", ...)``."""
    try:
        return _decode(value, context, protector, now, max_chars, max_decompressed)
    except PersistError as e:
        raise _fail(e.message if e.kind == "link" else f"{e.kind}: {e.message}") from None
    except Exception as e:  # defensive: a hostile link must never crash the app
        raise _fail(f"link could not be read ({type(e).__name__})") from None


def _decode(
    value: object,
    context: _envelope.Context,
    protector: Protector | None,
    now: float | None,
    max_chars: int,
    max_decompressed: int,
) -> DecodedLink:
    if not isinstance(value, str) or not value:
        raise _fail("link is empty")
    if len(value) > max_chars:
        raise _fail("link is too long")
    if not value.isascii():
        raise _fail("link has invalid characters")
    head, dot, body = value.partition(".")
    if not dot or not head:
        raise _fail("link is malformed")
    mode, kid = head[0], head[1:]
    compressed = _authenticate(mode, kid, body, context, protector)
    plaintext = _inflate(compressed, max_decompressed)
    return _parse(plaintext, context, protector, now)


def _authenticate(mode: str, kid: str, body: str, context: _envelope.Context, protector: Protector | None) -> bytes:
    if protector is None:
        if mode != "p" or kid:
            raise _fail("link is protected but no secret is configured")
        return _b64(body)
    if mode != protector.mode:
        raise _fail("link is not protected the way this app protects links")
    if len(kid) != _KID_CHARS:
        raise _fail("link is malformed")
    opened, _old = protector.open(kid, body, lambda k: context.associated_data(mode, k, LINK_VERSION))
    if mode == "s":  # the MAC covered the base64 text: decode it strictly now
        try:
            text = opened.decode("ascii")
        except UnicodeDecodeError:
            raise _fail("link is malformed") from None
        return _b64(text)
    return opened


def _b64(text: str) -> bytes:
    try:
        return b64decode(text)
    except ValueError:
        raise _fail("link is not valid base64url") from None


def _inflate(compressed: bytes, cap: int) -> bytes:
    try:
        return inflate(compressed, cap)
    except ValueError as e:
        raise _fail(f"link {e}") from None


def _parse(plaintext: bytes, context: _envelope.Context, protector: Protector | None, now: float | None) -> DecodedLink:
    end = plaintext.find(b"]", 0, _HEADER_MAX)
    if end < 0:
        raise _fail("link header is not valid")
    head_bytes, body = plaintext[: end + 1], plaintext[end + 1 :]
    try:
        header = orjson.loads(head_bytes)
    except orjson.JSONDecodeError:
        raise _fail("link header is not valid") from None
    if (
        not isinstance(header, list)
        or len(header) != 4
        or type(header[0]) is not int
        or not (header[1] is None or type(header[1]) is int)
        or header[2] not in _codec.FLAGS
        or type(header[3]) is not str
        or orjson.dumps(header) != head_bytes
    ):
        raise _fail("link header is not valid")
    issued, expires, flag, ctx = header
    expected_ctx = "" if protector is not None else _ctx_hash(context)
    if ctx != expected_ctx:
        raise _fail("link was made for another app or page")
    moment = time.time() if now is None else now
    if expires is not None and moment >= expires:
        raise _fail("link has expired")
    if issued > moment + CLOCK_SKEW_SECONDS:
        raise _fail("link is dated in the future")
    decoded = _codec.loads(flag, body)
    if not isinstance(decoded, dict) or not all(isinstance(k, str) for k in decoded):
        raise _fail("link does not hold a mapping of keys")
    return DecodedLink(decoded, issued, expires)


def key_sizes(values: Mapping[str, Any]) -> dict[str, int]:
    """Approximate link characters each key adds (compressed alone, base64url), largest first."""
    sizes: dict[str, int] = {}
    for key, value in values.items():
        try:
            _flag, body = _codec.dumps({key: value})
        except PersistError:
            continue
        sizes[key] = len(b64encode(deflate(body)))
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))
