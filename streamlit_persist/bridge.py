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
PROTOCOL_VERSION: Final = 1
MESSAGE_EVENT: Final = "message"

StorageKind = Literal["local", "session"]


class BootCheck(TypedDict):
    """Python restored from the boot cookie whose storage hash was ``h``."""

    req: str
    h: str


class CookieSpec(TypedDict):
    name: str
    budget: int  # characters of the cookie value at most; over it, a "too large" marker
    maxAge: int


class PersistData(TypedDict):
    """Python -> browser, sent with every mount."""

    v: int
    prefix: str  # storage key prefix: "sp:<namespace>:"
    storage: StorageKind
    sid: str  # this Python session; a new one means the browser must answer afresh
    hydrate: str | None  # request id: read every entry under prefix and send it back
    boot: BootCheck | None  # answer ``hydrate`` (with this req) only if storage differs
    rev: int  # +1 with every message that carries writes; a gap means one was missed
    full: bool  # writes hold every entry: remove the others under prefix
    writes: dict[str, str | None]  # slot -> token; None removes the entry
    cookie: CookieSpec | None  # keep the boot cookie in step with storage
    sync: bool  # report storage changes made by other tabs


class Failure(TypedDict):
    slot: str
    kind: Literal["quota", "storage"]
    message: str


class Hydration(TypedDict):
    req: str
    entries: dict[str, str]


class PersistMessage(TypedDict):
    """Browser -> Python, one trigger per event (each trigger costs one script run)."""

    sid: str
    hydrate: NotRequired[Hydration]
    failures: NotRequired[list[Failure]]
    resync: NotRequired[bool]
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


def preload(key: str) -> None:
    """Start loading the browser module at the top of a page load's first run.

    On a return visit the bridge is first mounted when the run ends; its module then
    loads while the page is already shown, and a reload in that window would lose that
    run's writes. An empty instance mounted early has the module ready by then.
    """
    with st._event:
        _mount_function()(key=f"{key}-preload", data=None)


def received_message(key: str) -> object:
    """The trigger payload that started this run (hostile input: validate before use)."""
    state = st.session_state.get(key)
    if isinstance(state, dict):
        return state.get(MESSAGE_EVENT)
    return getattr(state, MESSAGE_EVENT, None)
