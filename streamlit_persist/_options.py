"""Arguments of ``persist()``: validation of the app author's input, with clear errors.

Everything here raises ``PersistError("usage")``: these are the author's mistakes, not
the browser's. Everything the browser sends is validated elsewhere and never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, Literal

import streamlit as st

from streamlit_persist import _boot, _crypto, _streamlit
from streamlit_persist.exceptions import PersistError

NAMESPACE_RE: Final = re.compile(r"^[A-Za-z0-9_.\-/]{1,100}$")
MAX_VERSION: Final = 10**9 - 1

Migrate = Callable[[dict[str, Any], int], dict[str, Any]]
Ttl = timedelta | Mapping[str, timedelta] | None


@dataclass(frozen=True)
class Options:
    """Validated arguments of one ``persist()`` call."""

    max_value_bytes: int = 1_000_000
    max_total_bytes: int = 4_000_000
    keyring: _crypto.Keyring | None = None
    protect: Literal["encrypt", "sign"] = "encrypt"
    ttl: Ttl = None
    version: int = 1
    migrate: Migrate | None = field(default=None, compare=False)
    boot_cookie_bytes: int = 2048
    sync_tabs: bool = False
    share: tuple[str, ...] | None = None
    share_param: str = "state"


_keyrings: dict[tuple[object, ...], _crypto.Keyring] = {}


def _keyring(secret: _crypto.SecretInput | None) -> _crypto.Keyring | None:
    """One Keyring per distinct secret list: derivation (and Scrypt) runs once per process."""
    if secret is None:
        return None
    items = tuple(secret) if isinstance(secret, list | tuple) else (secret,)
    try:
        cache_key = tuple((type(item).__name__, item) for item in items)
        hash(cache_key)
    except TypeError:
        return _crypto.Keyring(secret)
    cached = _keyrings.get(cache_key)
    if cached is None:
        cached = _crypto.Keyring(secret)
        if len(_keyrings) > 32:
            _keyrings.clear()
        _keyrings[cache_key] = cached
    return cached


def _protect_mode(protect: object, secret: object) -> Literal["encrypt", "sign"]:
    if protect is None:
        return "encrypt"
    if protect not in ("encrypt", "sign"):
        raise PersistError("usage", f'protect must be "encrypt" or "sign", not {protect!r}')
    if secret is None:
        raise PersistError("usage", f'protect="{protect}" needs a secret=; without one values are plain')
    return "sign" if protect == "sign" else "encrypt"


def _check_ttl(ttl: object) -> Ttl:
    durations = list(ttl.values()) if isinstance(ttl, Mapping) else [] if ttl is None else [ttl]
    for duration in durations:
        if not isinstance(duration, timedelta) or duration.total_seconds() < 1:
            raise PersistError("usage", f"ttl must be a timedelta of at least one second, not {duration!r}")
    if isinstance(ttl, Mapping) and not all(isinstance(k, str) for k in ttl):
        raise PersistError("usage", "ttl as a dict maps key names (or patterns) to timedeltas")
    return ttl  # type: ignore[return-value]


def _check_share(share: Sequence[str] | None, share_param: str) -> tuple[str, ...] | None:
    from streamlit_persist import _share as share_module

    return share_module.check_share_options(share, share_param)


def _check_version(version: object) -> int:
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise PersistError("usage", f"version must be an int from 1 to {MAX_VERSION}, not {version!r}")
    return version


def _check_migrate(migrate: object) -> Migrate | None:
    if migrate is not None and not callable(migrate):
        raise PersistError("usage", "migrate must be a callable (values, stored_version) -> values")
    return migrate


def _check_cookie_budget(budget: object) -> int:
    if type(budget) is not int or not 0 <= budget <= _boot.MAX_COOKIE_BYTES:
        raise PersistError("usage", f"boot_cookie_bytes must be an int from 0 to {_boot.MAX_COOKIE_BYTES}")
    return budget


def _check_sync(sync_tabs: object, storage: str) -> bool:
    if not isinstance(sync_tabs, bool):
        raise PersistError("usage", "sync_tabs must be True or False")
    if sync_tabs and storage != "local":
        raise PersistError("usage", 'sync_tabs=True needs storage="local" (sessionStorage is per tab)')
    return sync_tabs


def default_namespace() -> str:
    ctx = _streamlit.run_context()
    script = Path(ctx.main_script_path).stem if ctx is not None else "app"
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    raw = f"{base}/{script}" if base else script
    cleaned = re.sub(r"[^A-Za-z0-9_.\-/]", "_", raw)[:100]
    return cleaned or "app"


def as_key_list(keys: object, api: str) -> list[str]:
    if isinstance(keys, str) or not isinstance(keys, Iterable):
        raise PersistError("usage", f"{api}() takes a list of keys, e.g. {api}([{keys!r}])")
    result = list(keys)
    bad = [k for k in result if not isinstance(k, str) or not k]
    if bad:
        raise PersistError("usage", f"{api}() keys must be non-empty strings, got {bad[0]!r}")
    return result


def build(
    *,
    storage: object,
    namespace: object,
    max_value_bytes: int,
    max_total_bytes: int,
    secret: _crypto.SecretInput | None,
    protect: object,
    ttl: object,
    version: object,
    migrate: object,
    boot_cookie_bytes: object,
    sync_tabs: object,
    share: Sequence[str] | None,
    share_param: str,
) -> tuple[Literal["local", "session"], str, Options]:
    """Validate every argument of ``persist()`` (but ``keys``); return storage, namespace, options."""
    if storage not in ("local", "session"):
        raise PersistError("usage", f'storage must be "local" or "session", not {storage!r}')
    resolved = default_namespace() if namespace is None else namespace
    if not isinstance(resolved, str) or not NAMESPACE_RE.match(resolved):
        raise PersistError(
            "usage", f"namespace must be 1-100 characters of letters, digits, _ . - /, not {namespace!r}"
        )
    if max_value_bytes <= 0 or max_total_bytes < max_value_bytes:
        raise PersistError("usage", "budgets must satisfy 0 < max_value_bytes <= max_total_bytes")
    options = Options(
        max_value_bytes,
        max_total_bytes,
        keyring=_keyring(secret),
        protect=_protect_mode(protect, secret),
        ttl=_check_ttl(ttl),
        version=_check_version(version),
        migrate=_check_migrate(migrate),
        boot_cookie_bytes=_check_cookie_budget(boot_cookie_bytes),
        sync_tabs=_check_sync(sync_tabs, storage),
        share=_check_share(share, share_param),
        share_param=share_param,
    )
    return ("local" if storage == "local" else "session"), resolved, options
