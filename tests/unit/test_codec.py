"""Round-trip, determinism, fast-path and hostile-input tests for ``streamlit_persist._codec``."""

from __future__ import annotations

import base64
import dataclasses
import enum
import math
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamlit_persist import _codec
from streamlit_persist._codec import PLAIN, TAGGED, dumps, loads, register_codec
from streamlit_persist.exceptions import PersistError


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mode(enum.StrEnum):  # deliberately never registered
    FAST = "fast"


@dataclasses.dataclass
class Point:
    x: Any
    y: Any


register_codec(Color, "test.color", lambda c: c.value, Color)
register_codec(Level, "test.level", lambda c: c.value, Level)
register_codec(Point, "test.point", lambda p: [p.x, p.y], lambda v: Point(v[0], v[1]))


def same(a: Any, b: Any) -> bool:
    """Equal *and* of identical types all the way down; NaN equals NaN, -0.0 differs from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return bool(
            (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
        )
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, datetime | time):
        return bool(a.isoformat() == b.isoformat() and a.utcoffset() == b.utcoffset())
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, set | frozenset):
        rest = list(b)
        for x in a:
            match = next((i for i, y in enumerate(rest) if same(x, y)), None)
            if match is None:
                return False
            rest.pop(match)
        return not rest
    if isinstance(a, Point):
        return same(a.x, b.x) and same(a.y, b.y)
    if isinstance(a, enum.Enum):
        return a is b
    return bool(a == b)


def roundtrip(value: Any) -> tuple[str, bytes, Any]:
    flag, data = dumps(value)
    return flag, data, loads(flag, data)


# --- strategies ---------------------------------------------------------------------------------

offsets = st.integers(-86399, 86399).map(lambda s: timedelta(seconds=s))
tzs = st.none() | st.just(UTC) | offsets.map(timezone)
big_ints = st.integers(min_value=2**64, max_value=10**300) | st.integers(
    max_value=-(2**63) - 1, min_value=-(10**300)
)
hashable_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | big_ints
    | st.floats()
    | st.text()
    | st.binary(max_size=20)
    | st.datetimes(timezones=tzs)
    | st.dates()
    | st.times(timezones=tzs)
    | st.timedeltas()
    | st.decimals(allow_nan=False)
    | st.uuids()
    | st.sampled_from(Color)
    | st.sampled_from(Level)
)
scalars = (
    hashable_scalars
    | st.binary(max_size=20).map(bytearray)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.just(float("nan"))
    | st.just({"__sp__": ["tuple", [1]]})
)
hashables = st.recursive(
    hashable_scalars,
    lambda inner: st.lists(inner, max_size=4).map(tuple) | st.frozensets(inner, max_size=4),
    max_leaves=8,
)
sp_keys = st.sampled_from(["__sp__", "a", ""]) | st.text(max_size=5)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=5).map(tuple)
        | st.dictionaries(sp_keys, inner, max_size=5)
        | st.dictionaries(hashables, inner, max_size=5)
        | st.sets(hashables, max_size=5)
        | st.frozensets(hashables, max_size=5)
        | st.builds(Point, inner, inner)
    )


values = st.recursive(scalars, _containers, max_leaves=30)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5),
    max_leaves=30,
)


# --- round trips --------------------------------------------------------------------------------


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_roundtrip_is_type_exact(value: Any) -> None:
    _, _, back = roundtrip(value)
    assert same(back, value)


@settings(deadline=None)
@given(json_values)
def test_plain_json_takes_the_fast_path(value: Any) -> None:
    flag, data, back = roundtrip(value)
    assert flag == PLAIN
    assert data == orjson.dumps(value)
    assert same(back, value)


@settings(deadline=None)
@given(values)
def test_equal_values_give_equal_bytes(value: Any) -> None:
    copy = loads(*dumps(value))
    assert dumps(copy) == dumps(value)


def test_set_order_does_not_change_bytes() -> None:
    a = {f"item{i}" for i in range(50)} | {3, (1, 2), frozenset({1})}
    b = set(reversed(list(a)))
    assert dumps(a) == dumps(b)
    assert dumps(frozenset({frozenset({1, 2}), frozenset({3})})) == dumps(
        frozenset({frozenset({3}), frozenset({2, 1})})
    )


@pytest.mark.parametrize(
    "value",
    [
        (1, 2),
        [1, (2,)],
        datetime(2024, 1, 2, 3, 4, 5, 6),
        datetime(2024, 1, 2, tzinfo=timezone(timedelta(hours=-3, seconds=7))),
        date(2024, 1, 2),
        time(23, 59),
        timedelta(days=-1, seconds=5),
        Decimal("1.50"),
        Decimal("-Infinity"),
        uuid.UUID(int=7),
        {1, 2},
        frozenset(),
        b"\x00",
        bytearray(),
        2**64,
        -(2**63) - 1,
        float("nan"),
        [float("inf")],
        {1: "a", (1, 2): "b", None: True},
        Color.RED,
        [Level.HIGH],  # an int subclass that orjson would write as 2
        {"k": Point(1, (2,))},
    ],
)
def test_non_json_values_take_the_tagged_path(value: Any) -> None:
    flag, _, back = roundtrip(value)
    assert flag == TAGGED
    assert same(back, value)


def test_plain_dict_with_tag_key_stays_plain() -> None:
    """Under flag "j" nothing is untagged, so a plain ``__sp__`` key cannot forge a value."""
    flag, _, back = roundtrip({"__sp__": ["bytes", "AA=="]})
    assert flag == PLAIN
    assert back == {"__sp__": ["bytes", "AA=="]}
    flag, _, back = roundtrip({"__sp__": ["bytes", "AA=="], "x": (1,)})
    assert flag == TAGGED
    assert back == {"__sp__": ["bytes", "AA=="], "x": (1,)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "true"), (1, "1"), (1.0, "1.0"), ([True, 1, 1.0], "[true,1,1.0]"), (-0.0, "-0.0")],
)
def test_fast_path_keeps_bool_int_float_apart(value: Any, expected: str) -> None:
    flag, data, back = roundtrip(value)
    assert (flag, data) == (PLAIN, expected.encode())
    assert same(back, value)


def test_boundary_ints() -> None:
    for value in (2**64 - 1, -(2**63)):
        assert roundtrip(value)[0] == PLAIN
    for value in (2**64, -(2**63) - 1, 10**4299, -(10**4299)):
        flag, _, back = roundtrip(value)
        assert flag == TAGGED
        assert back == value


def test_naive_datetime_stays_naive() -> None:
    value = datetime(2020, 2, 29, 12, 0, 0, 123456)
    back = roundtrip(value)[2]
    assert back.tzinfo is None
    assert back == value


def test_deep_but_allowed_nesting_roundtrips() -> None:
    value: Any = 1
    for i in range(_codec.MAX_DEPTH):
        value = [value] if i % 3 == 0 else (value,) if i % 3 == 1 else {(i,): value}
    assert same(roundtrip(value)[2], value)
    plain: Any = 1
    for _ in range(_codec.MAX_DEPTH):
        plain = [plain]
    assert roundtrip(plain)[0] == PLAIN


# --- unsupported values -------------------------------------------------------------------------


def unsupported(value: Any) -> str:
    with pytest.raises(PersistError) as info:
        dumps(value)
    assert info.value.kind == "unsupported"
    return info.value.message


def test_unsupported_names_type_and_path() -> None:
    message = unsupported({"a": [1, 2, object()]})
    assert "object" in message
    assert '["a"][2]' in message
    assert "register_codec" in message
    assert "[1][0]" in unsupported([1, [object()]])


def test_unregistered_subclasses_are_not_degraded() -> None:
    class MyStr(str):
        pass

    class MyDict(dict[str, int]):
        pass

    assert "Mode" in unsupported(Mode.FAST)
    assert "Mode" in unsupported({"m": [Mode.FAST]})
    assert "MyStr" in unsupported(["x", MyStr("y")])
    assert "MyDict" in unsupported(MyDict(a=1))
    assert "<key" in unsupported({Mode.FAST: 1})


def test_lone_surrogates_are_unsupported() -> None:
    assert "surrogate" in unsupported("\ud800")
    assert "[0]" in unsupported(["\udfff"])
    assert "<key" in unsupported({"\ud800": 1})


def test_too_deep_and_cyclic_values_are_unsupported() -> None:
    value: Any = 1
    for _ in range(_codec.MAX_DEPTH + 1):
        value = [value]
    assert "nested" in unsupported(value)
    cycle: list[Any] = []
    cycle.append(cycle)
    assert "nested" in unsupported(cycle)
    d: dict[str, Any] = {}
    d["self"] = (d,)
    assert "nested" in unsupported(d)


def test_sub_second_utc_offsets_are_unsupported_not_silently_changed() -> None:
    tz = timezone(timedelta(microseconds=1))
    assert "offset" in unsupported(datetime(2000, 1, 1, tzinfo=tz))
    assert "offset" in unsupported(time(tzinfo=tz))


def test_oversized_numbers_are_unsupported() -> None:
    assert "digits" in unsupported(10**4300)
    assert "digits" in unsupported([-(10**5000)])
    assert "Decimal" in unsupported(Decimal("1e99999"))


def test_failing_encoder_is_unsupported() -> None:
    class Boom:
        pass

    def explode(value: Boom) -> Any:
        raise RuntimeError("nope")

    register_codec(Boom, "test.boom", explode, lambda v: Boom())
    assert "nope" in unsupported([Boom()])


# --- registered codecs --------------------------------------------------------------------------


def test_registered_codec_lookup_uses_isinstance_in_order() -> None:
    class Base:
        def __init__(self, v: int) -> None:
            self.v = v

    class Child(Base):
        pass

    register_codec(Base, "test.base", lambda b: b.v, Base)
    back = roundtrip([Child(5)])[2]
    assert type(back[0]) is Base
    assert back[0].v == 5


def test_codec_payload_is_encoded_recursively() -> None:
    value = Point((1, 2), {Color.GREEN: b"x"})
    flag, data, back = roundtrip(value)
    assert flag == TAGGED
    assert b'"x:test.point"' in data
    assert same(back, value)


def test_rerun_may_redefine_a_registered_class() -> None:
    def make() -> type[enum.Enum]:
        class Fruit(enum.Enum):
            APPLE = 1

        return Fruit

    old, new = make(), make()
    register_codec(old, "test.fruit", lambda f: f.value, old)
    old_member = old(1)
    register_codec(new, "test.fruit", lambda f: f.value, new)
    assert roundtrip(old_member)[2] is new(1)


def test_reregistering_under_other_names_keeps_isinstance_lookup() -> None:
    class Base2:
        pass

    class Sub2(Base2):
        pass

    register_codec(Base2, "test.b2", lambda b: 0, lambda v: Base2())
    register_codec(Base2, "test.b2.renamed", lambda b: 1, lambda v: Base2())
    register_codec(Base2, "test.b2", lambda b: 2, lambda v: Base2())
    _, data = dumps(Sub2())
    assert data == orjson.dumps({"__sp__": ["x:test.b2", 2]})
    assert type(loads(TAGGED, orjson.dumps({"__sp__": ["x:test.b2.renamed", 1]}))) is Base2


@pytest.mark.parametrize(
    "args",
    [
        (42, "n", str, str),
        (Point, "", str, str),
        (Point, 5, str, str),
        (Point, "tuple", str, str),
        (Point, "datetime", str, str),
        (Point, "n", "notcallable", str),
        (Point, "n", str, None),
        (tuple, "n", str, str),
        (Color, "test.point", str, str),  # the name already belongs to another class
    ],
)
def test_register_codec_usage_errors(args: tuple[Any, ...]) -> None:
    with pytest.raises(PersistError) as info:
        register_codec(*args)
    assert info.value.kind == "usage"


def test_failing_decoder_is_corrupt_with_cause() -> None:
    data = orjson.dumps({"__sp__": ["x:test.color", "purple"]})
    with pytest.raises(PersistError) as info:
        loads(TAGGED, data)
    assert info.value.kind == "corrupt"
    assert isinstance(info.value.__cause__, ValueError)


# --- hostile input ------------------------------------------------------------------------------


def tag(name: str, payload: Any) -> bytes:
    return orjson.dumps({"__sp__": [name, payload]})


HOSTILE: list[tuple[str, Any]] = [
    (PLAIN, b"[" * 100_000),
    (TAGGED, b"[" * 100_000),
    (PLAIN, b"{" * 100_000),
    (PLAIN, b"[" * 65 + b"]" * 65),
    (TAGGED, b"[" * 65 + b"]" * 65),
    (TAGGED, b"[" * 300 + b"]" * 300),
    (PLAIN, b"[" * 1000 + b"]" * 1000),
    (PLAIN, b'{"is_admin":false,"is_admin":true}'),
    (TAGGED, b'{"is_admin":false,"is_admin":true}'),
    (PLAIN, b"NaN"),
    (PLAIN, b"Infinity"),
    (PLAIN, b"[-Infinity]"),
    (PLAIN, b'"\\ud800"'),
    (TAGGED, b'["\\ud800"]'),
    (PLAIN, b"\xff\xfe"),
    (PLAIN, b'"\xc3"'),
    (PLAIN, b""),
    (TAGGED, b""),
    (PLAIN, b" 1"),
    (PLAIN, b"1.00"),
    (PLAIN, b"1e5"),
    (PLAIN, b"100000000000000000000000000"),
    (PLAIN, b"01"),
    (PLAIN, b'{"a": 1}'),
    ("x", b"1"),
    ("", b"1"),
    ("J", b"1"),
    (TAGGED, tag("bytes", "AA")),  # missing padding
    (TAGGED, tag("bytes", "AB==")),  # non-zero pad bits: decodes, but does not re-encode
    (TAGGED, tag("bytes", "A A=")),
    (TAGGED, tag("bytes", "-_8=")),  # urlsafe alphabet
    (TAGGED, tag("bytes", 5)),
    (TAGGED, tag("bytearray", "!!!!")),
    (TAGGED, tag("nope", 1)),
    (TAGGED, tag("x:not.registered", 1)),
    (TAGGED, tag("x:", 1)),
    (TAGGED, orjson.dumps({"__sp__": ["tuple", [1]], "other": 1})),
    (TAGGED, orjson.dumps({"__sp__": ["tuple"]})),
    (TAGGED, orjson.dumps({"__sp__": "tuple"})),
    (TAGGED, orjson.dumps({"__sp__": [1, []]})),
    (TAGGED, tag("int", "1" * 5000)),
    (TAGGED, tag("int", "9" * 4301)),
    (TAGGED, tag("int", "12")),  # fits natively: not canonical
    (TAGGED, tag("int", "0" + "1" * 30)),
    (TAGGED, tag("int", "+" + "1" * 30)),
    (TAGGED, tag("int", "1_000_000_000_000_000_000_000")),
    (TAGGED, tag("int", "\u0661" * 30)),  # non-ASCII digits int() would accept
    (TAGGED, tag("int", 12)),
    (TAGGED, tag("float", "NaN")),
    (TAGGED, tag("float", "1.5")),
    (TAGGED, tag("decimal", "nonsense")),
    (TAGGED, tag("decimal", " 1")),
    (TAGGED, tag("decimal", "1_0")),
    (TAGGED, tag("decimal", "1e999999999")),
    (TAGGED, tag("decimal", "1" * 5000)),
    (TAGGED, tag("datetime", "2024-01-01")),
    (TAGGED, tag("datetime", "2024-01-01 00:00:00")),
    (TAGGED, tag("datetime", "20240101T000000")),
    (TAGGED, tag("datetime", "garbage")),
    (TAGGED, tag("date", "2024-02-30")),
    (TAGGED, tag("date", "20240101")),
    (TAGGED, tag("time", "25:00:00")),
    (TAGGED, tag("time", "1:2:3")),
    (TAGGED, tag("timedelta", [0, 86400, 0])),
    (TAGGED, tag("timedelta", [10**10, 0, 0])),
    (TAGGED, tag("timedelta", [0, 0])),
    (TAGGED, tag("timedelta", [True, 0, 0])),
    (TAGGED, tag("timedelta", [0.5, 0, 0])),
    (TAGGED, tag("uuid", "00000000000000000000000000000007")),
    (TAGGED, tag("uuid", "{00000000-0000-0000-0000-000000000007}")),
    (TAGGED, tag("uuid", "00000000-0000-0000-0000-00000000000G")),
    (TAGGED, tag("set", [[1], [2]])),  # unhashable items
    (TAGGED, tag("set", "ab")),
    (TAGGED, tag("frozenset", {"a": 1})),
    (TAGGED, tag("dict", [1, "a", 1, "b"])),  # duplicate keys
    (TAGGED, tag("dict", ["is_admin", False, "is_admin", True])),
    (TAGGED, tag("dict", [1, "a", 2])),  # odd length
    (TAGGED, tag("dict", [[1], "a"])),  # unhashable key
    (TAGGED, tag("tuple", {"a": 1})),
    (TAGGED, tag("x:test.point", 1)),  # decoder raises TypeError
]


@pytest.mark.parametrize(("flag", "data"), HOSTILE)
def test_hostile_input_is_corrupt(flag: str, data: bytes) -> None:
    with pytest.raises(PersistError) as info:
        loads(flag, data)
    assert info.value.kind == "corrupt"


def test_oversized_input_is_corrupt_before_parsing() -> None:
    big = b'"' + b"a" * _codec.MAX_BYTES + b'"'
    with pytest.raises(PersistError) as info:
        loads(PLAIN, big)
    assert info.value.kind == "corrupt"
    assert "larger" in info.value.message


def test_deeply_nested_tags_are_corrupt() -> None:
    data = b"1"
    for _ in range(_codec.MAX_DEPTH + 1):
        data = b'{"__sp__":["tuple",[' + data + b"]]}"
    with pytest.raises(PersistError) as info:
        loads(TAGGED, data)
    assert info.value.kind == "corrupt"


@pytest.mark.parametrize("inner", [b"1", b"[]", b"{}", b'"]]]"'])
@pytest.mark.parametrize("flag", [PLAIN, TAGGED])
def test_plain_depth_limit_is_exact(flag: str, inner: bytes) -> None:
    def nest(n: int) -> bytes:
        data = inner
        for i in range(n - (inner in (b"[]", b"{}"))):
            data = b"[" + data + b"]" if i % 2 else b'{"k":' + data + b"}"
        return data

    assert orjson.loads(nest(_codec.MAX_DEPTH)) == loads(flag, nest(_codec.MAX_DEPTH))
    with pytest.raises(PersistError) as info:
        loads(flag, nest(_codec.MAX_DEPTH + 1))
    assert info.value.kind == "corrupt"


def test_plain_depth_check_without_orjson_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_codec, "_PAD", 0)
    test_plain_depth_limit_is_exact(PLAIN, b"1")
    test_plain_depth_limit_is_exact(PLAIN, b"{}")
    assert loads(PLAIN, b'{"a":[1,{"b":null}]}') == {"a": [1, {"b": None}]}
    with pytest.raises(PersistError):
        loads(PLAIN, b"[1, 2]")


def test_wrong_argument_types_are_corrupt() -> None:
    cases: list[tuple[Any, Any]] = [(PLAIN, "1"), (PLAIN, None), (["j"], b"1"), (PLAIN, 5)]
    for flag, data in cases:
        with pytest.raises(PersistError) as info:
            loads(flag, data)
        assert info.value.kind == "corrupt"


def test_valid_base64_tag_decodes() -> None:
    assert loads(TAGGED, tag("bytes", base64.b64encode(b"\x01\x02").decode())) == b"\x01\x02"


def _loads_or_persist_error(flag: str, data: bytes) -> None:
    try:
        loads(flag, data)
    except PersistError as e:
        error = e
    else:
        return
    assert error.kind == "corrupt"


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([PLAIN, TAGGED]), st.binary(max_size=200))
def test_fuzz_arbitrary_bytes(flag: str, data: bytes) -> None:
    _loads_or_persist_error(flag, data)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    flag, data = dumps(draw(values))
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(buf)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice"]))
        if op == "flip" and pos < len(buf):
            buf[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            buf[pos:pos] = draw(
                st.sampled_from([b"[", b"]", b"{", b",", b'"', b"1", b'"__sp__"', b"\\", b"e9"])
            )
        elif op == "delete":
            del buf[pos : pos + draw(st.integers(1, 5))]
        else:
            buf[pos:pos] = dumps(draw(values))[1]
    return draw(st.sampled_from([flag, PLAIN, TAGGED])), bytes(buf)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_mutated_encodings(case: tuple[str, bytes]) -> None:
    _loads_or_persist_error(*case)


@settings(deadline=None)
@given(values)
def test_loads_rejects_the_other_flag_or_agrees(value: Any) -> None:
    """Reading tagged bytes as plain (or the reverse) never crashes."""
    flag, data = dumps(value)
    _loads_or_persist_error(PLAIN if flag == TAGGED else TAGGED, data)
