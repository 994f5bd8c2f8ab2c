"""The arguments of ``persist()``, declared once: each field with its default and its check.

``persist()`` spells its keyword arguments out for readers and type checkers; a test keeps
that signature identical to the fields here. Every check raises ``UsageError``: these are
the app author's mistakes. What the browser sends is validated elsewhere and never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any, Final, Literal, TypeAlias

from streamlit_persist import _adopt, _boot, _crypto, _links
from streamlit_persist._keys import KeySelector
from streamlit_persist._store import Store
from streamlit_persist.exceptions import UsageError

NAMESPACE_RE: Final = re.compile(r"^[A-Za-z0-9_.\-/]{1,100}$")
MAX_VERSION: Final = 10**9 - 1
_PARAM_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

StorageKind = Literal["local", "session", "user", "app"]
SERVER_SCOPES: Final = frozenset({"user", "app"})
Migrate = Callable[[dict[str, Any], int], dict[str, Any]]
Ttl = timedelta | Mapping[str, timedelta] | None
Secret: TypeAlias = "_crypto.SecretInput | _crypto.Keyring"  # noqa: S105


def key_list(keys: object, api: str) -> list[str]:
    """``keys`` as a list of non-empty strings (names or patterns); ``api`` names the caller."""
    if isinstance(keys, str) or not isinstance(keys, Iterable):
        raise UsageError(f"{api}() takes a list of keys, e.g. {api}([{keys!r}])")
    result = list(keys)
    bad = [k for k in result if not isinstance(k, str) or not k]
    if bad:
        raise UsageError(f"{api}() keys must be non-empty strings, got {bad[0]!r}")
    return result


def _storage(value: object) -> StorageKind:
    for kind in ("local", "session", "user", "app"):
        if value == kind:
            return kind
    raise UsageError(f'storage must be "local", "session", "user" or "app", not {value!r}')


def _store(value: object) -> object:
    if value is None or isinstance(value, str):
        if isinstance(value, str) and not value.startswith(("sqlite:///", "redis://", "rediss://")):
            raise UsageError(f"store={value!r}: use sqlite:///path/to/file.db, redis://host:port/db or a store object")
        return value
    if not all(callable(getattr(value, name, None)) for name in ("read", "write", "update", "locked", "listen")):
        raise UsageError(f"store must be a URL or a store object (read, write, update, locked, listen), not {value!r}")
    return value


def _namespace(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or not NAMESPACE_RE.match(value)):
        raise UsageError(f"namespace must be 1-100 characters of letters, digits, _ . - /, not {value!r}")
    return value


def _component_key(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"key must be a non-empty string, not {value!r}")
    return value


def _budget(value: object) -> int:
    if type(value) is not int or value <= 0:
        raise UsageError(f"budgets are positive ints (characters of storage), not {value!r}")
    return value


def _protect(value: object) -> Literal["encrypt", "sign"] | None:
    if value not in (None, "encrypt", "sign"):
        raise UsageError(f'protect must be "encrypt" or "sign", not {value!r}')
    return None if value is None else "sign" if value == "sign" else "encrypt"


def _ttl(value: object) -> Ttl:
    durations = list(value.values()) if isinstance(value, Mapping) else [] if value is None else [value]
    for duration in durations:
        if not isinstance(duration, timedelta) or duration.total_seconds() < 1:
            raise UsageError(f"ttl must be a timedelta of at least one second, not {duration!r}")
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) and k for k in value):
            raise UsageError("ttl as a dict maps key names (or patterns) to timedeltas")
        return dict(value)
    return value  # type: ignore[return-value]  # a timedelta or None, checked above


def _version(value: object) -> int:
    if type(value) is not int or not 1 <= value <= MAX_VERSION:
        raise UsageError(f"version must be an int from 1 to {MAX_VERSION}, not {value!r}")
    return value


def _migrate(value: object) -> Migrate | None:
    if value is not None and not callable(value):
        raise UsageError("migrate must be a callable (values, stored_version) -> values")
    return value  # callable, checked above


def _cookie_budget(value: object) -> int:
    if type(value) is not int or not 0 <= value <= _boot.MAX_COOKIE_BYTES:
        raise UsageError(f"boot_cookie_bytes must be an int from 0 to {_boot.MAX_COOKIE_BYTES}")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"sync_tabs must be True or False, not {value!r}")
    return value


def _share(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(key_list(value, "share"))
    for name in names:
        if _links.is_denied(name.lstrip("!")):
            raise UsageError(
                f"share=[{name!r}]: a key whose name looks secret ({_links.DENY_PATTERN}) never enters a "
                "share link; rename the key or leave it out of share",
                key=name,
            )
    return names


def _share_param(value: object) -> str:
    if not isinstance(value, str) or not value or not set(value) <= _PARAM_CHARS:
        raise UsageError(f"share_param must be a non-empty URL-safe name (letters, digits, - _ . ~), not {value!r}")
    return value


def _adopt_source(value: object) -> _adopt.Source | None:
    if value is None:
        return None
    source = _adopt.source(value) if isinstance(value, str) else None
    if source is not None:
        return source
    raise UsageError(f'adopt must be "streamlit-local-storage", "streamlit-extras" or None, not {value!r}')


def _secret(value: object) -> object:
    return value  # checked when __post_init__ makes the Keyring (once per distinct secret)


@dataclass(frozen=True)
class Options:
    """Validated arguments of one ``persist()`` call (``keys`` aside)."""

    storage: StorageKind = field(default="local", metadata={"check": _storage})
    namespace: str | None = field(default=None, metadata={"check": _namespace})
    key: str = field(default="streamlit_persist", metadata={"check": _component_key})
    max_value_bytes: int = field(default=1_000_000, metadata={"check": _budget})
    max_total_bytes: int = field(default=4_000_000, metadata={"check": _budget})
    secret: Secret | None = field(default=None, metadata={"check": _secret}, compare=False)
    protect: Literal["encrypt", "sign"] | None = field(default=None, metadata={"check": _protect})
    ttl: Ttl = field(default=None, metadata={"check": _ttl}, compare=False)
    version: int = field(default=1, metadata={"check": _version})
    migrate: Migrate | None = field(default=None, metadata={"check": _migrate}, compare=False)
    boot_cookie_bytes: int = field(default=2048, metadata={"check": _cookie_budget})
    sync_tabs: bool = field(default=False, metadata={"check": _flag})
    share: Sequence[str] | None = field(default=None, metadata={"check": _share})
    share_param: str = field(default="state", metadata={"check": _share_param})
    store: Store | str | None = field(default=None, metadata={"check": _store}, compare=False)
    adopt: _adopt.Source | None = field(default=None, metadata={"check": _adopt_source})
    keyring: _crypto.Keyring | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        for option in fields(self):
            if option.init:
                object.__setattr__(self, option.name, option.metadata["check"](getattr(self, option.name)))
        object.__setattr__(self, "keyring", keyring_for(self.secret))
        if self.max_total_bytes < self.max_value_bytes:
            raise UsageError("budgets must satisfy 0 < max_value_bytes <= max_total_bytes")
        if self.protect is not None and self.keyring is None:
            raise UsageError(f'protect="{self.protect}" needs a secret=; without one values are plain')
        if self.sync_tabs and self.storage != "local":
            raise UsageError('sync_tabs=True needs storage="local" (sessionStorage is per tab; server scopes push)')
        if self.store is not None and self.storage not in SERVER_SCOPES:
            raise UsageError(f'store= is for storage="user" or "app"; storage={self.storage!r} lives in the browser')
        if self.adopt is not None and self.storage != "local":
            raise UsageError(f'adopt= needs storage="local": {self.adopt} kept its values in localStorage')

    @property
    def mode(self) -> Literal["plain", "signed", "encrypted"]:
        """How values are protected: no secret, ``protect="sign"``, or encrypted (the default)."""
        if self.keyring is None:
            return "plain"
        return "signed" if self.protect == "sign" else "encrypted"

    def protector(self, purpose: str) -> _crypto.Protector | None:
        """The protector for ``purpose`` ("store" or "link"); None without a secret."""
        return None if self.keyring is None else self.keyring.protector(purpose, self.mode)

    def ttl_seconds(self, slot: str) -> int | None:
        """The ttl of ``slot`` in seconds (a per-key dict is matched like ``persist()`` keys)."""
        ttl = self.ttl
        if ttl is None:
            return None
        if isinstance(ttl, timedelta):
            return max(1, int(ttl.total_seconds()))
        for pattern, duration in ttl.items():
            if slot in KeySelector([pattern]):
                return max(1, int(duration.total_seconds()))
        return None

    def cookie_max_age(self) -> int:
        """As long as a single ttl, or the 400 days browsers allow at most (no ttl, per-key ttls)."""
        if not isinstance(self.ttl, timedelta):
            return _boot.MAX_AGE_SECONDS
        return min(_boot.MAX_AGE_SECONDS, int(self.ttl.total_seconds()))


_keyrings: dict[tuple[object, ...], _crypto.Keyring] = {}


def keyring_for(secret: object) -> _crypto.Keyring | None:
    """One Keyring per distinct secret list: derivation (and Scrypt) runs once per process."""
    if secret is None or isinstance(secret, _crypto.Keyring):
        return secret
    items = tuple(secret) if isinstance(secret, list | tuple) else (secret,)
    try:
        cache_key = tuple((type(item).__name__, item) for item in items)
        hash(cache_key)
    except TypeError:
        return _crypto.Keyring(secret)  # type: ignore[arg-type]  # Keyring checks and explains
    cached = _keyrings.get(cache_key)
    if cached is None:
        cached = _crypto.Keyring(secret)  # type: ignore[arg-type]
        if len(_keyrings) > 32:
            _keyrings.clear()
        _keyrings[cache_key] = cached
    return cached


def init_arguments() -> list[str]:
    """The keyword arguments ``persist()`` takes besides ``keys``, in order."""
    return [option.name for option in fields(Options) if option.init]
