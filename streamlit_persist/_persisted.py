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
from typing import Any, Final, Literal, Protocol

import streamlit as st
from streamlit.errors import StreamlitAPIException

from streamlit_persist import _boot, _codec, _envelope, _protocol, _share, _streamlit
from streamlit_persist._early import EarlyCopy
from streamlit_persist._encoding import entries_hash
from streamlit_persist._gate import WidgetGate
from streamlit_persist._keys import KeySelector, is_glob, selection
from streamlit_persist._mirror import Mirror
from streamlit_persist._options import Migrate, Options, Secret, StorageKind, Ttl, key_list
from streamlit_persist._outbox import Outbox
from streamlit_persist._protocol import Check, PersistData, PersistMessage
from streamlit_persist._report import LOGGER, Reporter
from streamlit_persist.exceptions import ErrorKind, ErrorRecord, PersistError, UsageError

STATE_PREFIX: Final = "_streamlit_persist:"
END_SUFFIX: Final = "/end"
_MAX_UNANSWERED: Final = 3
_MAX_RECOVERIES: Final = 3  # reruns after the app raised with restored values, per page load
_TYPO_CHECK_RUN: Final = 2  # after this many successful runs, name keys that matched nothing
_MISSING: Final = object()


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
        self._gate = WidgetGate(self._covers, self._rejected)
        self._early = EarlyCopy()
        self._selector = KeySelector()  # this run's persist() patterns
        self._known = KeySelector()  # every pattern of the session: what storage was asked about
        self._hydrated = False
        self._requests = 0
        self._claims: dict[str, KeySelector] = {}  # check id -> the slots it is about
        self._checks: list[Check] = []  # to send with the next message
        self._restored: dict[str, Any] = {}
        self._from_link: set[str] = set()
        self._at_risk: set[str] = set()  # restored, not yet through a run that did not raise
        self._suspects: dict[str, Any] = {}  # withheld after a run raised, pending the next run
        self._suspects_run: object = None
        self._recoveries = 0
        self._last_read: str | None = None
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
    def restored_from(self) -> dict[str, str]:
        """Where each restored key came from: ``"link"`` or ``"storage"``."""
        return {slot: "link" if slot in self._from_link else "storage" for slot in self._restored}

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

    def share_url(
        self,
        keys: Sequence[str] | None = None,
        *,
        ttl: timedelta | None = _share.DEFAULT_TTL,
        base_url: str | None = None,
    ) -> str:
        """The current page's URL with one query parameter carrying the shared keys.

        ``keys`` narrows ``persist(share=...)``; ``base_url`` defaults to ``st.context.url``
        (other query parameters are kept). Raises ``PersistError("too_large")`` over 2,000
        characters, naming the largest keys.
        """
        values = _share.shared_values(self._options, keys, self._left_out_of_links, self._reporter)
        return _share.build_url(self._options, self.namespace, values, self._links, ttl=ttl, base_url=base_url)

    def share_button(
        self,
        label: str = "Copy link",
        *,
        keys: Sequence[str] | None = None,
        ttl: timedelta | None = _share.DEFAULT_TTL,
    ) -> None:
        """A button that copies ``share_url()`` to the clipboard, without a rerun."""
        url: str | None = None
        error: str | None = None
        try:
            url = self.share_url(keys, ttl=ttl)
        except UsageError:
            raise
        except PersistError as e:
            self._reporter.error(e)
            error = e.message
        named = None if keys is None else list(keys)
        _share.mount_button(repr((self.key, label, named)), label, url, error)

    # -- each run ---------------------------------------------------------------------------

    def _run(self, patterns: list[str]) -> None:
        marker = _streamlit.run_marker()
        if marker is self._run_marker and marker is not None:
            self._add_patterns(patterns)  # a page's own persist() call, later in the run
            return
        self._run_marker = marker
        self._last_read = None
        self._selector = selection(tuple(patterns))
        self._gate.new_run()
        self._require_before_widgets(self._selector.patterns)
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
        else:
            self._restore_new(self._selector)
        if not self._page_load_run:
            self._stage_session_state()  # what the browser sent with this rerun: write it now
            self._send(self.key)
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
        for slot, value in _share.read_link(self._options, self.namespace, self._reporter).items():
            if self._apply(slot, value):
                self._from_link.add(slot)
        snapshot = self._boot_from_cookie()
        if snapshot is not None and _transport_override is None:
            self._early.plan(write_likely=not self._boot_slots or snapshot.first_run_wrote)

    def _end_of_run(self) -> None:
        """After every run that reached its end (raised or not) and every fragment run.

        A run that raised writes nothing more: what the browser sent was written at its top,
        and state it left half-made must not become the next load's starting point.
        """
        if not self._hydrated:
            return
        raised = _streamlit.run_raised()
        if raised and (not self._suspects or self._suspects_run is _streamlit.run_marker()):
            self._reporter.flush_log()  # nothing withheld, or withheld just now: the rerun decides
            return
        self._settle_suspects(raised=raised)
        if raised:
            return
        self._at_risk.clear()
        self._settle_widgets()
        self._stage_session_state()
        self._runs += 1
        if self._runs == _TYPO_CHECK_RUN:
            self._name_unmatched()
        self._send(self.key + END_SUFFIX, end=True)

    # -- restoring --------------------------------------------------------------------------

    def _boot_from_cookie(self) -> _boot.Snapshot | None:
        """Hydrate on the session's first run from the boot cookie: no extra script run.

        The cookie's claim (what storage holds for the selected keys) is checked by the
        browser, which answers only if storage differs. Returns the snapshot, or None
        when storage must be asked.
        """
        if self.storage != "local" or self._options.boot_cookie_bytes == 0:
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
        self._requests += 1
        if self._requests > _MAX_UNANSWERED:
            self._reporter.report("storage", "the browser did not answer; nothing was restored")
            self._hydrated = True
            return
        self._claim(f"{self._sid}-{self._requests}", self._selector, known=False)
        self._known = self._known.extend(self._selector.patterns)
        self._send(self.key)

    def _claim(self, req: str, selection: KeySelector, *, known: bool) -> None:
        """Ask the browser about ``selection``: answer if storage differs from what Python knows."""
        held = {slot: token for slot, token in self._mirror.tokens().items() if self._owned(slot, selection)}
        self._claims[req] = selection
        self._checks.append({"req": req, "select": selection.js_source, "h": entries_hash(held) if known else None})

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
        """Open stored entries, migrate older schema versions, and put the values into session state."""
        older: dict[int, dict[str, Any]] = {}
        version = self._options.version
        for slot in slots:
            if slot in self._from_link:
                continue
            try:
                opened = self._mirror.open(slot)
                value = opened.value()
            except PersistError as error:
                self._reporter.error(error, slot)
                self._mirror.remove(slot)  # it can never be read: drop it
                if slot in self._restored:
                    self._withdraw(slot)  # what came from elsewhere (the cookie) does not stand
                continue
            if opened.version == version:
                self._mirror.note_value(slot, value)
                self._apply(slot, value)
            elif opened.version < version:
                older.setdefault(opened.version, {})[slot] = value
            else:  # written by a newer release (the app was rolled back): never misread it
                self._reporter.report(
                    "dropped",
                    f"stored under schema version {opened.version}, newer than this app's {version}; left unread",
                    slot,
                )
        for stored_version in sorted(older):
            self._migrate(older[stored_version], stored_version)
        self._reporter.flush_log()

    def _migrate(self, values: dict[str, Any], version: int) -> None:
        """Bring values of an older schema version up to date, all of them or none."""
        migrate: Migrate | None = self._options.migrate
        target = self._options.version
        if migrate is None:
            for slot in values:
                self._mirror.remove(slot)
                message = f"stored under schema version {version}; no migrate= to reach {target}"
                self._reporter.report("dropped", message, slot)
            return
        try:
            migrated = migrate(dict(values), version)
            if not isinstance(migrated, dict) or not all(isinstance(k, str) for k in migrated):
                raise TypeError(f"migrate() must return a dict of str keys, not {type(migrated).__name__}")
        except Exception as e:
            LOGGER.warning("streamlit-persist: migrate() failed for version %s", version, exc_info=True)
            for slot in values:
                self._mirror.remove(slot)
                self._reporter.report("dropped", f"migrate() failed from version {version}: {e!r}", slot)
            return
        for slot in values:
            if slot not in migrated:
                self._mirror.remove(slot)  # migrate() dropped it on purpose
        for slot, value in migrated.items():
            self._reporter.report("migrated", f"migrated from schema version {version} to {target}", slot)
            self._apply(slot, value)  # the next write stores it at this version (the entry is stale)

    def _apply(self, slot: str, value: Any) -> bool:
        """Put a restored value into session state (before its widget); False if it cannot go there."""
        if slot in self._gate.read_only:
            self._rejected(slot, "unassignable", "its widget's value cannot be set through session state; dropped")
            return False
        try:
            _streamlit.assign(slot, value)
        except StreamlitAPIException as e:
            self._reporter.report("unassignable", f"{e}; call sp.persist() before the widget", slot)
            return False
        self._gate.restored(slot, value)
        self._restored[slot] = value
        self._at_risk.add(slot)
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
        self._at_risk.discard(slot)
        self._gate.reset(slot)
        with contextlib.suppress(KeyError, StreamlitAPIException):
            del st.session_state[slot]

    def _rejected(self, slot: str, kind: ErrorKind, message: str) -> None:
        """The gate refused a restored value: it leaves storage too."""
        self._reporter.report(kind, message, slot)
        self._restored.pop(slot, None)
        self._at_risk.discard(slot)
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
                    self._on_answer(answer.get("req"), answer["entries"])
        synced = message.get("sync")
        if isinstance(synced, dict) and self._hydrated:
            self._on_sync(synced)
        failures = message.get("failures")
        if isinstance(failures, list):
            for failure in failures[:1000]:
                self._browser_failure(failure)
        self._reporter.flush_log()

    def _on_answer(self, req: object, entries: dict[Any, Any]) -> None:
        selection = self._claims.pop(req, None) if isinstance(req, str) else None
        if selection is None:
            return  # answered already, or never asked
        found = {
            slot: token
            for slot, token in entries.items()
            if isinstance(slot, str) and isinstance(token, str) and self._owned(slot, selection)
        }
        if not self._hydrated:
            self._mirror.adopt(found)
            self._hydrated = True
            self._open_and_apply(list(found))
            return
        # A claim was wrong (storage changed behind Python's back): storage wins for it, wholly.
        for slot in [s for s in self._mirror.slots() if self._owned(s, selection)]:
            if slot not in found and slot not in self._from_link:
                self._mirror.learn(slot, None)
                self._withdraw(slot)
        changed = []
        for slot, token in found.items():
            if slot in self._from_link:
                continue
            if self._mirror.token(slot) != token:
                self._mirror.learn(slot, token)
                changed.append(slot)
        self._open_and_apply(changed)

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
        if not isinstance(slot, str) or kind not in ("quota", "storage"):
            return
        text = message[:300] if isinstance(message, str) else "browser storage refused the write"
        if kind == "quota":
            text = f"browser storage is full; the previous stored value was kept ({text})"
        self._reporter.report(kind, text, slot or None)
        # The attempted value stays the baseline: it is retried only when it changes again.

    # -- writing ----------------------------------------------------------------------------

    def _stage_session_state(self) -> None:
        """Stage a write for every selected key whose value differs from what storage holds."""
        state = _streamlit.user_state()
        present = self._selected(state)
        defaults = self._gate.defaults
        for slot in present:
            if slot in self._gate.read_only:
                if self._mirror.remove(slot):
                    self._reporter.report("unassignable", "a read-only widget's value is never stored", slot)
                continue
            if slot in self._suspects:
                continue
            value = state[slot]
            default = defaults.get(slot, _MISSING)
            if default is not _MISSING and _codec.same(default, value):
                self._mirror.remove(slot)  # an untouched widget: its code default stays in charge
                continue
            try:
                self._mirror.stage(slot, value)
            except PersistError as error:
                self._reporter.error(error, slot)
        widget_keys = _streamlit.widget_keys()
        for slot in self._mirror.slots():
            gone = slot not in state and slot not in self._widget_backed and slot not in self._suspects
            if gone and self._owned(slot, self._known):
                self._mirror.remove(slot)  # deleted from session state by the app
        self._widget_backed = {s for s in present if s in widget_keys} | {
            s for s in self._widget_backed if s not in state
        }
        if self._runs < _TYPO_CHECK_RUN:
            self._seen.update(k for k in state if isinstance(k, str))
        self._reporter.flush_log()

    def _send(self, key: str, *, end: bool = False) -> None:
        """Mount the bridge with what changed since the last message (and, see ``_outbox``, before).

        Both mounts happen on every run once hydrated, so their elements stay in the page and
        a message updates a mounted element instead of creating one.
        """
        writes = self._mirror.take_writes()
        self._rev += 1
        if self._page_load_run and any(slot in self._boot_slots for slot in writes):
            self._cookie_wrote = True
        checks, self._checks = self._checks, []
        transport = _transport_override or _component_transport
        writes, checks, cookie = self._outbox.compose(
            writes, checks, self._cookie_spec(), repeat=transport is _component_transport
        )
        data: PersistData = {
            "v": _protocol.PROTOCOL_VERSION,
            "prefix": self._mirror.prefix,
            "storage": self.storage,
            "sid": self._sid,
            "checks": checks,
            "rev": self._rev,
            "writes": writes,
            "cookie": cookie,
            "sync": self._options.sync_tabs,
        }
        if end:
            self._early.deliver(data)
        reply = transport(key, data, self._listener(key))
        if reply is None:
            return
        if not self._hydrated:
            self._receive(reply)  # answered at once: hydrate before any widget exists
        else:
            self._inbox.append(reply)  # like a browser trigger: handled when the next run starts

    def _cookie_spec(self) -> _protocol.CookieSpec | None:
        """The boot cookie's next value when it changed (Python computes and authenticates it)."""
        if self.storage != "local" or self._options.boot_cookie_bytes == 0:
            return None
        version = (self._mirror.revision, self._cookie_wrote, self._options.boot_cookie_bytes)
        if version == self._cookie_version:
            return None
        self._cookie_version = version
        binding = self._binding()
        value = _boot.seal(
            self._mirror.tokens(),
            _boot.cookie_key(_streamlit.server_secret()),
            binding,
            self._options.boot_cookie_bytes,
            first_run_wrote=self._cookie_wrote,
        )
        if value == self._cookie_sent:
            return None
        self._cookie_sent = value
        return {"name": binding.name(), "value": value, "maxAge": self._options.cookie_max_age()}

    # -- a run that raised ------------------------------------------------------------------

    def raised(self, error: BaseException) -> bool:
        """The run raised: withhold the restored values it may have tripped on, and rerun.

        The suspect is the restored key of the widget call that raised, else the restored
        key the app read last, else every value restored since the last run that did not
        raise. Up to ``_MAX_RECOVERIES`` rounds; the suspects leave storage only once a run
        succeeds without them (``_settle_suspects``): an app that raises anyway keeps the
        user's data. True keeps Streamlit's exception box off the page.
        """
        if not self._at_risk or self._recoveries >= _MAX_RECOVERIES:
            return False
        blamed = _streamlit.blamed_widget(error, self._at_risk)
        if blamed is None and self._last_read in self._at_risk:
            blamed = self._last_read
        suspects = {blamed} if blamed is not None else set(self._at_risk)
        for slot in suspects:
            self._suspects[slot] = self._restored.get(slot)
            self._withdraw(slot)
        self._suspects_run = _streamlit.run_marker()
        self._recoveries += 1
        LOGGER.warning(
            "streamlit-persist: the app raised %s after restoring %s; rerunning without %s",
            type(error).__name__,
            ", ".join(sorted(suspects)),
            "it" if len(suspects) == 1 else "them",
        )
        return _streamlit.request_rerun()

    def read(self, key: str) -> None:
        """The app read ``st.session_state[key]``: remember the last restored value it read."""
        if key in self._at_risk:
            self._last_read = key

    def _settle_suspects(self, *, raised: bool) -> None:
        """After the rerun: the suspects leave storage if it succeeded; else they were innocent."""
        self._recoveries = 0
        if not self._suspects:
            return
        if not raised:
            for slot in self._suspects:
                self._mirror.drop(slot)
                self._reporter.report(
                    "quarantined", "the app raised with this restored value; removed, the default applies", slot
                )
        self._suspects.clear()

    # -- plumbing ---------------------------------------------------------------------------

    def _left_out_of_links(self, key: str, value: Any) -> bool:
        """Read-only widgets, and widgets at their default: a link carries what the user chose."""
        if key in self._gate.read_only:
            return True
        default = self._gate.defaults.get(key, _MISSING)
        return default is not _MISSING and _codec.same(default, value)

    def _covers(self, key: str) -> bool:
        """Whether the gate watches ``key``: selected by any pattern of this session."""
        return self._owned(key, self._known) or self._owned(key, self._selector)

    def _owned(self, key: str, selection: KeySelector) -> bool:
        return key in selection and key != self.key and not key.startswith(STATE_PREFIX)

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
        """One warning per pattern that matched nothing so far, with the closest key seen."""
        seen = self._seen | set(self._mirror.slots())
        for pattern, closest in self._known.extend(self._selector.patterns).unmatched(seen).items():
            hint = f"; did you mean {closest!r}?" if closest is not None else ""
            LOGGER.warning(
                "streamlit-persist: persist() key %r matched nothing in session state or storage%s", pattern, hint
            )
        self._seen.clear()

    def _binding(self) -> _boot.Binding:
        return _boot.Binding(self._mirror.prefix, self._host)

    def _context(self, slot: str) -> _envelope.Context:
        return _envelope.Context("store", self.namespace, slot, self._user())

    def _user(self) -> str | None:
        """The signed-in user, looked up once per run (``st.user`` reads secrets each time)."""
        marker = _streamlit.run_marker()
        if self._user_cache is None or self._user_cache[0] is not marker or marker is None:
            self._user_cache = (marker, _streamlit.signed_in_user())
        return self._user_cache[1]


def _component_transport(key: str, data: PersistData, on_message: Callable[[], None]) -> None:
    _protocol.mount(key, data, on_message)
    return None


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
) -> Persisted:
    """Keep the given session-state keys in browser storage and restore them on load.

    Call it near the top of the script (or once in the ``st.navigation`` entrypoint),
    before the widgets whose keys it names.

    Parameters
    ----------
    keys : list of str
        Session-state keys or glob patterns (``"filter_*"``), widget keys included;
        ``"!pattern"`` excludes keys the other patterns select.
    storage : "local" or "session"
        ``"local"`` survives browser restarts; ``"session"`` lasts as long as the tab.
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
