"""The wire between Python and the browser module: message types and the component mount.

The browser module (``component/``) stores and returns opaque token strings and never
throws; Python owns codecs, crypto and every decision. Types mirror
``component/protocol.ts``; change both together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, NotRequired, TypedDict

import orjson
import streamlit as st

COMPONENT_NAME: Final = "streamlit-persist.bridge"
PROTOCOL_VERSION: Final = 2
MESSAGE_EVENT: Final = "message"

StorageKind = Literal["local", "session"]


class Check(TypedDict):
    """Python's claim about the entries ``select`` matches: answer when ``h`` is None or differs."""

    req: str
    select: str  # a JavaScript regular expression (flag u) over slot names
    h: str | None


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


class Failure(TypedDict):
    slot: str
    kind: Literal["quota", "storage", "store"]
    message: str


class Answer(TypedDict):
    req: str
    entries: dict[str, str]


class PersistMessage(TypedDict):
    """Browser -> Python, one trigger per event (each trigger costs one script run)."""

    sid: str
    answers: NotRequired[list[Answer]]
    failures: NotRequired[list[Failure]]
    resync: NotRequired[int]  # every write up to this revision is applied; later ones were missed
    sync: NotRequired[dict[str, str | None]]  # entries another tab changed (None: removed)


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
