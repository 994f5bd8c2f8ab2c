"""The embedded default store: one SQLite file, shared by every Streamlit process on one host.

SQLite done right for several processes: WAL, ``busy_timeout``, ``BEGIN IMMEDIATE`` for
read-modify-write (a deferred transaction that upgrades to a write lock fails with
SQLITE_BUSY instead of waiting), connections lent per operation from a few kept open (Streamlit
runs every script run on a new thread: a connection per thread would leak one per run), and a
watcher thread per process
that notices commits of other connections through ``PRAGMA data_version``. Deletions leave a
tombstone (token NULL) for a while, so watchers see them too. WAL needs every process on one
host (not NFS).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from streamlit_persist._store import Change, Entry, Listener, LockedEntry, Space
from streamlit_persist.exceptions import PersistError

BUSY_TIMEOUT_MS: Final = 5_000
POLL_SECONDS: Final = 0.1
IDLE_CONNECTIONS: Final = 4  # kept open between operations; more are opened under load, then closed
TOMBSTONE_SECONDS: Final = 24 * 3600
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS entries (
    namespace TEXT NOT NULL,
    scope TEXT NOT NULL,
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    token TEXT,
    revision INTEGER NOT NULL,
    expires_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, scope, owner, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_revision ON entries (revision);
CREATE TABLE IF NOT EXISTS sequence (id INTEGER PRIMARY KEY CHECK (id = 0), revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS links (id TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID;
INSERT OR IGNORE INTO sequence (id, revision) VALUES (0, 0);
"""


class SqliteStore:
    """The embedded default: one SQLite file (created if missing)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self.url = f"sqlite:///{self.path}"
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._seen = 0
        # revision -> origin of this process's writes, known before they commit: the watcher
        # may see a commit before the writer tells it, and must still name who wrote it.
        self._origins: dict[int, str] = {}
        self._closed = threading.Event()
        self._idle: list[sqlite3.Connection] = []
        self.on_close: Callable[[SqliteStore], None] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connection() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                self._seen = db.execute("SELECT revision FROM sequence").fetchone()[0]
        except (OSError, sqlite3.Error) as e:
            raise PersistError("store", f"cannot open the store {self.url}: {e}") from e

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    # -- reading and writing ---------------------------------------------------------------

    def read(self, space: Space) -> dict[str, Entry]:
        now = int(time.time())
        rows = self._query(
            "SELECT key, token, revision FROM entries WHERE namespace=? AND scope=? AND owner=? "
            "AND token IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)",
            (space.namespace, space.scope, space.owner, now),
        )
        return {key: Entry(token, revision) for key, token, revision in rows}

    def write(
        self, space: Space, writes: Mapping[str, str | None], expires: Mapping[str, int | None], *, origin: str = ""
    ) -> int:
        if not writes:
            return self._seen
        with self._transaction() as db:
            revision = self._own(self._next_revision(db), origin)
            now = int(time.time())
            db.executemany(
                "INSERT INTO entries (namespace, scope, owner, key, token, revision, expires_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (namespace, scope, owner, key) DO UPDATE SET "
                "token=excluded.token, revision=excluded.revision, expires_at=excluded.expires_at, "
                "updated_at=excluded.updated_at",
                [
                    (space.namespace, space.scope, space.owner, key, token, revision, expires.get(key), now)
                    for key, token in writes.items()
                ],
            )
        self._notify([Change(space, key, revision, origin) for key in writes], revision)
        return revision

    def update(
        self, space: Space, key: str, change: Callable[[str | None], str | None], *, origin: str = ""
    ) -> Entry | None:
        with self.locked(space, key, origin=origin) as held:
            held.set(change(held.token))
        return None if held.token is None else Entry(held.token, held.revision)

    @contextlib.contextmanager
    def locked(self, space: Space, key: str, *, origin: str = "") -> Iterator[LockedEntry]:
        with self._transaction() as db:  # BEGIN IMMEDIATE: the write lock, held for the block
            now = int(time.time())
            row = db.execute(
                "SELECT token FROM entries WHERE namespace=? AND scope=? AND owner=? AND key=? "
                "AND (expires_at IS NULL OR expires_at > ?)",
                (space.namespace, space.scope, space.owner, key, now),
            ).fetchone()
            held = LockedEntry(None if row is None else row[0])
            yield held
            if held.changed:
                held.revision = revision = self._own(self._next_revision(db), origin)
                db.execute(
                    "INSERT INTO entries (namespace, scope, owner, key, token, revision, expires_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (namespace, scope, owner, key) DO UPDATE SET "
                    "token=excluded.token, revision=excluded.revision, updated_at=excluded.updated_at",
                    (space.namespace, space.scope, space.owner, key, held.token, revision, now),
                )
        if held.revision:
            self._notify([Change(space, key, held.revision, origin)], held.revision)

    # -- change notification -----------------------------------------------------------------

    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="streamlit-persist-store", daemon=True)
                self._watcher.start()

    def _own(self, revision: int, origin: str) -> int:
        """Remember who writes ``revision`` (inside its transaction, before the commit)."""
        if origin:
            with self._lock:
                self._origins[revision] = origin
        return revision

    def _notify(self, changes: list[Change], revision: int) -> None:
        with self._lock:
            origins = self._origins
            fresh = [
                dataclasses.replace(c, origin=origins[c.revision]) if not c.origin and c.revision in origins else c
                for c in changes
                if c.revision > self._seen
            ] if revision > self._seen else []
            self._seen = max(self._seen, revision)
            for known in [r for r in self._origins if r <= self._seen]:
                del self._origins[known]
            listeners = list(self._listeners)
        if fresh:
            for listener in listeners:
                with contextlib.suppress(Exception):
                    listener(fresh)

    def _watch(self) -> None:
        """Poll ``PRAGMA data_version``: it changes when another connection commits."""
        try:
            db = self._connect()
        except sqlite3.Error:
            return
        with contextlib.closing(db):
            self._poll(db)

    def _poll(self, db: sqlite3.Connection) -> None:
        version = None
        while not self._closed.wait(POLL_SECONDS):
            try:
                current = db.execute("PRAGMA data_version").fetchone()[0]
                if current == version:
                    continue
                version = current
                rows = db.execute(
                    "SELECT namespace, scope, owner, key, revision FROM entries WHERE revision > ? ORDER BY revision",
                    (self._seen,),
                ).fetchall()
            except sqlite3.Error:
                continue
            if rows:
                changes = [Change(Space(ns, scope, owner), key, rev) for ns, scope, owner, key, rev in rows]
                self._notify(changes, max(c.revision for c in changes))

    # -- operators -----------------------------------------------------------------------------

    def owners(self, namespace: str | None = None) -> dict[tuple[str, str, str], int]:
        query = "SELECT namespace, scope, owner, COUNT(*) FROM entries WHERE token IS NOT NULL"
        args: tuple[str, ...] = ()
        if namespace is not None:
            query += " AND namespace=?"
            args = (namespace,)
        rows = self._query(query + " GROUP BY namespace, scope, owner", args)
        return {(ns, scope, owner): count for ns, scope, owner, count in rows}

    def export(self, owner: str) -> list[tuple[Space, str, str]]:
        rows = self._query(
            "SELECT namespace, scope, key, token FROM entries WHERE owner=? AND token IS NOT NULL ORDER BY 1, 2, 3",
            (owner,),
        )
        return [(Space(ns, scope, owner), key, token) for ns, scope, key, token in rows]

    def purge(self, owner: str | None = None, *, expired: bool = False) -> int:
        now = int(time.time())
        with self._transaction() as db:
            removed = 0
            if owner is not None:
                removed += db.execute("DELETE FROM entries WHERE owner=? AND owner != ''", (owner,)).rowcount
            if expired:
                removed += db.execute(
                    "DELETE FROM entries WHERE (expires_at IS NOT NULL AND expires_at <= ?) "
                    "OR (token IS NULL AND updated_at <= ?)",
                    (now, now - TOMBSTONE_SECONDS),
                ).rowcount
                removed += db.execute(
                    "DELETE FROM links WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,)
                ).rowcount
        return removed

    def put_link(self, link_id: str, value: str, expires_at: int | None) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO links (id, value, expires_at) VALUES (?, ?, ?)", (link_id, value, expires_at)
            )

    def get_link(self, link_id: str) -> str | None:
        rows = self._query(
            "SELECT value FROM links WHERE id=? AND (expires_at IS NULL OR expires_at > ?)", (link_id, int(time.time()))
        )
        return str(rows[0][0]) if rows else None

    def close(self) -> None:
        """Stop the watcher and close every connection (tests; a server keeps its store open)."""
        self._closed.set()
        if self._watcher is not None:
            self._watcher.join(timeout=2)
        with self._lock:
            connections, self._idle = self._idle, []
        for db in connections:
            with contextlib.suppress(sqlite3.Error):
                db.close()
        if self.on_close is not None:
            self.on_close(self)

    # -- plumbing ----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout * 1000)}")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation: an idle one or a new one, kept afterwards if few are."""
        with self._lock:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._connect()
        try:
            yield db
        finally:
            with self._lock:
                keep = not db.in_transaction and len(self._idle) < IDLE_CONNECTIONS and not self._closed.is_set()
                if keep:
                    self._idle.append(db)
            if not keep:
                with contextlib.suppress(sqlite3.Error):
                    db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._connection() as db:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except sqlite3.Error as e:
            raise PersistError("store", f"{self.url}: {e}") from e

    def _query(self, sql: str, args: tuple[object, ...]) -> list[Any]:
        try:
            with self._connection() as db:
                return db.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise PersistError("store", f"{self.url}: {e}") from e

    @staticmethod
    def _next_revision(db: sqlite3.Connection) -> int:
        row = db.execute("UPDATE sequence SET revision = revision + 1 WHERE id = 0 RETURNING revision").fetchone()
        return int(row[0])
