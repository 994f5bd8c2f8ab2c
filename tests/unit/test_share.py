"""Share links driven through AppTest: applied on the first run, before stored values."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

import streamlit_persist as sp
from streamlit_persist.testing import MemoryBrowser

NS = "t"
SECRET = secrets.token_urlsafe(32)

APP = """
import os
import streamlit as st
import streamlit_persist as sp

secret = os.environ.get("SP_TEST_SECRET") or None
protect = os.environ.get("SP_TEST_PROTECT") or None
p = sp.persist(["filters", "view", "name", "big"], namespace="t", secret=secret, protect=protect,
               share=["filters", "view", "big"])
st.multiselect("Filters", ["a", "b", "c"], key="filters")
st.radio("View", ["table", "chart"], key="view")
st.text_input("Name", key="name")
st.session_state.setdefault("big", "")
if st.session_state.get("make_link"):
    try:
        st.code(p.share_url(base_url="http://example.test/app?keep=1"), language=None)
    except sp.PersistError as e:
        st.error(f"{e.kind}: {e}")
st.write(f"restored={sorted(p.restored_from.items())}")
st.write(f"errors={[e.kind for e in p.errors]}")
"""


@pytest.fixture(params=["plain", "sign", "encrypt"])
def app_file(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if request.param != "plain":
        monkeypatch.setenv("SP_TEST_SECRET", SECRET)
        monkeypatch.setenv("SP_TEST_PROTECT", request.param)
    path = tmp_path / "share_app.py"
    path.write_text(APP)
    return path


def make_link(app_file: Path, browser: MemoryBrowser, **state: object) -> str:
    """Browser A: set state, take share_url()."""
    at = AppTest.from_file(str(app_file), default_timeout=10)
    at.session_state["make_link"] = True
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    url = at.code[0].value
    browser.local.clear()  # browser B starts empty
    browser.cookies.clear()
    return url


def open_link(app_file: Path, url: str) -> AppTest:
    at = AppTest.from_file(str(app_file), default_timeout=10)
    param = parse_qs(urlsplit(url).query)["state"][0]
    at.query_params["state"] = param
    return at.run()


def test_link_is_applied_on_the_first_run(app_file: Path, browser: MemoryBrowser) -> None:
    url = make_link(app_file, browser, filters=["b", "c"], view="chart", name="Ann")
    split = urlsplit(url)
    assert (split.scheme, split.netloc, split.path) == ("http", "example.test", "/app")
    assert parse_qs(split.query)["keep"] == ["1"]  # other params kept
    at = open_link(app_file, url)
    assert not at.exception
    assert at.multiselect(key="filters").value == ["b", "c"]
    assert at.radio(key="view").value == "chart"
    assert at.text_input(key="name").value == ""  # not in share: never in the link
    assert "'filters', 'link'" in at.markdown[0].value
    assert "state" not in at.query_params  # removed from the address bar
    assert at.markdown[1].value == "errors=[]"
    # mirrored to storage as usual
    assert {k.split(":")[-1] for k in browser.local} >= {"filters", "view"}


def test_link_beats_stored_values(app_file: Path, browser: MemoryBrowser) -> None:
    url = make_link(app_file, browser, filters=["a"], view="chart")
    secret = os.environ.get("SP_TEST_SECRET")
    protect = os.environ.get("SP_TEST_PROTECT") or "encrypt"
    stored = {"filters": ["c"], "view": "table", "name": "Bob"}
    browser.store(stored, namespace=NS, secret=secret, protect="sign" if protect == "sign" else "encrypt")
    at = open_link(app_file, url)
    assert at.multiselect(key="filters").value == ["a"]
    assert at.radio(key="view").value == "chart"
    assert at.text_input(key="name").value == "Bob"  # from storage
    assert "('filters', 'link')" in at.markdown[0].value
    assert "('name', 'storage')" in at.markdown[0].value
    at.run()  # a later run keeps the link's values and stores them
    assert at.multiselect(key="filters").value == ["a"]
    mode: Literal["sign", "encrypt"] = "sign" if protect == "sign" else "encrypt"
    assert browser.values(namespace=NS, secret=secret, protect=mode)["filters"] == ["a"]
    assert browser.values(namespace=NS, secret=secret, protect=mode)["view"] == "chart"


def test_tampered_link_warns_and_keeps_defaults(app_file: Path, browser: MemoryBrowser) -> None:
    url = make_link(app_file, browser, filters=["b"], view="chart")
    param = parse_qs(urlsplit(url).query)["state"][0]
    tampered = param[:-3] + ("AAA" if param[-3:] != "AAA" else "BBB")
    at = AppTest.from_file(str(app_file), default_timeout=10)
    at.query_params["state"] = tampered
    at.run()
    assert not at.exception
    assert at.multiselect(key="filters").value == []
    assert at.radio(key="view").value == "table"
    assert "link" in at.markdown[1].value
    assert len(at.toast) == 1
    assert "could not be opened" in at.toast[0].value
    assert "state" not in at.query_params


def test_too_long_link_names_the_largest_key(app_file: Path, browser: MemoryBrowser) -> None:
    at = AppTest.from_file(str(app_file), default_timeout=10)
    at.session_state["make_link"] = True
    at.session_state["big"] = secrets.token_hex(1500)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("too_large")
    assert "'big'" in at.error[0].value


def test_deny_listed_share_key_refused_at_call_time() -> None:
    at = AppTest.from_string(
        'import streamlit_persist as sp\nsp.persist(["api_key"], namespace="t", share=["api_key"])',
        default_timeout=10,
    ).run()
    assert at.exception
    assert "looks secret" in at.exception[0].message


def test_share_without_share_list_is_a_usage_error() -> None:
    at = AppTest.from_string(
        'import streamlit_persist as sp\np = sp.persist(["a"], namespace="t")\np.share_url()',
        default_timeout=10,
    ).run()
    assert at.exception
    assert "share=" in at.exception[0].message


def test_keys_outside_share_are_refused() -> None:
    with pytest.raises(sp.PersistError):
        sp.persist(["x"], namespace="t", share=["password"])
    with pytest.raises(sp.PersistError):
        sp.persist(["x"], namespace="t", share=["x"], share_param="bad param")


def test_share_button_mounts_the_component(app_file: Path, browser: MemoryBrowser) -> None:
    at = AppTest.from_string(
        "import streamlit as st\nimport streamlit_persist as sp\n"
        'p = sp.persist(["view"], namespace="t", share=["view"])\n'
        'st.session_state.setdefault("view", "chart")\n'
        'p.share_button("Copy link")\n',
        default_timeout=10,
    ).run()
    assert not at.exception
    components = [e for e in at.get("bidi_component") if "Copy link" in str(e.proto)]
    assert components, "share component not mounted"
