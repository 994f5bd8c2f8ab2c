"""The server side of ``storage="user"`` and ``storage="app"``: a store plays the browser's part.

``persist()`` speaks one protocol (``_protocol``) whatever holds the values. For server scopes
``ServerSide`` answers its checks from the store and applies its writes there, at once: the
first run restores with no round trip. Writes the store refuses (locked, read-only, down)
are reported as ``store`` failures and kept to go out with the next message; nothing is
dropped. Two runs of one session can overlap (Streamlit starts the next before the last one
has stopped), so writes are taken in the order of the messages' ``rev``: an older message
arriving late never replaces a newer value. Changes other sessions (of this process or another) commit reach the
session as ``sync`` messages through the hub (``_live``), and the session is rerun.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from streamlit_persist import _protocol
from streamlit_persist._protocol import Answer, Failure, PersistData, PersistMessage
from streamlit_persist._store import EVERYTHING, Change, Space, Store
from streamlit_persist.exceptions import PersistError

Expiry = Callable[[str], int | None]  # slot -> ttl in seconds (None: never)


class ServerSide:
    """One session's view of a store space, in the shape of the browser module."""

    def __init__(self, store: Store, space: Space, sid: str, ttl_seconds: Expiry, *, session: str = "") -> None:
        self.store = store
        self.space = space
        self._sid = sid
        self._session = session  # the origin of this session's writes: the hub does not echo them
        self._ttl_seconds = ttl_seconds
        self._unsent: dict[str, str | None] = {}  # the newest write of each slot not yet stored
        self._newest: dict[str, int] = {}  # slot -> rev of the newest message that wrote it
        self._writing = threading.Lock()
        self._inbox: list[PersistMessage] = []
        self._lock = threading.Lock()
        self._known: set[str] = set()  # keys this session has seen in the space

    def __call__(self, key: str, data: PersistData, on_message: Callable[[], None]) -> PersistMessage | None:
        """Answer ``data`` like ``component/bridge.ts`` would, from the store."""
        answers: list[Answer] = []
        failures: list[Failure] = []
        if data["checks"]:
            try:
                held = {slot: entry.token for slot, entry in self.store.read(self.space).items()}
            except PersistError as error:
                failures.append({"slot": "", "kind": "store", "message": error.message})
            else:
                self._known.update(held)
                answers = [a for check in data["checks"] if (a := _protocol.answer(check, held)) is not None]
        with self._writing:
            for slot, token in data["writes"].items():
                if data["rev"] >= self._newest.get(slot, 0):
                    self._newest[slot] = data["rev"]
                    self._unsent[slot] = token
            if self._unsent:
                failures.extend(self._write(dict(self._unsent)))
        return _protocol.reply(data["sid"], answers, failures)

    def _write(self, writes: Mapping[str, str | None]) -> list[Failure]:
        now = int(time.time())
        expires: dict[str, int | None] = {}
        for slot, token in writes.items():
            ttl = self._ttl_seconds(slot) if token is not None else None
            expires[slot] = None if ttl is None else now + ttl
        try:
            self.store.write(self.space, writes, expires, origin=self._session)
        except PersistError as error:
            return [{"slot": slot, "kind": "store", "message": error.message} for slot in writes]
        self._unsent = {}
        self._known.update(writes)
        return []

    def take_messages(self) -> list[PersistMessage]:
        """What other sessions changed since the last call (handled at the top of a run)."""
        with self._lock:
            messages, self._inbox = self._inbox, []
        return messages

    def changed(self, changes: list[Change]) -> bool:
        """Hub follower: queue other sessions' changes to this space; True to rerun this session."""
        try:
            held = self.store.read(self.space)
        except PersistError:
            return False
        keys = {c.key for c in changes}
        if EVERYTHING in keys:  # the store lost notices: compare everything this session knows
            keys = (self._known | set(held)) - {EVERYTHING}
        keys -= set(self._unsent)  # this session's own writes, still to go out, are newer
        sync: dict[str, str | None] = {}
        for key in keys:
            entry = held.get(key)
            sync[key] = None if entry is None else entry.token
        self._known.update(held)
        if sync:
            with self._lock:
                self._inbox.append({"sid": self._sid, "sync": sync})
        return bool(sync) or bool(self._unsent)  # the store is back: the writes it refused go out
