"""Live updates: a store's changes reach the sessions that use the changed keys, which rerun.

One hub per store and process listens to the store (its own writes at once, other
processes' through the store's watcher) and hands each change to the sessions following
that space. A session is never told of its own writes (a change's ``origin``); one that
wants the change (it uses the key) queues it and is rerun; changes arriving together cost one rerun. Sessions
are held weakly: a closed session simply stops following.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from typing import Final, Protocol

from streamlit_persist import _streamlit
from streamlit_persist._store import EVERYTHING, RECONNECTED, Change, Space, Store


class Follower(Protocol):
    def changed(self, changes: list[Change]) -> bool:
        """Changes to a space this session follows (from a store thread); True to be rerun."""
        ...


class Hub:
    """The sessions of this process that follow spaces of one store."""

    def __init__(self, store: Store) -> None:
        self._followers: defaultdict[Space, weakref.WeakValueDictionary[str, Follower]] = defaultdict(
            weakref.WeakValueDictionary
        )
        self._lock = threading.Lock()
        store.listen(self._on_changes)

    def follow(self, space: Space, session: str, follower: Follower) -> None:
        with self._lock:
            self._followers[space][session] = follower

    def _on_changes(self, changes: list[Change]) -> None:
        by_space: defaultdict[Space, list[Change]] = defaultdict(list)
        for change in changes:
            if change.space == RECONNECTED:  # notices may be lost: every follower re-reads
                with self._lock:
                    spaces = list(self._followers)
                for space in spaces:
                    by_space[space].append(Change(space, EVERYTHING, 0))
            else:
                by_space[change.space].append(change)
        for space, space_changes in by_space.items():
            with self._lock:
                followers = list(self._followers.get(space, {}).items())
            for session, follower in followers:
                others = [c for c in space_changes if c.origin != session]
                if not others:
                    continue
                try:
                    wants = follower.changed(others)
                except Exception:
                    wants = False
                if wants:
                    _streamlit.rerun_session(session)


_hubs: Final[weakref.WeakKeyDictionary[object, Hub]] = weakref.WeakKeyDictionary()
_hubs_lock: Final = threading.Lock()


def hub(store: Store) -> Hub:
    """The hub of ``store`` in this process."""
    with _hubs_lock:
        found = _hubs.get(store)
        if found is None:
            found = _hubs[store] = Hub(store)
        return found
