"""The early copy: a page load's first run applied from an inline script, before the module loads.

Streamlit loads a component module only after the page's first render (its component
runtime and Arrow chunks first): a reload in those tens of milliseconds would cut off the
first run's writes. So on a page load whose first run restored from the boot cookie, the
bridge code (``component/early.ts``, ~4.5 KB) and that run's data also go into inline
scripts (``st.html`` in the event container: no layout space), which apply the run as the
page renders. The module, once loaded, finds the run applied.

States of one session's ``EarlyCopy``::

    idle --plan()--> planned --deliver()--> done
              (code up front when a write is likely)   (data, and the code if not up front,
                                                          only when the run writes)

The code goes in at the top of the run when a write is likely (a first visit, or the last
page load's first run changed a restored value): defined sooner, it writes sooner.
Otherwise it comes with the data, and a visit that only restores adds no script (~40 ms of
first render here).
"""

from __future__ import annotations

import enum
import functools
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

import orjson
import streamlit as st

from streamlit_persist._protocol import PersistData

_LOGGER: Final = logging.getLogger("streamlit_persist")
_BUNDLE: Final = Path(__file__).parent / "frontend" / "early.js"


class Stage(enum.Enum):
    IDLE = "idle"
    PLANNED = "planned"
    DONE = "done"


class EarlyCopy:
    """The early copy of one session: planned once, on its first run, delivered at its end."""

    def __init__(self) -> None:
        self.stage = Stage.IDLE
        self.code_loaded = False

    def plan(self, *, write_likely: bool) -> None:
        """This run is a page load's first, restored from the boot cookie: apply its end early."""
        if self.stage is not Stage.IDLE:
            return
        self.stage = Stage.PLANNED
        if write_likely:
            self.code_loaded = _add(lambda: _run_script(_code()))

    def deliver(self, data: PersistData) -> None:
        """The planned run's data: inline it if it writes (a check alone can wait for the module)."""
        if self.stage is not Stage.PLANNED:
            return
        self.stage = Stage.DONE
        if data["writes"]:
            with_code = not self.code_loaded
            _add(lambda: _run_script((_code() + ";" if with_code else "") + call(data)))


def call(data: PersistData) -> str:
    """The inline code that hands ``data`` to the early copy (a no-op if it is missing)."""
    payload = orjson.dumps(data).decode("utf-8").replace("<", "\\u003c")  # no "</script>" inside
    return f"window.streamlitPersistEarly&&streamlitPersistEarly.applyEarly({payload})"


def inlinable(code: str) -> str:
    """Built JS as the body of an inline ``<script>``; RuntimeError if it cannot be.

    Control characters are escaped (HTML parsing alters some); minified code holds them
    only inside string literals, where ``\\xNN`` means the same. A "<" before a letter,
    "/" or "!" cannot be allowed: Streamlit's DOMPurify drops such a script (the build
    refuses such a bundle too: vite.config.ts).
    """
    if re.search(r"<[\w/!]", code):
        raise RuntimeError("frontend/early.js cannot be inlined: it contains '<' before a letter, '/' or '!'")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"\\x{ord(m.group()):02x}", code.strip())


def _add(script: Callable[[], None]) -> bool:
    """Add an inline script; False (logged) if the install lacks the bundle."""
    try:
        script()
    except (OSError, RuntimeError):  # a broken install: the module still applies every run
        _LOGGER.warning("streamlit-persist: the early write path is unavailable", exc_info=True)
        return False
    return True


def _run_script(code: str) -> None:
    with st._event:  # no layout space
        st.html(f"<script>{code}</script>", unsafe_allow_javascript=True)


@functools.cache
def _code() -> str:
    return inlinable(_BUNDLE.read_text("utf-8"))
