"""Keys and the two protections of a token: AES-256-GCM (mode ``e``) and HMAC-SHA256 (mode ``s``).

A ``Keyring`` holds the app's master secrets, newest first (a list is a rotation). From each
master secret HKDF-SHA256 derives one subkey per purpose (``store``, ``link``) and per use
(encryption, MAC), and a ``kid``: eight base64url characters that only *select* a key by
dictionary lookup. Nothing about the algorithm or its parameters is ever read from a token.

Token bodies (see ``_envelope`` for the header)::

    e: base64url_nopad(nonce[12] || ciphertext || tag[16])
    s: base64url_nopad(hmac_sha256[32]) "." plaintext-as-UTF-8-text

The associated data from ``_envelope.Context.associated_data`` binds a body to its mode, purpose,
namespace, slot, kid, schema version and user: AES-GCM authenticates it, and the MAC covers
``len(aad) || aad || plaintext``. Opening never raises anything but ``PersistError``.

A raw secret must carry at least 32 random bytes. A human passphrase is accepted only
through ``passphrase()``, which stretches it with Scrypt (n=2**15, r=8, p=1) under the fixed,
public application salt ``PASSPHRASE_SALT``: the salt is constant on purpose, so the same
passphrase gives the same key in every process, and it is never taken from the client.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol, TypeAlias

from streamlit_persist._encoding import b64decode, b64encode
from streamlit_persist.exceptions import PersistError, UsageError

# ``cryptography`` is imported where a secret is first used: an app without one never loads it
# (~2,700 objects that Streamlit's garbage collection after every run would walk through).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "MIN_PASSPHRASE_CHARS",
    "MIN_SECRET_BYTES",
    "MIN_SECRET_CHARS",
    "PASSPHRASE_SALT",
    "PURPOSES",
    "AadFactory",
    "AesGcmProtector",
    "HmacProtector",
    "Keyring",
    "Passphrase",
    "Protector",
    "SecretInput",
    "generate_secret",
    "passphrase",
    "protector_for",
]

MIN_SECRET_BYTES: Final = 32
MIN_SECRET_CHARS: Final = 43  # len(secrets.token_urlsafe(32))
MIN_PASSPHRASE_CHARS: Final = 8
PASSPHRASE_SALT: Final = b"streamlit-persist/passphrase/v1"
SCRYPT_N: Final = 2**15
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
PURPOSES: Final = frozenset({"store", "link"})

_HKDF_SALT: Final = b"streamlit-persist/hkdf/v1"
_KID_BYTES: Final = 6  # 8 base64url characters
_NONCE_BYTES: Final = 12
_TAG_BYTES: Final = 16
_MAC_BYTES: Final = 32
_MAC_CHARS: Final = 43  # base64url_nopad of 32 bytes

_GUIDANCE: Final = (
    'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))" '
    "and keep it in st.secrets or an environment variable. For a human passphrase, "
    'opt in explicitly with sp.passphrase("...") (stretched with Scrypt at start-up).'
)

ModeName = Literal["p", "s", "e", "plain", "signed", "encrypted"]
_MODES: Final[dict[str, str]] = {
    "p": "p",
    "plain": "p",
    "s": "s",
    "signed": "s",
    "e": "e",
    "encrypted": "e",
}


# --------------------------------------------------------------------------- secrets


class AadFactory(Protocol):
    def __call__(self, kid: str) -> bytes: ...


class Protector(Protocol):
    """Seals plaintext for a context and opens it again (the two classes below implement it)."""

    mode: str

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[str, str]:
        """Return ``(kid, body)``; ``kid`` must not contain ``.``."""
        ...

    def kid_for_seal(self) -> str:
        """The kid ``seal`` will use (it is part of the associated data)."""
        ...

    def open(self, kid: str, body: str, aad_for: AadFactory) -> tuple[bytes, bool]:
        """Return ``(plaintext, sealed_with_old_key)``; raise ``PersistError`` on any failure."""
        ...


class Passphrase:
    """A human passphrase, already stretched with Scrypt (make one with ``passphrase()``)."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Passphrase(<redacted>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Passphrase):
            return NotImplemented
        return hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(_kid(self._key))


def passphrase(text: str) -> Passphrase:
    """Opt in to a human passphrase as the secret (``sp.persist(secret=sp.passphrase(...))``).

    The passphrase is stretched once per process with Scrypt (n=2**15, r=8, p=1, about
    0.1 s) under the fixed application salt ``PASSPHRASE_SALT``. Prefer a random secret:
    a passphrase is only as strong as it is unguessable.
    """
    if not isinstance(text, str):
        raise UsageError(f"sp.passphrase() takes a str, not {type(text).__name__}")
    if len(text) < MIN_PASSPHRASE_CHARS or not text.strip():
        raise UsageError(f"the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters "
            "(longer is better), or a random secret instead. " + _GUIDANCE,
        )
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise UsageError("the passphrase is not valid Unicode text") from e
    return Passphrase(_stretch(raw))


@functools.lru_cache(maxsize=16)
def _stretch(raw: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = Scrypt(salt=PASSPHRASE_SALT, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(raw)


def generate_secret() -> str:
    """A fresh random secret (32 bytes, base64url): what the error messages tell users to make."""
    return b64encode(os.urandom(MIN_SECRET_BYTES))


SecretInput: TypeAlias = "str | bytes | Passphrase | Sequence[str | bytes | Passphrase]"

_TEXT_CHARS: Final = frozenset(string.ascii_letters + string.digits + string.punctuation)
_REPEAT_WINDOW: Final = 8


def _master_from_str(secret: str, where: str) -> bytes:
    if len(secret) < MIN_SECRET_CHARS:
        raise UsageError(f"{where} is too short ({len(secret)} characters): a secret needs at least 32 random "
            f"bytes, e.g. {MIN_SECRET_CHARS} base64url or 64 hex characters. " + _GUIDANCE,
        )
    problem = _non_random_reason(secret)
    if problem:
        raise UsageError(f"{where} does not look random ({problem}). " + _GUIDANCE)
    return secret.encode("ascii")


def _non_random_reason(secret: str) -> str | None:
    """A cheap screen for obviously non-random strings (not an entropy proof)."""
    if not set(secret) <= _TEXT_CHARS:
        return "it contains whitespace, control or non-ASCII characters"
    if len(set(secret)) < 12:
        return "it uses too few distinct characters"
    classes = sum(
        any(c in group for c in secret)
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation)
    )
    if classes < 2:
        return "it uses a single kind of character"
    seen: set[str] = set()
    for i in range(len(secret) - _REPEAT_WINDOW + 1):
        chunk = secret[i : i + _REPEAT_WINDOW]
        if chunk in seen:
            return "it repeats itself"
        seen.add(chunk)
    return None


def _master_from_bytes(secret: bytes, where: str) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise UsageError(f"{where} is too short ({len(secret)} bytes): use at least {MIN_SECRET_BYTES} random bytes "
            "(os.urandom(32)). " + _GUIDANCE,
        )
    try:
        text = secret.decode("ascii")
    except UnicodeDecodeError:
        text = None
    if text is not None and set(text) <= _TEXT_CHARS:
        # Printable bytes are text, not 32 random bytes: hold them to the str rules.
        return _master_from_str(text, where)
    if len(set(secret)) < 8:
        raise UsageError(f"{where} does not look random (too few distinct bytes). " + _GUIDANCE)
    return bytes(secret)


def _master(item: object, where: str) -> bytes:
    if isinstance(item, Passphrase):
        return item._key
    if isinstance(item, str):
        return _master_from_str(item, where)
    if isinstance(item, bytes | bytearray | memoryview):
        return _master_from_bytes(bytes(item), where)
    raise UsageError(f"{where} must be a str, bytes or sp.passphrase(...), not {type(item).__name__}. " + _GUIDANCE,
    )


# --------------------------------------------------------------------------- keys


def _hkdf(master: bytes, info: bytes, length: int = 32) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_HKDF_SALT, info=info).derive(master)


def _kid(master: bytes) -> str:
    return b64encode(_hkdf(master, b"streamlit-persist/v1/kid", _KID_BYTES))


@dataclass(frozen=True, repr=False, eq=False)
class _PurposeKeys:
    kid: str
    aead: AESGCM
    mac: hmac.HMAC  # keyed, never updated: ``.copy()`` per message

    def __repr__(self) -> str:
        return f"_PurposeKeys(kid={self.kid!r})"


@functools.lru_cache(maxsize=64)
def _derive(master: bytes, purpose: str) -> _PurposeKeys:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    enc = _hkdf(master, b"streamlit-persist/v1/" + purpose.encode("ascii") + b"/aes-256-gcm")
    mac = _hkdf(master, b"streamlit-persist/v1/" + purpose.encode("ascii") + b"/hmac-sha256")
    return _PurposeKeys(_kid(master), AESGCM(enc), hmac.new(mac, digestmod=hashlib.sha256))


class Keyring:
    """The app's master secrets, newest first; seals with the newest, opens with any.

    ``secret`` is what users pass to ``sp.persist(secret=...)``: a random ``str`` (at least
    43 characters, e.g. ``secrets.token_urlsafe(32)``), random ``bytes`` (at least 32), a
    ``passphrase(...)``, or a non-empty sequence of those for rotation (newest first).
    """

    __slots__ = ("__weakref__", "_kids", "_masters", "_protectors")

    def __init__(self, secret: SecretInput) -> None:
        items: Sequence[object]
        if isinstance(secret, str | bytes | bytearray | memoryview | Passphrase):
            items = [secret]
        elif isinstance(secret, Sequence):
            items = list(secret)
            if not items:
                raise UsageError("the list of secrets is empty. " + _GUIDANCE)
        else:
            raise UsageError("secret must be a str, bytes, sp.passphrase(...) or a list of them (newest first), "
                f"not {type(secret).__name__}. " + _GUIDANCE,
            )
        masters: dict[str, bytes] = {}
        for index, item in enumerate(items):
            where = "the secret" if len(items) == 1 else f"secret #{index + 1} (of {len(items)})"
            master = _master(item, where)
            kid = _kid(master)
            if kid in masters:
                first = list(masters).index(kid) + 1
                if hmac.compare_digest(masters[kid], master):
                    raise UsageError(f"secret #{index + 1} is the same as secret #{first}: list each key once"
                    )
                raise PersistError(  # a 48-bit collision between different secrets: never in practice
                    "usage", f"secrets #{first} and #{index + 1} have the same key id: replace one"
                )
            masters[kid] = master
        self._masters: dict[str, bytes] = masters
        self._kids: tuple[str, ...] = tuple(masters)
        self._protectors: dict[tuple[str, str], AesGcmProtector | HmacProtector] = {}

    @classmethod
    def coerce(cls, secret: Keyring | SecretInput | None) -> Keyring | None:
        """``None`` stays ``None`` (plain mode); a ``Keyring`` is returned as is."""
        if secret is None or isinstance(secret, Keyring):
            return secret
        return cls(secret)

    @property
    def kids(self) -> tuple[str, ...]:
        """Key ids, newest first (public: they appear in every token)."""
        return self._kids

    @property
    def newest_kid(self) -> str:
        return self._kids[0]

    def __len__(self) -> int:
        return len(self._kids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._kids)

    def __repr__(self) -> str:
        return f"Keyring(kids={list(self._kids)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Keyring):
            return NotImplemented
        return self._kids == other._kids

    def __hash__(self) -> int:
        return hash(self._kids)

    def keys_for(self, purpose: str) -> dict[str, _PurposeKeys]:
        """Derived keys for one purpose by kid, newest first (for the protectors)."""
        _check_purpose(purpose)
        return {kid: _derive(master, purpose) for kid, master in self._masters.items()}

    def protector(self, purpose: str, mode: ModeName) -> Protector | None:
        """The protector for ``purpose`` in ``mode`` (``None`` for plain); cached per keyring."""
        code = _mode_code(mode)
        if code == "p":
            _check_purpose(purpose)
            return None
        cached = self._protectors.get((purpose, code))
        if cached is None:
            cls = AesGcmProtector if code == "e" else HmacProtector
            cached = self._protectors[(purpose, code)] = cls(self, purpose)
        return cached


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise UsageError(f"unknown purpose {purpose!r}: use one of {sorted(PURPOSES)}")


def _mode_code(mode: str) -> str:
    code = _MODES.get(mode) if isinstance(mode, str) else None
    if code is None:
        raise UsageError(f"unknown protection {mode!r}: use 'encrypted', 'signed' or 'plain'")
    return code


def protector_for(
    secret: Keyring | SecretInput | None, purpose: str, mode: ModeName = "encrypted"
) -> Protector | None:
    """The ``envelope`` protector for a secret (or keyring), purpose and mode.

    ``mode`` is ``"encrypted"``/``"e"``, ``"signed"``/``"s"`` or ``"plain"``/``"p"``. Plain
    mode returns ``None`` (what ``envelope.seal``/``open_token`` take for "no protection");
    a protected mode without a secret is a usage error.
    """
    keyring = Keyring.coerce(secret)
    if keyring is None:
        if _mode_code(mode) != "p":
            raise UsageError(f"protection {mode!r} needs a secret. " + _GUIDANCE)
        _check_purpose(purpose)
        return None
    return keyring.protector(purpose, mode)


# --------------------------------------------------------------------------- protectors


class _KeyedProtector:
    mode: str = ""

    def __init__(self, keyring: Keyring, purpose: str) -> None:
        self._keys = keyring.keys_for(purpose)
        self._newest = next(iter(self._keys.values()))
        self.purpose = purpose

    def kid_for_seal(self) -> str:
        return self._newest.kid

    def _lookup(self, kid: str) -> _PurposeKeys:
        keys = self._keys.get(kid)
        if keys is None:
            raise PersistError("wrong_key", "entry was sealed with a key that is not configured")
        return keys

    def __repr__(self) -> str:
        return f"{type(self).__name__}(purpose={self.purpose!r}, kids={list(self._keys)!r})"


class AesGcmProtector(_KeyedProtector):
    """Mode ``e``: AES-256-GCM, fresh random 96-bit nonce, context as associated data."""

    mode: str = "e"

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[str, str]:
        keys = self._newest
        nonce = os.urandom(_NONCE_BYTES)
        return keys.kid, b64encode(nonce + keys.aead.encrypt(nonce, plaintext, aad))

    def open(self, kid: str, body: str, aad_for: AadFactory) -> tuple[bytes, bool]:
        keys = self._lookup(kid)
        try:
            raw = b64decode(body)
        except ValueError as e:
            raise PersistError("tampered", "entry is not valid base64url") from e
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise PersistError("tampered", "entry is too short")
        view = memoryview(raw)  # slices without copying the (possibly megabyte) ciphertext
        from cryptography.exceptions import InvalidTag

        try:
            plaintext = keys.aead.decrypt(view[:_NONCE_BYTES], view[_NONCE_BYTES:], aad_for(kid))
        except (InvalidTag, ValueError, OverflowError) as e:
            raise PersistError("tampered", "entry failed authentication") from e
        return plaintext, kid != self._newest.kid


class HmacProtector(_KeyedProtector):
    """Mode ``s``: HMAC-SHA256 over ``len(aad) || aad || plaintext``; the plaintext stays readable."""

    mode: str = "s"

    @staticmethod
    def _mac(keys: _PurposeKeys, plaintext: bytes, aad: bytes) -> bytes:
        mac = keys.mac.copy()
        mac.update(len(aad).to_bytes(8, "big"))
        mac.update(aad)
        mac.update(plaintext)
        return mac.digest()

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[str, str]:
        keys = self._newest
        try:
            text = plaintext.decode("utf-8")
        except UnicodeDecodeError as e:
            raise PersistError("unsupported", "signed values must encode to UTF-8 text") from e
        return keys.kid, b64encode(self._mac(keys, plaintext, aad)) + "." + text

    def open(self, kid: str, body: str, aad_for: AadFactory) -> tuple[bytes, bool]:
        keys = self._lookup(kid)
        mac_text, dot, text = body.partition(".")
        if not dot or len(mac_text) != _MAC_CHARS:
            raise PersistError("tampered", "entry has no valid signature")
        try:
            given = b64decode(mac_text)
            plaintext = text.encode("utf-8")
        except (ValueError, UnicodeEncodeError) as e:
            raise PersistError("tampered", "entry has no valid signature") from e
        if not hmac.compare_digest(given, self._mac(keys, plaintext, aad_for(kid))):
            raise PersistError("tampered", "entry failed authentication")
        return plaintext, kid != self._newest.kid


if TYPE_CHECKING:  # structural checks against the envelope protocol
    _E: type[Protector] = AesGcmProtector
    _S: type[Protector] = HmacProtector
