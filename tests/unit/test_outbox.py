"""What each message carries: recent news repeated, ``base`` set, resends from history or from scratch."""

from __future__ import annotations

import time

import pytest

from streamlit_persist import _outbox
from streamlit_persist._outbox import Outbox
from streamlit_persist._protocol import Check, CookieSpec

COOKIE: CookieSpec = {"name": "sp_0badcafe", "value": "b1.x.y", "maxAge": 60}
CHECK: Check = {"req": "r1", "select": "^(?:a)(?![\\s\\S])", "h": ""}


def nothing() -> tuple[dict[str, str | None], list[Check], CookieSpec | None]:
    return {}, [], None


def test_a_transport_that_sees_everything_gets_only_the_news() -> None:
    box = Outbox()
    assert box.compose(1, {"a": "1"}, [CHECK], COOKIE, repeat=False, everything=nothing) == ({"a": "1"}, [CHECK], COOKIE, 0)
    assert box.compose(2, {"b": "2"}, [], None, repeat=False, everything=nothing) == ({"b": "2"}, [], None, 1)


def test_recent_messages_are_repeated_and_base_is_the_last_write_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the window the component gets every recent write, check and the cookie again."""
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    box = Outbox(window=1.0)
    box.compose(1, {"a": "1"}, [CHECK], COOKIE, repeat=True, everything=nothing)
    clock[0] += 0.5
    writes, checks, cookie, base = box.compose(2, {"b": "2"}, [], None, repeat=True, everything=nothing)
    assert (writes, checks, cookie, base) == ({"a": "1", "b": "2"}, [CHECK], COOKIE, 0)
    clock[0] += 0.8  # message 1 leaves the window
    writes, checks, cookie, base = box.compose(3, {}, [], None, repeat=True, everything=nothing)
    assert (writes, checks, cookie, base) == ({"b": "2"}, [], None, 1)


def test_a_resync_resends_every_write_since_from_the_history() -> None:
    box = Outbox(window=0.0)
    for rev in range(1, 6):
        box.compose(rev, {f"k{rev}": str(rev)}, [], None, repeat=True, everything=nothing)
    box.resync(2)
    writes, _, _, base = box.compose(6, {"k6": "6"}, [], None, repeat=True, everything=nothing)
    assert base == 2
    assert writes == {"k3": "3", "k4": "4", "k5": "5", "k6": "6"}


def test_a_resync_older_than_the_history_resends_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_outbox, "HISTORY", 3)
    box = Outbox(window=0.0)
    for rev in range(1, 7):
        box.compose(rev, {f"k{rev}": str(rev)}, [], None, repeat=True, everything=nothing)
    box.resync(1)

    def held() -> tuple[dict[str, str | None], list[Check], CookieSpec | None]:
        return {"k1": "1", "gone": None}, [], COOKIE

    writes, _, cookie, base = box.compose(7, {}, [], None, repeat=True, everything=held)
    assert (writes, cookie, base) == ({"k1": "1", "gone": None}, COOKIE, 1)
