"""Key selection: literal names, globs and exclusions, the same in Python and in the browser."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from streamlit_persist._keys import KeySelector

VECTORS = Path(__file__).resolve().parents[2] / "component" / "selection.vectors.json"
ALPHABET = st.sampled_from(list("ab-]![*?\\^&~|.$()+{}é😀\n"))


class TestSelection:
    def test_literals_globs_and_exclusions(self) -> None:
        """Exclusions win over every including pattern."""
        keys = KeySelector(["theme", "filter_*", "!filter_tmp", "!theme"])
        assert [k for k in ["theme", "filter_a", "filter_tmp", "x"] if k in keys] == ["filter_a"]

    def test_non_strings_are_never_selected(self) -> None:
        assert 1 not in KeySelector(["*"])
        assert None not in KeySelector(["*"])

    def test_extend_returns_itself_when_nothing_is_new(self) -> None:
        keys = KeySelector(["a"])
        assert keys.extend(["a"]) is keys
        assert keys.extend(["b"]).patterns == ("a", "b")

    def test_unmatched_names_the_closest_key(self) -> None:
        """A typo is named with the key the author probably meant."""
        misses = KeySelector(["nmae", "filter_*", "zzz", "!x"]).unmatched(["name", "filter_a"])
        assert misses == {"nmae": "name", "zzz": None}

    @settings(max_examples=3000, deadline=None)
    @given(st.text(ALPHABET, max_size=8), st.text(ALPHABET, max_size=6))
    def test_globs_mean_what_fnmatch_means(self, pattern: str, key: str) -> None:
        """Selection agrees with fnmatch.fnmatchcase on hostile patterns and keys."""
        if pattern.startswith("!"):
            return
        assert (key in KeySelector([pattern])) == fnmatch.fnmatchcase(key, pattern)

    @settings(max_examples=3000, deadline=None)
    @given(st.lists(st.text(ALPHABET, min_size=1, max_size=6), max_size=4), st.text(ALPHABET, max_size=6))
    def test_the_browser_expression_selects_the_same_keys(self, patterns: list[str], key: str) -> None:
        """``js_source`` (also a valid Python expression) selects exactly what Python selects."""
        keys = KeySelector(patterns)
        assert (re.match(keys.js_source, key) is not None) == (key in keys)


def test_vectors_for_the_browser_are_current() -> None:
    """component/selection.test.ts checks JavaScript against these; they must match Python today."""
    for vector in json.loads(VECTORS.read_text("utf-8")):
        keys = KeySelector(vector["patterns"])
        assert keys.js_source == vector["source"]
        assert {key: key in keys for key in vector["matches"]} == vector["matches"]
