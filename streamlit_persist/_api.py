"""``sp.persist()``: the one call an app makes; one ``Persisted`` per session and component key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import streamlit as st

from streamlit_persist import _adopt, _streamlit
from streamlit_persist._options import Migrate, Options, Secret, StorageKind, Ttl, key_list
from streamlit_persist._persisted import STATE_PREFIX, Persisted
from streamlit_persist._store import Store
from streamlit_persist.exceptions import UsageError


def persist(
    keys: Sequence[str],
    *,
    storage: StorageKind = "local",
    namespace: str | None = None,
    key: str = "streamlit_persist",
    max_value_bytes: int = 1_000_000,
    max_total_bytes: int = 4_000_000,
    secret: Secret | None = None,
    protect: Literal["encrypt", "sign"] | None = None,
    ttl: Ttl = None,
    version: int = 1,
    migrate: Migrate | None = None,
    boot_cookie_bytes: int = 2048,
    sync_tabs: bool = False,
    share: Sequence[str] | None = None,
    share_param: str = "state",
    store: str | Store | None = None,
    adopt: _adopt.Source | None = None,
) -> Persisted:
    """Keep the given session-state keys in browser storage and restore them on load.

    Call it near the top of the script (or once in the ``st.navigation`` entrypoint),
    before the widgets whose keys it names.

    Parameters
    ----------
    keys : list of str
        Session-state keys or glob patterns (``"filter_*"``), widget keys included;
        ``"!pattern"`` excludes keys the other patterns select.
    storage : "local", "session", "user" or "app"
        ``"local"`` survives browser restarts; ``"session"`` lasts as long as the tab.
        ``"user"`` keeps the values on the server for the signed-in ``st.user`` (any device;
        browser storage while nobody is signed in); ``"app"`` keeps one value per key for
        every session. Other sessions using a server-side key see its changes live.
    namespace : str or None
        Prefix of every storage key. Defaults to one derived from the app's main
        script, so two apps on one origin never see each other's values.
    key : str
        Key of the bridge component; use another one to persist a second namespace.
    max_value_bytes, max_total_bytes : int
        Budgets (in characters of browser storage) checked before every write.
    secret : str, bytes, sp.passphrase(...), sp.Keyring or a list of them
        Protect every stored value with a key derived on the server (it never reaches
        the browser). A list rotates keys: newest first; older ones still decrypt.
    protect : "encrypt" or "sign"
        With a secret: AES-256-GCM (default), or HMAC-SHA256 (readable, unforgeable).
    ttl : timedelta, dict of key pattern to timedelta, or None
        Values expire this long after they were last written.
    version : int
        Schema version of the stored values; bump it when their shape changes.
    migrate : callable(values, stored_version) -> values, or None
        Upgrades values stored under an older version; without it they are dropped.
    boot_cookie_bytes : int
        Budget of the cookie that mirrors small stored states so a return visit restores
        on the first run (no extra run). It travels with every request to the app;
        0 turns it off. Only for ``storage="local"``.
    sync_tabs : bool
        Show a change persisted in one tab in the app's other open tabs (``"local"`` only).
    share : list of str or None
        Keys (or patterns) a share link may carry; nothing else ever enters a link.
        Names that look secret (password, token, ...) are refused.
    share_param : str
        The query parameter that carries a share link.
    store : str, store object or None
        Where ``"user"`` and ``"app"`` values live: ``"sqlite:///path.db"`` or
        ``"redis://host:6379/0"`` (several replicas); by default
        ``STREAMLIT_PERSIST_STORE``, then ``st.secrets["persist"]["store"]``, then
        ``.streamlit/persist.sqlite3`` beside the main script.
    adopt : "streamlit-local-storage", "streamlit-extras" or None
        Move values an app stored with that package: a key listed by name that has no
        stored value here but one in the package's layout is read once (checked like
        stored values), stored here and removed there. See docs/migrating.md.

    Returns
    -------
    Persisted
        Hydration status, restored values and errors of this session.

    Examples
    --------
    >>> import streamlit as st
    >>> import streamlit_persist as sp
    >>> sp.persist(["theme", "name", "filter_*"])
    >>> st.text_input("Name", key="name")  # restored after a reload
    """
    patterns = key_list(keys, "persist")
    options = Options(
        storage=storage,
        namespace=namespace,
        key=key,
        max_value_bytes=max_value_bytes,
        max_total_bytes=max_total_bytes,
        secret=secret,
        protect=protect,
        ttl=ttl,
        version=version,
        migrate=migrate,
        boot_cookie_bytes=boot_cookie_bytes,
        sync_tabs=sync_tabs,
        share=share,
        share_param=share_param,
        store=store,
        adopt=adopt,
    )
    persisted = _session_instance(options, options.namespace or _streamlit.default_namespace())
    persisted._run(patterns)
    return persisted


def _session_instance(options: Options, namespace: str) -> Persisted:
    state_key = STATE_PREFIX + options.key
    existing = st.session_state.get(state_key)
    if isinstance(existing, Persisted):
        if (existing.storage, existing.namespace) != (options.storage, namespace):
            raise UsageError(
                f"persist(key={options.key!r}) is already used with storage={existing.storage!r} and "
                f"namespace={existing.namespace!r}; pass another key= for a second store"
            )
        existing._options = options
        existing._mirror.max_value, existing._mirror.max_total = options.max_value_bytes, options.max_total_bytes
        return existing
    created = Persisted(options, namespace)
    st.session_state[state_key] = created
    return created
