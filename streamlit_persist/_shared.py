"""``sp.shared``: one app-wide value for every session, with atomic updates and live push.

Values live in the server-side store (``_store``) as sealed tokens, scope ``shared``. Reading
``.value`` subscribes the session: a change another session (or process) commits reruns it.
The writing session is not rerun by its own write. ``update(fn)`` and the ``with`` block hold
the key for their read-modify-write, so concurrent increments never lose one.

A store failure is logged and recorded in ``.errors``; reads then fall back to the last
value seen (or the default), and the app keeps rendering.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType
from typing import Any, Final, Generic, TypeVar

import streamlit as st

from streamlit_persist import _codec, _envelope, _live, _streamlit
from streamlit_persist._options import Secret, keyring_for
from streamlit_persist._report import LOGGER
from streamlit_persist._store import EVERYTHING, Change, LockedEntry, Space, Store
from streamlit_persist._stores import open_store_or_unreachable
from streamlit_persist.exceptions import ErrorRecord, PersistError, UsageError

T = TypeVar("T")
_SESSION_KEY: Final = "_streamlit_persist:shared"


class _Reader:
    """The shared keys one session read (a hub follower)."""

    def __init__(self) -> None:
        self.keys: set[tuple[Space, str]] = set()
        self.lock = threading.Lock()

    def changed(self, changes: list[Change]) -> bool:
        with self.lock:
            spaces = {space for space, _ in self.keys}
            return any((c.space, c.key) in self.keys or (c.key == EVERYTHING and c.space in spaces) for c in changes)


class Shared(Generic[T]):
    """An app-wide value (``sp.shared(name, default=...)``).

    Examples
    --------
    >>> visits = sp.shared("visits", default=0)
    >>> visits.update(lambda n: n + 1)       # atomic: concurrent sessions never lose one
    >>> st.write(visits.value)               # reading subscribes this session to changes
    >>> with sp.shared("todos", default=[]) as todos:   # held until the block ends
    ...     todos.append("milk")
    """

    def __init__(
        self, name: str, default: T, *, ttl: timedelta | None, store: Store, secret: Secret | None, namespace: str
    ) -> None:
        self.name: Final = name
        self._default = default
        self._ttl = ttl
        self._store = store
        self._keyring = keyring_for(secret)
        self._space = Space(namespace, "shared")
        self._errors: list[ErrorRecord] = []
        self._last: Any = copy.deepcopy(default)
        self._held: tuple[Any, LockedEntry, Any] | None = None

    def __repr__(self) -> str:
        return f"Shared({self.name!r}, store={self._store.url!r})"

    @property
    def errors(self) -> list[ErrorRecord]:
        """Store failures and unreadable values seen through this handle."""
        return list(self._errors)

    @property
    def value(self) -> T:
        """The current value (the default when none is stored); subscribes this session."""
        self._follow()
        try:
            entry = self._store.read(self._space).get(self.name)
        except PersistError as error:
            self._report(error)
            return copy.deepcopy(self._last)  # type: ignore[no-any-return]
        value = self._default if entry is None else self._open(entry.token)
        self._last = value
        return copy.deepcopy(value)

    def set(self, value: T) -> None:
        """Replace the value for every session."""
        token = self._seal(value)
        if token is None:
            return
        expires = {self.name: self._expires_at()}
        try:
            self._store.write(self._space, {self.name: token}, expires, origin=_origin())
        except PersistError as error:
            self._report(error)
            return
        self._last = copy.deepcopy(value)

    def update(self, fn: Callable[[T], T]) -> T:
        """Replace the value by ``fn(value)`` atomically; returns the new value.

        No other update of this key runs in between. ``fn`` should only compute: with a
        store that resolves conflicts by retrying (Redis), it may run more than once.
        """
        result: list[T] = []

        def change(token: str | None) -> str | None:
            current = self._default if token is None else self._open(token)
            new = fn(copy.deepcopy(current))
            result[:] = [new]
            return self._seal(new) or token

        try:
            self._store.update(self._space, self.name, change, origin=_origin())
        except PersistError as error:
            self._report(error)
            return copy.deepcopy(self._last)  # type: ignore[no-any-return]
        if result:
            self._last = copy.deepcopy(result[0])
            return result[0]
        return copy.deepcopy(self._last)  # type: ignore[no-any-return]

    def __enter__(self) -> T:
        """Hold the key and hand out its value; changes made to it are committed on exit."""
        if self._held is not None:
            raise UsageError(f"sp.shared({self.name!r}) is already held by a with block")
        lock = self._store.locked(self._space, self.name, origin=_origin())
        try:
            held = lock.__enter__()
        except PersistError as error:
            self._report(error)
            working = copy.deepcopy(self._last)
            self._held = (None, LockedEntry(None), working)
            return working  # type: ignore[no-any-return]
        working = copy.deepcopy(self._default if held.token is None else self._open(held.token))
        self._held = (lock, held, working)
        return working

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._held is None:
            return
        lock, held, working = self._held
        self._held = None
        if lock is None:
            return  # the store refused the lock: reported on enter, nothing to commit
        if exc_type is None:
            token = self._seal(working)
            if token is not None:
                held.set(token)
        try:
            lock.__exit__(exc_type, exc, tb)
        except PersistError as error:
            self._report(error)
            return
        if held.revision:
            self._last = copy.deepcopy(working)

    # -- plumbing ----------------------------------------------------------------------------

    def _context(self) -> _envelope.Context:
        return _envelope.Context("store", f"{self._space.namespace}/shared", self.name)

    def _protector(self) -> Any:
        return None if self._keyring is None else self._keyring.protector("store", "encrypted")

    def _seal(self, value: Any) -> str | None:
        try:
            flag, body = _codec.dumps(value)
        except PersistError as error:
            self._report(error)
            return None
        ttl = None if self._ttl is None else max(1, int(self._ttl.total_seconds()))
        return _envelope.seal(flag, body, self._context(), ttl_seconds=ttl, protector=self._protector())

    def _open(self, token: str) -> Any:
        try:
            return _envelope.open_token(token, self._context(), protector=self._protector()).value()
        except PersistError as error:
            self._report(error)
            return copy.deepcopy(self._default)

    def _expires_at(self) -> int | None:
        return None if self._ttl is None else int(time.time() + self._ttl.total_seconds())

    def _report(self, error: PersistError) -> None:
        record = error.record(self.name)
        if record not in self._errors:
            self._errors.append(record)
            LOGGER.warning("streamlit-persist: shared %s", record)

    def _reader(self) -> _Reader | None:
        if _streamlit.run_context() is None:
            return None
        reader = st.session_state.get(_SESSION_KEY)
        if not isinstance(reader, _Reader):
            reader = _Reader()
            st.session_state[_SESSION_KEY] = reader
        return reader

    def _follow(self) -> None:
        reader = self._reader()
        session = _streamlit.session_id()
        if reader is None or session is None:
            return
        with reader.lock:
            new = (self._space, self.name) not in reader.keys
            reader.keys.add((self._space, self.name))
        if new:
            _live.hub(self._store).follow(self._space, session, reader)


def _origin() -> str:
    """The session writing (not told of its own change); "" from a thread of its own."""
    return _streamlit.session_id() or ""


def shared(
    name: str,
    *,
    default: T = None,  # type: ignore[assignment]
    ttl: timedelta | None = None,
    store: str | Store | None = None,
    secret: Secret | None = None,
) -> Shared[T]:
    """An app-wide value shared by every session (and process) of this app.

    Parameters
    ----------
    name : str
        The value's name within the app.
    default : any storable value
        What ``.value`` is while nothing is stored.
    ttl : timedelta or None
        The value expires this long after it was last written.
    store : str, store object or None
        Where it lives: ``"sqlite:///path.db"`` or ``"redis://host:6379/0"`` (several replicas);
        by default ``STREAMLIT_PERSIST_STORE``, then
        ``st.secrets["persist"]["store"]``, then ``.streamlit/persist.sqlite3`` beside the
        main script.
    secret : like ``persist(secret=...)``
        Encrypt it at rest.

    Examples
    --------
    >>> import streamlit as st
    >>> import streamlit_persist as sp
    >>> visits = sp.shared("visits", default=0)
    >>> visits.update(lambda n: n + 1)
    >>> st.metric("Visits", visits.value)
    """
    if not isinstance(name, str) or not name:
        raise UsageError(f"sp.shared() takes a non-empty name, not {name!r}")
    if ttl is not None and (not isinstance(ttl, timedelta) or ttl.total_seconds() < 1):
        raise UsageError(f"ttl must be a timedelta of at least one second (or None), not {ttl!r}")
    try:
        _codec.dumps(default)
    except PersistError as error:
        raise UsageError(f"sp.shared({name!r}): the default cannot be stored: {error.message}") from error
    resolved = open_store_or_unreachable(store, _streamlit.main_script_dir())
    return Shared(name, default, ttl=ttl, store=resolved, secret=secret, namespace=_streamlit.default_namespace())
