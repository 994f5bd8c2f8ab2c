"""Share links in a running app: read a link on the first run, build links, the copy button.

``persist(..., share=[...])`` names the keys a link may carry (deny by default). The
Streamlit-free format lives in :mod:`streamlit_persist._links`; these functions read and
write ``st.session_state`` / ``st.query_params`` and report to a ``Reporter``. A link is
bound to the app (its namespace) and to the page's URL path, which is known on the first
run even in an ``st.navigation`` entrypoint, before the page itself runs.

A short link (``share_url(server=True)``) keeps the same value in the server-side store
under a random 128-bit id, with the link's ttl; the URL carries ``k.<id>`` only. The value
is still signed or encrypted like any link, so the store holds nothing it could alter
undetected.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import streamlit as st
from streamlit.errors import StreamlitAPIException

from streamlit_persist import _codec, _encoding, _envelope, _links, _protocol, _streamlit
from streamlit_persist._keys import INTERNAL_PREFIX, KeySelector, is_internal
from streamlit_persist._options import Options
from streamlit_persist._report import Reporter
from streamlit_persist._stores import open_store
from streamlit_persist.exceptions import PersistError, UsageError

COMPONENT_NAME: Final = "streamlit-persist.share"
DEFAULT_TTL: Final = timedelta(days=7)
WARNING_TEXT: Final = "This share link could not be opened; showing your saved or default values."
_CACHE_SECONDS: Final = 60.0
SERVER_LINK: Final = "k."  # a short link: what follows is an id into the store
LINK_ID_BYTES: Final = 16  # 128 random bits
_LINK_ID: Final = re.compile(r"[A-Za-z0-9_-]{22}")
HELD_MAX_CHARS: Final = 16 * 1024 * 1024  # a short link's stored value; the URL stays short
HELD_MAX_DECOMPRESSED: Final = 32 * 1024 * 1024


def _shared(options: Options) -> KeySelector:
    return KeySelector(options.share or ())


def _may_carry(key: str, shared: KeySelector) -> bool:
    return key in shared and not _links.is_denied(key)


def _context(namespace: str) -> _envelope.Context:
    # Not bound to the signed-in user: a link is made to be opened by someone else.
    return _links.link_context(namespace, _streamlit.page_path())


def _warn() -> None:
    with contextlib.suppress(Exception):  # a warning must never break the app
        st.toast(WARNING_TEXT, icon="⚠️")


# --- opening a link (first run) -----------------------------------------------------------------


def read_link(options: Options, namespace: str, reporter: Reporter) -> dict[str, Any]:
    """The values of the share link in the URL, if any, to apply on the session's first run.

    The parameter leaves the URL (a reload never re-applies a stale link). A bad link is
    reported with a short toast; the app continues with stored or default values. Keys the
    app does not share, and keys of ``bind="query-params"`` widgets, are not returned.
    """
    shared = _shared(options)
    if not shared:
        return {}  # this app shares nothing: the parameter (if any) is not ours
    param = options.share_param
    try:
        raw = st.query_params.get_all(param)
    except Exception:
        return {}
    if not raw:
        return {}
    with contextlib.suppress(KeyError, StreamlitAPIException):
        del st.query_params[param]
    try:
        if len(raw) != 1:
            raise PersistError("link", "the URL holds more than one share link")
        held = raw[0].startswith(SERVER_LINK)
        decoded = _links.decode_link(
            _held_link(raw[0], options) if held else raw[0],
            _context(namespace),
            protector=options.protector("link"),
            max_chars=HELD_MAX_CHARS if held else _links.MAX_PARAM_CHARS,
            max_decompressed=HELD_MAX_DECOMPRESSED if held else _links.MAX_DECOMPRESSED_BYTES,
        )
    except PersistError as error:
        reporter.report("link", f"share link ignored: {error.message}")
        _warn()
        return {}
    bound = _streamlit.query_param_bound_keys()
    values: dict[str, Any] = {}
    for slot, value in decoded.values.items():
        if not _may_carry(slot, shared):
            reporter.report("link", "share link carried a key this app does not share; ignored", slot)
        elif slot not in bound:  # Streamlit restores bound widgets from their own parameter
            values[slot] = value
    return values


def _held_link(param: str, options: Options) -> str:
    """The link value a short link's id stands for, from the store."""
    link_id = param.removeprefix(SERVER_LINK)
    if not _LINK_ID.fullmatch(link_id):
        raise PersistError("link", "link is malformed")
    value = open_store(options.store, _streamlit.main_script_dir()).get_link(link_id)
    if value is None:
        raise PersistError("link", "link has expired or is unknown")
    return value


# --- building links -----------------------------------------------------------------------------


def shared_values(
    options: Options, keys: Sequence[str] | None, skip: Callable[[str, Any], bool], reporter: Reporter
) -> dict[str, Any]:
    """The session-state values a link would carry: shared, storable, not ``skip(key, value)``-ped."""
    shared = _shared(options)
    if not shared:
        raise UsageError("share_url() needs the keys a link may carry: persist(..., share=[...])")
    narrowed: KeySelector | None = None
    if keys is not None:
        names = list(keys) if not isinstance(keys, str) else None
        if names is None or not all(isinstance(k, str) for k in names):
            raise UsageError(f"keys takes a list of keys, e.g. keys=[{keys!r}]")
        for key in names:
            if not _may_carry(key, shared):
                raise UsageError(f"{key!r} is not in persist(share=...); only shared keys may enter a link", key=key)
        narrowed = KeySelector(names)
    bound = _streamlit.query_param_bound_keys()
    values: dict[str, Any] = {}
    state = st.session_state.to_dict()
    for key in shared.select(state):
        value = state[key]
        if is_internal(key) or skip(key, value) or key in bound or not _may_carry(key, shared):
            continue
        if narrowed is not None and key not in narrowed:
            continue
        try:
            _codec.dumps(value)
        except PersistError as error:
            reporter.report(error.kind, f"not shared: {error.message}", key)
            continue
        values[key] = value
    return dict(sorted(values.items()))


def _ttl_seconds(ttl: timedelta | None) -> int | None:
    if ttl is None:
        return None
    if not isinstance(ttl, timedelta) or ttl.total_seconds() < 1:
        raise UsageError(f"ttl must be a timedelta of at least one second (or None), not {ttl!r}")
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


class LinkCache:
    """One link per (state, options) for a minute: the code block and the copy button of one
    run (and of quick reruns) show the same URL even in encrypted mode (random nonce per seal)."""

    def __init__(self) -> None:
        self._entry: tuple[tuple[Any, ...], float, str] | None = None

    def get(self, key: tuple[Any, ...]) -> str | None:
        if self._entry is not None and self._entry[0] == key and time.monotonic() - self._entry[1] < _CACHE_SECONDS:
            return self._entry[2]
        return None

    def put(self, key: tuple[Any, ...], url: str) -> None:
        self._entry = (key, time.monotonic(), url)


def build_url(
    options: Options,
    namespace: str,
    values: dict[str, Any],
    cache: LinkCache,
    *,
    ttl: timedelta | None = DEFAULT_TTL,
    base_url: str | None = None,
    server: bool = False,
    max_chars: int = _links.MAX_URL_CHARS,
) -> str:
    """The share URL for ``values`` (``Persisted.share_url``); ``server``: a short id into the store."""
    ttl_seconds = _ttl_seconds(ttl)
    param = options.share_param
    base, pairs = _base_and_query(base_url, param)
    protector = options.protector("link")
    context = _context(namespace)
    fingerprint = hashlib.sha256(repr(_codec.dumps(values)).encode()).hexdigest()
    cache_key = (fingerprint, ttl_seconds, base, tuple(pairs), param, context, protector, server)
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    value = _links.encode_link(values, context, protector=protector, ttl_seconds=ttl_seconds)
    if server:
        if len(value) > HELD_MAX_CHARS:
            raise PersistError(
                "too_large", f"the shared state takes {len(value):,} characters (limit {HELD_MAX_CHARS:,})"
            )
        link_id = _encoding.b64encode(secrets.token_bytes(LINK_ID_BYTES))
        expires = None if ttl_seconds is None else int(time.time()) + ttl_seconds
        open_store(options.store, _streamlit.main_script_dir()).put_link(link_id, value, expires)
        value = SERVER_LINK + link_id
    url = _join(base, pairs, param, value)
    if len(url) > max_chars:
        largest = list(_links.key_sizes(values).items())[:3]
        named = ", ".join(f"{k!r} (~{n:,} characters)" for k, n in largest) or "none"
        raise PersistError(
            "too_large",
            f"the share link would be {len(url):,} characters, over the limit of {max_chars:,}; "
            f"largest keys: {named}. Share fewer keys with share_url(keys=[...]).",
        )
    cache.put(cache_key, url)
    return url


# --- the copy button ------------------------------------------------------------------------------


@functools.cache
def _mount_function() -> Callable[..., Any]:
    """Register lazily: a file-backed component can only be declared inside a running app."""
    return st.components.v2.component(COMPONENT_NAME, js="share.js")


def mount_button(ident: str, label: str, url: str | None, error: str | None) -> None:
    """The copy button: copies ``url`` in the browser without a rerun (or shows ``error``)."""
    data = {
        "url": url,
        "label": label,
        "copied": "Link copied",
        "failed": "Could not copy the link",
        "error": error,
    }
    key = INTERNAL_PREFIX + "/share-" + hashlib.sha256(ident.encode()).hexdigest()[:12]
    _mount_function()(key=key, data=_protocol.encode(data), height="content", width="content")
