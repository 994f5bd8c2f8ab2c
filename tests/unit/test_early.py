"""The early copy: what Python puts into ``<script>`` must survive Streamlit's ``st.html``
(DOMPurify) and never let stored data end the script; its states run in order."""

from __future__ import annotations

import re

import orjson
import pytest

from streamlit_persist import _early
from streamlit_persist._protocol import PROTOCOL_VERSION, PersistData


def _data(writes: dict[str, str | None]) -> PersistData:
    return {
        "v": PROTOCOL_VERSION,
        "prefix": "sp:app:",
        "storage": "local",
        "sid": "s1",
        "checks": [],
        "rev": 1,
        "base": 0,
        "writes": writes,
        "cookie": None,
        "sync": False,
    }


def test_the_built_early_copy_can_be_inlined() -> None:
    """The shipped bundle passes the inline rule (the build refuses one that does not)."""
    code = _early._code()
    assert "streamlitPersistEarly" in code
    assert not re.search(r"<[\w/!]", code)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", code)


def test_inlinable_escapes_control_characters_and_refuses_what_dompurify_drops() -> None:
    """Control characters become escapes; "<" before a letter, "/" or "!" is refused."""
    assert _early.inlinable("var s=`a\x00b\x01`;\n") == "var s=`a\\x00b\\x01`;"
    assert _early.inlinable("for(let i=0;n>i;i++){}") == "for(let i=0;n>i;i++){}"
    for bad in ("if(a<b)x()", "s='</script>'", "x=1<!--2"):
        with pytest.raises(RuntimeError):
            _early.inlinable(bad)


def test_stored_text_cannot_end_the_inline_script() -> None:
    """Hostile stored text is JSON with "<" escaped: it cannot close the script."""
    hostile = 'sp1.p.-.1.[1,null,"j","</script><script>alert(1)</script><!--"]'
    call = _early.call(_data({"a": hostile, "b": None}))
    assert "<" not in call
    payload = call[call.index("(") + 1 : -1]
    assert orjson.loads(payload)["writes"] == {"a": hostile, "b": None}


class TestStages:
    @pytest.fixture
    def scripts(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        added: list[str] = []
        monkeypatch.setattr(_early, "_run_script", added.append)
        return added

    def test_code_up_front_when_a_write_is_likely(self, scripts: list[str]) -> None:
        """plan(write_likely) defines the code at once; deliver adds only the data."""
        copy = _early.EarlyCopy()
        copy.plan(write_likely=True)
        stages = [copy.stage]
        assert len(scripts) == 1
        copy.deliver(_data({"a": "t"}))
        stages.append(copy.stage)
        assert stages == [_early.Stage.PLANNED, _early.Stage.DONE]
        assert len(scripts) == 2
        assert scripts[1].startswith("window.streamlitPersistEarly")

    def test_code_with_the_data_otherwise(self, scripts: list[str]) -> None:
        """A visit that only restores adds no script; one that writes adds code and data together."""
        quiet = _early.EarlyCopy()
        quiet.plan(write_likely=False)
        quiet.deliver(_data({}))
        assert scripts == []
        writing = _early.EarlyCopy()
        writing.plan(write_likely=False)
        writing.deliver(_data({"a": "t"}))
        assert len(scripts) == 1
        assert "streamlitPersistEarly.applyEarly(" in scripts[0]
        assert not scripts[0].startswith("window.")

    def test_delivered_once_and_never_unplanned(self, scripts: list[str]) -> None:
        """Only a planned copy delivers, and only once."""
        copy = _early.EarlyCopy()
        copy.deliver(_data({"a": "t"}))
        assert scripts == []
        copy.plan(write_likely=False)
        copy.deliver(_data({"a": "t"}))
        copy.deliver(_data({"a": "t"}))
        copy.plan(write_likely=True)
        assert len(scripts) == 1
