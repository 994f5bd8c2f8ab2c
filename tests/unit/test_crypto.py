"""Keys, secrets and the two protections (``crypto``), attacked through ``envelope``.

Each security suite prints how many attempts it made and asserts that none was accepted
(run ``pytest -s`` to see the counts). "Accepted" means ``open_token`` returned instead of
raising ``PersistError``.
"""

from __future__ import annotations

import base64
import os
import random
import secrets
import string
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamlit_persist import _codec, _crypto, _envelope
from streamlit_persist._crypto import (
    AesGcmProtector,
    HmacProtector,
    Keyring,
    Passphrase,
    Protector,
    passphrase,
    protector_for,
)
from streamlit_persist._encoding import b64decode, b64encode
from streamlit_persist._envelope import Context
from streamlit_persist.exceptions import ERROR_KINDS, PersistError

SECRET_A = secrets.token_urlsafe(32)
SECRET_B = secrets.token_hex(32)
SECRET_C = os.urandom(32)
GUIDANCE_CMD = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
NOW = 1_700_000_000.0
CTX = Context("store", "app", "is_admin")
VALUES: list[object] = [
    False,
    {"is_admin": False, "name": "alice"},
    'héllo ✓ \u2028 "quoted" . dots . \\',
    [1, 2.5, None, "x" * 300],
    "",
]


def make(mode: str, secret: object = SECRET_A, purpose: str = "store") -> Protector:
    p = protector_for(Keyring(secret), purpose, mode)  # type: ignore[arg-type]
    assert p is not None
    return p


def seal(value: object, protector: Protector | None, ctx: Context = CTX, **kw: object) -> str:
    flag, data = _codec.dumps(value)
    return _envelope.seal(flag, data, ctx, protector=protector, now=NOW, **kw)  # type: ignore[arg-type]


def accepted(token: object, protector: Protector | None, ctx: Context = CTX) -> bool:
    """True when the token opens; any exception other than PersistError fails the test."""
    try:
        _envelope.open_token(token, ctx, protector=protector, now=NOW)
    except PersistError as e:
        kind: str = e.kind
    else:
        return True
    assert kind in ERROR_KINDS
    return False


def kind_of(token: object, protector: Protector | None, ctx: Context = CTX) -> str:
    with pytest.raises(PersistError) as info:
        _envelope.open_token(token, ctx, protector=protector, now=NOW)
    return info.value.kind


PROTECTED = ["e", "s"]


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("mode", ["e", "s", "p"])
@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize(
    "ctx",
    [CTX, Context("link", "other-app", "slot.with.dots", "alice"), Context("store", "", "", "")],
)
def test_round_trip(mode: str, value: object, ctx: Context) -> None:
    protector = make(mode, purpose=ctx.purpose) if mode != "p" else None
    token = seal(value, protector, ctx, version=7, ttl_seconds=60)
    opened = _envelope.open_token(token, ctx, protector=protector, now=NOW + 1)
    assert opened.value() == value
    assert (opened.version, opened.issued_at, opened.expires_at, opened.old_key) == (7, NOW, NOW + 60, False)
    assert token.isascii() or mode != "e"


@pytest.mark.parametrize("mode", PROTECTED)
def test_fresh_nonce_each_seal(mode: str) -> None:
    protector = make(mode)
    tokens = {seal("same value", protector) for _ in range(50)}
    if mode == "e":
        assert len(tokens) == 50  # a fresh random nonce each time
        bodies = [b64decode(t.split(".", 4)[4]) for t in tokens]
        assert len({b[:12] for b in bodies}) == 50
    else:
        assert len(tokens) == 1  # HMAC is deterministic; the value is readable by design


def test_token_formats() -> None:
    keyring = Keyring(SECRET_A)
    kid = keyring.newest_kid
    assert len(kid) == 8
    assert set(kid) <= set(string.ascii_letters + string.digits + "-_")
    e_token = seal({"a": 1}, keyring.protector("store", "e"))
    prefix, mode, tkid, version, body = e_token.split(".")
    assert (prefix, mode, tkid, version) == ("sp1", "e", kid, "1")
    raw = b64decode(body)
    assert len(raw) == 12 + len(b'[1700000000,null,"j",{"a":1}]') + 16
    s_token = seal({"a": 1}, keyring.protector("store", "s"))
    prefix, mode, tkid, version, body = s_token.split(".", 4)
    assert (prefix, mode, tkid, version) == ("sp1", "s", kid, "1")
    mac, text = body.split(".", 1)
    assert len(b64decode(mac)) == 32
    assert text == '[1700000000,null,"j",{"a":1}]'  # readable in DevTools


# --------------------------------------------------------------------------- tampering


def bit_flips(token: str) -> Iterator[str]:
    """Every single-bit flip of every character (8 bits for ASCII, all code-point bits otherwise)."""
    for i, ch in enumerate(token):
        code = ord(ch)
        for bit in range(8 if code < 128 else 21):
            flipped = code ^ (1 << bit)
            if flipped <= 0x10FFFF:
                yield token[:i] + chr(flipped) + token[i + 1 :]


SUBSTITUTES = (
    string.ascii_letters + string.digits + "-_+/=.:, \t\n\x00\x7f\u00e9\u2028\ud800\U0001f600\"'[]{}"
)


def substitutions(token: str) -> Iterator[str]:
    for i, ch in enumerate(token):
        for sub in SUBSTITUTES:
            if sub != ch:
                yield token[:i] + sub + token[i + 1 :]


JUNK = ["A", "AA", "AAA", "AAAA", "=", "==", ".", "..", " ", "\n", "\x00", "]", "é", "\ud800", "A" * 1000]


def structural_edits(token: str) -> Iterator[str]:
    """Every prefix, every suffix, every single deletion, appended/prepended junk, re-encodings."""
    for i in range(len(token)):
        yield token[:i]
        yield token[i + 1 :]
        yield token[:i] + token[i + 1 :]
    for junk in JUNK:
        yield token + junk
        yield junk + token
    head, body = token.rsplit(".", 1) if token.split(".")[1] == "e" else (token, "")
    if body:
        yield f"{head}.{body}{'=' * (-len(body) % 4)}"  # padded
        yield f"{head}.{body.replace('-', '+').replace('_', '/')}"  # standard alphabet
        yield f"{head}.{body}===="
        yield f"{head}.{base64.b64encode(b64decode(body)).decode()}"
    yield token.upper()
    yield token.lower()
    yield token.replace(".", "..", 1)


def run_suite(name: str, mode: str, edits: Callable[[str], Iterator[str]]) -> None:
    protector = make(mode)
    tried = accepted_count = 0
    for value in VALUES:
        token = seal(value, protector)
        assert accepted(token, protector)
        for candidate in edits(token):
            if candidate == token:
                continue
            tried += 1
            accepted_count += accepted(candidate, protector)
    print(f"[{mode}] {name} tried: {tried}, accepted: {accepted_count}")
    assert tried > 1000
    assert accepted_count == 0


@pytest.mark.parametrize("mode", PROTECTED)
def test_every_bit_flip_refused(mode: str) -> None:
    run_suite("bit flips", mode, bit_flips)


@pytest.mark.parametrize("mode", PROTECTED)
def test_every_character_substitution_refused(mode: str) -> None:
    run_suite("character substitutions", mode, substitutions)


@pytest.mark.parametrize("mode", PROTECTED)
def test_every_truncation_and_junk_refused(mode: str) -> None:
    run_suite("truncations/deletions/junk/re-encodings", mode, structural_edits)


def test_signed_plaintext_is_readable_but_not_editable() -> None:
    protector = make("s")
    token = seal({"is_admin": False}, protector)
    assert '{"is_admin":false}' in token
    forged = [
        token.replace("false", "true"),
        token.replace("false", "false "),
        token.replace('{"is_admin":false}', '{"is_admin":false,"is_admin":true}'),
        token.replace("null", str(int(NOW) + 10**6)),  # extend expiry
        token.replace(str(int(NOW)), str(int(NOW) + 1)),  # re-date
    ]
    refused = sum(not accepted(f, protector) for f in forged)
    print(f"signed forgeries tried: {len(forged)}, accepted: {len(forged) - refused}")
    assert refused == len(forged)


def test_mode_confusion_refused() -> None:
    keyring = Keyring(SECRET_A)
    e, s = keyring.protector("store", "e"), keyring.protector("store", "s")
    e_token, s_token, p_token = seal(1, e), seal(1, s), seal(1, None)
    assert kind_of(e_token, s) == "tampered"
    assert kind_of(s_token, e) == "tampered"
    assert kind_of(p_token, e) == "tampered"  # no downgrade to plain
    assert kind_of(p_token, s) == "tampered"
    assert kind_of(e_token, None) == "wrong_key"
    assert kind_of(s_token, None) == "wrong_key"
    # a body moved between modes (header relabelled) still fails
    assert not accepted(e_token.replace("sp1.e.", "sp1.s.", 1), s)
    assert not accepted(s_token.replace("sp1.s.", "sp1.e.", 1), e)


# --------------------------------------------------------------------------- keys and rotation


@pytest.mark.parametrize("mode", PROTECTED)
def test_wrong_key_and_rotation(mode: str) -> None:
    a, b = Keyring(SECRET_A), Keyring(SECRET_B)
    token_a = seal({"v": 1}, a.protector("store", mode))  # type: ignore[arg-type]
    assert kind_of(token_a, b.protector("store", mode)) == "wrong_key"  # type: ignore[arg-type]

    rotated = Keyring([SECRET_B, SECRET_A])
    assert rotated.kids == (b.newest_kid, a.newest_kid)
    p = rotated.protector("store", mode)  # type: ignore[arg-type]
    opened = _envelope.open_token(token_a, CTX, protector=p, now=NOW)
    assert opened.old_key is True
    assert opened.value() == {"v": 1}
    resealed = _envelope.seal(opened.flag, opened.value_json, CTX, protector=p, now=NOW)
    assert resealed.split(".")[2] == b.newest_kid != token_a.split(".")[2]
    assert _envelope.open_token(resealed, CTX, protector=p, now=NOW).old_key is False
    # retired: [B] alone can no longer open A's token, but opens the re-sealed one
    assert kind_of(token_a, b.protector("store", mode)) == "wrong_key"  # type: ignore[arg-type]
    assert accepted(resealed, b.protector("store", mode))  # type: ignore[arg-type]


def test_same_kid_different_key_fails() -> None:
    """A token whose kid is relabelled to another configured key fails authentication."""
    rotated = Keyring([SECRET_A, SECRET_B])
    kid_a, kid_b = rotated.kids
    for mode in PROTECTED:
        p = rotated.protector("store", mode)  # type: ignore[arg-type]
        token = seal(1, p)
        assert kind_of(token.replace(f".{kid_a}.", f".{kid_b}.", 1), p) == "tampered"


def test_purposes_and_modes_use_separate_keys() -> None:
    keyring = Keyring(SECRET_A)
    store, link = keyring.keys_for("store")[keyring.newest_kid], keyring.keys_for("link")[keyring.newest_kid]
    assert store is not link
    link_token = seal(1, keyring.protector("link", "e"), CTX)  # wrong purpose key, right context
    assert kind_of(link_token, keyring.protector("store", "e")) == "tampered"


def test_kid_is_stable_and_selects_only() -> None:
    assert Keyring(SECRET_A).kids == Keyring(SECRET_A).kids
    assert Keyring(SECRET_A).kids != Keyring(SECRET_B).kids
    assert Keyring(SECRET_A) == Keyring(SECRET_A)
    assert hash(Keyring(SECRET_A)) == hash(Keyring(SECRET_A))
    assert (
        kind_of(seal(1, make("e")).replace(Keyring(SECRET_A).newest_kid, "AAAAAAAA"), make("e"))
        == "wrong_key"
    )


def test_no_key_material_in_tokens() -> None:
    masters: list[bytes] = [SECRET_A.encode(), SECRET_B.encode(), SECRET_C]
    keyring = Keyring([SECRET_A, SECRET_B, SECRET_C])
    derived: list[bytes] = []
    for master in masters:
        for purpose in ("store", "link"):
            for use in ("aes-256-gcm", "hmac-sha256"):
                derived.append(_crypto._hkdf(master, f"streamlit-persist/v1/{purpose}/{use}".encode()))
    needles: list[str] = [SECRET_A, SECRET_B]
    for key in masters + derived:
        needles += [b64encode(key), base64.b64encode(key).decode(), key.hex(), b64encode(key)[:16]]
    tokens = [
        seal(v, keyring.protector(purpose, mode), Context(purpose, "app", "slot"))  # type: ignore[arg-type]
        for v in VALUES
        for purpose in ("store", "link")
        for mode in PROTECTED
    ]
    leaks = sum(needle in token for needle in needles for token in tokens)
    print(f"key-material needles: {len(needles)}, tokens: {len(tokens)}, found: {leaks}")
    assert leaks == 0
    assert SECRET_A not in repr(keyring)
    assert SECRET_B not in repr(keyring)
    for p in (keyring.protector("store", "e"), keyring.protector("store", "s")):
        assert all(n not in repr(p) for n in needles)


# --------------------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    "weak",
    [
        secrets.token_urlsafe(31),  # 42 characters
        "hunter2",
        "",
        "a" * 64,
        "password" * 8,
        "MyCompanySecretKey2024!MyCompanySecretKey2024!",
        "thisismyverylongsecretkeythatnobodywillguessever",  # one kind of character
        "correct horse battery staple is my long secret phrase",  # whitespace
        secrets.token_urlsafe(32) + "\n",
        "é" * 10 + secrets.token_urlsafe(32),
        b"\x00" * 32,
        os.urandom(31),
        b"0123456789abcdef0123456789abcdef",  # 32 printable bytes = text
        secrets.token_hex(16).encode(),
        bytes(range(4)) * 8,
    ],
)
def test_weak_secrets_refused_with_guidance(weak: str | bytes) -> None:
    with pytest.raises(PersistError) as info:
        Keyring(weak)
    err = info.value
    assert err.kind == "usage"
    assert GUIDANCE_CMD in err.message
    assert "sp.passphrase(" in err.message
    if len(weak) >= 4:
        shown = weak if isinstance(weak, str) else weak.decode("latin-1")
        assert shown not in str(err)
        assert shown not in repr(err)


@pytest.mark.parametrize(
    "good",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        secrets.token_urlsafe(64),
        os.urandom(32),
        bytearray(os.urandom(40)),
        base64.b64encode(os.urandom(32)).decode(),
    ],
)
def test_strong_secrets_accepted(good: str | bytes) -> None:
    assert len(Keyring(good)) == 1


def test_random_secrets_never_refused() -> None:
    """The 'looks random' screen must not refuse real random secrets (false refusals)."""
    makers: list[Callable[[], str | bytes]] = [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32),
        lambda: os.urandom(32),
        _crypto.generate_secret,
    ]
    n = 0
    for make_secret in makers:
        for _ in range(1000):
            Keyring(make_secret())
            n += 1
    print(f"random secrets tried: {n}, refused: 0")


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ([], "empty"),
        ((), "empty"),
        ([SECRET_A, SECRET_A], "#2 is the same as secret #1"),
        ([SECRET_A, SECRET_B, SECRET_A.encode()], "#3 is the same as secret #1"),
        ([SECRET_A, 12], "secret #2 (of 2) must be a str, bytes"),
        ([SECRET_A, None], "must be a str, bytes"),
        ([[SECRET_A]], "must be a str, bytes"),
        (12, "secret must be a str, bytes"),
        (None, "secret must be a str, bytes"),
        ({"key": SECRET_A}, "secret must be a str, bytes"),
        ([SECRET_A, "short"], "secret #2 (of 2) is too short"),
    ],
)
def test_bad_secret_lists_refused(bad: object, fragment: str) -> None:
    with pytest.raises(PersistError) as info:
        Keyring(bad)  # type: ignore[arg-type]
    assert info.value.kind == "usage"
    assert fragment in info.value.message
    assert SECRET_A not in str(info.value)
    assert SECRET_A not in repr(info.value)


def test_passphrase() -> None:
    before = _crypto._stretch.cache_info()
    a1, a2 = passphrase("correct horse battery staple"), passphrase("correct horse battery staple")
    after = _crypto._stretch.cache_info()
    assert after.hits >= before.hits + 1  # stretched once per process
    assert a1 == a2
    assert Keyring(a1).kids == Keyring(a2).kids
    assert Keyring(a1).kids != Keyring(passphrase("correct horse battery stapler")).kids
    assert "horse" not in repr(a1)
    assert "horse" not in repr(Keyring(a1))
    assert isinstance(a1, Passphrase)
    # the passphrase key is derived with a fixed, documented salt: reproducible independently
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    expected = Scrypt(salt=b"streamlit-persist/passphrase/v1", length=32, n=2**15, r=8, p=1).derive(
        b"correct horse battery staple"
    )
    assert Keyring(a1).kids == Keyring(expected).kids
    p = Keyring([a1, SECRET_A]).protector("store", "e")
    assert accepted(seal(1, p), p)
    with pytest.raises(PersistError) as info:
        Keyring([a1, a2])
    assert "same as secret #1" in info.value.message


@pytest.mark.parametrize("short", ["", "1234567", "        ", 12])
def test_short_passphrase_refused(short: object) -> None:
    with pytest.raises(PersistError) as info:
        passphrase(short)  # type: ignore[arg-type]
    assert info.value.kind == "usage"


def test_protector_for_and_usage_errors() -> None:
    assert protector_for(None, "store", "plain") is None
    assert protector_for(SECRET_A, "store", "p") is None
    assert isinstance(protector_for(SECRET_A, "store"), AesGcmProtector)
    assert isinstance(protector_for(SECRET_A, "link", "signed"), HmacProtector)
    keyring = Keyring(SECRET_A)
    assert keyring.protector("store", "e") is keyring.protector("store", "encrypted")  # cached
    assert Keyring.coerce(keyring) is keyring
    assert Keyring.coerce(None) is None
    bad_calls: list[Callable[[], object]] = [
        lambda: protector_for(None, "store", "encrypted"),
        lambda: protector_for(SECRET_A, "cookie", "e"),
        lambda: protector_for(SECRET_A, "store", "rot13"),  # type: ignore[arg-type]
    ]
    for bad_call in bad_calls:
        with pytest.raises(PersistError) as info:
            bad_call()
        assert info.value.kind == "usage"


# --------------------------------------------------------------------------- fuzz


def _random_text(rng: random.Random, n: int) -> str:
    pools = [
        string.ascii_letters + string.digits + "-_",
        string.printable,
        ".sp1epsj-_=+/",
        "".join(chr(c) for c in range(0x80, 0x300)) + "\ud800\udfff\U0001f600\u2028\x00",
    ]
    pool = rng.choice(pools)
    return "".join(rng.choice(pool) for _ in range(n))


def _mutate(rng: random.Random, token: str) -> str:
    out = token
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(out) + 1)
        op = rng.randrange(6)
        if op == 0:
            out = out[:i] + _random_text(rng, rng.randint(1, 4)) + out[i:]
        elif op == 1:
            out = out[:i] + out[i + rng.randint(1, 8) :]
        elif op == 2 and i < len(out):
            out = out[:i] + _random_text(rng, 1) + out[i + 1 :]
        elif op == 3:
            j = rng.randrange(len(out) + 1)
            out = out[:i] + out[min(i, j) : max(i, j)] + out[i:]
        elif op == 4:
            out = out[:i]
        else:
            parts = out.split(".")
            k = rng.randrange(len(parts))
            parts[k] = rng.choice(["", "-", "0", "01", "99999999999", "e", "s", "p", _random_text(rng, 8)])
            out = ".".join(parts)
    return out


def fuzz_inputs(rng: random.Random, valid: list[str], kids: list[str], n: int) -> Iterator[object]:
    json_bodies = ['[1,null,"j",1]', "[" * 5000, '{"a":1,"a":2}', "[NaN]", '["\\ud800"]', "1" * 400]
    for i in range(n):
        kind = i % 4
        if kind == 0:
            yield _random_text(rng, rng.choice([0, 1, 5, 20, 100, 1000]))
        elif kind == 1:
            mode = rng.choice(["e", "s", "p", "x", ""])
            kid = rng.choice([*kids, "-", "", _random_text(rng, 8)])
            ver = rng.choice(["1", "0", "01", "-1", "999999999", "1000000000", "²", "1 "])
            body = rng.choice(
                [
                    b64encode(os.urandom(rng.randint(0, 200))),
                    b64encode(os.urandom(43)) + "." + rng.choice(json_bodies),
                    rng.choice(json_bodies),
                    _random_text(rng, rng.randint(0, 300)),
                ]
            )
            yield f"sp1.{mode}.{kid}.{ver}.{body}"
        elif kind == 2:
            yield _mutate(rng, rng.choice(valid))
        else:
            yield rng.choice(
                [None, b"sp1.e.x.1.AAAA", 1, ["sp1"], {"sp1": 1}, 1.5, "sp1", "sp1....", "x" * 10]
            )


@pytest.mark.parametrize("mode", ["p", "s", "e"])
def test_fuzz_open_token(mode: str) -> None:
    rng = random.Random(f"fuzz-{mode}-{os.getpid()}")
    keyring = Keyring([SECRET_A, SECRET_B])
    protector = keyring.protector("store", mode)  # type: ignore[arg-type]
    valid = [seal(v, protector) for v in VALUES]
    n = escaped = opened = 0
    kinds: set[str] = set()
    for candidate in fuzz_inputs(rng, valid, list(keyring.kids), 12_000):
        n += 1
        try:
            result = _envelope.open_token(candidate, CTX, protector=protector, now=NOW)
            result.value()
        except PersistError as e:
            kinds.add(e.kind)
        except Exception as e:  # counting escapes is the point
            escaped += 1
            print(f"escaped {type(e).__name__}: {e!r} for {candidate!r:.200}")
        else:
            opened += candidate not in valid
    print(
        f"[{mode}] fuzz inputs: {n}, non-PersistError exceptions: {escaped}, opened (not original): {opened}"
    )
    assert n >= 10_000
    assert kinds <= ERROR_KINDS
    assert escaped == 0
    if mode != "p":
        assert opened == 0


# --------------------------------------------------------------------------- properties


@settings(max_examples=300)
@given(st.binary(max_size=2000), st.binary(max_size=200))
def test_aesgcm_protector_round_trip(plaintext: bytes, aad: bytes) -> None:
    p = Keyring(SECRET_A).protector("store", "e")
    assert p is not None
    kid, body = p.seal(plaintext, aad)
    assert p.open(kid, body, lambda _: aad) == (plaintext, False)
    with pytest.raises(PersistError):
        p.open(kid, body, lambda _: aad + b"x")


@settings(max_examples=300)
@given(st.text(max_size=500), st.binary(max_size=200))
def test_hmac_protector_round_trip(text: str, aad: bytes) -> None:
    try:
        plaintext = text.encode("utf-8")
    except UnicodeEncodeError:
        return
    p = Keyring(SECRET_A).protector("store", "s")
    assert p is not None
    kid, body = p.seal(plaintext, aad)
    assert p.open(kid, body, lambda _: aad) == (plaintext, False)
    with pytest.raises(PersistError):
        p.open(kid, body, lambda _: aad + b"x")


@settings(max_examples=1000)
@given(st.text(alphabet=string.ascii_letters + string.digits + "-_+/=. \x00é", max_size=40))
def test_b64decode_is_strict(text: str) -> None:
    try:
        data = b64decode(text)
    except ValueError:
        try:
            lax = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (ValueError, UnicodeEncodeError):
            return
        assert b64encode(lax) != text  # refused only what does not re-encode to itself
    else:
        assert b64encode(data) == text


@settings(max_examples=300)
@given(st.binary(max_size=100))
def test_b64_round_trip(data: bytes) -> None:
    assert b64decode(b64encode(data)) == data


@given(st.text(max_size=100), st.text(max_size=300))
def test_protectors_never_raise_other_errors(kid: str, body: str) -> None:
    keyring = Keyring(SECRET_A)
    for mode in PROTECTED:
        p = keyring.protector("store", mode)  # type: ignore[arg-type]
        assert p is not None
        for k in (kid, keyring.newest_kid):
            with pytest.raises(PersistError):
                p.open(k, body, lambda _: b"aad")

