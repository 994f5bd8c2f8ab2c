"""The wire between Python and the browser module: message types and the component mount.

The browser module (``component/``) stores and returns opaque token strings and never
throws; Python owns codecs, crypto and every decision. Types mirror
``component/protocol.ts``; change both together.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from pathlib import Path
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
    value: NotRequired[str]  # the early copy only: the value for the state after this run
    wrote: NotRequired[bool]  # the early copy only: this first run changed a stored value


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


def load_early() -> None:
    """Define the bridge's early copy ahead of :func:`apply_early` (top of a first run).

    Defined while the app still runs, the copy (and Streamlit's ``st.html`` code, which a
    first visit has not cached yet) is ready by the time the run's data comes.
    """
    _run_script(_early_script())


def apply_early(data: PersistData, *, with_code: bool) -> None:
    """Apply ``data`` (the end of a page load's first run) from an inline script too.

    The component module starts loading only after the page's first render (Streamlit
    loads its component runtime first): a reload in those tens of milliseconds would cut
    off the run's writes. The early copy (``component/early.ts``, ~5 KB, at most once per
    page load) is a plain script in ``st.html`` that applies them as the page renders.
    """
    _run_script((_early_script() + ";" if with_code else "") + early_call(data))


def early_call(data: PersistData) -> str:
    """The inline code that hands ``data`` to the early copy (a no-op if it is missing)."""
    payload = orjson.dumps(data).decode("utf-8").replace("<", "\\u003c")  # no "</script>" inside
    return f"window.streamlitPersistEarly&&streamlitPersistEarly.applyEarly({payload})"


def _run_script(code: str) -> None:
    with st._event:  # no layout space
        st.html(f"<script>{code}</script>", unsafe_allow_javascript=True)


@functools.cache
def _early_script() -> str:
    return inlinable((Path(__file__).parent / "frontend" / "early.js").read_text("utf-8"))


def inlinable(code: str) -> str:
    """Built JS as the body of an inline ``<script>``; RuntimeError if it cannot be.

    Control characters are escaped (HTML parsing alters some); minified code holds them
    only inside string literals, where ``\\xNN`` means the same. A "<" before a letter,
    "/" or "!" cannot be allowed: Streamlit's DOMPurify drops such a script.
    """
    if re.search(r"<[\w/!]", code):
        raise RuntimeError("frontend/early.js cannot be inlined: it contains '<' before a letter, '/' or '!'")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"\\x{ord(m.group()):02x}", code.strip())


def received_message(key: str) -> object:
    """The trigger payload that started this run (hostile input: validate before use)."""
    state = st.session_state.get(key)
    if isinstance(state, dict):
        return state.get(MESSAGE_EVENT)
    return getattr(state, MESSAGE_EVENT, None)
