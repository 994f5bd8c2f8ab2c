"""Share links in a running app: apply a link on the first run, build links, the copy button.

``persist(..., share=[...])`` names the keys a link may carry (deny by default). The
Streamlit-free encoding lives in :mod:`streamlit_persist._links`; this module reads and
writes ``st.session_state`` / ``st.query_params`` and reports to the ``Persisted`` handle.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import streamlit as st
from streamlit.errors import StreamlitAPIException

from streamlit_persist import _codec, _envelope, _links, _protocol, _streamlit
from streamlit_persist.exceptions import PersistError

if TYPE_CHECKING:
    from streamlit_persist._persisted import Persisted

COMPONENT_NAME: Final = "streamlit-persist.share"
DEFAULT_TTL: Final = timedelta(days=7)
WARNING_TEXT: Final = "This share link could not be opened; showing your saved or default values."
_CACHE_SECONDS: Final = 60.0
_PARAM_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

# One link per (state, options) for a minute: the code block and the copy button of one run
# (and of quick reruns) show the same URL even in encrypted mode (random nonce per seal).
_cache: weakref.WeakKeyDictionary[Persisted, dict[tuple[Any, ...], tuple[float, str]]] = (
    weakref.WeakKeyDictionary()
)


# --- call-time validation (from persist()) -------------------------------------------------------


def check_share_options(share: Sequence[str] | None, share_param: str) -> tuple[str, ...] | None:
    """Validate ``persist(share=..., share_param=...)``; raise ``PersistError("usage")``."""
    if not isinstance(share_param, str) or not share_param or not set(share_param) <= _PARAM_CHARS:
        raise PersistError(
            "usage",
            f"share_param must be a non-empty URL-safe name (letters, digits, - _ . ~), not {share_param!r}",
        )
    if share is None:
        return None
    if isinstance(share, str) or not isinstance(share, Iterable):
        raise PersistError("usage", f"share takes a list of keys, e.g. share=[{share!r}]")
    names = tuple(share)
    for name in names:
        if not isinstance(name, str) or not name:
            raise PersistError("usage", f"share keys must be non-empty strings, got {name!r}")
        if _links.is_denied(name):
            raise PersistError(
                "usage",
                f"share=[{name!r}]: a key whose name looks secret ({_links.DENY_PATTERN}) never enters a "
                "share link; rename the key or leave it out of share",
                key=name,
            )
    return names


# --- helpers -------------------------------------------------------------------------------------


def _share_patterns(p: Persisted) -> tuple[str, ...]:
    return p._options.share or ()


def _shared(key: str, patterns: Iterable[str]) -> bool:
    return not _links.is_denied(key) and any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)


def _context(p: Persisted) -> _envelope.Context:
    # Not bound to the signed-in user: a link is made to be opened by someone else.
    return _links.link_context(p.namespace, _streamlit.page_id())


def _warn() -> None:
    with contextlib.suppress(Exception):  # a warning must never break the app
        st.toast(WARNING_TEXT, icon="⚠️")


# --- opening a link (first run) -----------------------------------------------------------------


def apply_link(p: Persisted) -> None:
    """Apply the share link in the URL, if any, on the session's first run.

    Call before hydration is requested and before any widget exists. The parameter is
    removed from the URL (a reload never re-applies a stale link). Bad links are reported
    in ``p.errors`` with a short toast; the app continues with stored or default values.
    """
    patterns = _share_patterns(p)
    if not patterns:
        return  # this app shares nothing: the parameter (if any) is not ours
    param = p._options.share_param
    try:
        raw = st.query_params.get_all(param)
    except Exception:
        return
    if not raw:
        return
    with contextlib.suppress(KeyError, StreamlitAPIException):
        del st.query_params[param]
    try:
        if len(raw) != 1:
            raise PersistError("link", "the URL holds more than one share link")
        decoded = _links.decode_link(raw[0], _context(p), protector=p._protector_for("link"))
    except PersistError as error:
        p._report(PersistError("link", f"share link ignored: {error.message}"))
        _warn()
        return
    bound = _streamlit.query_param_bound_keys()
    for slot, value in decoded.values.items():
        if not _shared(slot, patterns):
            p._report(
                PersistError("link", "share link carried a key this app does not share; ignored", key=slot)
            )
            continue
        if slot in bound:
            continue  # Streamlit restores bound widgets from their own query parameter
        p._apply(slot, value)
        if slot in p._restored:
            p._link_slots.add(slot)


# --- building links -----------------------------------------------------------------------------


def _selected_values(p: Persisted, keys: Sequence[str] | None) -> dict[str, Any]:
    patterns = _share_patterns(p)
    if not patterns:
        raise PersistError("usage", "share_url() needs the keys a link may carry: persist(..., share=[...])")
    if keys is not None:
        if isinstance(keys, str) or not isinstance(keys, Iterable):
            raise PersistError("usage", f"keys takes a list of keys, e.g. keys=[{keys!r}]")
        keys = list(keys)
        for key in keys:
            if not isinstance(key, str) or not _shared(key, patterns):
                raise PersistError(
                    "usage",
                    f"{key!r} is not in persist(share=...); only shared keys may enter a link",
                    key=str(key),
                )
    bound = _streamlit.query_param_bound_keys()
    values: dict[str, Any] = {}
    for name in list(st.session_state.keys()):
        key = str(name)
        if key == p.key or key.startswith("_streamlit_persist:"):
            continue
        if not _shared(key, patterns) or key in bound:
            continue
        if keys is not None and not any(fnmatch.fnmatchcase(key, k) for k in keys):
            continue
        if _streamlit.unassignable_widget(key) is not None:
            continue  # buttons, uploaders, ...: a link could never restore them
        value = st.session_state[key]
        try:
            _codec.dumps(value)
        except PersistError as error:
            p._report(PersistError(error.kind, f"not shared: {error.message}", key=key))
            continue
        values[key] = value
    return dict(sorted(values.items()))


def _ttl_seconds(ttl: timedelta | None) -> int | None:
    if ttl is None:
        return None
    if not isinstance(ttl, timedelta) or ttl.total_seconds() < 1:
        raise PersistError("usage", f"ttl must be a timedelta of at least one second (or None), not {ttl!r}")
    return int(ttl.total_seconds())


def _base_and_query(base_url: str | None, param: str) -> tuple[str, list[tuple[str, str]]]:
    if base_url is None:
        base = st.context.url or ""
        pairs = [(k, v) for k in st.query_params for v in st.query_params.get_all(k) if k != param]
    else:
        split = urlsplit(base_url)
        base = urlunsplit((split.scheme, split.netloc, split.path, "", ""))
        pairs = [(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if k != param]
    return base, pairs


def _join(base: str, pairs: list[tuple[str, str]], param: str, value: str) -> str:
    split = urlsplit(base)
    query = urlencode([*pairs, (param, value)])
    return urlunsplit((split.scheme, split.netloc, split.path or "/", query, ""))


def build_share_url(
    p: Persisted,
    keys: Sequence[str] | None = None,
    *,
    ttl: timedelta | None = DEFAULT_TTL,
    base_url: str | None = None,
    store: _links.LinkStore | None = None,
    max_chars: int = _links.MAX_URL_CHARS,
) -> str:
    """``Persisted.share_url``; ``store`` is the seam for server-stored short _links."""
    values = _selected_values(p, keys)
    ttl_seconds = _ttl_seconds(ttl)
    param = p._options.share_param
    base, pairs = _base_and_query(base_url, param)
    protector = p._protector_for("link")
    context = _context(p)
    fingerprint = hashlib.sha256(repr(_codec.dumps(values)).encode()).hexdigest()
    cache_key = (fingerprint, ttl_seconds, base, tuple(pairs), param, context, protector, id(store))
    now = time.monotonic()
    per_handle = _cache.setdefault(p, {})
    hit = per_handle.get(cache_key)
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = _links.encode_link(values, context, protector=protector, ttl_seconds=ttl_seconds)
    if store is not None:
        expires = None if ttl_seconds is None else int(time.time()) + ttl_seconds
        value = store.put(value, expires_at=expires)
    url = _join(base, pairs, param, value)
    if len(url) > max_chars:
        largest = list(_links.key_sizes(values).items())[:3]
        named = ", ".join(f"{k!r} (~{n:,} characters)" for k, n in largest) or "none"
        raise PersistError(
            "too_large",
            f"the share link would be {len(url):,} characters, over the limit of {max_chars:,}; "
            f"largest keys: {named}. Share fewer keys with share_url(keys=[...]).",
        )
    per_handle.clear()  # keep one entry per handle
    per_handle[cache_key] = (now, url)
    return url


# --- the copy button ------------------------------------------------------------------------------


@functools.cache
def _mount_function() -> Callable[..., Any]:
    """Register lazily: a file-backed component can only be declared inside a running app."""
    return st.components.v2.component(COMPONENT_NAME, js="share.js")


def share_button(
    p: Persisted,
    label: str = "Copy link",
    *,
    keys: Sequence[str] | None = None,
    ttl: timedelta | None = DEFAULT_TTL,
) -> None:
    """``Persisted.share_button``: copies the share URL in the browser, no rerun."""
    url: str | None
    error: str | None = None
    try:
        url = build_share_url(p, keys, ttl=ttl)
    except PersistError as e:
        if e.kind == "usage":
            raise
        p._report(e)
        url, error = None, e.message
    named = None if keys is None else list(keys)
    ident = hashlib.sha256(repr((p.key, label, named)).encode()).hexdigest()[:12]
    data = {
        "url": url,
        "label": label,
        "copied": "Link copied",
        "failed": "Could not copy the link",
        "error": error,
    }
    _mount_function()(key=f"sp-share-{ident}", data=_protocol.encode(data), height="content", width="content")
