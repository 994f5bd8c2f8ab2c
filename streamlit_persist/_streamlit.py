"""Every use of Streamlit internals, guarded, in one place.

Streamlit has no public "run finished" hook and no public way to ask which kind of
widget owns a key. Each function here degrades to a safe answer when the internals
move (a Streamlit upgrade makes persistence slower or less precise, never broken).
Checked against Streamlit 1.67.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any, Final

from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext, get_script_run_ctx

_LOGGER: Final = logging.getLogger("streamlit_persist")

# Widgets whose session-state value Streamlit refuses to have assigned.
_UNASSIGNABLE_VALUE_TYPES: Final = frozenset(
    {"trigger_value", "string_trigger_value", "json_trigger_value", "file_uploader_state_value"}
)
_UNASSIGNABLE_SERDE_HINTS: Final = ("DataEditor", "Selection", "Button", "FileUploader", "Camera", "Audio")

_hooks: weakref.WeakKeyDictionary[Any, list[Callable[[], None]]] = weakref.WeakKeyDictionary()
_fragment_hooks: weakref.WeakKeyDictionary[Any, dict[str, Callable[[], None]]] = weakref.WeakKeyDictionary()
_hooks_lock = threading.Lock()


def run_context() -> ScriptRunContext | None:
    """The current script run's context, or None outside a script thread."""
    return get_script_run_ctx(suppress_warning=True)


def run_marker() -> object | None:
    """An object that is new for every script run (the context itself is reused across runs)."""
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
    """This run's AppSession, with our receiver placed in front of its runner-event handler.

    AppSession connects ``_on_scriptrunner_event`` to every ScriptRunner it creates (one
    per rerun) and, on a finished run, queues the "script finished" message; elements
    queued after that message show up a run late. So our receiver wraps that handler.
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
    """The ScriptRunner executing this thread (its yield check is a bound method of it)."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    ctx = run_context()
    runner = getattr(getattr(ctx, "yield_check", None), "__self__", None)
    if not isinstance(runner, ScriptRunner):
        return None
    thread = getattr(runner, "_script_thread", None)
    if thread is not None and thread is not threading.current_thread():
        return None
    return runner


def assign(key: str, value: Any) -> None:
    """``st.session_state[key] = value`` without the per-call telemetry wrapper.

    That wrapper costs ~0.2 ms a call: 200 ms when 1,000 keys are restored. The same
    checks run (valid key, widget already instantiated); any other failure falls back
    to the public call.
    """
    try:
        from streamlit.runtime.state.common import require_valid_user_key
        from streamlit.runtime.state.session_state_proxy import get_session_state
    except ImportError:
        import streamlit as st

        st.session_state[key] = value
        return
    require_valid_user_key(key)
    get_session_state()[key] = value


def cookie(name: str) -> str | None:
    """A request cookie of this session's WebSocket connection (run 1 included)."""
    try:
        import streamlit as st

        value = st.context.cookies.get(name)
        return value if isinstance(value, str) else None
    except Exception:
        _LOGGER.debug("streamlit-persist: cookies unavailable", exc_info=True)
        return None


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


def unassignable_widget(key: str) -> str | None:
    """Name the kind of widget that owns ``key`` if Streamlit forbids assigning it, else None."""
    try:
        ctx = run_context()
        if ctx is None:
            return None
        state = ctx.session_state._state
        widget_id = state._key_id_mapper.get_id_from_key(key, None)
        if widget_id is None:
            return None
        metadata = state._new_widget_state.widget_metadata.get(widget_id)
        if metadata is None:
            return None
        if metadata.value_type in _UNASSIGNABLE_VALUE_TYPES:
            return _describe(metadata)
        owner = type(getattr(metadata.deserializer, "__self__", None)).__name__
        if any(hint in owner for hint in _UNASSIGNABLE_SERDE_HINTS):
            return _describe(metadata)
    except Exception:
        _LOGGER.debug("streamlit-persist: widget lookup unavailable", exc_info=True)
    return None


def widget_keys() -> frozenset[str]:
    """User keys that currently belong to widgets (their state vanishes when unrendered)."""
    try:
        ctx = run_context()
        if ctx is None:
            return frozenset()
        return frozenset(ctx.session_state._state._key_id_mapper._key_id_mapping)
    except Exception:
        return frozenset()


def _describe(metadata: Any) -> str:
    owner = type(getattr(metadata.deserializer, "__self__", None)).__name__
    return owner.removesuffix("Serde") or str(metadata.value_type)


def query_param_bound_keys() -> frozenset[str]:
    """Keys of widgets bound with ``bind="query-params"`` (Streamlit keeps them in the URL).

    Both the query-param binding registry (bindings of earlier runs) and the metadata of
    widgets registered in this run are read. Empty when the internals are unavailable.
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
    """An id of the page being run (its script hash), so a share link restores only there."""
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
