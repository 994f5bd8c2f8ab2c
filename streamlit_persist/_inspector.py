"""``p.inspector()``: every stored key of one ``persist()``, where it lives, and buttons to forget it.

Nothing here runs (or is imported) unless an app calls ``p.inspector()``. Every figure comes
from what the session already holds: the tokens of its mirror (``_mirror``), the boot cookie
it last wrote, ``p.restored_from`` and ``p.errors``. Age and expiry are the issue time and
expiry sealed inside each token (``_envelope``), read by opening it with the app's key:
nothing is estimated, and an entry that does not open shows no times, only its problem.

Its widgets are keyed under ``INTERNAL_PREFIX``, so no pattern ever persists them, and by
the ``persist(key=...)`` they inspect, so two inspectors on one page do not collide.
"""

from __future__ import annotations

import reprlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import streamlit as st

from streamlit_persist._envelope import Opened
from streamlit_persist._keys import INTERNAL_PREFIX
from streamlit_persist.exceptions import ErrorRecord, PersistError

HIDDEN: Final = "hidden (encrypted)"
NOT_STORED: Final = "not stored"
_REPR: Final = reprlib.Repr()  # a value is shown in one short cell
_REPR.maxstring = _REPR.maxother = 60


@dataclass(frozen=True)
class Holdings:
    """What one ``persist()`` knows about its stored entries (``Persisted._holdings`` builds it)."""

    key: str  # persist(key=...): names the widgets
    hydrated: bool  # False: storage has not answered yet, so nothing is known about it
    namespace: str
    location: str  # "local", "session", "server (user)" or "server (app)"
    tokens: Mapping[str, str]  # slot -> the token storage holds
    sizes: Mapping[str, int]  # slot -> characters in storage (key included)
    in_cookie: frozenset[str]  # slots the boot cookie carries too
    restored_from: Mapping[str, str]  # p.restored_from
    unstored: Sequence[str]  # persisted keys in session state with nothing stored (a widget at its default)
    errors: Sequence[ErrorRecord]
    open: Callable[[str, str], Opened]  # opens a token of a slot; PersistError if it cannot
    forget: Callable[[Iterable[str] | None], None]  # p.clear


def rows(holdings: Holdings, *, show_values: bool, now: float) -> list[dict[str, Any]]:
    """One row per stored key, then the persisted keys that store nothing; sorted by key."""
    problems: dict[str | None, list[str]] = {}
    for record in holdings.errors:
        kinds = problems.setdefault(record.key, [])
        if record.kind not in kinds:
            kinds.append(record.kind)
    table = [
        _stored_row(holdings, slot, token, problems.get(slot, []), show_values, now)
        for slot, token in sorted(holdings.tokens.items())
    ]
    table += [
        _row(
            slot, NOT_STORED, None, "", "", False, holdings.restored_from.get(slot, ""), "", problems.get(slot, [])
        )
        for slot in sorted(holdings.unstored)
    ]
    return table


def _stored_row(
    holdings: Holdings, slot: str, token: str, kinds: list[str], show_values: bool, now: float
) -> dict[str, Any]:
    encrypted = token.split(".", 2)[1:2] == ["e"]
    where = holdings.location + (" + cookie" if slot in holdings.in_cookie else "")
    written = expires = ""  # blank, not "None", where the token cannot say
    value = HIDDEN if encrypted and not show_values else ""
    try:
        opened = holdings.open(slot, token)
    except PersistError as error:  # kept in the mirror but unreadable now: say why, show no times
        kinds = [*kinds, error.kind] if error.kind not in kinds else kinds
    else:
        written = f"{_span(now - opened.issued_at)} ago"
        expires = "never" if opened.expires_at is None else f"in {_span(opened.expires_at - now)}"
        if value != HIDDEN:
            value = _shown(opened)
    size = holdings.sizes.get(slot)
    return _row(slot, where, size, written, expires, encrypted, holdings.restored_from.get(slot, ""), value, kinds)


def _row(
    slot: str,
    where: str,
    size: int | None,
    written: str,
    expires: str,
    encrypted: bool,
    restored: str,
    value: str,
    kinds: list[str],
) -> dict[str, Any]:
    return {
        "key": slot,
        "stored in": where,
        "characters": size,
        "written": written,
        "expires": expires,
        "encrypted": encrypted,
        "restored from": restored,
        "value": value,
        "problems": ", ".join(kinds),
    }


def _shown(opened: Opened) -> str:
    try:
        value = opened.value()
    except PersistError as error:
        return f"unreadable ({error.kind})"
    try:
        return _REPR.repr(value)
    except Exception:  # a registered codec's type whose __repr__ fails: never break the panel
        return f"<{type(value).__name__}>"


def _span(seconds: float) -> str:
    """A duration as its largest whole unit: "42 s", "5 min", "3 h", "12 d"."""
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def render(holdings: Holdings, *, show_values: bool) -> None:
    """The panel: a table of keys, the problems seen, and the forget buttons."""
    if not holdings.hydrated:
        st.caption(f"`persist(key={holdings.key!r})`: storage has not answered yet; its contents show after it does.")
        return
    base = f"{INTERNAL_PREFIX}/inspector/{holdings.key}"
    table = rows(holdings, show_values=show_values, now=time.time())
    total = sum(holdings.sizes.values())
    st.caption(
        f"`persist(key={holdings.key!r})`: {len(holdings.tokens)} stored in {holdings.location} "
        f"({total:,} characters) under the namespace `{holdings.namespace}`"
    )
    if table:
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(
            "As stored when this run started: what code changes later in the run is stored when the run ends. "
            "*not stored*: a widget at its default, which stores nothing."
        )
    else:
        st.info("Nothing stored yet.")
    if holdings.errors:
        st.dataframe(
            [{"problem": e.kind, "key": e.key or "", "message": e.message} for e in holdings.errors],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No problems seen this session.")
    stored = sorted(holdings.tokens)
    if not stored:
        return
    # Stacked, not in columns: in a sidebar or a dialog, columns cut the buttons' labels to "F…".
    slot = st.selectbox("Stored key", stored, key=base + "/pick")
    if slot is not None:
        st.button(f"Forget {slot}", key=base + "/forget", on_click=holdings.forget, args=([slot],))
    st.button("Forget all", key=base + "/forget_all", on_click=holdings.forget, args=(None,))
    st.caption(
        "Forgetting removes the stored value (and its copy in the boot cookie); this session keeps "
        "showing its current value and stores it again only once it changes, so a reload shows the default."
    )
