"""The token envelope: structure, versions, expiry and context binding, in every mode.

Security suites print their counts (``pytest -s``) and assert that nothing foreign was accepted.
"""

from __future__ import annotations

import itertools
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamlit_persist import _codec, _envelope
from streamlit_persist._crypto import Keyring, Protector
from streamlit_persist._envelope import Context
from streamlit_persist.exceptions import ERROR_KINDS, PersistError

SECRET = secrets.token_urlsafe(32)
KEYRING = Keyring(SECRET)
NOW = 1_700_000_000
CTX = Context("store", "app", "slot")
MODES = ["p", "s", "e"]


def protector(mode: str, purpose: str = "store") -> Protector | None:
    return None if mode == "p" else KEYRING.protector(purpose, mode)  # type: ignore[arg-type]


def seal(value: object, mode: str, ctx: Context = CTX, *, now: float = NOW, **kw: object) -> str:
    flag, data = _codec.dumps(value)
    return _envelope.seal(
        flag,
        data,
        ctx,
        protector=protector(mode, ctx.purpose),
        now=now,
        **kw,  # type: ignore[arg-type]
    )


def open_value(token: object, mode: str, ctx: Context = CTX, *, now: float = NOW) -> object:
    return _envelope.open_token(token, ctx, protector=protector(mode, ctx.purpose), now=now).value()


def accepted(token: object, mode: str, ctx: Context = CTX, *, now: float = NOW) -> bool:
    """Opens and decodes; anything but a PersistError fails the test."""
    try:
        open_value(token, mode, ctx, now=now)
    except PersistError as e:
        kind: str = e.kind
    else:
        return True
    assert kind in ERROR_KINDS
    return False


def error_kind(token: object, mode: str, ctx: Context = CTX, *, now: float = NOW) -> str:
    with pytest.raises(PersistError) as info:
        open_value(token, mode, ctx, now=now)
    return info.value.kind


# --------------------------------------------------------------------------- plain mode


def test_plain_token_is_readable() -> None:
    token = seal({"theme": "dark"}, "p", version=3, ttl_seconds=10)
    assert token == f'sp1.p.-.3.[{NOW},{NOW + 10},"j",{{"theme":"dark"}}]'
    assert open_value(token, "p") == {"theme": "dark"}


@pytest.mark.parametrize(
    "forged",
    [
        "sp1.p.-.1.[1,null,[],1]",  # unhashable flag
        "sp1.p.-.1.[1,null,{},1]",
        'sp1.p.-.1.[1,null,"x",1]',  # unknown flag
        "sp1.p.-.1.[1,null,1,1]",
        'sp1.p.-.1.[1.0,null,"j",1]',  # float iat
        'sp1.p.-.1.[true,null,"j",1]',
        'sp1.p.-.1.["1",null,"j",1]',
        'sp1.p.-.1.[1,"x","j",1]',
        'sp1.p.-.1.[1,false,"j",1]',
        'sp1.p.-.1.[1,1.5,"j",1]',
        'sp1.p.-.1.[ 1,null,"j",1]',  # not canonical
        'sp1.p.-.1.[01,null,"j",1]',
        'sp1.p.-.1.[1,null,"j" ,1]',
        'sp1.p.-.1.[1,null,"\\u006a",1]',
        'sp1.p.-.1.[99999999999999999999999,null,"j",1]',
        'sp1.p.-.1.[1,null,"j",1',  # no closing bracket
        'sp1.p.-.1.[1,null,"j"]',
        'sp1.p.-.1.[1,null,"j",]',
        'sp1.p.-.1.[1,null,"j",1]]',
        'sp1.p.-.1.[1,null,"j",1,2]',
        'sp1.p.-.1.[1,null,"j",[1]',
        'sp1.p.-.1.[1,null,"j",NaN]',
        'sp1.p.-.1.[1,null,"j",{"a":1,"a":2}]',
        'sp1.p.-.1.[1,null,"j","\\ud800"]',
        'sp1.p.-.1.[1,null,"j",' + "[" * 100_000 + "]",
        'sp1.p.-.1.[1,null,"j","\ud800"]',
        'sp1.p.-.1.{"iat":1,"exp":null,"v":1}',
        "sp1.p.-.1.",
        "sp1.p.-.1",
        'sp1.p.x.1.[1,null,"j",1]',  # plain with a kid
        'sp1.p..1.[1,null,"j",1]',
        'sp2.p.-.1.[1,null,"j",1]',
        ' sp1.p.-.1.[1,null,"j",1]',
        'SP1.p.-.1.[1,null,"j",1]',
        '[1,null,"j",1]',
        "",
    ],
)
def test_plain_structure_is_strict(forged: str) -> None:
    assert not accepted(forged, "p", now=10)


def test_plain_header_forgery_is_possible_only_in_plain_mode() -> None:
    """Plain mode has no authenticity (documented): a well-formed edit opens; protected modes refuse."""
    token = seal({"is_admin": False}, "p")
    forged = token.replace("false", "true")
    assert open_value(forged, "p") == {"is_admin": True}
    for mode in ("s", "e"):
        assert error_kind(forged, mode) == "tampered"


def test_non_string_and_oversized_tokens() -> None:
    for mode in MODES:
        for bad in (None, 1, b"sp1", ["sp1"], {"a": 1}):
            assert error_kind(bad, mode) == "corrupt"
        assert error_kind("sp1.p.-.1." + "x" * _envelope.MAX_TOKEN_CHARS, mode) == "too_large"


def test_mode_mismatch_message_does_not_echo_long_input() -> None:
    with pytest.raises(PersistError) as info:
        open_value("sp1." + "x" * 100_000 + ".a.1.b", "e")
    assert len(str(info.value)) < 200


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("version", [0, 1, 42, 999_999_999])
def test_versions_round_trip(mode: str, version: int) -> None:
    token = seal("v", mode, version=version)
    assert token.split(".")[3] == str(version)
    assert _envelope.open_token(token, CTX, protector=protector(mode), now=NOW).version == version


@pytest.mark.parametrize(
    "text",
    ["", "01", "00", "-1", "+1", " 1", "1 ", "1e3", "0x1", "1_0", "\u00b2", "\u0661", "1000000000", "9" * 30],
)
def test_bad_versions_refused(text: str) -> None:
    for mode in MODES:
        prefix, m, kid, _, body = seal("v", mode).split(".", 4)
        assert error_kind(f"{prefix}.{m}.{kid}.{text}.{body}", mode) == "corrupt"


@pytest.mark.parametrize("mode", ["s", "e"])
def test_version_is_bound_in_protected_modes(mode: str) -> None:
    prefix, m, kid, _, body = seal("v", mode, version=1).split(".", 4)
    assert error_kind(f"{prefix}.{m}.{kid}.2.{body}", mode) == "tampered"


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize("mode", MODES)
def test_expiry_with_fake_clock(mode: str) -> None:
    token = seal("v", mode, now=1000, ttl_seconds=60)
    assert open_value(token, mode, now=1000) == "v"
    assert open_value(token, mode, now=1059.999) == "v"
    assert error_kind(token, mode, now=1060) == "expired"
    assert error_kind(token, mode, now=10**12) == "expired"
    forever = seal("v", mode, now=1000)
    assert open_value(forever, mode, now=10**12) == "v"
    assert error_kind(seal("v", mode, now=1000, ttl_seconds=0), mode, now=1000) == "expired"


@pytest.mark.parametrize("mode", MODES)
def test_future_issued_at_refused(mode: str) -> None:
    token = seal("v", mode, now=10_000)
    assert open_value(token, mode, now=10_000 - 300) == "v"  # within the allowed clock skew
    assert error_kind(token, mode, now=10_000 - 301) == "expired"
    assert error_kind(token, mode, now=0) == "expired"


def test_expiry_cannot_be_extended_in_protected_modes() -> None:
    for mode in ("s", "e"):
        token = seal("v", mode, now=1000, ttl_seconds=60)
        if mode == "s":
            assert error_kind(token.replace(",1060,", ",999999999,"), mode, now=2000) == "tampered"
        assert error_kind(token, mode, now=2000) == "expired"


# --------------------------------------------------------------------------- truncation


@pytest.mark.parametrize("mode", MODES)
def test_every_prefix_refused(mode: str) -> None:
    tried = accepted_count = 0
    for value in ["", "x", "héllo ✓", [1, [2, [3]]], {"a": "]", "b": [None, 1.5]}, 12345]:
        token = seal(value, mode, ttl_seconds=100)
        assert accepted(token, mode)
        for i in range(len(token)):
            tried += 1
            accepted_count += accepted(token[:i], mode)
    print(f"[{mode}] prefixes tried: {tried}, accepted: {accepted_count}")
    assert accepted_count == 0


# --------------------------------------------------------------------------- context binding


def contexts() -> list[tuple[Context, int]]:
    combos = itertools.product(
        ["store", "link"], ["app1", "app2"], ["a", "b"], [1, 2], [None, "alice", "bob"]
    )
    return [(Context(purpose, ns, slot, user), version) for purpose, ns, slot, version, user in combos]


@pytest.mark.parametrize("mode", ["s", "e"])
def test_swap_matrix(mode: str) -> None:
    cells = contexts()
    tokens = [seal({"is_admin": False}, mode, ctx, version=v) for ctx, v in cells]
    same = cross = cross_accepted = 0
    for (ctx, version), token in zip(cells, tokens, strict=True):
        opened = _envelope.open_token(token, ctx, protector=protector(mode, ctx.purpose), now=NOW)
        assert opened.version == version
        same += 1
        for (other, other_version), _ in zip(cells, tokens, strict=True):
            if (other, other_version) == (ctx, version):
                continue
            # move the token to the other context, relabelling the header's version like an attacker
            prefix, m, kid, _v, body = token.split(".", 4)
            moved = f"{prefix}.{m}.{kid}.{other_version}.{body}"
            cross += 1
            cross_accepted += accepted(moved, mode, other)
    print(
        f"[{mode}] swap matrix: {len(cells)} contexts, same-context opened: {same}, "
        f"cross-context tried: {cross}, accepted: {cross_accepted}"
    )
    assert same == len(cells)
    assert cross == len(cells) * (len(cells) - 1)
    assert cross_accepted == 0


def test_signed_out_is_not_the_empty_user() -> None:
    for mode in ("s", "e"):
        token = seal(1, mode, Context("store", "app", "slot", None))
        assert not accepted(token, mode, Context("store", "app", "slot", ""))
        token = seal(1, mode, Context("store", "app", "slot", ""))
        assert not accepted(token, mode, Context("store", "app", "slot", None))


_field = st.text(max_size=6)


@given(
    st.tuples(_field, _field, _field, st.none() | _field, _field, st.integers(0, 20)),
    st.tuples(_field, _field, _field, st.none() | _field, _field, st.integers(0, 20)),
)
def test_associated_data_is_injective(
    a: tuple[str, str, str, str | None, str, int], b: tuple[str, str, str, str | None, str, int]
) -> None:
    ctx_a, ctx_b = Context(*a[:4]), Context(*b[:4])
    aad_a = ctx_a.associated_data("e", a[4], a[5])
    aad_b = ctx_b.associated_data("e", b[4], b[5])
    assert (aad_a == aad_b) == (a == b)
