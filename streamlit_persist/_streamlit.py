"""Every use of Streamlit internals, guarded, in one place.

Streamlit has no public "run finished" hook and no public way to ask which kind of
widget owns a key. Each function here degrades to a safe answer when the internals
move (a Streamlit upgrade makes persistence slower or less precise, never broken).
Supported: Streamlit 1.59.2 and later (docs/streamlit-versions.md). Each use says the
releases it was checked on; "checked: 1.59.2, 1.64, 1.67" means by ``make test-matrix``,
which runs the unit suite and the browser smoke tests on each. Where an internal is
missing, ``_missing`` warns once per process with what degrades.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import json
import logging
import re
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final, Generic, Protocol, TypeVar

from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext, get_script_run_ctx

from streamlit_persist import _codec

_LOGGER: Final = logging.getLogger("streamlit_persist")

_hooks: weakref.WeakKeyDictionary[Any, list[Callable[[], None]]] = weakref.WeakKeyDictionary()
_fragment_hooks: weakref.WeakKeyDictionary[Any, dict[str, Callable[[], None]]] = weakref.WeakKeyDictionary()
_hooks_lock = threading.Lock()
_warned: set[str] = set()


def _missing(internal: str, degrades: str) -> None:
    """Log once per process that this Streamlit lacks ``internal``, and what degrades."""
    with _hooks_lock:
        if internal in _warned:
            return
        _warned.add(internal)
    import streamlit

    _LOGGER.warning("streamlit-persist: Streamlit %s lacks %s: %s", streamlit.__version__, internal, degrades)


def run_context() -> ScriptRunContext | None:
    """The current script run's context, or None outside a script thread."""
    return get_script_run_ctx(suppress_warning=True)


def run_marker() -> object | None:
    """An object that is new for every script run (the context itself is reused across runs).

    ``ctx.parallel_coordinator`` else ``ctx.cursors``; checked: 1.59.2, 1.64, 1.67.
    """
    ctx = run_context()
    if ctx is None:
        return None
    return getattr(ctx, "parallel_coordinator", None) or ctx.cursors


def on_run_success(callback: Callable[[], None]) -> bool:
    """Call ``callback`` in the script thread once this run's body has finished successfully.

    The call comes before Streamlit tells the browser the run finished, so what it
    renders arrives with this run. Returns False when no hook can be installed (the
    caller then sends what it knows now). Runs stopped by ``st.rerun()`` or errors never
    call it.
    """
    try:
        owner = _hooked_session_or_none() or _hooked_runner()
        if owner is None:
            return False
        with _hooks_lock:
            callbacks = _hooks.setdefault(owner, [])
            if callback not in callbacks:
                callbacks.append(callback)
        return True
    except Exception:  # internals moved: degrade, never break the app
        _LOGGER.debug("streamlit-persist: end-of-run hook unavailable", exc_info=True)
        return False


def on_fragment_success(name: str, callback: Callable[[], None]) -> bool:
    """Also call ``callback`` after every fragment-only run of this session.

    Fragment reruns never execute the script body, so ``persist()`` is not called then.
    """
    try:
        session = _hooked_session()
        if session is None:
            return False
        with _hooks_lock:
            _fragment_hooks.setdefault(session, {})[name] = callback
        return True
    except Exception:
        _LOGGER.debug("streamlit-persist: fragment hook unavailable", exc_info=True)
        return False


def _hooked_session_or_none() -> Any:
    try:
        return _hooked_session()
    except Exception:  # no AppSession here (AppTest) or its internals moved
        _LOGGER.debug("streamlit-persist: session hook unavailable", exc_info=True)
        return None


def _hooked_session() -> Any:
    """This run's AppSession, with our receivers placed in front of its runner-event handler
    and of its rerun requests.

    AppSession connects ``_on_scriptrunner_event`` to every ScriptRunner it creates (one
    per rerun) and, on a finished run, queues the "script finished" message; elements
    queued after that message show up a run late. So our receiver wraps that handler.
    Rerun requests pass a run waiting in :func:`take_trigger` first.
    ``Runtime._session_mgr``, ``AppSession._on_scriptrunner_event``, ``AppSession.request_rerun``,
    ``ScriptRunner.on_event``; checked: 1.59.2, 1.64, 1.67.
    """
    from streamlit.runtime import Runtime

    ctx = run_context()
    if ctx is None or not Runtime.exists():
        return None
    info = Runtime.instance()._session_mgr.get_active_session_info(ctx.session_id)
    runner = _current_script_runner()
    if info is None or runner is None:
        return None
    session: Any = info.session
    with _hooks_lock:
        if not getattr(session, "_streamlit_persist_hooked", False):
            original = session._on_scriptrunner_event
            session._on_scriptrunner_event = _session_receiver(session, original)
            session.request_rerun = _rerun_gate(session, session.request_rerun)
            session._streamlit_persist_hooked = True
            # The running runner was connected before the wrapper existed: swap it there too.
            runner.on_event.disconnect(original)
            runner.on_event.connect(session._on_scriptrunner_event, weak=False)
    return session


def _session_receiver(session: Any, original: Callable[..., Any]) -> Callable[..., Any]:
    session_ref = weakref.ref(session)

    def receiver(sender: Any, event: Any = None, **kwargs: Any) -> Any:
        owner = session_ref()
        if owner is not None:
            _dispatch(owner, event)
        return original(sender, event=event, **kwargs)

    return receiver


def _rerun_gate(session: Any, original: Callable[[Any], None]) -> Callable[[Any], None]:
    """``request_rerun`` that hands a waiting :class:`Waiter` the request it takes."""
    session_ref = weakref.ref(session)

    def request_rerun(client_state: Any) -> None:
        waiter = getattr(session_ref(), "_streamlit_persist_waiter", None)
        try:
            if waiter is not None and client_state is not None and waiter.offer(client_state):
                return
        except Exception:
            _LOGGER.debug("streamlit-persist: a rerun request could not be looked at", exc_info=True)
        original(client_state)

    return request_rerun


def _hooked_runner() -> Any:
    """Without an AppSession (``AppTest``), hook the ScriptRunner of this run itself."""
    runner = _current_script_runner()
    if runner is None:
        return None
    with _hooks_lock:
        if not getattr(runner, "_streamlit_persist_hooked", False):
            runner.on_event.connect(_runner_receiver, weak=False)
            runner._streamlit_persist_hooked = True
    return runner


def _runner_receiver(sender: Any, event: Any = None, **_: Any) -> None:
    _dispatch(sender, event)


def _dispatch(owner: Any, event: Any) -> None:
    """Run the end-of-run callbacks of ``owner`` if this event ends a successful run."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunnerEvent

    full = event == ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS
    fragment = event == ScriptRunnerEvent.FRAGMENT_STOPPED_WITH_SUCCESS
    stopped = full or fragment or event in (
        ScriptRunnerEvent.SCRIPT_STOPPED_FOR_RERUN,
        ScriptRunnerEvent.SCRIPT_STOPPED_WITH_COMPILE_ERROR,
    )
    if not stopped:
        return
    with _hooks_lock:
        callbacks = _hooks.get(owner, [])
        pending, callbacks[:] = list(callbacks), []
        if fragment:
            pending = list(_fragment_hooks.get(owner, {}).values())
    if not (full or fragment) or run_context() is None:
        return
    for callback in pending:
        try:
            callback()
        except Exception:
            _LOGGER.exception("streamlit-persist: end-of-run write failed")


def _current_script_runner() -> Any:
    """The ScriptRunner executing this thread (its yield check is a bound method of it).

    ``ScriptRunContext.yield_check``: 1.66, 1.67. Before (checked: 1.59.2, 1.64; in every release
    from 1.55 to 1.67): the runner's yield callback that wraps this run's session state.
    """
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    ctx = run_context()
    if ctx is None:
        return None
    callback = getattr(ctx, "yield_check", None) or getattr(ctx.session_state, "_yield_callback", None)
    if callback is None:
        _missing("ScriptRunContext.yield_check", "changes made below persist() reach storage a run late")
    runner = getattr(callback, "__self__", None)
    if not isinstance(runner, ScriptRunner):
        return None
    thread = getattr(runner, "_script_thread", None)
    if thread is not None and thread is not threading.current_thread():
        return None
    return runner


def assign(key: str, value: Any) -> None:
    """``st.session_state[key] = value`` for a restored value, without the telemetry wrapper.

    That wrapper costs ~0.2 ms a call: 200 ms when 1,000 keys are restored. The same
    checks run (valid key, widget already instantiated); any other failure falls back
    to the public call.

    The value also goes under its user key into the previous runs' state: a page switch
    cleans up widgets before this run's values are carried over, and a persisted widget
    whose value only lived in this run's state would come back with its default on the
    other page. ``require_valid_user_key``, ``SessionState._old_state``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        from streamlit.runtime.state.common import require_valid_user_key
        from streamlit.runtime.state.session_state_proxy import get_session_state
    except ImportError:
        import streamlit as st

        st.session_state[key] = value
        return
    require_valid_user_key(key)
    state = get_session_state()
    state[key] = value
    with contextlib.suppress(Exception):
        state._state._old_state[key] = value


def cookie(name: str) -> str | None:
    """A request cookie of this session's WebSocket connection (run 1 included)."""
    try:
        import streamlit as st

        value = st.context.cookies.get(name)
        return value if isinstance(value, str) else None
    except Exception:
        _LOGGER.debug("streamlit-persist: cookies unavailable", exc_info=True)
        return None


def host() -> str:
    """The host (with port) this session's page was requested from; "" when unknown."""
    try:
        import streamlit as st

        value = st.context.headers.get("host")
        return value.lower() if isinstance(value, str) else ""
    except Exception:
        _LOGGER.debug("streamlit-persist: request headers unavailable", exc_info=True)
        return ""


def server_secret() -> bytes:
    """Streamlit's ``server.cookieSecret``: set by the operator, or random per process.

    Streamlit signs its own cookies with it; a deployment on several replicas sets it alike
    on each (Streamlit's documentation asks for that already).
    """
    from streamlit import config

    secret = config.get_option("server.cookieSecret")
    return str(secret).encode("utf-8")


def main_script_dir() -> Path | None:
    """The directory of the app's main script (None outside a script run).

    ``ctx.main_script_path``; checked: 1.59.2, 1.64, 1.67.
    """
    ctx = run_context()
    return None if ctx is None else Path(ctx.main_script_path).resolve().parent


def user_identity() -> str | None:
    """Who is signed in, for server-side user storage: ``<issuer>|<sub>`` (an email can change)."""
    try:
        import streamlit as st

        user = st.user
        if not user.get("is_logged_in"):
            return None
        sub, issuer = user.get("sub"), user.get("iss")
        if isinstance(sub, str) and sub:
            return f"{issuer if isinstance(issuer, str) else ''}|{sub}"
        email = user.get("email")
        return f"email|{email}" if isinstance(email, str) and email else None
    except Exception:
        _LOGGER.debug("streamlit-persist: st.user unavailable", exc_info=True)
        return None


def default_namespace() -> str:
    """The main script's name (under ``server.baseUrlPath``): two apps on one origin never collide.

    ``ctx.main_script_path``; checked: 1.59.2, 1.64, 1.67.
    """
    import streamlit as st

    ctx = run_context()
    script = Path(ctx.main_script_path).stem if ctx is not None else "app"
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    raw = f"{base}/{script}" if base else script
    return re.sub(r"[^A-Za-z0-9_.\-/]", "_", raw)[:100] or "app"


def signed_in_user() -> str | None:
    """A stable id of the signed-in ``st.user`` (values are bound to it), else None."""
    try:
        import streamlit as st

        user = st.user
        if not user.get("is_logged_in"):
            return None
        for claim in ("sub", "email"):
            value = user.get(claim)
            if isinstance(value, str) and value:
                return f"{claim}:{value}"
    except Exception:
        _LOGGER.debug("streamlit-persist: st.user unavailable", exc_info=True)
    return None


def user_state() -> dict[str, Any]:
    """``st.session_state.to_dict()``, read from session state's own dicts (~5x faster).

    Plain keys are read from the dicts directly; keys of widgets go through session state's
    lookup (which knows which of its values wins). Falls back to ``to_dict()``.
    ``SessionState._old_state``, ``_new_session_state``, ``_key_id_mapper``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        from streamlit.runtime.state.common import is_element_id
        from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

        ctx = run_context()
        if ctx is None:
            raise LookupError("no script run")
        state = ctx.session_state._state
        values = {k: v for k, v in state._old_state.items() if not is_element_id(k)}
        values.update(state._new_session_state)
        for key in list(state._key_id_mapper._key_id_mapping):
            try:
                values[key] = state[key]
            except KeyError:
                values.pop(key, None)
        return {k: v for k, v in values.items() if not k.startswith(STREAMLIT_INTERNAL_KEY_PREFIX)}
    except Exception:
        import streamlit as st

        return st.session_state.to_dict()


def under_app_test() -> bool:
    """True when ``streamlit.testing``'s ``AppTest`` runs this script (or when that cannot be told).

    ``AppTest`` sets ``at.session_state[key]`` from the test's thread, outside any run:
    callers that track changes to session state then look at every key. Checked: 1.59.2, 1.64, 1.67.
    """
    try:
        runner = _current_script_runner()
        return runner is None or type(runner).__module__.startswith("streamlit.testing")
    except Exception:
        return True


class Waiter:
    """A script thread waiting for its component's browser message (see :func:`take_trigger`)."""

    def __init__(
        self,
        *,
        trigger: str,
        base: str,
        event: str,
        page: str,
        query: str,
        unchanged: dict[str, Any],
        accept: Callable[[object], bool],
    ) -> None:
        self.ours = (trigger, base)
        self.event = event
        self.page = page
        self.query = query
        self.unchanged = unchanged  # widget id -> the WidgetState proto the browser sends for it as it is
        self.accept = accept
        self.value: object = None
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._closed = False

    def offer(self, client_state: Any) -> bool:
        """Take ``client_state`` (in the server's thread) if it carries this message and nothing else."""
        with self._lock:
            if self._closed or self.done.is_set():
                return False
            return self._take(client_state)

    def close(self) -> object | None:
        """Stop taking messages; the message taken, if any."""
        with self._lock:
            self._closed = True
            return self.value if self.done.is_set() else None

    def _take(self, client_state: Any) -> bool:
        found, refused = self._answer(client_state)
        if refused:
            _LOGGER.debug("streamlit-persist: a rerun request left for Streamlit: %s", refused)
            return False
        self.value = found
        self.done.set()
        return True

    def _answer(self, client_state: Any) -> tuple[object, str]:
        """The message ``client_state`` carries, or why it is not only that."""
        if client_state.fragment_id or client_state.is_auto_rerun:
            return None, "a fragment's or an automatic rerun"
        if client_state.page_script_hash not in ("", self.page):
            return None, "another page"
        if _sanitized_query(client_state.query_string) != self.query:
            return None, "another query string"
        trigger, base = self.ours
        payload = None
        for widget in client_state.widget_states.widgets:
            if widget.id == trigger and widget.WhichOneof("value") == "json_trigger_value":
                payload = widget.json_trigger_value
            elif widget.id != base and self.unchanged.get(widget.id) != widget:
                return None, f"the widget {widget.id!r} changed"
        if payload is None:
            return None, "no message of this component"
        decoded = json.loads(payload)
        found = [
            item.get("value")
            for item in (decoded if isinstance(decoded, list) else [decoded])
            if isinstance(item, dict) and item.get("event") == self.event
        ]
        if len(found) != 1 or not self.accept(found[0]):
            return None, "not the awaited answer"
        return found[0], ""


def _sanitized_query(query: str) -> str:
    """The query string as AppSession keeps it (``sanitize_query_string``: 1.64, 1.67; 1.59.2 keeps it as sent)."""
    try:
        from streamlit.runtime.state.query_params import sanitize_query_string
    except ImportError:
        return query
    return sanitize_query_string(query)


def take_trigger(key: str, event: str, timeout: float, accept: Callable[[object], bool]) -> object | None:
    """Wait for the browser's ``event`` of the component mounted as ``key`` in this run, and take it.

    A component's message reaches Python as a rerun request: one more script run. While the
    script thread waits here (the server meanwhile sends the mount and reads the answer),
    the session's rerun requests pass through a :class:`Waiter`: one that carries this
    message, nothing else the user did, and a message the caller ``accept``s, is handed to
    this thread instead of starting a run. None when nothing came within ``timeout``
    seconds, when the run is stopped (the message then reruns as usual), without a server
    (``AppTest``) or when an internal differs.

    ``AppSession.request_rerun``, ``ScriptRunContext.script_requests``, ``SessionState._key_id_mapper``
    and ``_new_widget_state``, the trigger id ``$$STREAMLIT_INTERNAL_KEY_<id>__events``; checked: 1.59.2,
    1.64, 1.67.
    """
    try:
        from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

        ctx = run_context()
        session = _hooked_session_or_none()
        if ctx is None or session is None or ctx.script_requests is None:
            return None
        state = ctx.session_state._state
        base = state._key_id_mapper.get_id_from_key(key)
        if base is None:
            return None
        waiter = Waiter(
            trigger=f"$$STREAMLIT_INTERNAL_KEY_{base}__events",
            base=base,
            event=event,
            page=ctx.page_script_hash,
            query=ctx.query_string,
            unchanged=_widget_states_now(state),
            accept=accept,
        )
        session._streamlit_persist_waiter = waiter
        try:
            deadline = time.monotonic() + timeout
            while not waiter.done.wait(0.005):
                if time.monotonic() > deadline or ctx.script_requests._state is not ScriptRequestType.CONTINUE:
                    break
        finally:
            session._streamlit_persist_waiter = None
            taken = waiter.close()
        return taken
    except Exception:
        _missing("AppSession.request_rerun", "restoring what the boot cookie cannot carry takes a second run")
        _LOGGER.debug("streamlit-persist: cannot wait for the browser's answer in this run", exc_info=True)
        return None


def _widget_states_now(state: Any) -> dict[str, Any]:
    """Widget id -> the proto the browser sends for each widget as it is now (this run's
    widgets so far at their values, ``SessionState.get_widget_states``; checked: 1.59.2, 1.64, 1.67),
    else only those the run started with from the browser."""
    try:
        return {proto.id: proto for proto in state.get_widget_states()}
    except Exception:
        from streamlit.runtime.state.session_state import Serialized

        return {wid: s.value for wid, s in state._new_widget_state.states.items() if isinstance(s, Serialized)}


def user_values(keys: Iterable[str]) -> dict[str, Any]:
    """The values of ``keys`` that session state holds (as ``to_dict()`` has them), fast.

    ``SessionState`` dicts; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        ctx = run_context()
        if ctx is None:
            raise LookupError("no script run")
        state = ctx.session_state._state
        widgets = state._key_id_mapper._key_id_mapping
        new, old = state._new_session_state, state._old_state
        values: dict[str, Any] = {}
        for key in keys:
            if key in widgets:
                with contextlib.suppress(KeyError):
                    values[key] = state[key]
            elif key in new:
                values[key] = new[key]
            elif key in old:
                values[key] = old[key]
        return values
    except Exception:
        everything = user_state()
        return {key: everything[key] for key in keys if key in everything}


def widget_keys() -> frozenset[str]:
    """User keys that currently belong to widgets (their state vanishes when unrendered).

    ``SessionState._key_id_mapper``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        ctx = run_context()
        if ctx is None:
            return frozenset()
        return frozenset(ctx.session_state._state._key_id_mapper._key_id_mapping)
    except Exception:
        return frozenset()


def query_param_bound_keys() -> frozenset[str]:
    """Keys of widgets bound with ``bind="query-params"`` (Streamlit keeps them in the URL).

    Both the query-param binding registry (bindings of earlier runs) and the metadata of
    widgets registered in this run are read. Empty when the internals are unavailable.
    ``QueryParams._bindings_by_param``, ``WidgetMetadata.bind``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        ctx = run_context()
        if ctx is None:
            return frozenset()
        state = ctx.session_state._state
        keys = set(state.query_params._bindings_by_param)
        mapping = state._key_id_mapper._key_id_mapping
        metadata = state._new_widget_state.widget_metadata
        for user_key, widget_id in list(mapping.items()):
            meta = metadata.get(widget_id)
            if meta is not None and getattr(meta, "bind", None) == "query-params":
                keys.add(user_key)
        return frozenset(k for k in keys if isinstance(k, str))
    except Exception:
        _LOGGER.debug("streamlit-persist: query-param bindings unavailable", exc_info=True)
        return frozenset()


def page_id() -> str:
    """An id of the page being run (its script hash), so a share link restores only there.

    ``ctx.pages_manager``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        ctx = run_context()
        if ctx is None:
            return "-"
        manager = ctx.pages_manager
        page = manager.intended_page_script_hash or manager.current_page_script_hash
        return str(page or manager.main_script_hash or "-")
    except Exception:
        _LOGGER.debug("streamlit-persist: page id unavailable", exc_info=True)
        return "-"


def page_count() -> int:
    """How many pages the app has (``st.navigation`` or a ``pages/`` folder); 1 when unknown.

    ``PagesManager.get_pages``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        ctx = run_context()
        return 1 if ctx is None else len(ctx.pages_manager.get_pages())
    except Exception:
        _LOGGER.debug("streamlit-persist: page count unavailable", exc_info=True)
        return 1


# --------------------------------------------------------------------------- widgets
#
# Checked: 1.59.2, 1.64, 1.67. Every keyed widget call goes through two points:
# ``policies.check_session_state_rules`` (with ``writes_allowed=False`` for the widgets whose
# value session state may never hold: buttons, uploaders, chat input, data editor, ...) and
# ``SessionState.register_widget`` (with the widget's metadata: serializer, deserializer,
# value type, options). An observer per session sees both, before Streamlit acts on them.


class WidgetObserver(Protocol):
    """What ``watch_widgets`` calls for every keyed widget of one session."""

    def declaring(self, key: str, *, read_only: bool) -> bool:
        """A widget with ``key`` is being declared; True if the value in session state is the observer's.

        Called before Streamlit checks session state (and raises for read-only widgets
        that have a value there): the observer may ``drop_value(key)`` first.
        """
        ...

    def registering(self, widget: Widget) -> None:
        """The widget is about to be registered: its value is resolved right after this."""
        ...


class Widget:
    """One keyed widget being registered: what it accepts, its default, and what to do with its value."""

    __slots__ = ("_keep", "_metadata", "_state", "key")

    def __init__(self, state: Any, metadata: Any, key: str) -> None:
        self._state = state
        self._metadata = metadata
        self._keep = False
        self.key = key

    @property
    def kind(self) -> str:
        """What the widget is called in messages ("number_input", "chat_input", ...)."""
        owner = type(getattr(self._metadata.deserializer, "__self__", None)).__name__
        name = owner.removesuffix("Serde").lstrip("_") or str(self._metadata.value_type)
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    @property
    def holds_a_value(self) -> bool:
        """False for widgets whose value is an event (a click, an upload, a chat message, a selection)."""
        return self._metadata.value_type not in _EVENT_VALUE_TYPES and "selection" not in self.kind

    def current(self, missing: Any) -> Any:
        """The value session state holds for the widget now (``missing`` when none)."""
        try:
            return self._state[self.key]
        except KeyError:
            return missing

    def default(self) -> Any:
        """The value the widget shows when session state holds none (a fresh copy)."""
        return copy.deepcopy(self._metadata.deserializer(None))

    def accepts(self, value: Any) -> bool:
        """Whether the widget shows ``value`` as it is: the gate Streamlit applies to URL values.

        ``SessionState._seed_widget_from_url`` (``bind="query-params"`` widgets) runs untrusted
        values through the widget's own serializer and deserializer, which reject, clamp or
        fall back to the default; then checks options and the selection limit. Here the value
        must also come back unchanged (same value, same type): anything the widget would
        alter, or crash on, is refused.
        """
        metadata = self._metadata
        try:
            wire = metadata.serializer(value)
            if not _wire_type_ok(metadata.value_type, wire):
                return False
            back = metadata.deserializer(copy.deepcopy(wire))
        except Exception:
            return False
        if not _within_options(metadata, back):
            return False
        options = getattr(metadata, "formatted_options", None)
        if options is not None:
            labels = wire if isinstance(wire, list) else [wire] if isinstance(wire, str) else []
            if any(label not in options for label in labels):
                return False
            if len(set(labels)) != len(labels) and not getattr(metadata, "allow_url_duplicates", False):
                return False  # the same option twice: Streamlit's URL gate deduplicates it
        limit = getattr(metadata, "max_array_length", None)
        if isinstance(wire, list) and limit and len(wire) > limit:
            return False
        return _codec.same(back, value)

    def show_default(self) -> Any:
        """Make the widget show its default, and tell the browser (it may show another value).

        Returns the object put into session state.
        """
        value = self._state._new_session_state[self.key] = self.default()
        return value

    def keep_across_pages(self) -> None:
        """Keep the value while the widget is not rendered (Streamlit's ``persist_state="session"``, 1.59)."""
        self._keep = True
        if not hasattr(self._metadata, "persist_state"):
            _missing("WidgetMetadata.persist_state", "persisted widgets lose their value on a page switch")

    def metadata(self) -> Any:
        if self._keep and getattr(self._metadata, "persist_state", "") is None:
            return dataclasses.replace(self._metadata, persist_state="session")
        return self._metadata


def _within_options(metadata: Any, value: Any) -> bool:
    """The option checks older metadata lacks, made from the widget call's own arguments.

    Keyed tabs carry ``formatted_options`` from 1.65 (Streamlit shows the first tab for a
    stale label; session state would keep it); ``FeedbackSerde.num_options`` exists from 1.67
    (before, an index past the options reaches the browser as it is). Checked on 1.59.2, 1.64.
    """
    owner = getattr(metadata.deserializer, "__self__", None)
    kind = type(owner).__name__
    if kind == "_TabsSerde" and getattr(metadata, "formatted_options", None) is None:
        labels = _caller_local("tabs", "tabs")
        if labels is None:
            _missing("the labels of keyed tabs", "a stored label of a tab that is gone stays in session state")
            return True
        return value in list(labels)
    if kind == "FeedbackSerde" and not hasattr(owner, "num_options"):
        style = _caller_local("feedback", "options")
        count = _FEEDBACK_OPTIONS.get(style) if isinstance(style, str) else None
        if count is None:
            _missing("the options of st.feedback", "stored ratings past the first two are dropped")
            count = min(_FEEDBACK_OPTIONS.values())
        return value is None or (type(value) is int and 0 <= value < count)
    return True


_FEEDBACK_OPTIONS: Final = {"thumbs": 2, "faces": 5, "stars": 5}


def _caller_local(function: str, name: str) -> Any:
    """The local ``name`` of the nearest calling Streamlit frame of ``function`` (None if none)."""
    frame = sys._getframe(1)
    for _ in range(40):
        if frame is None:
            return None
        if frame.f_code.co_name == function and str(frame.f_globals.get("__name__", "")).startswith("streamlit."):
            return frame.f_locals.get(name)
        frame = frame.f_back  # type: ignore[assignment]
    return None


_EVENT_VALUE_TYPES: Final = frozenset(
    {"trigger_value", "string_trigger_value", "json_trigger_value", "file_uploader_state_value", "chat_input_value"}
)
_WIRE_TYPES: Final[dict[str, tuple[type[Any], ...]]] = {
    "bool_value": (bool,),
    "int_value": (int,),
    "double_value": (int, float),
    "string_value": (str,),
    "json_value": (str,),
    "bytes_value": (bytes,),
}
_ARRAY_WIRE_TYPES: Final[dict[str, tuple[type[Any], ...]]] = {
    "string_array_value": (str,),
    "int_array_value": (int,),
    "double_array_value": (int, float),
}


def _wire_type_ok(value_type: str, wire: Any) -> bool:
    """Whether ``wire`` is what the widget's WidgetState field holds (bools are not numbers).

    None passes: an empty widget; whether this one may be empty, its deserializer tells.
    """
    if wire is None:
        return True
    if value_type in _ARRAY_WIRE_TYPES:
        kinds = _ARRAY_WIRE_TYPES[value_type]
        return isinstance(wire, list) and all(type(x) in kinds for x in wire)
    kinds = _WIRE_TYPES.get(value_type, ())
    return type(wire) in kinds


_T = TypeVar("_T")

class _Observers(Generic[_T]):
    """The observers of each session, held weakly (each lives in its session's state and dies
    with it). An app may call ``persist()`` more than once (two namespaces, two storages): every
    call's observer sees every widget and state access, and keeps to its own keys.

    Read on every ``st.session_state`` access: reads take no lock (a session's tuple is
    replaced, never changed)."""

    def __init__(self) -> None:
        self._by_session: dict[str, tuple[weakref.ref[_T], ...]] = {}
        self._lock = threading.Lock()

    def add(self, session: str, observer: _T) -> None:
        with self._lock:
            for gone in [s for s, refs in self._by_session.items() if all(r() is None for r in refs)]:
                del self._by_session[gone]
            refs = tuple(r for r in self._by_session.get(session, ()) if r() is not None)
            if not any(r() is observer for r in refs):
                self._by_session[session] = (*refs, weakref.ref(observer))

    def of(self, session: str) -> list[_T]:
        return [o for r in self._by_session.get(session, ()) if (o := r()) is not None]


_observers: _Observers[WidgetObserver] = _Observers()
_patched = False


def watch_widgets(observer: WidgetObserver) -> bool:
    """Show ``observer`` every keyed widget this session declares from now on; False if impossible."""
    try:
        ctx = run_context()
        if ctx is None:
            return False
        _patch_widget_points()
        _observers.add(ctx.session_id, observer)
        return True
    except Exception:
        _LOGGER.warning("streamlit-persist: widget checks unavailable; restored values go unchecked", exc_info=True)
        return False


def drop_value(key: str) -> None:
    """Remove ``key``'s value from session state without Streamlit's widget checks.

    ``SessionState`` dicts; checked: 1.59.2, 1.64, 1.67.
    """
    ctx = run_context()
    if ctx is None:
        return
    state = ctx.session_state._state
    state._new_session_state.pop(key, None)
    state._old_state.pop(key, None)


def user_value(key: str, default: Any) -> Any:
    """The value session state holds under the user key ``key`` (not a widget's own value).

    ``SessionState`` dicts; checked: 1.59.2, 1.64, 1.67.
    """
    ctx = run_context()
    if ctx is None:
        return default
    state = ctx.session_state._state
    if key in state._new_session_state:
        return state._new_session_state[key]
    return state._old_state.get(key, default)


def _patch_widget_points() -> None:
    global _patched
    with _hooks_lock:
        if _patched:
            return
        from streamlit.elements import form
        from streamlit.elements.lib import policies
        from streamlit.runtime.state.session_state import SessionState

        original_check = policies.check_session_state_rules
        original_register = SessionState.register_widget

        @functools.wraps(original_check)
        def check_session_state_rules(default_value: Any, key: str | None, writes_allowed: bool = True) -> None:
            if key is not None and _declaring(key, read_only=not writes_allowed):
                default_value = None  # the value is ours: no "default value and Session State API" warning
            original_check(default_value, key, writes_allowed)

        @functools.wraps(original_register)
        def register_widget(self: Any, metadata: Any, user_key: str | None) -> Any:
            if user_key is not None:
                metadata = _registering(self, metadata, user_key)
            return original_register(self, metadata, user_key)

        policies.check_session_state_rules = check_session_state_rules
        if getattr(form, "check_session_state_rules", None) is original_check:
            setattr(form, "check_session_state_rules", check_session_state_rules)  # noqa: B010  # not re-exported
        SessionState.register_widget = register_widget  # type: ignore[method-assign]
        _patched = True


def _widget_observers(state: Any = None) -> list[WidgetObserver]:
    """This session's observers (``state``, when given, must be this run's session state)."""
    ctx = run_context()
    if ctx is None or (state is not None and ctx.session_state._state is not state):
        return []
    return _observers.of(ctx.session_id)


def _declaring(key: str, *, read_only: bool) -> bool:
    ours = False
    for observer in _widget_observers():
        try:
            ours = observer.declaring(key, read_only=read_only) or ours
        except Exception:
            _LOGGER.warning("streamlit-persist: widget check failed for %r", key, exc_info=True)
    return ours


def _registering(state: Any, metadata: Any, key: str) -> Any:
    observers = _widget_observers(state)
    if not observers:
        return metadata
    try:
        widget = Widget(state, metadata, key)
        for observer in observers:
            observer.registering(widget)
        return widget.metadata()
    except Exception:
        _LOGGER.warning("streamlit-persist: widget registration check failed for %r", key, exc_info=True)
        return metadata


# --------------------------------------------------------------------------- a run that raises
#
# Checked: 1.59.2, 1.64, 1.67 (it is there from 1.58). ``ScriptRunContext.on_script_error``
# (what ``st.App(on_script_error=)`` sets) is called in the script thread with the exception,
# for the script body, fragments and widget callbacks; returning True keeps the exception box
# off the page (the exception is still logged). A run that raised still ends with
# SCRIPT_STOPPED_WITH_SUCCESS; session state's "run without errors" key tells the two apart.


class ErrorObserver(Protocol):
    def raised(self, error: BaseException) -> bool:
        """The run raised ``error``; True if the observer recovered (a rerun is requested)."""
        ...

    def read(self, key: str) -> None:
        """The app read ``st.session_state[key]`` (shown only while ``watch_reads`` is on)."""
        ...

    def wrote(self, key: str) -> None:
        """The app set or deleted ``st.session_state[key]`` (only such keys can have changed)."""
        ...


_readers: _Observers[ErrorObserver] = _Observers()
_reads_wanted: weakref.WeakSet[ErrorObserver] = weakref.WeakSet()  # any session's; empty most of the time
_state_patched = False


def watch_reads(observer: ErrorObserver, on: bool) -> None:
    """Show ``observer`` this session's reads while ``on``; until then a read costs one truth test."""
    if on:
        _reads_wanted.add(observer)
    else:
        _reads_wanted.discard(observer)


def _readers_of_this_session() -> list[ErrorObserver]:
    ctx = run_context()
    return [] if ctx is None else _readers.of(ctx.session_id)


def _patch_state_access() -> None:
    """Route ``st.session_state`` reads, writes and deletions (any spelling) to this session's observer.

    ``SessionStateProxy`` item access; checked: 1.59.2, 1.64, 1.67.
    """
    global _state_patched
    with _hooks_lock:
        if _state_patched:
            return
        from streamlit.runtime.state.session_state_proxy import SessionStateProxy

        get_item, set_item, del_item = (
            SessionStateProxy.__getitem__,
            SessionStateProxy.__setitem__,
            SessionStateProxy.__delitem__,
        )

        @functools.wraps(get_item)
        def getitem(self: Any, key: Any) -> Any:
            value = get_item(self, key)
            if _reads_wanted:
                for observer in _readers_of_this_session():
                    observer.read(str(key))
            return value

        @functools.wraps(set_item)
        def setitem(self: Any, key: Any, value: Any) -> None:
            set_item(self, key, value)
            for observer in _readers_of_this_session():
                observer.wrote(str(key))

        @functools.wraps(del_item)
        def delitem(self: Any, key: Any) -> None:
            del_item(self, key)
            for observer in _readers_of_this_session():
                observer.wrote(str(key))

        SessionStateProxy.__getitem__ = getitem  # type: ignore[method-assign]
        SessionStateProxy.__setitem__ = setitem  # type: ignore[method-assign]
        SessionStateProxy.__delitem__ = delitem  # type: ignore[method-assign]
        _state_patched = True


def watch_errors(observer: ErrorObserver) -> bool:
    """Show ``observer`` this run's uncaught exception first (an app's own handler comes after)."""
    try:
        ctx = run_context()
        if ctx is None:
            return False
        if not hasattr(ctx, "on_script_error"):
            _missing("ScriptRunContext.on_script_error", "recovery from a stored value that makes the app raise is off")
            return False
        _patch_state_access()
        _readers.add(ctx.session_id, observer)
        current = ctx.on_script_error
        if getattr(current, "_streamlit_persist", False):
            return True
        session = ctx.session_id

        def handler(error: BaseException) -> bool | None:
            recovered = False
            for reader in _readers.of(session):  # each holds back its own suspects
                try:
                    recovered = reader.raised(error) or recovered
                except Exception:
                    _LOGGER.warning("streamlit-persist: recovering from the app's exception failed", exc_info=True)
            if recovered:
                return True
            return current(error) if current is not None else None  # type: ignore[arg-type]

        handler._streamlit_persist = True  # type: ignore[attr-defined]
        ctx.on_script_error = handler
        return True
    except Exception:
        _LOGGER.debug("streamlit-persist: error hook unavailable", exc_info=True)
        return False


def run_raised() -> bool:
    """True if the run that just ended raised an uncaught exception (read at its end).

    ``SCRIPT_RUN_WITHOUT_ERRORS_KEY``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        from streamlit.runtime.state.session_state import SCRIPT_RUN_WITHOUT_ERRORS_KEY

        ctx = run_context()
        if ctx is None:
            return False
        return ctx.session_state._state._new_session_state.get(SCRIPT_RUN_WITHOUT_ERRORS_KEY) is False
    except Exception:
        return False


def blamed_widget(error: BaseException, candidates: set[str]) -> str | None:
    """The key of the Streamlit widget call that raised ``error``, if it is one of ``candidates``.

    Reads the ``key`` local of Streamlit's frames; checked: 1.59.2, 1.64, 1.67.
    """
    frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
    for frame in reversed(frames):  # innermost first
        module = str(frame.f_globals.get("__name__", ""))
        key = frame.f_locals.get("key")
        if module.startswith("streamlit.") and isinstance(key, str) and key in candidates:
            return key
    return None


def request_rerun() -> bool:
    """Ask for one more full run of this page, as ``st.rerun()`` would, without stopping this one.

    ``RerunData``, ``ctx.script_requests``; checked: 1.59.2, 1.64, 1.67.
    """
    try:
        from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

        ctx = run_context()
        if ctx is None or ctx.script_requests is None:
            return False
        data = RerunData(
            query_string=ctx.query_string,
            page_script_hash=ctx.page_script_hash,
            cached_message_hashes=ctx.cached_message_hashes,
            context_info=ctx.context_info,
        )
        return bool(ctx.script_requests.request_rerun(data))
    except Exception:
        _LOGGER.debug("streamlit-persist: rerun request unavailable", exc_info=True)
        return False


def widget_keys_this_run() -> frozenset[str]:
    """User keys of the widgets created so far in this run.

    ``ScriptRunContext.shared`` (from 1.59); checked: 1.59.2, 1.64, 1.67.
    """
    try:
        ctx = run_context()
        if ctx is None:
            return frozenset()
        shared = getattr(ctx, "shared", None)
        if shared is None:
            _missing("ScriptRunContext.shared", "a persist() call placed after its widget is not reported")
            return frozenset()
        return frozenset(shared.widget_user_keys_this_run.snapshot())
    except Exception:
        return frozenset()


def page_path() -> str:
    """The page's URL path below ``server.baseUrlPath``, without slashes ("" for the main page).

    Known on a session's first run even in an ``st.navigation`` entrypoint, before the page
    itself is resolved (``st.context.url``; the query string is not part of it).
    """
    try:
        from urllib.parse import urlsplit

        import streamlit as st

        path = urlsplit(st.context.url or "").path.strip("/")
        base = str(st.get_option("server.baseUrlPath") or "").strip("/")
        if base and (path == base or path.startswith(base + "/")):
            path = path[len(base) :].strip("/")
        return path
    except Exception:
        _LOGGER.debug("streamlit-persist: page URL unavailable", exc_info=True)
        return ""


# --------------------------------------------------------------------------- other sessions
#
# Checked on Streamlit 1.56 to 1.67 (docs/streamlit-versions.md) and by the browser tests on
# 1.67: each AppSession runs on the server's event loop; a rerun request
# from another thread goes through that loop, with the session's last client state (what
# Streamlit itself does when a source file changes).

RERUN_DELAY_SECONDS: Final = 0.03  # changes arriving within this window cost one rerun
PUSH_INTERVAL_SECONDS: Final = 0.3  # a session is rerun by others' changes at most this often
_pending_reruns: set[str] = set()
_last_push: dict[str, float] = {}  # session -> when others' changes last reran it (monotonic)
_pending_lock = threading.Lock()


def push_delay(last: float | None, now: float) -> float:
    """How long to wait before rerunning a session for others' changes.

    A burst of changes (a user clicking away, many users at once) costs each other session
    about three runs a second, not one per change; a lone change waits only the short window.
    """
    if last is None:
        return RERUN_DELAY_SECONDS
    return max(RERUN_DELAY_SECONDS, last + PUSH_INTERVAL_SECONDS - now)


def session_id() -> str | None:
    """This run's session id (None outside a script thread)."""
    ctx = run_context()
    return None if ctx is None else ctx.session_id


def rerun_session(session: str) -> bool:
    """Rerun another session soon, after its current run (coalesced); False when it is gone."""
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return False
        info = Runtime.instance()._session_mgr.get_active_session_info(session)
        if info is None:
            return False
        app_session: Any = info.session
        with _pending_lock:
            if session in _pending_reruns:
                return True
            _pending_reruns.add(session)
            now = time.monotonic()
            for gone in [s for s, at in _last_push.items() if at + PUSH_INTERVAL_SECONDS < now]:
                del _last_push[gone]
            delay = push_delay(_last_push.get(session), now)

        def rerun() -> None:
            active = Runtime.instance()._session_mgr.get_active_session_info(session) is not None
            if active and getattr(app_session, "_scriptrunner", None) is not None:
                # A run is under way (the user's click, say): a rerun now would stop it midway
                # (runner.fastReruns). Wait for it to end.
                app_session._event_loop.call_later(RERUN_DELAY_SECONDS, rerun)
                return
            with _pending_lock:
                _pending_reruns.discard(session)
                if active:
                    _last_push[session] = time.monotonic()
            if active:
                app_session.request_rerun(app_session._client_state)

        app_session._event_loop.call_soon_threadsafe(lambda: app_session._event_loop.call_later(delay, rerun))
        return True
    except Exception:
        _LOGGER.debug("streamlit-persist: could not rerun session %s", session, exc_info=True)
        return False
