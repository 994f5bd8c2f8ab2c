"""Share-link encoding: round trips, tamper/forge/expiry suites, decompression bombs."""

from __future__ import annotations

import datetime as dt
import secrets
import tracemalloc
import uuid
import zlib
from decimal import Decimal
from typing import Any, Literal

import pytest

from streamlit_persist import _crypto, _encoding, _links
from streamlit_persist._links import decode_link, encode_link, link_context
from streamlit_persist.exceptions import PersistError

KEYRING = _crypto.Keyring(secrets.token_urlsafe(32))
OTHER = _crypto.Keyring(secrets.token_urlsafe(32))
CTX = link_context("app", "page-hash")
NOW = 1_700_000_000.0

PROTECTORS: dict[str, Any] = {
    "plain": None,
    "signed": KEYRING.protector("link", "signed"),
    "encrypted": KEYRING.protector("link", "encrypted"),
}

VALUES: dict[str, Any] = {
    "text": "héllo ✓",
    "int": 7,
    "big": 2**80,
    "float": 2.5,
    "nan": float("inf"),
    "bool": True,
    "none": None,
    "list": ["a", "b", 3],
    "tuple": (2, 8),
    "set": {"x", "y"},
    "frozenset": frozenset({1}),
    "dict": {"a": 1, "nested": {"b": [1, 2]}},
    "intkeys": {1: "one"},
    "date": dt.date(2024, 2, 29),
    "datetime": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    "time": dt.time(12, 30),
    "delta": dt.timedelta(days=1, seconds=3),
    "decimal": Decimal("1.10"),
    "uuid": uuid.UUID(int=5),
    "bytes": b"\x00\xff",
    "__sp__": "tag-like key",
}


@pytest.mark.parametrize("mode", list(PROTECTORS))
class TestRoundTrip:
    def test_every_supported_type(self, mode: str) -> None:
        link = encode_link(VALUES, CTX, protector=PROTECTORS[mode], now=NOW)
        decoded = decode_link(link, CTX, protector=PROTECTORS[mode], now=NOW + 1)
        assert decoded.values == VALUES
        assert {k: type(v) for k, v in decoded.values.items()} == {k: type(v) for k, v in VALUES.items()}
        assert decoded.issued_at == int(NOW)
        assert decoded.expires_at == int(NOW) + 7 * 24 * 3600

    @pytest.mark.parametrize("key", list(VALUES))
    def test_each_type_alone(self, mode: str, key: str) -> None:
        link = encode_link({key: VALUES[key]}, CTX, protector=PROTECTORS[mode], now=NOW)
        assert decode_link(link, CTX, protector=PROTECTORS[mode], now=NOW).values == {key: VALUES[key]}

    def test_link_is_url_safe(self, mode: str) -> None:
        link = encode_link(VALUES, CTX, protector=PROTECTORS[mode], now=NOW)
        allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
        assert set(link) <= allowed
        assert link[0] == {"plain": "p", "signed": "s", "encrypted": "e"}[mode]

    def test_wrong_page_namespace_or_purpose(self, mode: str) -> None:
        link = encode_link({"a": 1}, CTX, protector=PROTECTORS[mode], now=NOW)
        for other in (link_context("app", "other-page"), link_context("other", "page-hash")):
            with pytest.raises(PersistError) as info:
                decode_link(link, other, protector=PROTECTORS[mode], now=NOW)
            assert info.value.kind == "link"


def test_encrypted_link_hides_values() -> None:
    link = encode_link({"name": "SECRETVALUE"}, CTX, protector=PROTECTORS["encrypted"], now=NOW)
    assert "SECRETVALUE" not in link
    assert "name" not in link


def test_compression_shrinks_repetitive_state() -> None:
    values = {"selection": [f"item-{i:03d}" for i in range(50)]}
    link = encode_link(values, CTX, protector=PROTECTORS["signed"], now=NOW)
    assert len(link) < 300


def _mutations(link: str) -> list[str]:
    """Every single-bit flip of every character, every one-character edit, every prefix."""
    out: set[str] = set()
    for i, ch in enumerate(link):
        for bit in range(7):
            flipped = chr(ord(ch) ^ (1 << bit))
            out.add(link[:i] + flipped + link[i + 1 :])
        for repl in "A_-.0z":
            out.add(link[:i] + repl + link[i + 1 :])
        out.add(link[:i] + link[i + 1 :])  # deletion
        out.add(link[:i])  # truncation prefix
    out.add(link + "A")
    out.discard(link)
    return sorted(out)


@pytest.mark.parametrize("mode", ["signed", "encrypted"])
def test_every_edit_of_a_protected_link_is_rejected(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    protector = PROTECTORS[mode]
    link = encode_link({"is_admin": False, "view": "table"}, CTX, protector=protector, now=NOW)
    accepted = 0
    kinds: set[str] = set()
    mutations = _mutations(link)
    for candidate in mutations:
        try:
            decode_link(candidate, CTX, protector=protector, now=NOW)
        except PersistError as e:
            kinds.add(e.kind)
        else:
            accepted += 1
    with capsys.disabled():
        print(f"\n{mode} link: {len(mutations)} edits/bit flips/truncations tried, {accepted} accepted")
    assert accepted == 0
    assert kinds == {"link"}


def test_plain_link_edits_never_raise_anything_else() -> None:
    link = encode_link({"a": [1, 2, 3]}, CTX, now=NOW)
    kinds: set[str] = set()
    for candidate in _mutations(link):
        try:
            decode_link(candidate, CTX, now=NOW)
        except PersistError as e:
            kinds.add(e.kind)
    assert kinds == {"link"}


@pytest.mark.parametrize("mode", ["signed", "encrypted"])
def test_forgery_without_the_key_is_rejected(mode: Literal["signed", "encrypted"]) -> None:
    forged = encode_link({"is_admin": True}, CTX, protector=OTHER.protector("link", mode), now=NOW)
    plain = encode_link({"is_admin": True}, CTX, now=NOW)
    for candidate in (forged, plain):
        with pytest.raises(PersistError) as info:
            decode_link(candidate, CTX, protector=PROTECTORS[mode], now=NOW)
        assert info.value.kind == "link"


def test_storage_token_is_not_a_link() -> None:
    """A value sealed for purpose "store" never opens as a link (different subkeys)."""
    store = KEYRING.protector("store", "encrypted")
    link = encode_link({"a": 1}, CTX, protector=store, now=NOW)
    with pytest.raises(PersistError):
        decode_link(link, CTX, protector=PROTECTORS["encrypted"], now=NOW)


@pytest.mark.parametrize("mode", list(PROTECTORS))
class TestExpiry:
    def test_expires_after_ttl(self, mode: str) -> None:
        link = encode_link({"a": 1}, CTX, protector=PROTECTORS[mode], ttl_seconds=60, now=NOW)
        assert decode_link(link, CTX, protector=PROTECTORS[mode], now=NOW + 59).values == {"a": 1}
        with pytest.raises(PersistError, match="expired"):
            decode_link(link, CTX, protector=PROTECTORS[mode], now=NOW + 60)

    def test_future_dated_rejected(self, mode: str) -> None:
        link = encode_link({"a": 1}, CTX, protector=PROTECTORS[mode], now=NOW + 3600)
        with pytest.raises(PersistError, match="future"):
            decode_link(link, CTX, protector=PROTECTORS[mode], now=NOW)

    def test_no_ttl(self, mode: str) -> None:
        link = encode_link({"a": 1}, CTX, protector=PROTECTORS[mode], ttl_seconds=None, now=NOW)
        assert decode_link(link, CTX, protector=PROTECTORS[mode], now=NOW + 10**8).expires_at is None


def _bomb_link(mode: str, size: int) -> str:
    """A correctly protected link whose payload inflates to ``size`` bytes."""
    ctx = _links._ctx_hash(CTX) if mode == "plain" else ""
    header = f'[1700000000,null,"j","{ctx}"]'.encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    compressed = packer.compress(header + b'{"a":"') + packer.compress(b"A" * size) + packer.flush()
    protector = PROTECTORS[mode]
    if protector is None:
        return "p." + _encoding.b64encode(compressed)
    kid = protector.kid_for_seal()
    if mode == "encrypted":
        kid, body = protector.seal(compressed, CTX.associated_data("e", kid, _links.LINK_VERSION))
        return f"e{kid}.{body}"
    text = _encoding.b64encode(compressed).encode()
    kid, body = protector.seal(text, CTX.associated_data("s", kid, _links.LINK_VERSION))
    return f"s{kid}.{body}"


@pytest.mark.parametrize("mode", list(PROTECTORS))
def test_decompression_bomb_is_rejected_with_bounded_memory(mode: str) -> None:
    """A valid link (under MAX_PARAM_CHARS) inflating to 5 MiB: refused at the cap, memory bounded."""
    link = _bomb_link(mode, 5 * 1024 * 1024)
    assert len(link) <= _links.MAX_PARAM_CHARS
    tracemalloc.start()
    try:
        with pytest.raises(PersistError, match="expands to more than"):
            decode_link(link, CTX, protector=PROTECTORS[mode], now=NOW)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes"


def test_oversized_param_refused_unread() -> None:
    with pytest.raises(PersistError, match="too long"):
        decode_link("p." + "A" * (_links.MAX_PARAM_CHARS + 1), CTX)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "p",
        "p.",
        "p.!!",
        "x.AAAA",
        "s.AAAA",
        "e12345678.",
        "p.AAAA=",
        "p.a+b/",
        "é.AA",
        5,
        None,
        ["p.A"],
    ],
)
def test_malformed_links(garbage: object) -> None:
    for protector in PROTECTORS.values():
        with pytest.raises(PersistError) as info:
            decode_link(garbage, CTX, protector=protector, now=NOW)
        assert info.value.kind == "link"


def test_hostile_plaintext_under_plain_mode() -> None:
    """Valid compression around bad JSON: duplicate keys, NaN, deep nesting, non-dict."""
    ctx = _links._ctx_hash(CTX)
    for body in (b'{"a":1,"a":2}', b'{"a":NaN}', b"[" * 5000 + b"]" * 5000, b"[1,2]", b'{"a": 1}'):
        plaintext = f'[1700000000,null,"j","{ctx}"]'.encode() + body
        link = "p." + _encoding.b64encode(_encoding.deflate(plaintext))
        with pytest.raises(PersistError) as info:
            decode_link(link, CTX, now=NOW)
        assert info.value.kind == "link"


def test_deny_list() -> None:
    for name in ("password", "API_KEY", "my_secret", "auth_state", "session_id", "csrf_token", "Cookie"):
        assert _links.is_denied(name)
        with pytest.raises(PersistError) as info:
            encode_link({name: 1}, CTX, now=NOW)
        assert info.value.kind == "usage"
    for name in ("filters", "view", "name", "selection"):
        assert not _links.is_denied(name)


def test_key_sizes_name_the_largest_first() -> None:
    sizes = _links.key_sizes({"small": 1, "text": secrets.token_hex(500), "mid": list(range(50))})
    assert next(iter(sizes)) == "text"
