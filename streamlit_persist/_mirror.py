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
from dataclasses import dataclass
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


@dataclass
class _Held:
    token: str
    flag: str = ""
    body: bytes = b""
    value: Any = _UNSET  # what the token holds, once opened and decoded
    stale: bool = False  # sealed with an old key or another schema version: rewrite it


class Mirror:
    """The stored entries of one namespace (``prefix`` is their storage key prefix)."""

    def __init__(self, prefix: str, sealer: Sealer, *, max_value: int, max_total: int) -> None:
        self.prefix: Final = prefix
        self.sealer = sealer
        self.max_value = max_value
        self.max_total = max_total
        self._held: dict[str, _Held] = {}
        self._pending: dict[str, str | None] = {}
        self._baselines: dict[str, tuple[str, bytes] | None] = {}
        self._total = 0
        self.revision = 0  # +1 whenever what storage holds changes (cached views compare it)
        self.removed: set[str] = set()  # slots this session removed from storage (and did not write again)

    # -- what storage holds ------------------------------------------------------------------

    def __contains__(self, slot: object) -> bool:
        return slot in self._held

    def slots(self) -> list[str]:
        return list(self._held)

    def token(self, slot: str) -> str | None:
        held = self._held.get(slot)
        return None if held is None else held.token

    def content(self, slot: str) -> tuple[str, bytes] | None:
        """The codec flag and body of a held entry, once opened."""
        held = self._held.get(slot)
        return None if held is None or not held.flag else (held.flag, held.body)

    def tokens(self) -> dict[str, str]:
        return {slot: held.token for slot, held in self._held.items()}

    def entry_chars(self) -> int:
        """Characters of the slots and tokens held (storage keys without the prefix), kept as they change."""
        return self._total - len(self.prefix) * len(self._held)

    def sizes(self) -> dict[str, int]:
        """Characters each entry takes in browser storage (key included)."""
        return {slot: self._size(slot, held.token) for slot, held in self._held.items()}

    def adopt(self, entries: Mapping[str, str]) -> None:
        """Storage holds exactly ``entries`` (tokens not opened yet); forget everything else."""
        self._held = {slot: _Held(token) for slot, token in entries.items()}
        self._total = sum(self._size(slot, token) for slot, token in entries.items())
        self.revision += 1

    def learn(self, slot: str, token: str | None) -> None:
        """Storage changed behind this session's back (another tab): ``token`` None means removed."""
        old = self._held.pop(slot, None)
        if old is not None:
            self._total -= self._size(slot, old.token)
        if token is not None:
            self._held[slot] = _Held(token)
            self._total += self._size(slot, token)
        self.revision += 1

    def open(self, slot: str) -> Opened:
        """Open a held entry; ``PersistError`` if it cannot be trusted or read."""
        held = self._held[slot]
        opened = self.sealer.open(slot, held.token)
        held.flag, held.body = opened.flag, opened.value_json
        held.stale = opened.old_key or opened.version != self.sealer.version
        return opened

    def opened(self, slot: str) -> bool:
        held = self._held.get(slot)
        return held is not None and bool(held.flag)

    def note_value(self, slot: str, value: Any) -> None:
        """``value`` is what the held entry decodes to (it went into session state)."""
        held = self._held.get(slot)
        if held is not None:
            held.value = value

    # -- writing -----------------------------------------------------------------------------

    def stage(self, slot: str, value: Any) -> bool:
        """Stage a write of ``value`` if it differs from what storage holds; True if staged.

        Raises ``PersistError`` ("unsupported", "too_large") when it cannot be stored; the
        stored value, if any, stays.
        """
        held = self._held.get(slot)
        if (
            held is not None
            and held.value is not _UNSET
            and not held.stale
            and slot not in self._baselines
            and _codec.unchanged(held.value, value)
        ):
            return False
        flag, body = _codec.dumps(value)
        if slot in self._baselines:
            baseline = self._baselines[slot]
            if baseline is None or baseline == (flag, body):
                self._baselines[slot] = (flag, body)
                return False
            del self._baselines[slot]
        if held is not None and held.flag == flag and held.body == body and not held.stale:
            held.value = value
            return False
        token = self.sealer.seal(slot, flag, body)
        size = self._size(slot, token)
        if size > self.max_value:
            raise PersistError("too_large", _over(size, self.max_value, "per-value"))
        replaced = self._size(slot, held.token) if held is not None else 0
        total = self._total - replaced + size
        if total > self.max_total:
            raise PersistError("too_large", _over(total, self.max_total, "total"))
        self._total = total
        self._held[slot] = _Held(token, flag, body, value)
        self._pending[slot] = token
        self.removed.discard(slot)
        self.revision += 1
        return True

    def remove(self, slot: str) -> bool:
        """Stage the removal of ``slot`` if storage holds it; True if staged."""
        held = self._held.pop(slot, None)
        if held is None:
            return False
        self._total -= self._size(slot, held.token)
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

    def _size(self, slot: str, token: str) -> int:
        return len(self.prefix) + len(slot) + len(token)


def _over(size: int, limit: int, which: str) -> str:
    return f"{size:,} characters exceed the {which} budget of {limit:,}; not stored"
