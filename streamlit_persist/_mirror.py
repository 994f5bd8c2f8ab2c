"""What the browser holds under one namespace, as far as this session knows, and what to write next.

The mirror keeps each stored entry's token (opened lazily: an entry no pattern selects is never
opened), the value it holds, the writes not yet sent, and the running total the budgets are
checked against. It knows nothing of Streamlit: ``persist()`` feeds it values and sends what
``take_writes`` returns.

Change detection costs nothing for unchanged scalars (``_codec.unchanged``); other values are
encoded and compared byte for byte. A value is written only when it differs from what storage
holds; a slot with a *baseline* (cleared by ``p.clear()``) is written only once it differs
from the value it had then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol

from streamlit_persist import _codec
from streamlit_persist._envelope import Opened
from streamlit_persist.exceptions import PersistError

_UNSET: Final = object()


class Sealer(Protocol):
    """Seals values into tokens for one namespace and opens them again (``persist()`` builds it)."""

    @property
    def version(self) -> int:
        """The schema version ``seal`` writes."""
        ...

    def seal(self, slot: str, flag: str, body: bytes) -> str: ...

    def open(self, slot: str, token: str) -> Opened:
        """Raise ``PersistError`` when the token cannot be trusted or read."""
        ...


class Mirror:
    """The stored entries of one namespace (``prefix`` is their storage key prefix).

    An entry is spread over flat dicts of strings, bytes and values rather than held in an
    object per entry: Streamlit runs ``gc.collect(2)`` after every run, and an object per
    entry cost 0.34 ms a run per 1,000 entries; dicts of untracked values cost nothing.
    """

    def __init__(self, prefix: str, sealer: Sealer, *, max_value: int, max_total: int) -> None:
        self.prefix: Final = prefix
        self.sealer = sealer
        self.max_value = max_value
        self.max_total = max_total
        self._tokens: dict[str, str] = {}  # what storage holds
        self._contents: dict[str, tuple[str, bytes]] = {}  # codec flag and body, once opened or written
        self._values: dict[str, Any] = {}  # what the token holds, decoded, once it went into session state
        self._stale: set[str] = set()  # sealed with an old key or another schema version: rewrite it
        self._pending: dict[str, str | None] = {}
        self._baselines: dict[str, tuple[str, bytes] | None] = {}
        self._total = 0
        self.revision = 0  # +1 whenever what storage holds changes (cached views compare it)
        self.removed: set[str] = set()  # slots this session removed from storage (and did not write again)

    # -- what storage holds ------------------------------------------------------------------

    def __contains__(self, slot: object) -> bool:
        return slot in self._tokens

    def slots(self) -> list[str]:
        return list(self._tokens)

    def token(self, slot: str) -> str | None:
        return self._tokens.get(slot)

    def content(self, slot: str) -> tuple[str, bytes] | None:
        """The codec flag and body of a held entry, once opened."""
        return self._contents.get(slot)

    def tokens(self) -> dict[str, str]:
        return dict(self._tokens)

    def entry_chars(self) -> int:
        """Characters of the slots and tokens held (storage keys without the prefix), kept as they change."""
        return self._total - len(self.prefix) * len(self._tokens)

    def sizes(self) -> dict[str, int]:
        """Characters each entry takes in browser storage (key included)."""
        return {slot: self._size(slot, token) for slot, token in self._tokens.items()}

    def adopt(self, entries: Mapping[str, str]) -> None:
        """Storage holds exactly ``entries`` (tokens not opened yet); forget everything else."""
        self._tokens = dict(entries)
        self._contents, self._values, self._stale = {}, {}, set()
        self._total = sum(self._size(slot, token) for slot, token in entries.items())
        self.revision += 1

    def learn(self, slot: str, token: str | None) -> None:
        """Storage changed behind this session's back (another tab): ``token`` None means removed."""
        old = self._forget(slot)
        if old is not None:
            self._total -= self._size(slot, old)
        if token is not None:
            self._tokens[slot] = token
            self._total += self._size(slot, token)
        self.revision += 1

    def open(self, slot: str) -> Opened:
        """Open a held entry; ``PersistError`` if it cannot be trusted or read."""
        opened = self.sealer.open(slot, self._tokens[slot])
        self._contents[slot] = (opened.flag, opened.value_json)
        if opened.old_key or opened.version != self.sealer.version:
            self._stale.add(slot)
        else:
            self._stale.discard(slot)
        return opened

    def opened(self, slot: str) -> bool:
        return slot in self._contents

    def note_value(self, slot: str, value: Any) -> None:
        """``value`` is what the held entry decodes to (it went into session state)."""
        if slot in self._tokens:
            self._values[slot] = value

    # -- writing -----------------------------------------------------------------------------

    def stage(self, slot: str, value: Any) -> bool:
        """Stage a write of ``value`` if it differs from what storage holds; True if staged.

        Raises ``PersistError`` ("unsupported", "too_large") when it cannot be stored; the
        stored value, if any, stays.
        """
        stored = self._tokens.get(slot)
        fresh = stored is not None and slot not in self._stale
        if fresh and slot not in self._baselines:
            known = self._values.get(slot, _UNSET)
            if known is not _UNSET and _codec.unchanged(known, value):
                return False
        flag, body = _codec.dumps(value)
        if slot in self._baselines:
            baseline = self._baselines[slot]
            if baseline is None or baseline == (flag, body):
                self._baselines[slot] = (flag, body)
                return False
            del self._baselines[slot]
        if fresh and self._contents.get(slot) == (flag, body):
            self._values[slot] = value
            return False
        token = self.sealer.seal(slot, flag, body)
        size = self._size(slot, token)
        if size > self.max_value:
            raise PersistError("too_large", _over(size, self.max_value, "per-value"))
        replaced = self._size(slot, stored) if stored is not None else 0
        total = self._total - replaced + size
        if total > self.max_total:
            raise PersistError("too_large", _over(total, self.max_total, "total"))
        self._total = total
        self._tokens[slot] = token
        self._contents[slot] = (flag, body)
        self._values[slot] = value
        self._stale.discard(slot)
        self._pending[slot] = token
        self.removed.discard(slot)
        self.revision += 1
        return True

    def remove(self, slot: str) -> bool:
        """Stage the removal of ``slot`` if storage holds it; True if staged."""
        stored = self._forget(slot)
        if stored is None:
            return False
        self._total -= self._size(slot, stored)
        self._pending[slot] = None
        self.removed.add(slot)
        self.revision += 1
        return True

    def drop(self, slot: str) -> None:
        """Stage a removal even if this session does not know the entry (it may be in storage)."""
        self.remove(slot)
        self._pending[slot] = None
        self.removed.add(slot)

    def hold_back(self, slots: Iterable[str]) -> None:
        """Write these slots again only once their value changes from the next one seen."""
        for slot in slots:
            self._baselines[slot] = None

    def take_writes(self) -> dict[str, str | None]:
        """The writes staged since the last call (slot -> token, None removes)."""
        writes, self._pending = self._pending, {}
        return writes

    def has_writes(self) -> bool:
        return bool(self._pending)

    def _forget(self, slot: str) -> str | None:
        """Drop everything known of ``slot``; the token storage held, if any."""
        self._contents.pop(slot, None)
        self._values.pop(slot, None)
        self._stale.discard(slot)
        return self._tokens.pop(slot, None)

    def _size(self, slot: str, token: str) -> int:
        return len(self.prefix) + len(slot) + len(token)


def _over(size: int, limit: int, which: str) -> str:
    return f"{size:,} characters exceed the {which} budget of {limit:,}; not stored"
