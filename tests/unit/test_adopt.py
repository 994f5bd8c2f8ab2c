"""persist(adopt=...): values streamlit-local-storage and streamlit-extras stored, moved once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_persist import _adopt
from streamlit_persist.exceptions import PersistError
from streamlit_persist.testing import MemoryBrowser

NS = "t"
LS: Final[_adopt.Source] = "streamlit-local-storage"
EX: Final[_adopt.Source] = "streamlit-extras"


def app(body: str) -> AppTest:
    return AppTest.from_string("import streamlit as st\nimport streamlit_persist as sp\n" + body, default_timeout=10)


def widgets_app(source: _adopt.Source, keys: str = '"name", "count", "tags", "agree"') -> AppTest:
    return app(f"""
p = sp.persist([{keys}], namespace="{NS}", adopt="{source}")
st.text_input("Name", key="name")
st.number_input("Count", key="count", step=1)
st.multiselect("Tags", ["a", "b", "c"], key="tags")
st.checkbox("Agree", key="agree")
st.write(repr(sorted(p.restored_from.items())))
st.write(repr(sorted((e.key, e.kind) for e in p.errors)))
""")


VALUES = {"name": "Ada", "count": 7, "tags": ["b", "c"], "agree": True}


class TestPeerLayouts:
    def test_local_storage_keeps_the_raw_key_wrapped_in_an_object(self) -> None:
        """As streamlit-local-storage 0.0.25 writes: JSON.stringify({name: value}) under the name."""
        assert _adopt.peer_key(LS, "name", "/any/page") == "name"
        assert _adopt.peer_value(LS, "name", "Ada") == '{"name":"Ada"}'

    def test_extras_prefixes_the_sanitized_page_path(self) -> None:
        """As streamlit-extras 1.6.0 writes: st_extras_ + the path with non-alphanumerics as _ + _ + name."""
        assert _adopt.peer_key(EX, "name", "/") == "st_extras___name"
        assert _adopt.peer_key(EX, "name", "/my-app/Page 2") == "st_extras__my_app_Page_2_name"
        assert _adopt.peer_value(EX, "tags", ["b"]) == '["b"]'
        assert _adopt.peer_value(EX, "a", 1, expires_at=5.5) == '{"__st_expires_at__":5.5,"value":1}'


class TestDecode:
    @pytest.mark.parametrize("value", ["Ada", 7, 2.5, True, None, ["b", "c"], {"k": [1, {"x": None}]}, "é\u2028"])
    def test_round_trips_what_each_peer_wrote(self, value: object) -> None:
        """Every JSON value comes back as the peer would read it."""
        for source in (LS, EX):
            raw = _adopt.peer_value(source, "v", value)
            assert _adopt.decode(source, "v", raw, max_chars=10_000) == value

    def test_local_storage_takes_json_it_did_not_wrap_as_the_value(self) -> None:
        """Its reader unwraps only an object holding the name; other JSON is the value itself."""
        assert _adopt.decode(LS, "name", '"plain"', max_chars=100) == "plain"
        assert _adopt.decode(LS, "name", '{"other":1}', max_chars=100) == {"other": 1}

    def test_extras_value_within_its_expiry_is_unwrapped(self) -> None:
        raw = _adopt.peer_value(EX, "a", [1], expires_at=200.0)
        assert _adopt.decode(EX, "a", raw, max_chars=100, now=100.0) == [1]

    def test_extras_value_past_its_expiry_is_refused(self) -> None:
        """An expired value is never adopted (streamlit-extras would not return it either)."""
        raw = _adopt.peer_value(EX, "a", [1], expires_at=50.0)
        with pytest.raises(PersistError) as caught:
            _adopt.decode(EX, "a", raw, max_chars=100, now=100.0)
        assert caught.value.kind == "expired"
        assert caught.value.message == "the streamlit-extras value expired; not adopted"

    @pytest.mark.parametrize(
        ("raw", "kind"),
        [
            ("{broken", "corrupt"),
            ("", "corrupt"),
            ("NaN", "corrupt"),
            ('"\\ud800"', "corrupt"),  # a lone surrogate
            ("[" * 70 + "]" * 70, "corrupt"),  # deeper than the codec allows
            ('{"__st_expires_at__":"soon","value":1}', "corrupt"),
            ("x" * 1001, "too_large"),
        ],
    )
    def test_hostile_values_are_refused_with_a_kind(self, raw: str, kind: str) -> None:
        """Whatever the old layout holds, decoding raises PersistError, never anything else."""
        with pytest.raises(PersistError) as caught:
            _adopt.decode(EX, "a", raw, max_chars=1000)
        assert caught.value.kind == kind

    def test_messages_name_the_source(self) -> None:
        with pytest.raises(PersistError) as caught:
            _adopt.decode(LS, "a", "{", max_chars=100)
        assert caught.value.message == "the streamlit-local-storage value is not valid JSON; not adopted"


class TestOptions:
    def test_an_unknown_source_is_a_usage_error(self, browser: MemoryBrowser) -> None:
        at = app('sp.persist(["a"], adopt="streamlit_local_storage")').run()
        assert at.exception[0].message == (
            'adopt must be "streamlit-local-storage", "streamlit-extras" or None, not \'streamlit_local_storage\''
        )

    def test_adopt_needs_local_storage(self, browser: MemoryBrowser) -> None:
        """The peers keep values in localStorage: adopting into sessionStorage would move them per tab."""
        at = app('sp.persist(["a"], storage="session", adopt="streamlit-extras")').run()
        assert at.exception[0].message == (
            'adopt= needs storage="local": streamlit-extras kept its values in localStorage'
        )

    def test_without_adopt_no_check_asks_for_peers(self, browser: MemoryBrowser) -> None:
        browser.store_peer(LS, {"name": "Ada"})
        at = app(f'p = sp.persist(["name"], namespace="{NS}")').run()
        at.run()
        assert all("adopt" not in check for m in browser.messages for check in m["checks"])
        assert "name" not in at.session_state
        assert browser.local["name"] == '{"name":"Ada"}'


@pytest.mark.parametrize("source", [LS, EX])
class TestAdopt:
    def test_first_visit_adopts_stores_and_removes_the_old_keys(self, browser: MemoryBrowser, source: _adopt.Source) -> None:
        """Run 1 shows defaults and asks; the answer's run restores, stores here, and removes the peer's keys."""
        browser.store_peer(source, VALUES)
        at = widgets_app(source).run()
        assert at.text_input(key="name").value == ""
        at.run()
        assert not at.exception
        assert at.text_input(key="name").value == "Ada"
        assert at.number_input(key="count").value == 7
        assert at.multiselect(key="tags").value == ["b", "c"]
        assert at.checkbox(key="agree").value is True
        assert at.markdown[0].value == repr(sorted((k, source) for k in VALUES))
        assert at.markdown[1].value == "[]"
        assert browser.values(namespace=NS) == VALUES
        assert not [k for k in browser.local if not k.startswith("sp:")]

    def test_return_visit_restores_from_storage_and_asks_no_peer(self, browser: MemoryBrowser, source: _adopt.Source) -> None:
        """Once moved, a new session restores on its first run; the check names no adopted key."""
        browser.store_peer(source, VALUES)
        widgets_app(source).run().run()
        browser.messages.clear()
        at = widgets_app(source).run()
        assert at.text_input(key="name").value == "Ada"
        assert at.markdown[0].value == repr(sorted((k, "storage") for k in VALUES))
        assert all("adopt" not in check for m in browser.messages for check in m["checks"])

    def test_nothing_to_adopt_costs_no_answer(self, browser: MemoryBrowser, source: _adopt.Source) -> None:
        """The names are looked up with the page's own check; with nothing found, nothing comes back."""
        at = widgets_app(source).run()
        assert [c["adopt"]["names"] for m in browser.messages for c in m["checks"]] == [list(VALUES)]
        at.run()
        assert at.markdown[0].value == "[]"
        assert browser.values(namespace=NS) == {}

    def test_our_stored_value_wins_and_the_peer_key_is_left(self, browser: MemoryBrowser, source: _adopt.Source) -> None:
        """A key stored here is not looked up: the peer's copy is not ours to judge."""
        browser.store({"name": "Ours"}, namespace=NS)
        browser.store_peer(source, {"name": "Theirs"})
        at = widgets_app(source).run()
        at.run()
        assert at.text_input(key="name").value == "Ours"
        assert _adopt.peer_key(source, "name", "/") in browser.local

    def test_values_their_widget_rejects_are_dropped_and_reported(self, browser: MemoryBrowser, source: _adopt.Source) -> None:
        """A str for a number input, an unknown option: invalid, defaults shown, old keys removed."""
        browser.store_peer(source, {"count": "seven", "tags": ["z"], "name": "Ada"})
        at = widgets_app(source).run()
        at.run()
        assert not at.exception
        assert at.number_input(key="count").value == 0
        assert at.multiselect(key="tags").value == []
        assert at.text_input(key="name").value == "Ada"
        assert at.markdown[1].value == repr([("count", "invalid"), ("tags", "invalid")])
        at.run()
        assert browser.values(namespace=NS) == {"name": "Ada"}
        assert not [k for k in browser.local if not k.startswith("sp:")]

    def test_broken_and_huge_values_are_dropped_and_reported(self, browser: MemoryBrowser, source: _adopt.Source) -> None:
        browser.local[_adopt.peer_key(source, "name", "/")] = "{not json"
        browser.local[_adopt.peer_key(source, "tags", "/")] = json.dumps(["a"] * 400_000)
        browser.store_peer(source, {"agree": True})
        at = widgets_app(source).run()
        at.run()
        assert not at.exception
        assert at.checkbox(key="agree").value is True
        assert at.markdown[1].value == repr([("name", "corrupt"), ("tags", "too_large")])
        assert not [k for k in browser.local if not k.startswith("sp:")]

    def test_globs_never_adopt(self, browser: MemoryBrowser, source: _adopt.Source) -> None:
        """Only names listed literally: a pattern could take over keys other code owns on the origin."""
        browser.store_peer(source, {"f_a": "x"})
        at = app(f'p = sp.persist(["f_*"], namespace="{NS}", adopt="{source}")').run()
        at.run()
        assert "f_a" not in at.session_state
        assert all("adopt" not in check for m in browser.messages for check in m["checks"])

    def test_a_failed_write_keeps_the_old_key(self, source: _adopt.Source) -> None:
        """The peer's copy goes only once ours is in storage: a full storage keeps it for the next visit."""
        with MemoryBrowser(quota=60) as browser:
            browser.store_peer(source, {"name": "Ada"})
            at = widgets_app(source).run()
            at.run().run()  # the browser's failure reaches Python with the next run
            assert at.text_input(key="name").value == "Ada"
            assert at.markdown[1].value == repr([("name", "quota")])
            assert browser.values(namespace=NS) == {}
            assert _adopt.peer_key(source, "name", "/") in browser.local


class TestExtrasSpecifics:
    def test_an_expired_value_is_reported_and_removed(self, browser: MemoryBrowser) -> None:
        browser.store_peer(EX, {"name": "Old"}, expires_at=1.0)
        browser.store_peer(EX, {"count": 3}, expires_at=4_000_000_000.0)
        at = widgets_app(EX).run()
        at.run()
        assert at.text_input(key="name").value == ""
        assert at.number_input(key="count").value == 3
        assert at.markdown[1].value == repr([("name", "expired")])
        assert browser.local == {k: v for k, v in browser.local.items() if k.startswith("sp:")}

    def test_values_are_read_from_the_page_path(self) -> None:
        """streamlit-extras keeps values per URL path: the page the user opens is where they are read."""
        with MemoryBrowser(path="/reports") as browser:
            browser.store_peer(EX, {"name": "Ada"})
            assert "st_extras__reports_name" in browser.local
            at = widgets_app(EX).run()
            at.run()
            assert at.text_input(key="name").value == "Ada"


def test_the_guide_s_testing_example_works(tmp_path: Path) -> None:
    """docs/migrating.md, "Testing the move": an app file, the default namespace, two runs."""
    script = tmp_path / "app.py"
    script.write_text(
        "import streamlit as st\nimport streamlit_persist as sp\n"
        'sp.persist(["name"], adopt="streamlit-local-storage")\nst.text_input("Name", key="name")\n'
    )
    browser = MemoryBrowser()
    browser.store_peer("streamlit-local-storage", {"name": "Ann"})
    with browser:
        at = AppTest.from_file(str(script)).run()
        at.run()
    assert at.text_input(key="name").value == "Ann"
    assert "name" not in browser.local
