"""Session-state values to canonical JSON bytes and back.

Two encodings, told apart by a one-letter flag stored next to the bytes:

* ``PLAIN`` ("j"): the value is plain JSON (exact ``dict`` with ``str`` keys, ``list``, ``str``,
  64-bit ``int``, finite ``float``, ``bool``, ``None``), so ``orjson`` writes it in one C call and
  reading it back is ``orjson.loads``. This is the hot path for typical session state.
* ``TAGGED`` ("t"): anything else the codec knows. Non-JSON values become ``{"__sp__": [name,
  payload]}``; a dict that has non-``str`` keys or an ``"__sp__"`` key is itself tagged, so any
  user dict round-trips exactly and user data can never forge a tag.

The bytes come back from the browser, i.e. from whoever controls it, so ``loads`` accepts only
what ``dumps`` could have produced: canonical JSON (no duplicate keys, whitespace, NaN, ...),
bounded size and depth, and tags whose payloads re-encode to themselves. Nothing is ever
unpickled or evaluated; everything that goes wrong is a ``PersistError("corrupt")``.

Types without a built-in encoding (enums, dataclasses, ...) are added with ``register_codec``:

>>> import enum
>>> import streamlit_persist as sp
>>> class Color(enum.Enum):
...     RED = "red"
>>> sp.register_codec(Color, "color", lambda c: c.value, Color)

Aware datetimes and times come back with a fixed-offset ``timezone`` (same instant and offset,
but not the original ``ZoneInfo``); ``fold`` is not kept.
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final, NamedTuple, NoReturn, TypeVar

import orjson

from streamlit_persist.exceptions import PersistError, UsageError

T = TypeVar("T")

PLAIN: Final = "j"
TAGGED: Final = "t"
FLAGS: Final = frozenset({PLAIN, TAGGED})

MAX_BYTES: Final = 16 * 1024 * 1024  # larger stored values are refused unread
MAX_DEPTH: Final = 64  # containers nested deeper are refused both ways
MAX_INT_DIGITS: Final = 4300  # as CPython's default int/str conversion limit

_TAG: Final = "__sp__"
_INT_MIN: Final = -(2**63)  # orjson's native integer range
_INT_MAX: Final = 2**64 - 1
_MAX_DECIMAL_CHARS: Final = MAX_INT_DIGITS + 64
_INT_RE: Final = re.compile(r"-?[1-9][0-9]*", re.ASCII)
_FAST_OPTS: Final = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)
_NATIVE: Final[frozenset[type[Any]]] = frozenset(
    {str, int, float, bool, type(None), list, dict, tuple, set, frozenset, bytes, bytearray}
    | {datetime, date, time, timedelta, Decimal, uuid.UUID}
)
_CONTAINERS: Final[frozenset[type[Any]]] = frozenset({list, dict, tuple, set, frozenset})
_JSON_CONTAINERS: Final = (list, dict)
_BUILTIN_TAGS: Final = frozenset(
    {"int", "float", "datetime", "date", "time", "timedelta", "decimal", "uuid", "bytes", "bytearray"}
    | {"tuple", "set", "frozenset", "dict"}
)


class _Codec(NamedTuple):
    cls: type[Any]
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


_lock = threading.Lock()
_by_name: dict[str, _Codec] = {}
_by_type: dict[type[Any], _Codec] = {}
_order: tuple[_Codec, ...] = ()  # registration order, for the isinstance fallback


def register_codec(cls: type[T], name: str, encode: Callable[[T], Any], decode: Callable[[Any], T]) -> None:
    """Teach the codec a type: ``encode(obj)`` returns any storable value, ``decode`` inverts it.

    ``name`` is stored with every value, so keep it stable across releases. Re-registering a
    name for a class of the same module and qualified name is allowed, because a Streamlit
    rerun redefines classes declared in the script; instances of the old class still encode.
    """
    global _order
    if not isinstance(cls, type):
        raise UsageError(f"register_codec needs a class, got {cls!r}")
    if cls in _NATIVE:
        raise UsageError(f"{cls.__qualname__} is stored natively and cannot get a codec")
    if not isinstance(name, str) or not name:
        raise UsageError(f"codec name must be a non-empty str, got {name!r}")
    if name in _BUILTIN_TAGS:
        raise UsageError(f"codec name {name!r} is reserved for a built-in type")
    if not callable(encode) or not callable(decode):
        raise UsageError("register_codec needs callable encode and decode functions")
    entry = _Codec(cls, name, encode, decode)
    with _lock:
        old = _by_name.get(name)
        if old is not None and old.cls is not cls and _qualname(old.cls) != _qualname(cls):
            raise UsageError(f"codec name {name!r} is already used for {_qualname(old.cls)}")
        # the name keeps its place in the isinstance order; the class drops its other names there
        kept = [entry if e.name == name else e for e in _order if e.cls is not cls or e.name == name]
        _order = tuple(kept) if entry in kept else (*kept, entry)
        _by_name[name] = entry
        _by_type[cls] = entry


def _qualname(cls: type[Any]) -> str:
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _lookup(value: Any) -> _Codec | None:
    entry = _by_type.get(type(value))
    if entry is None:
        entry = next((e for e in _order if isinstance(value, e.cls)), None)
    return entry


# --- encoding -----------------------------------------------------------------------------------


class _UnsupportedError(Exception):
    """Unwinds the encoding walk; each container on the way out adds its path segment."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(what, why)
        self.what, self.why, self.path = what, why, list[str]()

    def message(self) -> str:
        where = "".join(reversed(self.path)) or "the top level"
        return f"{self.what} at {where} {self.why}"


def _refuse(value: Any) -> NoReturn:
    raise TypeError


def _short(key: Any) -> str:
    text = json.dumps(key) if type(key) is str else repr(key)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_str(s: str) -> None:
    if not s.isascii():
        try:
            s.encode()
        except UnicodeEncodeError:
            raise _UnsupportedError("str", "contains a lone surrogate (not valid UTF-8)") from None


def _tag(name: str, payload: Any) -> dict[str, Any]:
    return {_TAG: [name, payload]}


def _enc_decimal(d: Decimal) -> Any:
    text = str(d)
    if len(text) > _MAX_DECIMAL_CHARS or (d.is_finite() and abs(d.adjusted()) > MAX_INT_DIGITS):
        raise _UnsupportedError("Decimal", "is too long or its exponent too large")
    return _tag("decimal", text)


def _enc_int(i: int) -> Any:
    try:  # the bit_length test keeps str() cheap; str() itself may refuse (sys.set_int_max_str_digits)
        text = str(i) if i.bit_length() <= MAX_INT_DIGITS * 4 else ""
    except ValueError:
        text = ""
    if not text or len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _UnsupportedError("int", f"has more than {MAX_INT_DIGITS} digits")
    return _tag("int", text)


def _enc_iso(name: str, v: datetime | time) -> Any:
    text = v.isoformat()
    if v.tzinfo is not None and type(v).fromisoformat(text).isoformat() != text:
        # Python 3.11 misparses some sub-second UTC offsets; refuse rather than store a different value
        raise _UnsupportedError(type(v).__name__, f"has a UTC offset ({v.utcoffset()}) that cannot be stored")
    return _tag(name, text)


def _b64(b: bytes | bytearray) -> str:
    return base64.b64encode(b).decode("ascii")


_SCALAR_ENCODERS: Final[dict[type[Any], Callable[[Any], Any]]] = {
    datetime: lambda v: _enc_iso("datetime", v),
    date: lambda v: _tag("date", v.isoformat()),
    time: lambda v: _enc_iso("time", v),
    timedelta: lambda v: _tag("timedelta", [v.days, v.seconds, v.microseconds]),
    Decimal: _enc_decimal,
    uuid.UUID: lambda v: _tag("uuid", str(v)),
    bytes: lambda v: _tag("bytes", _b64(v)),
    bytearray: lambda v: _tag("bytearray", _b64(v)),
}


def _enc_seq(items: Any, depth: int) -> list[Any]:
    out: list[Any] = []
    try:
        for item in items:
            t = type(item)  # inline the commonest scalars: this loop is the tagged path's hot spot
            simple = (t is int and _INT_MIN <= item <= _INT_MAX) or t is bool or item is None
            out.append(item if simple or (t is str and item.isascii()) else _enc(item, depth))
    except _UnsupportedError as e:
        e.path.append(f"[{len(out)}]")
        raise
    return out


def _enc(v: Any, depth: int) -> Any:
    """Turn ``v`` into something ``orjson.dumps`` writes natively (``depth`` counts containers)."""
    t = type(v)
    if t is str:
        _check_str(v)
        return v
    if t is bool or v is None:
        return v
    if t is int:
        return v if _INT_MIN <= v <= _INT_MAX else _enc_int(v)
    if t is float:
        return v if math.isfinite(v) else _tag("float", repr(v))
    scalar = _SCALAR_ENCODERS.get(t)
    if scalar is not None:
        return scalar(v)
    entry = None if t in _CONTAINERS else _lookup(v)
    if entry is None and t not in _CONTAINERS:
        raise _UnsupportedError(
            f"value of type {_qualname(t)}", "cannot be stored; register a codec with sp.register_codec"
        )
    if depth >= MAX_DEPTH:
        raise _UnsupportedError("value", f"is nested more than {MAX_DEPTH} containers deep")
    depth += 1
    if t is list:
        return _enc_seq(v, depth)
    if t is tuple:
        return _tag("tuple", _enc_seq(v, depth))
    if t is set or t is frozenset:
        try:
            items = sorted(orjson.dumps(_enc(item, depth)) for item in v)
        except _UnsupportedError as e:
            e.path.append("[<set item>]")
            raise
        return _tag(t.__name__, [orjson.Fragment(b) for b in items])
    if t is dict:
        return _enc_dict(v, depth)
    assert entry is not None  # narrowed above
    try:
        raw = entry.encode(v)
    except Exception as exc:
        raise _UnsupportedError(
            f"value of type {_qualname(t)}", f"cannot be stored: codec {entry.name!r} raised {exc!r}"
        ) from exc
    try:
        return _tag("x:" + entry.name, _enc(raw, depth))
    except _UnsupportedError as e:
        e.path.append(f"<{entry.name}>")
        raise


def _enc_dict(v: dict[Any, Any], depth: int) -> Any:
    key: Any = None
    if _TAG not in v and all(type(k) is str for k in v):
        for key in v:
            try:
                _check_str(key)
            except _UnsupportedError as e:
                e.path.append(f"<key {_short(key)}>")
                raise
        out: dict[str, Any] = {}
        try:
            for key, item in v.items():
                out[key] = _enc(item, depth)
        except _UnsupportedError as e:
            e.path.append(f"[{_short(key)}]")
            raise
        return out
    flat: list[Any] = []  # [k1, v1, k2, v2, ...]: one JSON level less than pairs (orjson caps at 254)
    try:
        for key, item in v.items():
            flat.append(_enc(key, depth))
            flat.append(_enc(item, depth))
    except _UnsupportedError as e:
        e.path.append(f"<key {_short(key)}>" if len(flat) % 2 == 0 else f"[{_short(key)}]")
        raise
    return _tag("dict", flat)


def _is_plain(v: Any, depth: int) -> bool:
    """True if orjson output of ``v`` decodes to ``v`` with identical types (no Enums, NaN, ...)."""
    t = type(v)
    if t is dict:
        items: Any = v.values()  # orjson already refused non-str (and str-subclass) keys
    elif t is list:
        items = v
    else:
        return t is str or t is int or t is bool or v is None or (t is float and math.isfinite(v))
    if depth >= MAX_DEPTH:
        return False
    for x in items:
        tx = type(x)
        if tx is str or tx is int or tx is bool or x is None:
            continue
        if tx is float:
            if not math.isfinite(x):
                return False
        elif not ((tx is dict or tx is list) and _is_plain(x, depth + 1)):
            return False
    return True


def dumps(value: Any) -> tuple[str, bytes]:
    """Return ``(flag, canonical JSON bytes)``; ``PersistError("unsupported")`` if not storable."""
    try:
        out = orjson.dumps(value, default=_refuse, option=_FAST_OPTS)
    except Exception:  # noqa: S110 - not plain JSON: take the tagged path below
        pass
    else:
        if _is_plain(value, 0):  # implies orjson.loads(out) == value, with identical types
            return PLAIN, out
    try:
        return TAGGED, orjson.dumps(_enc(value, 0))
    except _UnsupportedError as e:
        raise PersistError("unsupported", e.message()) from e
    except Exception as e:
        raise PersistError("unsupported", f"value cannot be stored: {e!r}") from e


def unchanged(old: Any, new: Any) -> bool:
    """True if ``new`` certainly encodes like ``old``, decided without encoding either.

    Only immutable scalars are compared (``1``, ``1.0`` and ``True`` differ; so do ``0.0`` and
    ``-0.0``, ``Decimal("1.0")`` and ``Decimal("1.00")``, and datetimes in different zones);
    anything else answers False: encode it to know. Cheap enough to run on every key of every run.
    """
    t = type(new)
    if t is not type(old) or t not in SCALARS:
        return False
    if new is old:
        return True
    if t is float or t is Decimal:
        return repr(new) == repr(old)
    if t is datetime or t is time:
        return bool(new == old) and new.isoformat() == old.isoformat()
    return bool(new == old)


def same(a: Any, b: Any) -> bool:
    """True if ``a`` and ``b`` are the same stored value (exact types all the way down)."""
    if type(a) is not type(b):
        return False  # the codec keeps types: 1, 1.0, True, (1,) and [1] all differ
    if type(a) in SCALARS:
        return unchanged(a, b)
    try:
        return dumps(a) == dumps(b)
    except PersistError:
        return False


SCALARS: Final[frozenset[type[Any]]] = frozenset(
    {str, int, bool, float, type(None), bytes, date, datetime, time, timedelta, Decimal, uuid.UUID}
)


# --- decoding -----------------------------------------------------------------------------------


def _corrupt(message: str) -> NoReturn:
    raise PersistError("corrupt", f"stored value is corrupt: {message}")


def _str(payload: Any, limit: int) -> str:
    if type(payload) is not str or len(payload) > limit:
        _corrupt("malformed tag payload")
    return payload


def _exact(value: T, payload: str, text: str) -> T:
    """Accept only the one spelling ``dumps`` writes, so no parser leniency is reachable."""
    if text != payload:
        _corrupt("non-canonical tag payload")
    return value


def _dec_int(p: Any) -> int:
    s = _str(p, MAX_INT_DIGITS + 1)
    i = int(s) if _INT_RE.fullmatch(s) else _corrupt("malformed int")
    if _INT_MIN <= i <= _INT_MAX:
        _corrupt("tagged int in the native range")
    return i


def _dec_float(p: Any) -> float:
    return float(p) if p in ("nan", "inf", "-inf") else _corrupt("malformed float")


def _dec_decimal(p: Any) -> Decimal:
    d = Decimal(_str(p, _MAX_DECIMAL_CHARS))
    if d.is_finite() and abs(d.adjusted()) > MAX_INT_DIGITS:
        _corrupt("Decimal exponent too large")
    return _exact(d, p, str(d))


def _dec_timedelta(p: Any) -> timedelta:
    if type(p) is not list or len(p) != 3 or any(type(x) is not int for x in p):
        _corrupt("malformed timedelta")
    td = timedelta(days=p[0], seconds=p[1], microseconds=p[2])
    return td if [td.days, td.seconds, td.microseconds] == p else _corrupt("non-canonical timedelta")


def _dec_iso(cls: type[date] | type[time], p: Any) -> Any:
    value = cls.fromisoformat(_str(p, 64))
    return _exact(value, p, value.isoformat())


def _dec_uuid(p: Any) -> uuid.UUID:
    u = uuid.UUID(_str(p, 36))
    return _exact(u, p, str(u))


def _dec_bytes(p: Any) -> bytes:
    s = _str(p, MAX_BYTES)
    b = base64.b64decode(s, validate=True)
    return _exact(b, s, _b64(b))


_SCALAR_DECODERS: Final[dict[str, Callable[[Any], Any]]] = {
    "int": _dec_int,
    "float": _dec_float,
    "datetime": lambda p: _dec_iso(datetime, p),
    "date": lambda p: _dec_iso(date, p),
    "time": lambda p: _dec_iso(time, p),
    "timedelta": _dec_timedelta,
    "decimal": _dec_decimal,
    "uuid": _dec_uuid,
    "bytes": _dec_bytes,
    "bytearray": lambda p: bytearray(_dec_bytes(p)),
}


def _dec_list(payload: Any, depth: int) -> list[Any]:
    if type(payload) is not list:
        _corrupt("malformed tag payload")
    return [_dec(x, depth) if type(x) in _JSON_CONTAINERS else x for x in payload]


def _dec(x: Any, depth: int) -> Any:
    """Inverse of ``_enc`` on parsed JSON; ``depth`` is counted exactly as ``_enc`` counts it."""
    t = type(x)
    if t is not list and t is not dict:
        return x
    if t is dict and _TAG in x:
        return _untag(x, depth)
    if depth >= MAX_DEPTH:
        _corrupt("nested too deeply")
    if t is list:
        return _dec_list(x, depth + 1)
    depth += 1
    return {k: _dec(v, depth) if type(v) in _JSON_CONTAINERS else v for k, v in x.items()}


def _untag(node: dict[str, Any], depth: int) -> Any:
    spec = node[_TAG]
    if len(node) != 1 or type(spec) is not list or len(spec) != 2 or type(spec[0]) is not str:
        _corrupt("malformed tag")
    name, payload = spec
    scalar = _SCALAR_DECODERS.get(name)
    if scalar is not None:
        return scalar(payload)
    if depth >= MAX_DEPTH:
        _corrupt("nested too deeply")
    depth += 1
    if name == "tuple":
        return tuple(_dec_list(payload, depth))
    if name == "set":
        return set(_dec_list(payload, depth))
    if name == "frozenset":
        return frozenset(_dec_list(payload, depth))
    if name == "dict":
        flat = _dec_list(payload, depth)
        out = dict(zip(flat[::2], flat[1::2], strict=True))
        return out if 2 * len(out) == len(flat) else _corrupt("duplicate dict keys")
    entry = _by_name.get(name[2:]) if name.startswith("x:") else None
    if entry is None:
        _corrupt(f"unknown tag {_short(name)}")
    inner = _dec(payload, depth)
    try:
        return entry.decode(inner)
    except Exception as e:
        raise PersistError("corrupt", f"stored value is corrupt: codec {entry.name!r} raised {e!r}") from e


def _orjson_depth_limit() -> int | None:
    """How many nested containers ``orjson.dumps`` writes before refusing (254 today); probed."""
    nested: list[Any] = []
    for depth in range(1, 4096):
        try:
            orjson.dumps(nested)
        except orjson.JSONEncodeError:
            return depth - 1
        nested = [nested]
    return None


_limit = _orjson_depth_limit()
# Plain values are depth-checked in C: wrapped in _PAD lists, anything deeper than MAX_DEPTH
# trips orjson's own limit during the canonical re-encoding that loads does anyway.
_PAD: Final = _limit - MAX_DEPTH if _limit is not None and _limit > MAX_DEPTH else 0


def _canonical_plain(tree: Any, data: bytes) -> bool:
    if data.count(b"[") + data.count(b"{") < MAX_DEPTH:  # too few brackets to nest too deep
        return orjson.dumps(tree) == data
    if not _PAD:  # some orjson without a usable limit: walk the tree instead
        stack: list[tuple[Any, int]] = [(tree, 0)] if type(tree) in (list, dict) else []
        while stack:
            node, depth = stack.pop()
            if depth >= MAX_DEPTH:
                _corrupt("nested too deeply")
            stack.extend(
                (x, depth + 1)
                for x in (node.values() if type(node) is dict else node)
                if type(x) in (list, dict)
            )
        return orjson.dumps(tree) == data
    wrapped = tree
    for _ in range(_PAD):
        wrapped = [wrapped]
    try:
        out = orjson.dumps(wrapped)
    except orjson.JSONEncodeError:
        _corrupt("nested too deeply")
    return memoryview(out)[_PAD:-_PAD] == data


def loads(flag: str, data: bytes) -> Any:
    """Decode what ``dumps`` produced; anything else raises ``PersistError("corrupt")``."""
    try:
        if flag not in FLAGS:
            _corrupt(f"unknown encoding flag {_short(flag)}")
        if len(data) > MAX_BYTES:
            _corrupt(f"larger than {MAX_BYTES} bytes")
        tree = orjson.loads(data)
        # Re-encoding must give the same bytes: rejects duplicate keys, whitespace, odd numbers, ...
        if flag == PLAIN:
            return tree if _canonical_plain(tree, data) else _corrupt("not canonical JSON")
        if orjson.dumps(tree) != data:
            _corrupt("not canonical JSON")
        return _dec(tree, 0)
    except PersistError:
        raise
    except orjson.JSONDecodeError as e:
        raise PersistError("corrupt", "stored value is not valid JSON") from e
    except Exception as e:  # hostile bytes: whatever broke, it is corruption, never a crash
        raise PersistError("corrupt", f"stored value is corrupt: {type(e).__name__}") from e
