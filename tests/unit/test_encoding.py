"""Strict base64url, capped inflate and the entries hash shared with the browser."""

from __future__ import annotations

import pytest

from streamlit_persist._encoding import b64decode, b64encode, deflate, entries_hash, inflate


def test_entries_hash_matches_the_browser() -> None:
    """Pinned in component/selection.test.ts too: both sides must agree to the bit."""
    entries = {"name": 'sp1.p.-.1.[1,null,"j","Ann"]', "ü": "é😀", "\ud800x": "lone", "Z": ""}
    assert entries_hash(entries) == "99d391da"
    assert entries_hash({"a": "x"}) == "cef3c67e"
    assert entries_hash({}) == ""


def test_entries_hash_ignores_order_and_sees_every_change() -> None:
    assert entries_hash({"a": "1", "b": "2"}) == entries_hash({"b": "2", "a": "1"})
    assert entries_hash({"a": "1", "b": "2"}) != entries_hash({"a": "1", "b": "3"})
    assert entries_hash({"ab": "c"}) != entries_hash({"a": "bc"})


@pytest.mark.parametrize("text", ["A", "AB=", "A+B/", "ABC!", "AB\n", "é"])
def test_b64decode_refuses_what_is_not_base64url(text: str) -> None:
    """Non-alphabet characters, padding and the standard alphabet fail."""
    with pytest.raises(ValueError, match="base64url"):
        b64decode(text)


@pytest.mark.parametrize("text", ["AB", "AAB"])
def test_b64decode_refuses_non_canonical_tails(text: str) -> None:
    """Unused low bits of the last character must be zero (a lax decoder ignores them)."""
    with pytest.raises(ValueError, match="canonical"):
        b64decode(text)


def test_b64_round_trip() -> None:
    for size in range(0, 40):
        data = bytes(range(size))
        assert b64decode(b64encode(data)) == data


def test_inflate_caps_and_refuses_damage() -> None:
    """At most ``cap`` bytes come out; truncated or padded streams are refused."""
    packed = deflate(b"0" * 10_000)
    assert inflate(packed, 10_000) == b"0" * 10_000
    with pytest.raises(ValueError, match="expands to more than"):
        inflate(packed, 9_999)
    with pytest.raises(ValueError, match="truncated"):
        inflate(packed[:-2], 10_000)
    with pytest.raises(ValueError, match="trailing data"):
        inflate(packed + b"x", 10_000)
    with pytest.raises(ValueError, match="not valid compressed data"):
        inflate(b"\xff\xff", 10_000)
