"""Server-side storage for ``storage="user"``, ``storage="app"`` and ``sp.shared``: the shapes.

A store holds tokens (the same sealed strings browsers hold) in *spaces*: one namespace
(app), one scope (``user``, ``app`` or ``shared``) and one owner (a user id, or "" for
app-wide values). Every committed change gets the next revision of a store-wide sequence, so
a process can ask "what changed since revision r?" and a reader can tell which of two values
is newer. Backends: ``_sqlite`` (embedded, the default) and ``_redis`` (several replicas);
``_stores.open_store`` picks one from a URL. Every failure is a ``PersistError("store", ...)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol

Scope = Literal["user", "app", "shared"]


@dataclass(frozen=True)
class Space:
    """Where values live: an app's namespace, a scope, and an owner ("" for app-wide)."""

    namespace: str
    scope: Scope
    owner: str = ""


@dataclass(frozen=True)
class Entry:
    token: str
    revision: int


@dataclass(frozen=True)
class Change:
    """A committed change; ``origin``: the Streamlit session that made it ("" unknown)."""

    space: Space
    key: str
    revision: int
    origin: str = ""


Listener = Callable[[list[Change]], None]
# A store's notices may have been lost (its connection came back): followers re-read everything.
RECONNECTED: Final = Space("", "app", "\x00reconnected")
EVERYTHING: Final = "*"  # the key of a change that stands for every key of its space


class Store(Protocol):
    """What ``persist(storage="user"|"app")`` and ``sp.shared`` need from a backend."""

    url: str

    def read(self, space: Space) -> dict[str, Entry]:
        """Every live entry of ``space``."""
        ...

    def write(
        self, space: Space, writes: Mapping[str, str | None], expires: Mapping[str, int | None], *, origin: str = ""
    ) -> int:
        """Apply ``writes`` (None removes) in one transaction; return the revision they got.

        ``origin`` (the writing session) travels with the change notices: that session is not
        told of its own write, even when the notice outruns the write's return.
        """
        ...

    def update(
        self, space: Space, key: str, change: Callable[[str | None], str | None], *, origin: str = ""
    ) -> Entry | None:
        """Atomically replace ``key``'s token by ``change(token)`` (None removes); the new entry."""
        ...

    def locked(self, space: Space, key: str, *, origin: str = "") -> contextlib.AbstractContextManager[LockedEntry]:
        """Hold ``key`` for a read-modify-write that runs arbitrary code (a ``with`` block)."""
        ...

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with the changes every other connection commits (from a thread)."""
        ...

    def owners(self, namespace: str | None = None) -> dict[tuple[str, str, str], int]:
        """Entry counts by (namespace, scope, owner)."""
        ...

    def export(self, owner: str) -> list[tuple[Space, str, str]]:
        """Every live entry of ``owner`` as (space, key, token)."""
        ...

    def purge(self, owner: str | None = None, *, expired: bool = False) -> int:
        """Remove an owner's entries, or expired ones (links too) and old tombstones; how many went."""
        ...

    def put_link(self, link_id: str, value: str, expires_at: int | None) -> None:
        """Keep a share link's value under a random id (``p.share_url(server=True)``)."""
        ...

    def get_link(self, link_id: str) -> str | None:
        """The value kept for ``link_id``; None when unknown or expired."""
        ...

    def close(self) -> None:
        """Stop watching and close connections (tests; a server keeps its store open)."""
        ...


class LockedEntry:
    """A key held by ``Store.locked``: read ``token``, ``set`` a new one to write it on exit."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.changed = False
        self.revision = 0  # the revision the write got (0: nothing written)

    def set(self, token: str | None) -> None:
        self.token = token
        self.changed = True
