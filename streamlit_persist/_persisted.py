"""``persist()``: mirror chosen session-state keys into browser storage and restore them.

One ``Persisted`` object lives in each browser session's ``st.session_state``. On the
first run it asks the browser for every stored entry under its namespace (one message,
one extra run); the answer is applied in the component's change callback, before any
widget exists. After that, every successful run ends with a flush: values that changed
are encoded, sealed and sent in that run's component data, so a change reaches storage
with the run that made it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, Literal, Protocol

import streamlit as st
from streamlit.errors import StreamlitAPIException

from streamlit_persist import _boot, _codec, _crypto, _envelope, _options, _protocol, _streamlit
from streamlit_persist._protocol import PersistData, PersistMessage, StorageKind
from streamlit_persist.exceptions import PersistError

_LOGGER: Final = logging.getLogger("streamlit_persist")
STATE_PREFIX: Final = "_streamlit_persist:"
_MAX_UNANSWERED: Final = 3

_REMOVE: Final = "\x00remove"


class Transport(Protocol):
    """Delivers one run's data to the browser (the component, or ``testing.MemoryBrowser``)."""

    def __call__(self, key: str, data: PersistData, on_message: Callable[[], None]) -> PersistMessage | None:
        """Send ``data``; a transport that answers at once returns the browser's reply."""
        ...


def _component_transport(key: str, data: PersistData, on_message: Callable[[], None]) -> None:
    _protocol.mount(key, data, on_message)
    return None


_transport_override: Transport | None = None
_cookies_override: Callable[[str], str | None] | None = None


def set_transport(transport: Transport | None, cookies: Callable[[str], str | None] | None = None) -> None:
    """Route every ``persist()`` through ``transport`` and read cookies from ``cookies``.

    ``None`` restores the real browser. One process-wide seam, for ``testing.MemoryBrowser``.
    """
    global _transport_override, _cookies_override
    _transport_override, _cookies_override = transport, cookies


@dataclass
class _Stored:
    """What Python believes the browser holds for one slot."""

    flag: str
    body: bytes
    token: str
    old_key: bool = False


class Persisted:
    """Handle returned by :func:`persist`: hydration status, restored values, errors.

    Examples
    --------
    >>> import streamlit as st
    >>> import streamlit_persist as sp
    >>> p = sp.persist(["theme", "name", "filter_*"])
    >>> p.wait()  # optional: show nothing until stored values are back
    >>> st.text_input("Name", key="name")
    """

    def __init__(self, key: str, storage: StorageKind, namespace: str, settings: _options.Options) -> None:
        self.key: Final = key
        self.storage: Final = storage
        self.namespace: Final = namespace
        self._options = settings
        self._patterns: list[str] = []
        self._sid = secrets.token_hex(8)
        self._hydrated = False
        self._requests = 0
        self._request_id: str | None = None
        self._restored: dict[str, Any] = {}
        self._errors: list[PersistError] = []
        self._stored: dict[str, _Stored] = {}
        self._values: dict[str, Any] = {}
        self._pending: dict[str, str | None] = {}
        self._widget_backed: set[str] = set()
        self._applied: set[str] = set()
        self._link_slots: set[str] = set()  # restored from a share link: hydration must not override
        # Values not to store until they change: untouched widget defaults, cleared keys.
        # None means "take the value seen at the next flush as the baseline".
        self._unstored: dict[str, tuple[str, bytes] | None] = {}
        self._reported: set[tuple[str, str]] = set()
        self._rev = 0
        self._full_resend = False
        self._first_flush = False
        self._boot_request: str | None = None  # answered only if storage differs from the cookie
        self._boot_hash = ""
        self._boot_sent = False
        self._inbox: list[PersistMessage] = []
        self._early = False  # the next flush is a page load's first: apply it inline as well
        self._early_code = False  # the early copy's code is in the page already
        self._boot_slots: frozenset[str] = frozenset()  # restored from the boot cookie
        self._stored_chars = 0  # sum of stored_sizes, recomputed at each flush
        self._user_cache: tuple[object, str | None] | None = None
        self._run_marker: object = None

    # -- public API -------------------------------------------------------------------------

    @property
    def hydrated(self) -> bool:
        """True once the browser's stored values have been applied (or there were none)."""
        return self._hydrated

    @property
    def restored(self) -> dict[str, Any]:
        """The values restored into ``st.session_state`` this session, by key."""
        return dict(self._restored)

    @property
    def errors(self) -> list[PersistError]:
        """Problems seen this session: corrupt entries, budgets, quota, unsupported types."""
        return list(self._errors)

    @property
    def stored_sizes(self) -> dict[str, int]:
        """Characters each key takes in browser storage, as far as this session knows."""
        return {slot: len(self._storage_key(slot)) + len(s.token) for slot, s in self._stored.items()}

    def wait(self) -> None:
        """Until hydrated, stop this run showing only a small placeholder.

        Call it before any widget is created, so no default flashes and no widget state
        is dropped. The run after hydration continues past it.
        """
        if self._hydrated:
            return
        st.caption("Restoring your session…")
        st.stop()

    def clear(self, keys: Iterable[str] | None = None) -> None:
        """Remove stored values from the browser (all of this namespace, or ``keys``).

        Values in the running session stay as they are, and are stored again only once
        they change.
        """
        if keys is None:
            slots = set(self._stored) | set(self._matching(st.session_state.keys()))
        else:
            slots = set(_options.as_key_list(keys, "clear"))
        for slot in slots:
            self._stored.pop(slot, None)
            self._values.pop(slot, None)
            self._pending[slot] = None
            self._unstored[slot] = None

    # -- hydration ----------------------------------------------------------------------------

    def _on_message(self) -> None:
        """Component callback: runs before the script body of the run the browser started."""
        self._receive(_protocol.received_message(self.key))

    def _receive(self, message: object) -> None:
        if not isinstance(message, dict) or message.get("sid") != self._sid:
            return  # stale (an earlier session) or foreign: nothing to act on
        hydration = message.get("hydrate")
        if isinstance(hydration, dict) and hydration.get("req") == self._request_id:
            entries = hydration.get("entries")
            if not self._hydrated:
                self._hydrate(entries if isinstance(entries, dict) else {})
            elif self._request_id == self._boot_request:  # storage differs from the boot cookie
                self._boot_request = None
                self._resync_from(entries if isinstance(entries, dict) else {}, authoritative=True)
        synced = message.get("sync")
        if isinstance(synced, dict) and self._hydrated:
            self._resync_from(synced, authoritative=False)
        failures = message.get("failures")
        if isinstance(failures, list):
            for failure in failures[:1000]:
                self._browser_failure(failure)
        if message.get("resync") is True:
            self._full_resend = True

    def _hydrate(self, entries: dict[Any, Any]) -> None:
        older: dict[int, dict[str, Any]] = {}
        for slot, token in entries.items():
            if not isinstance(slot, str) or slot in self._link_slots:
                continue
            read = self._open(slot, token)
            if read is None:
                self._pending[slot] = None  # drop it: it can never be read
                continue
            opened, value = read
            if opened.version == self._options.version:
                self._stored[slot] = _Stored(opened.flag, opened.value_json, token, opened.old_key)
                self._values[slot] = value
            elif opened.version < self._options.version:
                older.setdefault(opened.version, {})[slot] = value
            else:  # written by a newer release (the app was rolled back): never misread it
                self._report(
                    PersistError(
                        "dropped",
                        f"stored under schema version {opened.version}, newer than this app's "
                        f"{self._options.version}; left in storage unread",
                        key=slot,
                    )
                )
        for version in sorted(older):
            self._migrate(older[version], version)
        self._hydrated = True
        self._first_flush = True
        for slot in self._matching(self._values):
            self._apply(slot, self._values[slot])

    def _resync_from(self, entries: dict[Any, Any], *, authoritative: bool) -> None:
        """Adopt what storage holds now (another tab wrote it, or the boot cookie was stale).

        ``authoritative``: ``entries`` is all of storage; otherwise only the changed slots.

        Content is compared, not tokens: a value sealed again with a new nonce is no change,
        so two tabs that agree write nothing more.
        """
        if authoritative:
            self._rehydrate(entries)
            return
        for slot, token in entries.items():
            if not isinstance(slot, str) or not self._matches(slot):
                continue
            if token is None:
                self._forget_remotely_removed(slot)
                continue
            read = self._open(slot, token)
            if read is None:
                continue
            opened, value = read
            known = self._stored.get(slot)
            self._stored[slot] = _Stored(opened.flag, opened.value_json, token, opened.old_key)
            if known is not None and (known.flag, known.body) == (opened.flag, opened.value_json):
                continue
            if opened.version != self._options.version:
                continue
            self._values[slot] = value
            self._unstored.pop(slot, None)
            self._apply(slot, value)

    def _rehydrate(self, entries: dict[Any, Any]) -> None:
        """Storage differs from the boot cookie run 1 restored from: storage wins, wholly.

        Values that came only from the cookie (absent, corrupt or tampered in storage) fall
        back to their defaults; bad entries leave storage as on any hydration.
        """
        from_cookie = self._applied - self._link_slots
        self._stored.clear()
        self._values.clear()
        self._hydrate(entries)
        for slot in from_cookie - set(self._values):
            self._restored.pop(slot, None)
            self._applied.discard(slot)
            _drop_from_session(slot)

    def _open(self, slot: str, token: object) -> tuple[_envelope.Opened, Any] | None:
        """Open and decode one stored token; a failure is reported against its key."""
        try:
            opened = _envelope.open_token(token, self._context(slot), protector=self._protector)
            return opened, opened.value()
        except PersistError as error:
            self._report(PersistError(error.kind, error.message, key=slot))
            return None

    def _forget_remotely_removed(self, slot: str) -> None:
        if self._stored.pop(slot, None) is None:
            return
        self._values.pop(slot, None)
        self._unstored[slot] = None
        _drop_from_session(slot)

    def _boot_from_cookie(self) -> _boot.Snapshot | None:
        """Hydrate on the session's first run from the boot cookie: no extra script run.

        No cookie at all means nothing is stored (the browser module writes one whenever
        storage holds something); the browser checks that claim and answers otherwise.
        Returns the snapshot restored from, or None (then storage must be asked).
        """
        if self.storage != "local" or self._options.boot_cookie_bytes == 0:
            return None
        read_cookie = _cookies_override or _streamlit.cookie
        snapshot = _boot.read(read_cookie(_boot.cookie_name(self._storage_key(""))))
        if snapshot is None or snapshot.entries is None:
            return None
        self._requests += 1
        self._request_id = self._boot_request = f"{self._sid}-boot"
        self._boot_hash = snapshot.storage_hash
        self._boot_slots = frozenset(snapshot.entries)
        self._hydrate(snapshot.entries)
        return snapshot

    def _migrate(self, values: dict[str, Any], version: int) -> None:
        """Bring values of an older schema version up to date, all of them or none."""
        migrate = self._options.migrate
        target = self._options.version
        if migrate is None:
            for slot in values:
                self._pending[slot] = None
                self._report(
                    PersistError(
                        "dropped",
                        f"stored under schema version {version}; no migrate= to reach {target}",
                        key=slot,
                    )
                )
            return
        try:
            migrated = migrate(dict(values), version)
            if not isinstance(migrated, dict) or not all(isinstance(k, str) for k in migrated):
                raise TypeError(f"migrate() must return a dict of str keys, not {type(migrated).__name__}")
        except Exception as e:
            _LOGGER.warning("streamlit-persist: migrate() failed for version %s", version, exc_info=True)
            for slot in values:
                self._pending[slot] = None
                self._report(PersistError("dropped", f"migrate() failed from version {version}: {e!r}", key=slot))
            return
        for slot in values:
            if slot not in migrated:
                self._pending[slot] = None  # migrate() dropped it on purpose
        for slot, value in migrated.items():
            self._values[slot] = value  # not in _stored: the next flush rewrites it at this version
            self._report(PersistError("migrated", f"migrated from schema version {version} to {target}", key=slot))

    def _apply(self, slot: str, value: Any) -> None:
        widget = _streamlit.unassignable_widget(slot)
        if widget is not None:
            self._report(_unassignable(slot, widget))
            return
        try:
            _streamlit.assign(slot, value)
        except StreamlitAPIException as e:
            self._report(PersistError("unassignable", str(e), key=slot))
            return
        self._restored[slot] = value
        self._applied.add(slot)

    def _browser_failure(self, failure: object) -> None:
        if not isinstance(failure, dict):
            return
        slot, kind, message = failure.get("slot"), failure.get("kind"), failure.get("message")
        if not isinstance(slot, str) or kind not in ("quota", "storage"):
            return
        text = message[:300] if isinstance(message, str) else "browser storage refused the write"
        if kind == "quota":
            text = f"browser storage is full; the previous stored value was kept ({text})"
        self._report(PersistError(kind, text, key=slot))
        # The attempted value stays the baseline: it is retried only when it changes again.

    # -- every run ----------------------------------------------------------------------------

    def _begin_run(self, patterns: Sequence[str]) -> None:
        marker = _streamlit.run_marker()
        if marker is not self._run_marker or marker is None:
            self._run_marker = marker
            self._patterns = []
        for pattern in patterns:
            if pattern not in self._patterns:
                self._patterns.append(pattern)

    def _reseed(self) -> None:
        """Apply stored values that are missing from session state.

        That is a slot a pattern added on this run matches (a page's own ``persist()``
        call), or a widget value Streamlit dropped while its widget was not rendered.
        """
        present = st.session_state.to_dict()
        for slot in self._matching(self._values):
            if slot in present:
                continue
            if slot not in self._applied:
                self._apply(slot, self._values[slot])
            elif slot in self._widget_backed:
                with contextlib.suppress(StreamlitAPIException):
                    _streamlit.assign(slot, self._values[slot])

    def _request_hydration(self) -> None:
        self._requests += 1
        if self._requests > _MAX_UNANSWERED:
            self._report(PersistError("storage", "the browser did not answer; nothing was restored"))
            self._hydrated = True
            return
        self._request_id = f"{self._sid}-{self._requests}"
        self._send(self._data(hydrate=self._request_id, writes={}))

    def _flush(self) -> None:
        """Send every change since the last flush (called once per successful run)."""
        if not self._hydrated:
            return
        writes = self._collect_writes()
        full, self._full_resend = self._full_resend, False
        if full:  # the browser missed a message: send everything, it drops the rest
            writes = {slot: stored.token for slot, stored in self._stored.items()}
        if writes or full:
            self._rev += 1
        data = self._data(hydrate=None, writes=writes, full=full)
        if self._early:
            self._early = False
            if writes or full:  # only writes can be cut off; a check alone can wait for the module
                with_code = not self._early_code
                self._inline(lambda: _protocol.apply_early(self._with_cookie_value(data), with_code=with_code))
        self._send(data)

    def _plan_early(self, previous_first_run_wrote: bool) -> None:
        """On the boot-cookie path: apply this run's writes early (see ``_protocol.apply_early``).

        The early copy's code goes in up front when a write is likely (a first visit, or the
        last page load's first run changed a restored value): ready sooner, it writes sooner.
        Otherwise it comes only with writes, so a visit that only restores pays nothing
        (~40 ms of first render here).
        """
        self._early = True
        if not self._stored or previous_first_run_wrote:
            self._early_code = self._inline(_protocol.load_early)

    @staticmethod
    def _inline(add_script: Callable[[], None]) -> bool:
        """Add an inline script of the early copy; False (logged) if the install lacks it."""
        try:
            add_script()
        except (OSError, RuntimeError):  # a broken install: the module still applies every run
            _LOGGER.warning("streamlit-persist: the early write path is unavailable", exc_info=True)
            return False
        return True

    def _with_cookie_value(self, data: PersistData) -> PersistData:
        """``data`` with the boot cookie's value for the state after it, for the early copy.

        A page closed right after its first run keeps a cookie in step with storage: the
        module's own (compressed, asynchronous) cookie write may never happen. Skipped when
        the state is far over the budget; if storage differs, the next visit notices.
        """
        spec = data["cookie"]
        if spec is None:
            return data
        entries = {slot: stored.token for slot, stored in self._stored.items()}
        if sum(len(slot) + len(token) for slot, token in entries.items()) > spec["budget"] * _boot.MAX_RATIO:
            return data
        # Changed a restored value (an app that writes on load, unlike a first visit's defaults)?
        wrote = any(slot in self._boot_slots for slot in data["writes"])
        value = _boot.cookie_value(entries, spec["budget"], first_run_wrote=wrote) if entries else ""  # "": delete
        return {**data, "cookie": {**spec, "value": value, "wrote": wrote}}

    def _collect_writes(self) -> dict[str, str | None]:
        writes: dict[str, str | None] = dict(self._pending)
        self._pending.clear()
        state = st.session_state.to_dict()  # one snapshot: each proxy lookup takes a lock
        present = self._matching(state)
        self._stored_chars = sum(self.stored_sizes.values())  # kept current by each accepted write
        widget_keys = _streamlit.widget_keys()
        if self._first_flush:  # widgets nobody touched keep their code default: store nothing
            self._first_flush = False
            for slot in present:
                if slot in widget_keys and slot not in self._stored and slot not in self._link_slots:
                    self._unstored.setdefault(slot, None)
        for slot in present:
            token = self._encode_if_changed(slot, state[slot])
            if token is not None:
                writes[slot] = None if token is _REMOVE else token
        for slot in self._matching(list(self._stored)):
            if slot not in state and slot not in self._widget_backed:
                writes[slot] = None  # deleted from session state by the app
                self._stored.pop(slot, None)
                self._values.pop(slot, None)
        self._widget_backed = {slot for slot in present if slot in widget_keys} | {
            slot for slot in self._widget_backed if slot not in state
        }
        return writes

    def _encode_if_changed(self, slot: str, value: Any) -> str | None:
        """The token to write for ``slot``, ``_REMOVE``, or None when nothing is to be written."""
        widget = _streamlit.unassignable_widget(slot)
        if widget is not None:
            self._report(_unassignable(slot, widget))
            if self._stored.pop(slot, None) is not None:
                self._values.pop(slot, None)
                return _REMOVE
            return None
        try:
            flag, body = _codec.dumps(value)
        except PersistError as error:
            self._report(PersistError(error.kind, error.message, key=slot))
            return None
        if slot in self._unstored:
            baseline = self._unstored[slot]
            if baseline is None or baseline == (flag, body):
                self._unstored[slot] = (flag, body)
                return None
            del self._unstored[slot]
        known = self._stored.get(slot)
        if known is not None and known.flag == flag and known.body == body and not known.old_key:
            self._values[slot] = value
            return None
        token = _envelope.seal(
            flag,
            body,
            self._context(slot),
            version=self._options.version,
            ttl_seconds=self._ttl_seconds(slot),
            protector=self._protector,
        )
        size = len(self._storage_key(slot)) + len(token)
        if size > self._options.max_value_bytes:
            self._report(_too_large(slot, size, self._options.max_value_bytes, "per-value"))
            return None
        replaced = len(self._storage_key(slot)) + len(known.token) if known is not None else 0
        total = self._stored_chars - replaced + size
        if total > self._options.max_total_bytes:
            self._report(_too_large(slot, total, self._options.max_total_bytes, "total"))
            return None
        self._stored_chars = total
        self._stored[slot] = _Stored(flag, body, token)
        self._values[slot] = value
        return token

    # -- plumbing -----------------------------------------------------------------------------

    def _data(self, *, hydrate: str | None, writes: dict[str, str | None], full: bool = False) -> PersistData:
        check: _protocol.BootCheck | None = None
        if self._boot_request is not None and not self._boot_sent:
            check = {"req": self._boot_request, "h": self._boot_hash}
            self._boot_sent = True
        cookie: _protocol.CookieSpec | None = None
        if self.storage == "local" and self._options.boot_cookie_bytes:
            cookie = {
                "name": _boot.cookie_name(self._storage_key("")),
                "budget": self._options.boot_cookie_bytes,
                "maxAge": self._cookie_max_age(),
            }
        return {
            "v": _protocol.PROTOCOL_VERSION,
            "prefix": self._storage_key(""),
            "storage": self.storage,
            "sid": self._sid,
            "hydrate": hydrate,
            "boot": check,
            "rev": self._rev,
            "full": full,
            "writes": writes,
            "cookie": cookie,
            "sync": self._options.sync_tabs,
        }

    def _cookie_max_age(self) -> int:
        """As long as a single ttl, or the 400 days browsers allow at most (no ttl, per-key ttls)."""
        ttl = self._options.ttl
        if not isinstance(ttl, timedelta):
            return _boot.MAX_AGE_SECONDS
        return min(_boot.MAX_AGE_SECONDS, int(ttl.total_seconds()))

    def _send(self, data: PersistData) -> None:
        transport = _transport_override or _component_transport
        reply = transport(self.key, data, self._on_message)
        if reply is None:
            return
        if data["hydrate"] is not None:
            self._receive(reply)  # answered at once: hydrate before any widget exists
        else:
            self._inbox.append(reply)  # like a browser trigger: handled when the next run starts

    @property
    def _protector(self) -> _envelope.Protector | None:
        return self._protector_for("store")

    def _protector_for(self, purpose: str) -> _envelope.Protector | None:
        """The configured protection for ``purpose`` ("store" or "link"); None without a secret."""
        keyring = self._options.keyring
        if keyring is None:
            return None
        return keyring.protector(purpose, "signed" if self._options.protect == "sign" else "encrypted")

    def _context(self, slot: str) -> _envelope.Context:
        return _envelope.Context("store", self.namespace, slot, self._user())

    def _user(self) -> str | None:
        """The signed-in user, looked up once per run (``st.user`` reads secrets each time)."""
        marker = _streamlit.run_marker()
        if self._user_cache is None or self._user_cache[0] is not marker or marker is None:
            self._user_cache = (marker, _streamlit.signed_in_user())
        return self._user_cache[1]

    def _ttl_seconds(self, slot: str) -> int | None:
        ttl = self._options.ttl
        if ttl is None:
            return None
        if isinstance(ttl, timedelta):
            return max(1, int(ttl.total_seconds()))
        for pattern, duration in ttl.items():
            if fnmatch.fnmatchcase(slot, pattern):
                return max(1, int(duration.total_seconds()))
        return None

    def _storage_key(self, slot: str) -> str:
        return f"sp:{self.namespace}:{slot}"

    def _matching(self, keys: Iterable[object]) -> list[str]:
        """Keys the patterns select, never this bridge's own component or state keys."""
        return [
            k
            for k in keys
            if isinstance(k, str) and k != self.key and not k.startswith(STATE_PREFIX) and self._matches(k)
        ]

    def _matches(self, key: str) -> bool:
        return any(fnmatch.fnmatchcase(key, pattern) for pattern in self._patterns)

    def _report(self, error: PersistError) -> None:
        marker = (error.key or "", error.message)
        if marker in self._reported:
            return
        self._reported.add(marker)
        self._errors.append(error)
        _LOGGER.warning("streamlit-persist: %s", error)

    # -- share links (see streamlit_persist._share) ---------------------------------------------

    @property
    def restored_from(self) -> dict[str, str]:
        """Where each restored key came from: ``"link"`` or ``"storage"``."""
        return {slot: "link" if slot in self._link_slots else "storage" for slot in self._restored}

    def share_url(
        self,
        keys: Sequence[str] | None = None,
        *,
        ttl: timedelta | None = timedelta(days=7),
        base_url: str | None = None,
    ) -> str:
        """The current page's URL with one query parameter carrying the shared keys.

        ``keys`` narrows ``persist(share=...)``; ``base_url`` defaults to ``st.context.url``
        (other query parameters are kept). Raises ``PersistError("too_large")`` over 2,000
        characters, naming the largest keys.
        """
        from streamlit_persist import _share

        return _share.build_share_url(self, keys, ttl=ttl, base_url=base_url)

    def share_button(
        self,
        label: str = "Copy link",
        *,
        keys: Sequence[str] | None = None,
        ttl: timedelta | None = timedelta(days=7),
    ) -> None:
        """A button that copies ``share_url()`` to the clipboard, without a rerun."""
        from streamlit_persist import _share

        _share.share_button(self, label, keys=keys, ttl=ttl)

    def _apply_share_link(self) -> None:
        from streamlit_persist import _share

        _share.apply_link(self)


def persist(
    keys: Sequence[str],
    *,
    storage: StorageKind = "local",
    namespace: str | None = None,
    key: str = "streamlit_persist",
    max_value_bytes: int = 1_000_000,
    max_total_bytes: int = 4_000_000,
    secret: _crypto.SecretInput | None = None,
    protect: Literal["encrypt", "sign"] | None = None,
    ttl: _options.Ttl = None,
    version: int = 1,
    migrate: _options.Migrate | None = None,
    boot_cookie_bytes: int = 2048,
    sync_tabs: bool = False,
    share: Sequence[str] | None = None,
    share_param: str = "state",
) -> Persisted:
    """Keep the given session-state keys in browser storage and restore them on load.

    Call it near the top of the script (or once in the ``st.navigation`` entrypoint),
    before the widgets whose keys it names.

    Parameters
    ----------
    keys : list of str
        Session-state keys or glob patterns (``"filter_*"``), widget keys included.
    storage : "local" or "session"
        ``"local"`` survives browser restarts; ``"session"`` lasts as long as the tab.
    namespace : str or None
        Prefix of every storage key. Defaults to one derived from the app's main
        script, so two apps on one origin never see each other's values.
    key : str
        Key of the bridge component; use another one to persist a second namespace.
    max_value_bytes, max_total_bytes : int
        Budgets (in characters of browser storage) checked before every write.
    secret : str, bytes, sp.passphrase(...) or a list of them
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
    patterns = _options.as_key_list(keys, "persist")
    storage_kind, resolved_namespace, validated = _options.build(
        storage=storage,
        namespace=namespace,
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
    )
    persisted = _session_instance(key, storage_kind, resolved_namespace, validated)
    first_call_this_run = persisted._run_marker is not _streamlit.run_marker()
    while first_call_this_run and persisted._inbox:
        persisted._receive(persisted._inbox.pop(0))
    persisted._begin_run(patterns)
    if not first_call_this_run:
        if persisted.hydrated:
            persisted._reseed()
        return persisted
    if not persisted.hydrated:
        if persisted._requests == 0:  # the session's first run: a share link beats stored values
            persisted._apply_share_link()
            snapshot = persisted._boot_from_cookie()
            if snapshot is not None and _transport_override is None:
                persisted._plan_early(snapshot.first_run_wrote)
        if not persisted.hydrated:
            persisted._request_hydration()  # a transport that answers at once hydrates right here
        if not persisted.hydrated:
            return persisted
    persisted._reseed()
    _streamlit.on_fragment_success(STATE_PREFIX + key, persisted._flush)
    if not _streamlit.on_run_success(persisted._flush):
        persisted._flush()  # no end-of-run hook: later changes go out with the next run
    return persisted


def _session_instance(key: str, storage: StorageKind, namespace: str, settings: _options.Options) -> Persisted:
    state_key = STATE_PREFIX + key
    existing = st.session_state.get(state_key)
    if isinstance(existing, Persisted):
        if (existing.storage, existing.namespace) != (storage, namespace):
            raise PersistError(
                "usage",
                f"persist(key={key!r}) is already used with storage={existing.storage!r} and "
                f"namespace={existing.namespace!r}; pass another key= for a second store",
            )
        existing._options = settings
        return existing
    created = Persisted(key, storage, namespace, settings)
    st.session_state[state_key] = created
    return created


def _drop_from_session(slot: str) -> None:
    """Remove a key whose stored value is gone, so its widget shows its default again."""
    with contextlib.suppress(KeyError, StreamlitAPIException):
        del st.session_state[slot]


def _unassignable(slot: str, widget: str) -> PersistError:
    return PersistError(
        "unassignable",
        f"{widget} values cannot be assigned through st.session_state, so this key is not persisted",
        key=slot,
    )


def _too_large(slot: str, size: int, limit: int, which: str) -> PersistError:
    return PersistError(
        "too_large", f"{size:,} characters exceed the {which} budget of {limit:,}; not stored", key=slot
    )
