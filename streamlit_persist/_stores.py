"""Which store a URL names, one store object per URL and process.

``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (the embedded default), and
``redis://host:port/db`` or ``rediss://...`` (several replicas). With no URL: the environment
variable ``STREAMLIT_PERSIST_STORE``, then ``st.secrets["persist"]["store"]``, then
``.streamlit/persist.sqlite3`` beside the main script.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from streamlit_persist._store import Entry, Listener, LockedEntry, Space, Store
from streamlit_persist.exceptions import PersistError, UsageError

# Each backend is imported when a URL first names it: an app that keeps state in the browser
# only never loads sqlite3 (objects Streamlit's garbage collection after every run would walk).
if TYPE_CHECKING:
    from streamlit_persist._sqlite import SqliteStore

_opened: dict[str, Store] = {}
_opened_lock = threading.Lock()


def open_store(spec: str | Store | None, default_dir: Path | None = None) -> Store:
    """The store ``spec`` names: a store object, a URL, or None for the configured default.

    The default comes from ``STREAMLIT_PERSIST_STORE``, then ``st.secrets["persist"]["store"]``,
    then ``<default_dir>/.streamlit/persist.sqlite3`` (beside the main script). URLs:
    ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``. One store object per URL
    and process, so every session of an app shares one watcher thread.
    """
    if spec is not None and not isinstance(spec, str):
        return spec
    url = spec or _configured_url() or f"sqlite:///{(default_dir or Path.cwd()) / '.streamlit' / 'persist.sqlite3'}"
    if url.startswith(("redis://", "rediss://")):
        key = url
        with _opened_lock:
            store = _opened.get(key)
            if store is None:
                from streamlit_persist._redis import RedisStore

                store = _opened[key] = RedisStore(url)
            return store
    if not url.startswith("sqlite:///"):
        scheme = url.split(":", 1)[0]
        raise UsageError(
            f"store={url!r}: unknown scheme {scheme!r}; use sqlite:///path/to/file.db, redis://host:port/db "
            "or a store object"
        )
    path = Path(url.removeprefix("sqlite:///")).expanduser().resolve()
    key = str(path)
    with _opened_lock:
        store = _opened.get(key)
        if store is None:
            from streamlit_persist._sqlite import SqliteStore

            opened = SqliteStore(path)
            opened.on_close = _forget
            store = _opened[key] = opened
        return store


def open_store_or_unreachable(spec: str | Store | None, default_dir: Path | None = None) -> Store:
    """Like :func:`open_store`, but a store that cannot be opened (a corrupt file, a refused
    connection) becomes an :class:`UnreachableStore`: an author's mistake still raises."""
    try:
        return open_store(spec, default_dir)
    except UsageError:
        raise
    except PersistError as error:
        return UnreachableStore(error)


class UnreachableStore:
    """A store that could not be opened: every use fails with why, and nothing ever changes.

    The app renders defaults and reports ``store`` errors instead of raising; its next run
    tries to open the store again.
    """

    url = "unreachable"

    def __init__(self, error: PersistError) -> None:
        self.error = error

    def _fail(self) -> NoReturn:
        raise PersistError(self.error.kind, self.error.message)

    def read(self, space: Space) -> dict[str, Entry]:
        self._fail()

    def write(
        self, space: Space, writes: Mapping[str, str | None], expires: Mapping[str, int | None], *, origin: str = ""
    ) -> int:
        self._fail()

    def update(
        self, space: Space, key: str, change: Callable[[str | None], str | None], *, origin: str = ""
    ) -> Entry | None:
        self._fail()

    @contextlib.contextmanager
    def locked(self, space: Space, key: str, *, origin: str = "") -> Iterator[LockedEntry]:
        self._fail()
        yield LockedEntry(None)  # never reached; makes this a generator

    def listen(self, listener: Listener) -> None:
        """Nothing to follow."""

    def owners(self, namespace: str | None = None) -> dict[tuple[str, str, str], int]:
        self._fail()

    def export(self, owner: str) -> list[tuple[Space, str, str]]:
        self._fail()

    def purge(self, owner: str | None = None, *, expired: bool = False) -> int:
        self._fail()

    def put_link(self, link_id: str, value: str, expires_at: int | None) -> None:
        self._fail()

    def get_link(self, link_id: str) -> str | None:
        self._fail()

    def close(self) -> None:
        """Nothing to close."""


def adopt(url: str, store: Store) -> None:
    """Make ``store`` the one ``open_store(url)`` returns (``testing.TemporaryStore``)."""
    path = str(Path(url.removeprefix("sqlite:///")).expanduser().resolve())
    with _opened_lock:
        _opened[path] = store


def _configured_url() -> str | None:
    url = os.environ.get("STREAMLIT_PERSIST_STORE")
    if url:
        return url
    try:
        import streamlit as st

        configured = st.secrets.get("persist", {}).get("store")
    except Exception:  # no secrets file, or an unreadable one: not our concern here
        return None
    return configured if isinstance(configured, str) and configured else None


def _forget(store: SqliteStore) -> None:
    with _opened_lock:
        if _opened.get(str(store.path)) is store:
            del _opened[str(store.path)]


def forget(url: str) -> None:
    """Open a new store object for ``url`` next time (``testing.TemporaryStore`` closed this one)."""
    with _opened_lock:
        _opened.pop(url, None)
        if url.startswith("sqlite:///"):
            _opened.pop(str(Path(url.removeprefix("sqlite:///")).expanduser().resolve()), None)
