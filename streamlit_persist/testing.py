"""Test persisted apps with ``streamlit.testing.v1.AppTest``, without a browser.

``MemoryBrowser`` stands in for the browser's storage: seed it with what a returning
user has stored, run the app, and read back what the app stored. Hydration then
happens on the first run (there is no browser round trip to wait for).

Examples
--------
>>> from streamlit.testing.v1 import AppTest
>>> from streamlit_persist.testing import MemoryBrowser
>>> browser = MemoryBrowser()
>>> browser.store({"name": "Ann"}, namespace="app")
>>> with browser:
...     at = AppTest.from_file("app.py").run()
>>> at.text_input(key="name").value
'Ann'
>>> browser.values(namespace="app")["name"]
'Ann'
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from streamlit_persist import (
    _adopt,
    _boot,
    _codec,
    _crypto,
    _envelope,
    _persisted,
    _protocol,
    _store,
    _stores,
    _streamlit,
)
from streamlit_persist._protocol import Answer, Failure, PersistData, PersistMessage, StorageKind

__all__ = ["MemoryBrowser", "TemporaryStore"]


class MemoryBrowser:
    """In-memory ``localStorage`` and ``sessionStorage`` that ``persist()`` talks to.

    Use it as a context manager around ``AppTest`` runs. ``quota`` (characters, keys
    plus values, per storage) makes writes fail the way a full browser storage does.
    ``available=False`` is a page whose storage the browser denies (an app embedded in
    another site's page, in Chromium): nothing is read, written or kept in a cookie.
    ``partitioned=True`` is a cross-site frame whose ``localStorage`` works but is kept apart
    for the embedding site (``document.hasStorageAccess()`` false): the app is told once.
    """

    def __init__(
        self, *, quota: int | None = None, path: str = "/", available: bool = True, partitioned: bool = False
    ) -> None:
        self.local: dict[str, str] = {}
        self.path = path  # the page's URL path (where streamlit-extras keeps a page's values)
        self.session: dict[str, str] = {}
        self.quota = quota
        self.available = available
        self.partitioned = partitioned
        self.messages: list[PersistData] = []
        self.cookies: dict[str, str] = {}
        self.cookie_budget = 2048
        self._answered: dict[str, set[str]] = {}
        self._told: set[str] = set()  # sessions told about access to storage, as bridge.ts tells them once

    def __enter__(self) -> Self:
        _persisted.set_transport(self._deliver, self.cookie)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _persisted.set_transport(None)

    def store(
        self,
        values: Mapping[str, Any],
        *,
        namespace: str,
        storage: StorageKind = "local",
        secret: _crypto.SecretInput | None = None,
        protect: Literal["encrypt", "sign"] = "encrypt",
        version: int = 1,
        ttl_seconds: int | None = None,
        now: float | None = None,
    ) -> None:
        """Store values the way ``persist()`` with the same arguments stores them."""
        protector = _protector(secret, protect)
        for slot, value in values.items():
            flag, body = _codec.dumps(value)
            token = _envelope.seal(
                flag,
                body,
                _envelope.Context("store", namespace, slot),
                version=version,
                ttl_seconds=ttl_seconds,
                protector=protector,
                now=now,
            )
            self._items(storage)[f"sp:{namespace}:{slot}"] = token

    def store_peer(
        self, source: _adopt.Source, values: Mapping[str, Any], *, expires_at: float | None = None
    ) -> None:
        """Store values the way ``source`` ("streamlit-local-storage", "streamlit-extras") stores them.

        ``expires_at`` (epoch seconds) is streamlit-extras' ``set(..., expires_in=...)``.
        """
        for name, value in values.items():
            key = _adopt.peer_key(source, name, self.path)
            self.local[key] = _adopt.peer_value(source, name, value, expires_at=expires_at)

    def values(
        self,
        *,
        namespace: str,
        storage: StorageKind = "local",
        secret: _crypto.SecretInput | None = None,
        protect: Literal["encrypt", "sign"] = "encrypt",
    ) -> dict[str, Any]:
        """Decode what the app stored; undecodable entries raise ``PersistError``."""
        protector = _protector(secret, protect)
        prefix = f"sp:{namespace}:"
        result: dict[str, Any] = {}
        for name, token in self._items(storage).items():
            if name.startswith(prefix):
                slot = name[len(prefix) :]
                context = _envelope.Context("store", namespace, slot)
                result[slot] = _envelope.open_token(token, context, protector=protector).value()
        return result

    def cookie(self, name: str) -> str | None:
        """The boot cookie this browser holds: the last one the app wrote, else one in step with storage."""
        if not self.available or self.partitioned:
            return None  # a cross-site frame's requests carry no SameSite=Lax cookie
        if name in self.cookies:
            return self.cookies[name]
        prefixes = {n[: n.index(":", 3) + 1] for n in self.local if n.startswith("sp:") and n.count(":") >= 2}
        for prefix in prefixes:
            binding = _boot.Binding(prefix, "")  # AppTest sends no Host header
            if binding.name() == name:
                key = _boot.cookie_key(_streamlit.server_secret())
                return _boot.seal(_under(self.local, prefix), key, binding, self.cookie_budget) or None
        return None

    def _items(self, storage: StorageKind) -> dict[str, str]:
        return self.local if storage == "local" else self.session

    def _deliver(self, key: str, data: PersistData, on_message: Callable[[], None]) -> PersistMessage | None:
        """What ``component/bridge.ts`` does with one message, answered at once."""
        self.messages.append(data)
        items = self._items(data["storage"]) if self.available else {}
        prefix = data["prefix"]
        answered = self._answered.setdefault(data["sid"], set())
        answers: list[Answer] = []
        for check in data["checks"]:  # before any write, as the browser module does
            if check["req"] in answered:
                continue
            answered.add(check["req"])
            found = _protocol.answer(check, _under(items, prefix), self._peer_values(check, items, prefix))
            if found is not None:
                answers.append(found)
        failures = self._access_failures(data)
        for slot, token in data["writes"].items() if self.available else ():
            if token is None:
                items.pop(prefix + slot, None)
            elif self._fits(items, prefix + slot, token):
                items[prefix + slot] = token
            else:
                failures.append({"slot": slot, "kind": "quota", "message": "The quota has been exceeded."})
        release = data.get("release")
        if release is not None and self.available:  # after the writes, as the browser module does
            failed = {failure["slot"] for failure in failures}
            source = _adopt.source(release["source"])
            for name in release["dropped"] + [n for n in release["stored"] if prefix + n in items and n not in failed]:
                if source is not None:
                    self.local.pop(_adopt.peer_key(source, name, self.path), None)
        cookie = data["cookie"]
        if cookie is not None and self.available and not self.partitioned:
            if cookie["value"]:
                self.cookies[cookie["name"]] = cookie["value"]
            else:
                self.cookies.pop(cookie["name"], None)
        return _protocol.reply(data["sid"], answers, failures)

    def _access_failures(self, data: PersistData) -> list[Failure]:
        """What ``component/bridge.ts`` says, once per session, about access to storage itself."""
        if data["sid"] in self._told:
            return []
        if not self.available:
            kind: Literal["unavailable", "partitioned"] = "unavailable"
            message = f"{data['storage']}Storage is denied to this page"
        elif self.partitioned and data["storage"] == "local":
            kind, message = "partitioned", "localStorage is kept apart for the embedding site"
        else:
            return []
        self._told.add(data["sid"])
        return [{"slot": "", "kind": kind, "message": message}]

    def _peer_values(self, check: _protocol.Check, items: dict[str, str], prefix: str) -> dict[str, str]:
        """What the check's ``adopt`` package holds for names storage lacks (``component/adopt.ts``)."""
        adopt = check.get("adopt")
        source = None if adopt is None else _adopt.source(adopt["source"])
        if adopt is None or source is None or not self.available:
            return {}
        found = {}
        for name in adopt["names"]:
            raw = self.local.get(_adopt.peer_key(source, name, self.path))
            if prefix + name not in items and raw is not None:
                found[name] = raw
        return found

    def _fits(self, items: dict[str, str], name: str, token: str) -> bool:
        if self.quota is None:
            return True
        used = sum(len(n) + len(t) for n, t in items.items() if n != name)
        return used + len(name) + len(token) <= self.quota


def _protector(secret: _crypto.SecretInput | None, protect: str) -> _crypto.Protector | None:
    if secret is None:
        return None
    return _crypto.Keyring(secret).protector("store", "signed" if protect == "sign" else "encrypted")


def _under(items: dict[str, str], prefix: str) -> dict[str, str]:
    """The entries stored under ``prefix``, by slot."""
    return {name[len(prefix) :]: token for name, token in items.items() if name.startswith(prefix)}


class TemporaryStore:
    """A throwaway server-side store for ``storage="user"``/``"app"`` and ``sp.shared`` in tests.

    As a context manager it is the default store (``STREAMLIT_PERSIST_STORE``) of everything
    that runs inside; ``values()`` decodes what an app stored.

    Examples
    --------
    >>> with TemporaryStore() as store:
    ...     at = AppTest.from_file("app.py")
    ...     at.user = {"is_logged_in": True, "iss": "https://idp", "sub": "ann"}
    ...     at.run()
    >>> store.values("app", scope="user", user="https://idp|ann")
    {'prefs': 'dark'}
    """

    def __init__(self, redis_url: str | None = None) -> None:
        """A fresh SQLite file; or, given ``redis_url``, a fresh key prefix on that Redis or Valkey."""
        self._dir = tempfile.TemporaryDirectory(prefix="streamlit-persist-")
        if redis_url is None:
            self.url = f"sqlite:///{Path(self._dir.name) / 'persist.sqlite3'}"
            from streamlit_persist._sqlite import SqliteStore  # only where a test asks for a store

            self.store: _store.Store = SqliteStore(Path(self._dir.name) / "persist.sqlite3")
            _stores.adopt(self.url, self.store)
        else:
            separator = "&" if "?" in redis_url else "?"
            self.url = f"{redis_url}{separator}prefix=test-{secrets.token_hex(6)}"
            self.store = _stores.open_store(self.url)
        self._previous: str | None = None

    def __enter__(self) -> TemporaryStore:
        self._previous = os.environ.get("STREAMLIT_PERSIST_STORE")
        os.environ["STREAMLIT_PERSIST_STORE"] = self.url
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._previous is None:
            os.environ.pop("STREAMLIT_PERSIST_STORE", None)
        else:
            os.environ["STREAMLIT_PERSIST_STORE"] = self._previous
        self.store.close()
        _stores.forget(self.url)
        self._dir.cleanup()

    def values(
        self,
        namespace: str,
        *,
        scope: Literal["user", "app", "shared"] = "app",
        user: str = "",
        secret: _crypto.SecretInput | None = None,
    ) -> dict[str, Any]:
        """Decode what the app stored in a space (``user``: the ``<issuer>|<sub>`` id)."""
        protector = _protector(secret, "encrypt")
        space = _store.Space(namespace, scope, user)
        result: dict[str, Any] = {}
        for key, entry in self.store.read(space).items():
            context = _envelope.Context("store", f"{namespace}/{scope}", key, user or None)
            result[key] = _envelope.open_token(entry.token, context, protector=protector).value()
        return result

    def store_values(
        self,
        namespace: str,
        values: Mapping[str, Any],
        *,
        scope: Literal["user", "app", "shared"] = "app",
        user: str = "",
        secret: _crypto.SecretInput | None = None,
    ) -> None:
        """Store values the way the app would (what another session or device left)."""
        protector = _protector(secret, "encrypt")
        writes: dict[str, str | None] = {}
        for key, value in values.items():
            context = _envelope.Context("store", f"{namespace}/{scope}", key, user or None)
            writes[key] = _envelope.seal(*_codec.dumps(value), context, protector=protector)
        self.store.write(_store.Space(namespace, scope, user), writes, {})
