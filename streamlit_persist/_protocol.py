"""The wire between Python and the browser module: message types and the component mount.

The browser module (``component/``) stores and returns opaque token strings and never
throws; Python owns codecs, crypto and every decision. Types mirror
``component/protocol.ts``; change both together.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, NotRequired, TypedDict, get_args

import orjson
import streamlit as st

from streamlit_persist._encoding import entries_hash

COMPONENT_NAME: Final = "streamlit-persist.bridge"
PROTOCOL_VERSION: Final = 2
MESSAGE_EVENT: Final = "message"

StorageKind = Literal["local", "session"]


class Adopt(TypedDict):
    """Names to look up in a peer's layout (``_adopt``): those with no entry under the prefix."""

    source: str  # "streamlit-local-storage" or "streamlit-extras"
    names: list[str]


class Check(TypedDict):
    """Python's claim about the entries ``select`` matches: answer when ``h`` is None or differs.

    With ``adopt``, also answer (``adopted``) when a peer holds one of the names storage lacks.
    """

    req: str
    select: str  # a JavaScript regular expression (flag u) over slot names
    h: str | None
    adopt: NotRequired[Adopt]


class Release(TypedDict):
    """Peer keys Python took (``_adopt``): remove them from the peer's layout, after this message's writes.

    A ``stored`` name goes only once storage holds its entry under the prefix (the write
    succeeded); a ``dropped`` one (unreadable, expired, not stored) goes at once.
    """

    source: str
    stored: list[str]
    dropped: list[str]


class CookieSpec(TypedDict):
    name: str
    value: str  # computed and authenticated by Python; "" deletes the cookie
    maxAge: int


class PersistData(TypedDict):
    """Python -> browser, sent with every mount."""

    v: int
    prefix: str  # storage key prefix: "sp:<namespace>:"
    storage: StorageKind
    sid: str  # this Python session; a new one means the browser must answer afresh
    checks: list[Check]  # answered before this message's writes, each at most once
    rev: int  # +1 with every message; the browser skips a write older than one it applied
    base: int  # the newest write this message does not carry: the browser must have applied it
    writes: dict[str, str | None]  # slot -> token; None removes the entry
    cookie: CookieSpec | None  # the boot cookie's next value
    sync: bool  # report storage changes made by other tabs
    release: NotRequired[Release]  # peer keys to remove once taken (persist(adopt=...))


# "unavailable": no storage for this document at all; "partitioned": storage kept apart for
# the site embedding this page (a cross-site frame)
FailureKind = Literal["quota", "storage", "store", "unavailable", "partitioned"]
FAILURE_KINDS: Final[frozenset[str]] = frozenset(get_args(FailureKind))


class Failure(TypedDict):
    slot: str
    kind: FailureKind
    message: str


class Answer(TypedDict):
    req: str
    entries: dict[str, str]
    adopted: NotRequired[dict[str, str]]  # name -> the peer's raw string (check's ``adopt``)


class PersistMessage(TypedDict):
    """Browser -> Python, one trigger per event (each trigger costs one script run)."""

    sid: str
    answers: NotRequired[list[Answer]]
    failures: NotRequired[list[Failure]]
    resync: NotRequired[int]  # every write up to this revision is applied; later ones were missed
    sync: NotRequired[dict[str, str | None]]  # entries another tab changed (None: removed)


def answer(check: Check, held: Mapping[str, str], adopted: Mapping[str, str] | None = None) -> Answer | None:
    """The browser module's answer to ``check`` over ``held`` (slot -> token); None if the claim holds.

    ``adopted`` (name -> raw string) is what a peer holds for the check's ``adopt`` names.
    """
    select = re.compile(check["select"])
    entries = {slot: token for slot, token in held.items() if select.match(slot)}
    if check["h"] is not None and entries_hash(entries) == check["h"] and not adopted:
        return None
    found: Answer = {"req": check["req"], "entries": entries}
    if adopted:
        found["adopted"] = dict(adopted)
    return found


def reply(sid: str, answers: list[Answer], failures: list[Failure]) -> PersistMessage | None:
    """A message to Python, or None when it would carry nothing (each one costs a script run)."""
    message: PersistMessage = {"sid": sid}
    if answers:
        message["answers"] = answers
    if failures:
        message["failures"] = failures
    return message if len(message) > 1 else None


@functools.cache
def _mount_function() -> Callable[..., Any]:
    """Register lazily: a file-backed component can only be declared inside a running app."""
    return st.components.v2.component(COMPONENT_NAME, js="index.js")


def encode(data: Mapping[str, object]) -> bytes:
    """Component data as JSON bytes, which Streamlit forwards untouched.

    Given a dict, Streamlit checks each value for a dataframe, which imports pandas, numpy
    and pyarrow into apps that never use them: ~45,000 more objects for the garbage
    collection Streamlit forces after every run (~25 ms per rerun on the benchmark machine).
    """
    return orjson.dumps(data)


def mount(key: str, data: PersistData, on_message: Callable[[], None]) -> None:
    """Mount the bridge in the event container: no layout space, no iframe."""
    with st._event:
        _mount_function()(key=key, data=encode(data), on_message_change=on_message)


def received_message(key: str) -> object:
    """The trigger payload that started this run (hostile input: validate before use)."""
    state = st.session_state.get(key)
    if isinstance(state, dict):
        return state.get(MESSAGE_EVENT)
    return getattr(state, MESSAGE_EVENT, None)
