"""Restored values meet their widget: checked the way Streamlit checks URL values, or dropped.

A value restored from storage, a cookie or a share link is hostile or stale input: an app's
v1 stored text where v2 has a number input. Streamlit validates URL values of
``bind="query-params"`` widgets as the widget registers; the gate does the same for every
value ``persist()`` put into session state, the first time its widget registers. A value
the widget would reject never reaches it: the widget shows its default and the gate reports
the key (``invalid``); read-only widgets (buttons, uploaders, ...) never receive one
(``unassignable``).

Should a widget still change a value it took (Streamlit versions differ), ``settling`` lists
the values taken this run and ``persist()`` compares them at the end of the run.

The gate also learns, run by run, what ``persist()`` needs from widgets: each selected
widget's default (an untouched widget is never stored) and which keys are read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from streamlit_persist import _streamlit
from streamlit_persist.exceptions import ErrorKind

Reject = Callable[[str, ErrorKind, str], None]
_MISSING: Final = object()
READ_ONLY_MESSAGE: Final = (
    "a read-only widget owns this key (a button, an uploader, a data editor, a selection, ...): "
    "Streamlit never lets session state set it, so it is not persisted"
)


class WidgetGate:
    """The widget observer of one session (``_streamlit.watch_widgets``)."""

    def __init__(self, selected: Callable[[str], bool], reject: Reject, named: Callable[[str], bool]) -> None:
        self._selected = selected
        self._reject = reject
        self._named = named  # the app listed this key by name: refusing it deserves a record
        self._unchecked: dict[str, Any] = {}  # slot -> the object persist() put into session state
        self._resets: set[str] = set()
        # slot -> the default the gate put into session state, until a run completes (a rerun
        # after a raise would otherwise see it as the app's own Session State write)
        self._shown: dict[str, Any] = {}
        # Read-only keys, learned two ways and kept apart: a widget declared so (writes_allowed
        # False), and a widget whose value is an event (learned as it registers, after it
        # declared itself writable). One set would lose the key between the two calls, where
        # another script thread (fastReruns) may be staging it.
        self._declared_read_only: set[str] = set()
        self._event_valued: set[str] = set()
        self.defaults: dict[str, Any] = {}  # each selected widget's default when last registered
        self.settling: dict[str, Any] = {}  # restored values their widget took this run: kept or changed?

    def new_run(self) -> None:
        self.settling.clear()

    def run_completed(self) -> None:
        self._shown.clear()

    def restored(self, slot: str, value: Any) -> None:
        """``value`` was just put into session state for ``slot``: check it at its widget."""
        self._unchecked[slot] = value
        self._resets.discard(slot)

    def reset(self, slot: str) -> None:
        """``slot``'s value was withdrawn: its widget must show its default (the browser may not)."""
        self._unchecked.pop(slot, None)
        self._resets.add(slot)

    def forget(self, slot: str) -> None:
        self._unchecked.pop(slot, None)
        self._resets.discard(slot)

    def unchecked(self, slot: str) -> bool:
        return slot in self._unchecked

    def read_only(self, key: str) -> bool:
        """A widget owns ``key`` whose value session state can never set (never stored)."""
        return key in self._declared_read_only or key in self._event_valued

    # -- WidgetObserver ----------------------------------------------------------------------

    def declaring(self, key: str, *, read_only: bool) -> bool:
        if not self._selected(key):
            return False
        if read_only:
            self._declared_read_only.add(key)
            ours = self._ours(key)
            if ours or key in self._resets:
                _streamlit.drop_value(key)
            self.forget(key)
            if ours or self._named(key):
                self._reject(key, "unassignable", READ_ONLY_MESSAGE)
            return False
        self._declared_read_only.discard(key)
        return self._ours(key) or self._holds(self._shown, key)

    def registering(self, widget: _streamlit.Widget) -> None:
        key = widget.key
        if not self._selected(key) or key in self._declared_read_only:
            return
        if not widget.holds_a_value:  # st.chat_input: its value is a message sent, not a state
            self._event_valued.add(key)
            ours = self._ours(key)
            if ours:
                _streamlit.drop_value(key)
            if ours or self._named(key):
                message = f"the value of st.{widget.kind} is an event, not a state: it is not persisted"
                self._reject(key, "unassignable", message)
            self.forget(key)
            return
        self._event_valued.discard(key)
        widget.keep_across_pages()
        if widget.current(_MISSING) is not None:  # None empties some widgets; their default then reads None
            self.defaults[key] = widget.default()
        if key in self._resets:
            self._resets.discard(key)
            self._shown[key] = widget.show_default()
            return
        if not self._ours(key):
            self._unchecked.pop(key, None)
            return
        value = self._unchecked.pop(key)
        if widget.accepts(value):
            self.settling[key] = value
            return
        self._shown[key] = widget.show_default()
        self._reject(key, "invalid", f"the stored {type(value).__name__} does not fit its widget; it shows its default")

    def _ours(self, key: str) -> bool:
        """True while session state still holds the very object persist() put there."""
        return self._holds(self._unchecked, key)

    @staticmethod
    def _holds(put: dict[str, Any], key: str) -> bool:
        expected = put.get(key, _MISSING)
        return expected is not _MISSING and _streamlit.user_value(key, _MISSING) is expected
