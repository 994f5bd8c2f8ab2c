"""The bridge's inline early copy: what Python puts into ``<script>`` must survive Streamlit's
``st.html`` (DOMPurify) and never let stored data end the script."""

from __future__ import annotations

import re

import orjson
import pytest

from streamlit_persist import _protocol
from streamlit_persist._protocol import PersistData


def _data(writes: dict[str, str | None]) -> PersistData:
    return {
        "v": 1,
        "prefix": "sp:app:",
        "storage": "local",
        "sid": "s1",
        "hydrate": None,
        "boot": None,
        "rev": 1,
        "full": False,
        "writes": writes,
        "cookie": None,
        "sync": False,
    }


def test_the_built_early_copy_can_be_inlined() -> None:
    code = _protocol._early_script()
    assert "streamlitPersistEarly" in code
    assert not re.search(r"<[\w/!]", code)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", code)


def test_inlinable_escapes_control_characters_and_refuses_what_dompurify_drops() -> None:
    assert _protocol.inlinable('var s=`a\x00b\x01`;\n') == "var s=`a\\x00b\\x01`;"
    assert _protocol.inlinable("for(let i=0;n>i;i++){}") == "for(let i=0;n>i;i++){}"
    for bad in ("if(a<b)x()", "s='</script>'", "x=1<!--2"):
        with pytest.raises(RuntimeError):
            _protocol.inlinable(bad)


def test_stored_text_cannot_end_the_inline_script() -> None:
    hostile = 'sp1.p.-.1.[1,null,"j","</script><script>alert(1)</script><!--"]'
    call = _protocol.early_call(_data({"a": hostile, "b": None}))
    assert "<" not in call
    payload = call[call.index("(") + 1 : -1]
    assert orjson.loads(payload)["writes"] == {"a": hostile, "b": None}
