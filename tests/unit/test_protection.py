"""persist(secret=..., ttl=..., version=..., migrate=...) through AppTest and an in-memory browser."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

import streamlit_persist as sp
from streamlit_persist import _persisted
from streamlit_persist.testing import MemoryBrowser

NS = "sec"
OLD = sp.generate_secret()
NEW = sp.generate_secret()


def app(body: str, secret: str | list[str] = NEW, extra: str = "") -> AppTest:
    script = f"""
import datetime as dt
import streamlit as st
import streamlit_persist as sp
SECRET = {secret!r}
{body.replace("ARGS", f'namespace="{NS}", secret=SECRET{extra}')}
"""
    return AppTest.from_string(script, default_timeout=10)


def errors(at: AppTest) -> list[tuple[str | None, str]]:
    instance = at.session_state[_persisted.STATE_PREFIX + "streamlit_persist"]
    return sorted((e.key, e.kind) for e in instance.errors)


def test_encrypted_values_round_trip_and_storage_holds_no_plaintext(browser: MemoryBrowser) -> None:
    """With a secret the stored token reveals neither the value nor the key."""
    at = app('sp.persist(["plan"], ARGS)\nst.session_state.plan = "premium-plan-42"').run()
    at.run()
    (token,) = browser.local.values()
    assert token.startswith("sp1.e.")
    assert "premium-plan-42" not in token
    assert NEW not in token
    assert browser.values(namespace=NS, secret=NEW) == {"plan": "premium-plan-42"}
    assert all("premium-plan-42" not in str(m) for m in browser.messages)


def test_signed_mode_is_readable_but_an_edit_falls_back(browser: MemoryBrowser) -> None:
    """protect="sign": the value is visible in storage; editing it makes it fall back."""
    browser.store({"role": "viewer", "name": "Ann"}, namespace=NS, secret=NEW, protect="sign")
    browser.local[f"sp:{NS}:role"] = browser.local[f"sp:{NS}:role"].replace("viewer", "admin!")
    at = app('sp.persist(["role", "name"], ARGS)', extra=', protect="sign"').run()
    assert "role" not in at.session_state
    assert at.session_state["name"] == "Ann"
    assert errors(at) == [("role", "tampered")]


def test_value_moved_to_another_key_does_not_open(browser: MemoryBrowser) -> None:
    """A token copied into another slot is bound to its own slot and is rejected."""
    browser.store({"plan": "free", "is_admin": False}, namespace=NS, secret=NEW)
    browser.local[f"sp:{NS}:plan"] = browser.local[f"sp:{NS}:is_admin"]
    at = app('sp.persist(["plan", "is_admin"], ARGS)').run()
    assert "plan" not in at.session_state
    assert at.session_state["is_admin"] is False
    assert errors(at) == [("plan", "tampered")]
    assert f"sp:{NS}:plan" not in browser.local  # dropped from storage


def test_plain_values_are_not_accepted_once_a_secret_is_set(browser: MemoryBrowser) -> None:
    """A plain token could be forged by anyone: with a secret configured it is refused."""
    browser.store({"plan": "premium"}, namespace=NS)
    at = app('sp.persist(["plan"], ARGS)').run()
    assert "plan" not in at.session_state
    assert errors(at) == [("plan", "tampered")]


def test_rotation_reads_old_key_and_rewrites_with_newest(browser: MemoryBrowser) -> None:
    """secret=[new, old]: old values restore, and are re-encrypted with the new key."""
    browser.store({"prefs": {"dark": True}}, namespace=NS, secret=OLD)
    at = app('sp.persist(["prefs"], ARGS)', secret=[NEW, OLD]).run()
    assert at.session_state["prefs"] == {"dark": True}
    assert browser.values(namespace=NS, secret=NEW) == {"prefs": {"dark": True}}
    with pytest.raises(sp.PersistError):
        browser.values(namespace=NS, secret=OLD)


def test_retired_key_falls_back_to_default(browser: MemoryBrowser) -> None:
    """A value under a key no longer listed is dropped and reported as wrong_key."""
    browser.store({"prefs": "x"}, namespace=NS, secret=OLD)
    at = app('sp.persist(["prefs"], ARGS)').run()
    assert "prefs" not in at.session_state
    assert errors(at) == [("prefs", "wrong_key")]


def test_expired_value_is_dropped_and_removed(browser: MemoryBrowser) -> None:
    """ttl: a value past its expiry never comes back and leaves storage."""
    an_hour_ago = time.time() - 3600
    browser.store({"draft": "old"}, namespace=NS, secret=NEW, ttl_seconds=60, now=an_hour_ago)
    browser.store({"fresh": "new"}, namespace=NS, secret=NEW, ttl_seconds=86400)
    at = app('sp.persist(["draft", "fresh"], ARGS, ttl=dt.timedelta(days=1))').run()
    assert "draft" not in at.session_state
    assert at.session_state["fresh"] == "new"
    assert errors(at) == [("draft", "expired")]
    assert set(browser.local) == {f"sp:{NS}:fresh"}


def test_ttl_is_written_into_the_token(browser: MemoryBrowser) -> None:
    """A per-key ttl dict sets an expiry on matching keys only."""
    at = app(
        'sp.persist(["a", "b"], ARGS, ttl={"a": dt.timedelta(minutes=5)})\n'
        "st.session_state.a = 1\nst.session_state.b = 2"
    ).run()
    at.run()
    from streamlit_persist import _crypto, _envelope

    protector = _crypto.Keyring(NEW).protector("store", "encrypted")
    opened = {
        slot: _envelope.open_token(browser.local[f"sp:{NS}:{slot}"], _envelope.Context("store", NS, slot), protector=protector)
        for slot in ("a", "b")
    }
    assert opened["a"].expires_at is not None
    assert 290 <= opened["a"].expires_at - opened["a"].issued_at <= 300
    assert opened["b"].expires_at is None


def test_migrate_upgrades_older_versions(browser: MemoryBrowser) -> None:
    """Values stored under version 1 pass through migrate() into version 2 and are rewritten."""
    browser.store({"filters": ["a", "b"]}, namespace=NS, secret=NEW, version=1)
    at = app(
        """
def upgrade(values, stored_version):
    assert stored_version == 1
    return {"filters": {"cities": values["filters"]}}
sp.persist(["filters"], ARGS, version=2, migrate=upgrade)
"""
    ).run()
    assert at.session_state["filters"] == {"cities": ["a", "b"]}
    assert errors(at) == [("filters", "migrated")]
    assert browser.values(namespace=NS, secret=NEW) == {"filters": {"cities": ["a", "b"]}}
    token = browser.local[f"sp:{NS}:filters"]
    assert token.split(".")[3] == "2"


def test_older_version_without_migrate_is_dropped(browser: MemoryBrowser) -> None:
    """No migrate(): old values are dropped, never half-applied."""
    browser.store({"filters": ["a"]}, namespace=NS, secret=NEW, version=1)
    at = app('sp.persist(["filters"], ARGS, version=2)').run()
    assert "filters" not in at.session_state
    assert errors(at) == [("filters", "dropped")]


def test_newer_version_is_not_misread(browser: MemoryBrowser) -> None:
    """A value from a newer release (an app rollback) is dropped, not applied."""
    browser.store({"filters": {"v3": True}}, namespace=NS, secret=NEW, version=3)
    at = app('sp.persist(["filters"], ARGS, version=2)').run()
    assert "filters" not in at.session_state
    assert errors(at) == [("filters", "dropped")]


def test_failing_migrate_drops_that_version_and_the_app_runs(browser: MemoryBrowser) -> None:
    """A migrate() that raises is the app's bug: the values are dropped and reported."""
    browser.store({"a": 1}, namespace=NS, secret=NEW, version=1)
    at = app('sp.persist(["a"], ARGS, version=2, migrate=lambda values, v: 1 / 0)').run()
    assert not at.exception
    assert "a" not in at.session_state
    assert errors(at) == [("a", "dropped")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (', secret="short"', "python -c"),
        (', protect="hide"', 'protect must be "encrypt" or "sign"'),
        (", version=0", "version must be an int"),
        (', migrate="nope"', "migrate must be a callable"),
        (", ttl=dt.timedelta(0)", "ttl must be a timedelta"),
    ],
)
def test_bad_protection_arguments_raise(extra: str, message: str) -> None:
    """Author mistakes in protection arguments raise clear errors."""
    script = f'import datetime as dt\nimport streamlit_persist as sp\nsp.persist(["a"], namespace="x"{extra})'
    at = AppTest.from_string(script).run()
    assert at.exception
    assert message in at.exception[0].message


def test_passphrase_is_accepted_explicitly(browser: MemoryBrowser) -> None:
    """A human passphrase works only through sp.passphrase()."""
    at = AppTest.from_string(
        'import streamlit as st\nimport streamlit_persist as sp\n'
        f'sp.persist(["a"], namespace="{NS}", secret=sp.passphrase("correct horse battery"))\n'
        "st.session_state.a = 5"
    ).run()
    at.run()
    assert browser.values(namespace=NS, secret=sp.passphrase("correct horse battery")) == {"a": 5}
