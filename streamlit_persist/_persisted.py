"""``persist()``: mirror chosen session-state keys into browser storage and restore them.

One ``Persisted`` lives in each browser session's ``st.session_state`` and orchestrates:

- *restore*: on the session's first run, from the boot cookie (no extra run) or by asking
  storage (one extra run); values go into session state before any widget exists, and meet
  their widget at the gate (``_gate``);
- *write*: changes the browser sent with a rerun request are written at the top of that run
  (a slow or interrupted run cannot lose them), changes made by code at its end;
- *check*: every claim Python makes about storage (restored from a cookie, or from what it
  learnt before) travels to the browser, which answers only when storage differs;
- *recover*: a run that raises after values were restored withholds the suspects and reruns
  once; if the app then runs, they are removed from storage and reported.

Messages to the browser carry only what changed; each run mounts the bridge at its top
(key ``key``) and, when the run itself changed something, at its end (``key + "/end"``).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol

import streamlit as st
from streamlit.errors import StreamlitAPIException

from streamlit_persist import _adopt, _boot, _codec, _envelope, _live, _protocol, _share, _streamlit
from streamlit_persist._early import EarlyCopy
from streamlit_persist._encoding import entries_hash
from streamlit_persist._gate import READ_ONLY_MESSAGE, WidgetGate
from streamlit_persist._keys import INTERNAL_PREFIX, KeySelector, is_glob, is_internal, selection
from streamlit_persist._mirror import Mirror
from streamlit_persist._options import SERVER_SCOPES, Options, StorageKind, key_list
from streamlit_persist._outbox import Outbox
from streamlit_persist._protocol import Check, PersistData, PersistMessage, Release
from streamlit_persist._recovery import Recovery
from streamlit_persist._report import LOGGER, Reporter
from streamlit_persist._restore import open_entries
from streamlit_persist._server import ServerSide
from streamlit_persist._store import Space
from streamlit_persist._stores import open_store
from streamlit_persist.exceptions import ErrorKind, ErrorRecord, PersistError, UsageError

if TYPE_CHECKING:
    from streamlit_persist._inspector import Holdings

STATE_PREFIX: Final = INTERNAL_PREFIX + ":"  # + key: this object, kept in session state
_MOUNT_PREFIX: Final = INTERNAL_PREFIX + "/"  # + key: the bridge's mounts (their state is in session state)
END_SUFFIX: Final = "/end"
MERGE_SUFFIX: Final = "/merge"
_MAX_UNANSWERED: Final = 3
# How long a page load's run waits for storage's answer (a round trip and the module's load,
# ~0.1-0.3 s here) before going on without it: the answer then comes with a second run.
ANSWER_WAIT_SECONDS: Final = 1.0
_TYPO_CHECK_RUN: Final = 2  # after this many successful runs, name keys that matched nothing
_MISSING: Final = object()
_named_unmatched: set[tuple[str, str]] = set()  # (namespace, pattern) already warned about


class Transport(Protocol):
    """Delivers one run's data to the browser (the component, or ``testing.MemoryBrowser``)."""

    def __call__(self, key: str, data: PersistData, on_message: Callable[[], None]) -> PersistMessage | None:
        """Send ``data``; a transport that answers at once returns the browser's reply."""
        ...


_transport_override: Transport | None = None
_cookies_override: Callable[[str], str | None] | None = None


def set_transport(transport: Transport | None, cookies: Callable[[str], str | None] | None = None) -> None:
    """Route every ``persist()`` through ``transport`` and read cookies from ``cookies``.

    ``None`` restores the real browser. One process-wide seam, for ``testing.MemoryBrowser``.
    """
    global _transport_override, _cookies_override
    _transport_override, _cookies_override = transport, cookies


class _Sealer:
    """Tokens of one namespace under the current options, bound to the signed-in user."""

    def __init__(self, owner: Persisted) -> None:
        self._owner = owner

    @property
    def version(self) -> int:
        return self._owner._options.version

    def seal(self, slot: str, flag: str, body: bytes) -> str:
        options = self._owner._options
        return _envelope.seal(
            flag,
            body,
            self._owner._context(slot),
            version=options.version,
            ttl_seconds=options.ttl_seconds(slot),
            protector=options.protector("store"),
        )

    def open(self, slot: str, token: str) -> _envelope.Opened:
        protector = self._owner._options.protector("store")
        return _envelope.open_token(token, self._owner._context(slot), protector=protector)


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

    def __init__(self, options: Options, namespace: str) -> None:
        self.key: Final = options.key
        self.storage: Final[StorageKind] = options.storage
        self.namespace: Final = namespace
        self._options = options
        self._sid = secrets.token_hex(8)
        self._reporter = Reporter()
        self._mirror = Mirror(
            f"sp:{namespace}:", _Sealer(self), max_value=options.max_value_bytes, max_total=options.max_total_bytes
        )
        self._gate = WidgetGate(self._covers, self._rejected, lambda key: self._selector.names_literally(key))
        self._early = EarlyCopy()
        self._selector = KeySelector()  # this run's persist() patterns
        self._known = KeySelector()  # every pattern of the session: what storage was asked about
        self._hydrated = False
        self._available = True  # False once the browser says this page has no storage
        self._requests = 0
        self._claims: dict[str, tuple[KeySelector, int]] = {}  # check id -> its slots, the message it went in
        self._written_at: dict[str, int] = {}  # slot -> the message that last wrote it
        self._checks: list[Check] = []  # to send with the next message
        self._restored: dict[str, Any] = {}
        self._from_link: set[str] = set()
        self._adopted: set[str] = set()  # restored from a peer's layout (persist(adopt=...))
        self._releasing: set[str] = set()  # peer keys taken or refused: removed from the peer's layout
        self._recovery = Recovery(lambda on: _streamlit.watch_reads(self, on))
        self._dirty: set[str] = set()  # keys the app set or deleted since the last staging
        self._mutable: set[str] = set()  # selected keys holding values that can change in place
        self._scanned_with = KeySelector()  # the selection of the last staging that saw every key
        self._widget_backed: set[str] = set()
        self._rev = 0
        self._outbox = Outbox()
        self._cookie_sent: str | None = None
        self._cookie_version: tuple[int, bool, int] | None = None
        self._cookie_wrote = False  # this page load's first run changed a value it restored
        self._boot_slots: frozenset[str] = frozenset()
        self._page_load_run = False  # this run is the session's first
        self._inbox: list[PersistMessage] = []
        self._run_marker: object = None
        self._runs = 0
        self._seen: set[str] = set()
        self._user_cache: tuple[object, str | None] | None = None
        self._links = _share.LinkCache()
        self._host = ""
        self._server: ServerSide | None = None  # storage="user" (signed in) or "app": a store's space
        # The sign-in message to the browser, mounted on every run (see _tell_browser).
        self._to_browser: PersistData | None = None

    # -- public API -------------------------------------------------------------------------

    @property
    def hydrated(self) -> bool:
        """True once the browser's stored values have been applied (or there were none)."""
        return self._hydrated

    @property
    def available(self) -> bool:
        """False once the browser said this page has no storage (e.g. a frame on another site).

        Values then live in session state for this session only, and ``errors`` holds one
        ``unavailable`` record. Always True while values live on the server (``storage="user"``
        signed in, ``"app"``).
        """
        return self._server is not None or self._available

    @property
    def restored(self) -> dict[str, Any]:
        """The values restored into ``st.session_state`` this session, by key."""
        return dict(self._restored)

    @property
    def restored_from(self) -> dict[str, str]:
        """Where each restored key came from: ``"link"``, ``"storage"``, or the ``adopt=`` package."""
        return {slot: self._source(slot) for slot in self._restored}

    def _source(self, slot: str) -> str:
        if slot in self._from_link:
            return "link"
        return self._options.adopt if slot in self._adopted and self._options.adopt is not None else "storage"

    @property
    def errors(self) -> list[ErrorRecord]:
        """Problems seen this session (at most 100): corrupt entries, invalid values, budgets, quota, ..."""
        return self._reporter.records

    @property
    def stored_sizes(self) -> dict[str, int]:
        """Characters each key takes in browser storage, as far as this session knows."""
        return self._mirror.sizes()

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
            slots = set(self._mirror.slots()) | set(self._selected(st.session_state.to_dict()))
        else:
            slots = set(key_list(keys, "clear"))
        for slot in slots:
            self._mirror.drop(slot)
            self._gate.forget(slot)
        self._mirror.hold_back(slots)

    def inspector(self, *, show_values: bool = False) -> None:
        """Show every persisted key: where it is stored, its size, age, expiry and problems.

        Renders where it is called (the sidebar, a container, an ``st.dialog``), with buttons
        that forget one stored key or all of them, as :meth:`clear` does. Values of encrypted
        keys are hidden unless ``show_values=True``. Costs nothing when not called. Call it
        once per run for each ``persist()`` object (its widgets are keyed by ``key=``).

        Examples
        --------
        >>> import streamlit as st
        >>> import streamlit_persist as sp
        >>> p = sp.persist(["theme", "name"])
        >>> with st.expander("Stored in this browser"):
        ...     p.inspector()
        """
        from streamlit_persist import _inspector  # only apps that show it load it

        _inspector.render(self._holdings(), show_values=show_values)

    def share_url(
        self,
        keys: Sequence[str] | None = None,
        *,
        ttl: timedelta | None = _share.DEFAULT_TTL,
        base_url: str | None = None,
        server: bool = False,
    ) -> str:
        """The current page's URL with one query parameter carrying the shared keys.

        ``keys`` narrows ``persist(share=...)``; ``base_url`` defaults to ``st.context.url``
        (other query parameters are kept). Raises ``PersistError("too_large")`` over 2,000
        characters, naming the largest keys. ``server=True`` keeps the values in the
        server-side store (``persist(store=...)`` or the default one) and puts only a short
        random id in the URL: any state fits, the URL stays under 100 characters.
        """
        values = _share.shared_values(self._options, keys, self._left_out_of_links, self._reporter)
        return _share.build_url(
            self._options, self.namespace, values, self._links, ttl=ttl, base_url=base_url, server=server
        )

    def share_button(
        self,
        label: str = "Copy link",
        *,
        keys: Sequence[str] | None = None,
        ttl: timedelta | None = _share.DEFAULT_TTL,
        server: bool = False,
    ) -> None:
        """A button that copies ``share_url()`` to the clipboard, without a rerun."""
        url: str | None = None
        error: str | None = None
        try:
            url = self.share_url(keys, ttl=ttl, server=server)
        except UsageError:
            raise
        except PersistError as e:
            self._reporter.error(e)
            error = e.message
        named = None if keys is None else list(keys)
        _share.mount_button(repr((self.key, label, named)), label, url, error)

    def _holdings(self) -> Holdings:
        """What the inspector shows: this session's knowledge of storage, nothing fetched."""
        from streamlit_persist._inspector import Holdings

        tokens = self._mirror.tokens()
        return Holdings(
            key=self.key,
            hydrated=self._hydrated,
            namespace=self.namespace,
            location=self._browser_storage() or f"server ({self.storage})",
            tokens=tokens,
            sizes=self._mirror.sizes(),
            in_cookie=self._cookie_slots(),
            restored_from=self.restored_from,
            unstored=[k for k in self._selected(_streamlit.user_state()) if k not in tokens],
            errors=self.errors,
            open=self._mirror.sealer.open,
            forget=self.clear,
        )

    def _cookie_slots(self) -> frozenset[str]:
        """The slots the boot cookie carries: as last written, else as read on this page load."""
        if self._browser_storage() != "local" or self._options.boot_cookie_bytes == 0:
            return frozenset()
        if self._cookie_sent is None:
            return self._boot_slots
        snapshot = _boot.read(self._cookie_sent or None, _boot.cookie_key(_streamlit.server_secret()), self._binding())
        return frozenset() if snapshot is None or snapshot.entries is None else frozenset(snapshot.entries)

    # -- each run ---------------------------------------------------------------------------

    def _run(self, patterns: list[str]) -> None:
        marker = _streamlit.run_marker()
        if marker is self._run_marker and marker is not None:
            self._add_patterns(patterns)  # a page's own persist() call, later in the run
            return
        self._run_marker = marker
        self._recovery.new_run()
        self._selector = selection(tuple(patterns))
        self._gate.new_run()
        self._require_before_widgets(self._selector.patterns)
        if self._server is not None:
            self._inbox.extend(self._server.take_messages())
        while self._inbox:
            self._receive(self._inbox.pop(0))
        _streamlit.watch_widgets(self._gate)
        _streamlit.watch_errors(self)
        self._page_load_run = self._requests == 0 and not self._hydrated
        if not self._hydrated:
            if self._page_load_run:
                self._first_run()
            if not self._hydrated:
                self._request_hydration()  # a transport that answers at once hydrates right here
            if not self._hydrated:
                return
            if self._page_load_run:
                self._adopt_browser_values()
        else:
            self._restore_new(self._selector)
        self._mount_to_browser()
        if not self._page_load_run:
            self._stage_session_state()  # what the browser sent with this rerun: write it now
            self._send(_MOUNT_PREFIX + self.key)
        _streamlit.on_fragment_success(STATE_PREFIX + self.key, self._end_of_run)
        if not _streamlit.on_run_success(self._end_of_run):
            self._end_of_run()  # no end-of-run hook: later changes go out with the next run

    def _add_patterns(self, patterns: list[str]) -> None:
        grown = self._selector.extend(patterns)
        if grown is self._selector:
            return
        added = [p for p in grown.patterns if p not in self._selector.names]
        self._require_before_widgets(added)
        self._selector = grown
        if self._hydrated:
            self._restore_new(KeySelector(added))

    def _first_run(self) -> None:
        """The session's first run: a share link beats stored values; then the boot cookie."""
        self._host = _streamlit.host()
        if not self._open_server():
            return
        for slot, value in _share.read_link(self._options, self.namespace, self._reporter).items():
            if self._apply(slot, value):
                self._from_link.add(slot)
        snapshot = self._boot_from_cookie()
        if snapshot is not None and _transport_override is None and self._server is None:
            self._early.plan(write_likely=not self._boot_slots or snapshot.first_run_wrote)

    def _open_server(self) -> bool:
        """For ``storage="app"``, and ``"user"`` once signed in: the store's space; False if unreachable.

        Without a signed-in user, ``storage="user"`` keeps the keys in browser storage (``"local"``).
        """
        if self.storage not in SERVER_SCOPES or self._server is not None:
            return True
        owner = "" if self.storage == "app" else _streamlit.user_identity()
        if owner is None:
            return True
        try:
            store = open_store(self._options.store, _streamlit.main_script_dir())
        except PersistError as error:
            self._reporter.error(error)
            self._reporter.flush_log()
            return False
        space = Space(self.namespace, "user" if self.storage == "user" else "app", owner)
        session = _streamlit.session_id()
        self._server = ServerSide(store, space, self._sid, self._options.ttl_seconds, session=session or "")
        if session is not None:
            _live.hub(store).follow(space, session, self._server)
        return True

    def _adopt_browser_values(self) -> None:
        """At sign-in (``storage="user"``): keys the server lacks come from this browser, once.

        What the user chose while signed out is in browser storage; the boot cookie mirrors it
        (or says it is too large: then the browser is asked, one extra run). The server's values
        win; the browser's copy is removed afterwards, so signing out shows no one's values.
        """
        if self._server is None or self.storage != "user" or self._options.boot_cookie_bytes == 0:
            return
        binding = self._binding()
        read_cookie = _cookies_override or _streamlit.cookie
        snapshot = _boot.read(read_cookie(binding.name()), _boot.cookie_key(_streamlit.server_secret()), binding)
        if snapshot is None or snapshot.entries == {}:
            return
        if snapshot.entries is None:
            self._tell_browser({}, ask=True)
            return
        self._merge(snapshot.entries)

    def _merge(self, entries: dict[str, str]) -> None:
        anonymous = self._options.protector("store")
        taken = []
        for slot, token in entries.items():
            if slot in self._mirror or not self._owned(slot, self._selector):
                continue
            context = _envelope.Context("store", self.namespace, slot)  # written signed out: no user
            try:
                restored = _envelope.open_token(token, context, protector=anonymous).value()
            except PersistError:
                continue
            if self._apply(slot, restored):
                taken.append(slot)
        if taken:
            LOGGER.info("streamlit-persist: took %s from the browser at sign-in", ", ".join(sorted(taken)))
        self._tell_browser(dict.fromkeys(entries), delete_cookie=True)

    def _tell_browser(self, writes: dict[str, str | None], *, ask: bool = False, delete_cookie: bool = False) -> None:
        """The message for the browser of a session whose values live on the server.

        :meth:`_mount_to_browser` mounts it on every run: a rerun before the browser module
        loaded would drop a message mounted once, and the browser applies it only once. A
        question (``ask``: what it holds) is repeated until answered; the removal that follows
        for the rest of the session (a reload before it arrived asks again, from the cookie).
        """
        self._rev += 1
        cookie: _protocol.CookieSpec | None = None
        if delete_cookie:
            cookie = {"name": self._binding().name(), "value": "", "maxAge": 0}
        checks: list[Check] = []
        if ask:
            checks.append({"req": self._merge_req(), "select": self._selector.js_source, "h": None})
        self._to_browser = {
            "v": _protocol.PROTOCOL_VERSION,
            "prefix": self._mirror.prefix,
            "storage": "local",
            "sid": self._sid,
            "checks": checks,
            "rev": self._rev,
            "base": 0,  # these are the only messages this browser gets from this session
            "writes": writes,
            "cookie": cookie,
            "sync": False,
        }

    def _merge_req(self) -> str:
        return f"{self._sid}-merge"

    def _mount_to_browser(self) -> None:
        if self._to_browser is None:
            return
        key = _MOUNT_PREFIX + self.key + MERGE_SUFFIX
        transport = _transport_override or _component_transport
        reply = transport(key, self._to_browser, self._listener(key))
        if reply is not None:
            self._inbox.append(reply)

    def _end_of_run(self) -> None:
        """After every run that reached its end (raised or not) and every fragment run.

        A run that raised writes nothing more: what the browser sent was written at its top,
        and state it left half-made must not become the next load's starting point.
        """
        if not self._hydrated:
            return
        raised = _streamlit.run_raised()
        if raised and (not self._recovery.suspects or self._recovery.waiting(_streamlit.run_marker())):
            self._reporter.flush_log()  # nothing held back, or held back just now: the rerun decides
            return
        for slot in self._recovery.settle(raised=raised):
            self._mirror.drop(slot)
            self._reporter.report("quarantined", "the app raised with this restored value; it was removed", slot)
        if raised:
            return
        self._gate.run_completed()
        self._settle_widgets()
        self._stage_session_state()
        self._runs += 1
        if self._runs == _TYPO_CHECK_RUN and _streamlit.page_count() == 1:
            self._name_unmatched()  # on several pages, keys of pages not visited yet match nothing
        self._send(_MOUNT_PREFIX + self.key + END_SUFFIX, end=True)

    # -- restoring --------------------------------------------------------------------------

    def _boot_from_cookie(self) -> _boot.Snapshot | None:
        """Hydrate on the session's first run from the boot cookie: no extra script run.

        The cookie's claim (what storage holds for the selected keys) is checked by the
        browser, which answers only if storage differs. Returns the snapshot, or None
        when storage must be asked.
        """
        if self._browser_storage() != "local" or self._options.boot_cookie_bytes == 0:
            return None
        binding = self._binding()
        read_cookie = _cookies_override or _streamlit.cookie
        snapshot = _boot.read(read_cookie(binding.name()), _boot.cookie_key(_streamlit.server_secret()), binding)
        if snapshot is None or snapshot.entries is None:
            return None
        self._requests += 1
        self._mirror.adopt(snapshot.entries)
        self._boot_slots = frozenset(snapshot.entries)
        self._hydrated = True
        self._known = self._selector
        self._claim(f"{self._sid}-boot", self._selector, known=True)
        self._open_and_apply([slot for slot in self._mirror.slots() if self._owned(slot, self._selector)])
        return snapshot

    def _request_hydration(self) -> None:
        if self.storage in SERVER_SCOPES and not self._open_server():
            return  # the store is unreachable: ask again next run, never write over what it holds
        self._requests += 1
        if self._requests > _MAX_UNANSWERED and self._server is None:
            self._reporter.report("storage", "the browser did not answer; nothing was restored")
            self._hydrated = True
            return
        req = f"{self._sid}-{self._requests}"
        self._claim(req, self._selector, known=False)
        self._known = self._known.extend(self._selector.patterns)
        self._send(_MOUNT_PREFIX + self.key)
        if not self._hydrated and self._requests == 1 and self._server is None and _transport_override is None:
            self._await_answer(req)

    def _await_answer(self, req: str) -> None:
        """Take storage's answer within this run: restored before any widget exists, no second run.

        Only a message answering ``req`` is taken; without one in time, it comes with a rerun.
        """

        def answers_req(message: object) -> bool:
            answers = message.get("answers") if isinstance(message, dict) and message.get("sid") == self._sid else None
            return isinstance(answers, list) and any(
                isinstance(a, dict) and a.get("req") == req and isinstance(a.get("entries"), dict) for a in answers
            )

        mount = _MOUNT_PREFIX + self.key
        reply = _streamlit.take_trigger(mount, _protocol.MESSAGE_EVENT, ANSWER_WAIT_SECONDS, answers_req)
        if reply is not None:
            self._receive(reply)

    def _claim(self, req: str, selection: KeySelector, *, known: bool) -> None:
        """Ask the browser about ``selection``: answer if storage differs from what Python knows."""
        held = {slot: token for slot, token in self._mirror.tokens().items() if self._owned(slot, selection)}
        self._claims[req] = (selection, self._rev + 1)
        check: Check = {"req": req, "select": selection.js_source, "h": entries_hash(held) if known else None}
        if self._options.adopt is not None:
            names = [p for p in selection.patterns if self._adoptable(p, selection) and p not in self._mirror]
            if names:  # the browser looks these up in the peer's layout only where storage lacks them
                check["adopt"] = {"source": self._options.adopt, "names": names}
        self._checks.append(check)

    def _restore_new(self, selection: KeySelector) -> None:
        """Restore what the mirror holds for patterns this session has not covered yet."""
        added = [p for p in selection.patterns if p not in self._known.names]
        if not added:
            return
        fresh = KeySelector(added)
        self._known = self._known.extend(added)
        self._claim(f"{self._sid}-p{len(self._known.patterns)}", fresh, known=True)
        self._open_and_apply([slot for slot in self._mirror.slots() if self._owned(slot, fresh)])

    def _open_and_apply(self, slots: Iterable[str]) -> None:
        """Open stored entries (migrating older versions) and put the values into session state."""
        values, failed = open_entries(
            self._mirror,
            [slot for slot in slots if slot not in self._from_link],
            version=self._options.version,
            migrate=self._options.migrate,
            reporter=self._reporter,
        )
        for slot in failed:
            if slot in self._restored:
                self._withdraw(slot)  # what came from elsewhere (the cookie) does not stand
        for slot, value in values.items():
            self._apply(slot, value)
        self._reporter.flush_log()

    def _apply(self, slot: str, value: Any) -> bool:
        """Put a restored value into session state (before its widget); False if it cannot go there."""
        if self._gate.read_only(slot):
            self._rejected(slot, "unassignable", READ_ONLY_MESSAGE)
            return False
        try:
            _streamlit.assign(slot, value)
        except StreamlitAPIException as e:
            self._reporter.report("unassignable", f"{e}; call sp.persist() before the widget", slot)
            return False
        self._gate.restored(slot, value)
        self._restored[slot] = value
        self._recovery.restored(slot)
        return True

    def _settle_widgets(self) -> None:
        """A restored value its widget replaced in this run (out of range, ...) was invalid."""
        settling = self._gate.settling
        if not settling:
            return
        for slot, value in settling.items():
            current = st.session_state.get(slot, _MISSING)
            if current is not _MISSING and not _codec.same(value, current):
                self._restored.pop(slot, None)
                self._reporter.report("invalid", "its widget did not keep the stored value; it shows another", slot)
        settling.clear()

    def _withdraw(self, slot: str) -> None:
        """A value restored earlier is gone from storage: the widget shows its default again."""
        self._restored.pop(slot, None)
        self._recovery.forget(slot)
        self._gate.reset(slot)
        with contextlib.suppress(KeyError, StreamlitAPIException):
            del st.session_state[slot]

    def _rejected(self, slot: str, kind: ErrorKind, message: str) -> None:
        """The gate refused a key's value: reported, and gone from storage if it was there."""
        self._reporter.report(kind, message, slot)
        self._restored.pop(slot, None)
        self._recovery.forget(slot)
        if slot in self._mirror and slot not in self._from_link:  # a bad link never costs a stored value
            self._mirror.drop(slot)
        self._from_link.discard(slot)

    # -- messages from the browser ----------------------------------------------------------

    def _listener(self, key: str) -> Callable[[], None]:
        """The component callback of the mount ``key``: it runs before the script body."""
        return lambda: self._receive(_protocol.received_message(key))

    def _receive(self, message: object) -> None:
        if not isinstance(message, dict) or message.get("sid") != self._sid:
            return  # stale (an earlier session) or foreign: nothing to act on
        answers = message.get("answers")
        if isinstance(answers, list):
            for answer in answers[:100]:
                if isinstance(answer, dict) and isinstance(answer.get("entries"), dict):
                    selection = self._on_answer(answer.get("req"), answer["entries"])
                    if selection is not None:
                        self._take_adopted(answer.get("adopted"), selection)
        synced = message.get("sync")
        if isinstance(synced, dict) and self._hydrated:
            self._on_sync(synced)
        failures = message.get("failures")
        if isinstance(failures, list):
            for failure in failures[:1000]:
                self._browser_failure(failure)
        resync = message.get("resync")
        if type(resync) is int and 0 <= resync <= self._rev:
            self._outbox.resync(resync)
        self._reporter.flush_log()

    def _on_answer(self, req: object, entries: dict[Any, Any]) -> KeySelector | None:
        """Storage's answer to a claim; returns the claim's selection (None: not a claim of ours)."""
        if req == self._merge_req():
            if self._to_browser is not None and self._to_browser["checks"]:  # else answered already
                self._merge({k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)})
            return None
        claim = self._claims.pop(req, None) if isinstance(req, str) else None
        if claim is None:
            return None  # answered already, or never asked
        selection, claimed_at = claim
        found = {
            slot: token
            for slot, token in entries.items()
            if isinstance(slot, str) and isinstance(token, str) and self._owned(slot, selection)
        }
        if not self._hydrated:
            self._mirror.adopt(found)
            self._hydrated = True
            self._open_and_apply(list(found))
            return selection
        # A claim was wrong (storage changed behind Python's back): storage wins for it, wholly,
        # except where Python wrote since (the browser checked before applying those writes).
        def newer_here(slot: str) -> bool:
            return slot in self._from_link or self._written_at.get(slot, 0) >= claimed_at

        for slot in [s for s in self._mirror.slots() if self._owned(s, selection)]:
            if slot not in found and not newer_here(slot):
                self._mirror.learn(slot, None)
                self._withdraw(slot)
        changed = []
        for slot, token in found.items():
            if newer_here(slot):
                continue
            if self._mirror.token(slot) != token:
                self._mirror.learn(slot, token)
                changed.append(slot)
        self._open_and_apply(changed)
        return selection

    def _take_adopted(self, adopted: object, selection: KeySelector) -> None:
        """Values the ``adopt=`` package holds for names storage lacked: read once, as untrusted input.

        Each goes through the strict decoding (``_adopt``) and, in session state, the widget
        gate like a stored value; the next message stores it and has the browser remove the
        peer's copy once ours is written. A value that cannot be taken is reported and removed.
        """
        source = self._options.adopt
        if source is None or not isinstance(adopted, dict):
            return
        for name, raw in list(adopted.items())[:1000]:
            if not isinstance(name, str) or not isinstance(raw, str) or not self._adoptable(name, selection):
                continue
            self._releasing.add(name)
            if name in self._mirror or name in self._from_link:
                continue  # stored here meanwhile, or a link chose: the peer's copy is stale
            try:
                value = _adopt.decode(source, name, raw, max_chars=self._options.max_value_bytes)
            except PersistError as error:
                self._reporter.error(error, name)
                continue
            if self._apply(name, value):
                self._adopted.add(name)
                self.wrote(name)
        self._reporter.flush_log()

    def _adoptable(self, name: str, selection: KeySelector) -> bool:
        """Listed by name: a glob could take over (and delete) keys other code owns on the origin."""
        return selection.names_literally(name) and not is_internal(name)

    def _release(self) -> Release | None:
        """The peer keys to remove: those stored here once storage holds ours, the others at once."""
        if not self._releasing or self._options.adopt is None:
            return None
        stored = sorted(name for name in self._releasing if name in self._mirror)
        dropped = sorted(name for name in self._releasing if name not in self._mirror)
        return {"source": self._options.adopt, "stored": stored, "dropped": dropped}

    def _on_sync(self, entries: dict[Any, Any]) -> None:
        """Another tab changed storage: adopt what it holds now for the keys this app persists.

        Content is compared, not tokens: a value sealed again with a new nonce is no change,
        so two tabs that agree write nothing more.
        """
        changed = []
        for slot, token in entries.items():
            if not isinstance(slot, str) or not self._owned(slot, self._known):
                continue
            if token is None:
                if slot in self._mirror:
                    self._mirror.learn(slot, None)
                    self._withdraw(slot)
                continue
            if not isinstance(token, str) or self._mirror.token(slot) == token:
                continue
            before = self._mirror.content(slot)
            self._mirror.learn(slot, token)
            try:
                after = self._mirror.open(slot)
            except PersistError as error:
                self._reporter.error(error, slot)
                continue
            if before == (after.flag, after.value_json) and slot in st.session_state:
                self._mirror.note_value(slot, st.session_state[slot])
            else:
                changed.append(slot)
        self._open_and_apply(changed)

    def _browser_failure(self, failure: object) -> None:
        if not isinstance(failure, dict):
            return
        slot, kind, message = failure.get("slot"), failure.get("kind"), failure.get("message")
        if not isinstance(slot, str) or kind not in _protocol.FAILURE_KINDS:
            return
        text = message[:300] if isinstance(message, str) else "browser storage refused the write"
        if kind in ("unavailable", "partitioned"):
            self._storage_access(kind, text)
            return
        if kind == "quota":
            text = f"browser storage is full; the previous stored value was kept ({text})"
        elif kind == "store":
            text = f"the store refused the write; it is sent again with the next run ({text})"
        self._reporter.report(kind, text, slot or None)
        # Quota: the attempted value stays the baseline, retried only when it changes again.
        # Store: the server side keeps the write and sends it first next time (_server).

    def _storage_access(self, kind: str, text: str) -> None:
        """The browser has no storage for this page, or keeps it apart for the embedding site.

        Said once per session by the browser. Values on the server are not concerned.
        """
        if self._server is not None:
            return
        if kind == "unavailable":
            self._available = False
            message = f"browser storage is unavailable to this page; values last for this session only ({text})"
        else:
            message = (
                "this page is embedded in another site's page: the browser keeps its storage apart for that "
                f"site, so only values stored while embedded there come back ({text})"
            )
        self._reporter.report("unavailable", message)

    # -- writing ----------------------------------------------------------------------------

    def _stage_session_state(self) -> None:
        """Stage a write for every selected key whose value differs from what storage holds.

        Only keys that can have changed are looked at: those the app set or deleted through
        ``st.session_state`` since the last look, widget keys, and keys holding mutable values
        (a list can change in place). Every key is looked at on the first run after hydration
        and when the selection grows (a page's own ``persist()`` call).
        """
        widget_keys = _streamlit.widget_keys()
        grown = self._selector is not self._scanned_with and not self._selector.names <= self._scanned_with.names
        if grown or self._runs < _TYPO_CHECK_RUN or _streamlit.under_app_test():
            state = _streamlit.user_state()
            candidates = set(self._selected(state)) | set(self._mirror.slots())
            if self._runs < _TYPO_CHECK_RUN:
                self._seen.update(k for k in state if isinstance(k, str))
        else:
            widgets = {k for k in widget_keys if k in self._selector}
            candidates = self._dirty | self._mutable | self._widget_backed | widgets
            state = _streamlit.user_values(candidates)
        self._scanned_with = self._selector
        self._dirty -= {slot for slot in self._dirty if slot in self._selector}
        defaults = self._gate.defaults
        for slot in self._selected(candidates):
            if slot not in state:
                gone = slot not in self._widget_backed and slot not in self._recovery.suspects
                if gone and slot in self._mirror and self._owned(slot, self._known):
                    self._mirror.remove(slot)  # deleted from session state by the app
                continue
            if self._gate.read_only(slot):
                if self._mirror.remove(slot):
                    self._reporter.report("unassignable", "a read-only widget's value is never stored", slot)
                continue
            if slot in self._recovery.suspects:
                continue
            value = state[slot]
            if type(value) in _codec.SCALARS:
                self._mutable.discard(slot)
            else:
                self._mutable.add(slot)
            default = defaults.get(slot, _MISSING)
            if default is not _MISSING and _codec.same(default, value):
                self._mirror.remove(slot)  # an untouched widget: its code default stays in charge
                continue
            try:
                self._mirror.stage(slot, value)
            except PersistError as error:
                self._reporter.error(error, slot)
        present = [slot for slot in candidates if slot in state]
        self._widget_backed = {s for s in present if s in widget_keys} | {
            s for s in self._widget_backed if s not in state
        }
        self._reporter.flush_log()

    def wrote(self, key: str) -> None:
        """The app set or deleted ``st.session_state[key]``: look at it in the next staging."""
        self._dirty.add(key)

    def _send(self, key: str, *, end: bool = False) -> None:
        """Mount the bridge with what changed since the last message (and, see ``_outbox``, before).

        Both mounts happen on every run once hydrated, so their elements stay in the page and
        a message updates a mounted element instead of creating one.
        """
        writes = self._mirror.take_writes()
        self._rev += 1
        for slot in writes:
            self._written_at[slot] = self._rev
        if self._page_load_run and any(slot in self._boot_slots for slot in writes):
            self._cookie_wrote = True
        checks, self._checks = self._checks, []
        transport = self._server or _transport_override or _component_transport
        writes, checks, cookie, base = self._outbox.compose(
            self._rev,
            writes,
            checks,
            self._cookie_spec(),
            repeat=transport is _component_transport,
            everything=self._everything,
        )
        data: PersistData = {
            "v": _protocol.PROTOCOL_VERSION,
            "prefix": self._mirror.prefix,
            "storage": "session" if self.storage == "session" else "local",
            "sid": self._sid,
            "checks": checks,
            "rev": self._rev,
            "base": base,
            "writes": writes,
            "cookie": cookie,
            "sync": self._options.sync_tabs,
        }
        release = self._release()
        if release is not None:  # every message of the session: one that carried it may be skipped
            data["release"] = release
        if end:
            self._early.deliver(data)
        reply = transport(key, data, self._listener(key))
        if reply is None:
            return
        if not self._hydrated:
            self._receive(reply)  # answered at once: hydrate before any widget exists
            return
        if transport is self._server and "failures" in reply:  # a store refused: say so in this run
            for failure in reply.pop("failures"):
                self._browser_failure(failure)
            self._reporter.flush_log()
        if len(reply) > 1:
            self._inbox.append(reply)  # like a browser trigger: handled when the next run starts

    def _everything(self) -> tuple[dict[str, str | None], list[Check], _protocol.CookieSpec | None]:
        """For a resend from scratch: every token held, every removal, and the cookie."""
        writes: dict[str, str | None] = dict.fromkeys(self._mirror.removed)
        writes.update(self._mirror.tokens())
        self._cookie_version = None
        return writes, [], self._cookie_spec()

    def _cookie_spec(self) -> _protocol.CookieSpec | None:
        """The boot cookie's next value when it changed (Python computes and authenticates it)."""
        if self._browser_storage() != "local" or self._options.boot_cookie_bytes == 0 or not self._available:
            return None  # without storage, a cookie would claim values storage cannot confirm
        if not self._hydrated:
            return None  # knowing nothing yet, it would claim an empty storage: one more run next load
        version = (self._mirror.revision, self._cookie_wrote, self._options.boot_cookie_bytes)
        if version == self._cookie_version:
            return None
        self._cookie_version = version
        binding = self._binding()
        budget = self._options.boot_cookie_bytes
        value = _boot.seal(
            self._mirror.tokens() if _boot.may_fit(self._mirror.entry_chars(), budget) else None,
            _boot.cookie_key(_streamlit.server_secret()),
            binding,
            budget,
            first_run_wrote=self._cookie_wrote,
        )
        if value == self._cookie_sent:
            return None
        self._cookie_sent = value
        return {"name": binding.name(), "value": value, "maxAge": self._options.cookie_max_age()}

    # -- a run that raised ------------------------------------------------------------------

    def raised(self, error: BaseException) -> bool:
        """The run raised: hold back the restored values it may have tripped on, and rerun (``_recovery``).

        True keeps Streamlit's exception box off the page.
        """
        suspects = self._recovery.suspect(
            _streamlit.blamed_widget(error, self._recovery.at_risk), _streamlit.run_marker()
        )
        if not suspects:
            return False
        for slot in suspects:
            self._withdraw(slot)
        LOGGER.warning(
            "streamlit-persist: the app raised %s after restoring %s; rerunning without %s",
            type(error).__name__,
            ", ".join(sorted(suspects)),
            "it" if len(suspects) == 1 else "them",
        )
        return _streamlit.request_rerun()

    def read(self, key: str) -> None:
        """The app read ``st.session_state[key]`` (the last restored value read is a suspect)."""
        self._recovery.read(key)

    # -- plumbing ---------------------------------------------------------------------------

    def _left_out_of_links(self, key: str, value: Any) -> bool:
        """Read-only widgets, and widgets at their default: a link carries what the user chose."""
        if self._gate.read_only(key):
            return True
        default = self._gate.defaults.get(key, _MISSING)
        return default is not _MISSING and _codec.same(default, value)

    def _covers(self, key: str) -> bool:
        """Whether the gate watches ``key``: selected by any pattern of this session."""
        return self._owned(key, self._known) or self._owned(key, self._selector)

    def _owned(self, key: str, selection: KeySelector) -> bool:
        return key in selection and not is_internal(key)

    def _selected(self, keys: Iterable[object]) -> list[str]:
        return [k for k in keys if isinstance(k, str) and self._owned(k, self._selector)]

    def _require_before_widgets(self, patterns: Iterable[str]) -> None:
        """``persist()`` must come before the widgets it restores: say so, don't let Streamlit fail later."""
        created = _streamlit.widget_keys_this_run()
        for pattern in patterns:
            if not is_glob(pattern) and not pattern.startswith("!") and pattern in created:
                raise UsageError(
                    f"the widget with key {pattern!r} was created before sp.persist() in this run: call "
                    f"sp.persist([...]) near the top of the script, before the widget, so its stored value "
                    f"can be restored",
                    key=pattern,
                )

    def _name_unmatched(self) -> None:
        """One warning per pattern that matched nothing so far, with the closest key seen; once per process."""
        seen = self._seen | set(self._mirror.slots())
        for pattern, closest in self._known.extend(self._selector.patterns).unmatched(seen).items():
            if (self.namespace, pattern) in _named_unmatched:
                continue
            _named_unmatched.add((self.namespace, pattern))
            hint = f"; did you mean {closest!r}?" if closest is not None else ""
            LOGGER.warning(
                "streamlit-persist: persist() key %r matched nothing in session state or storage%s", pattern, hint
            )
        self._seen.clear()

    def _binding(self) -> _boot.Binding:
        return _boot.Binding(self._mirror.prefix, self._host)

    def _context(self, slot: str) -> _envelope.Context:
        if self._server is not None:  # bound to the scope, and to the owner for "user"
            space = self._server.space
            return _envelope.Context("store", f"{space.namespace}/{space.scope}", slot, space.owner or None)
        return _envelope.Context("store", self.namespace, slot, self._user())

    def _browser_storage(self) -> str | None:
        """Which browser storage holds the values (None: a server store)."""
        if self._server is not None:
            return None
        return "session" if self.storage == "session" else "local"

    def _user(self) -> str | None:
        """The signed-in user, looked up once per run (``st.user`` reads secrets each time)."""
        marker = _streamlit.run_marker()
        if self._user_cache is None or self._user_cache[0] is not marker or marker is None:
            self._user_cache = (marker, _streamlit.signed_in_user())
        return self._user_cache[1]


def _component_transport(key: str, data: PersistData, on_message: Callable[[], None]) -> None:
    _protocol.mount(key, data, on_message)
    return None
