"""Which session-state keys ``persist()`` covers: literal names, glob patterns and ``"!"`` exclusions.

Selection is O(1) per key: literal names sit in a set and every glob is compiled once into
one regular expression. The same selection travels to the browser as one JavaScript
regular expression (``js_source``), so storage sends only the entries Python asked for.

Globs follow ``fnmatch.fnmatchcase``: ``*`` any run, ``?`` one character, ``[seq]`` and
``[!seq]`` one character in (or not in) the set, case-sensitive. A pattern starting with
``!`` excludes what it matches, whatever else selects it.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from typing import Final

_SPECIAL: Final = frozenset("*?[")
_ANY: Final = r"[\s\S]"  # one character, line breaks included, in both languages
_NOTHING: Final = r"(?!)"
_END: Final = r"(?![\s\S])"  # end of input in both languages (Python's "$" also matches before a final newline)


INTERNAL_PREFIX: Final = "_streamlit_persist"
"""Every session-state key this library creates starts so (its own state, its components' mounts)."""


def is_internal(key: str) -> bool:
    """A key of this library's own: never stored, shared or checked, whatever a pattern selects."""
    return key.startswith(INTERNAL_PREFIX)


def is_glob(pattern: str) -> bool:
    return not _SPECIAL.isdisjoint(pattern)


class KeySelector:
    """An immutable selection of keys; ``extend`` returns a larger one.

    Examples
    --------
    >>> keys = KeySelector(["theme", "filter_*", "!filter_tmp"])
    >>> [k for k in ["theme", "filter_a", "filter_tmp", "x"] if k in keys]
    ['theme', 'filter_a']
    """

    __slots__ = ("_exclude_literals", "_exclude_regex", "_include_regex", "_js", "_literals", "names", "patterns")

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns: tuple[str, ...] = tuple(dict.fromkeys(patterns))
        self.names: frozenset[str] = frozenset(self.patterns)
        include = [p for p in self.patterns if not p.startswith("!")]
        exclude = [p[1:] for p in self.patterns if p.startswith("!") and len(p) > 1]
        self._literals = frozenset(p for p in include if not is_glob(p))
        self._exclude_literals = frozenset(p for p in exclude if not is_glob(p))
        self._include_regex = _compile([p for p in include if is_glob(p)])
        self._exclude_regex = _compile([p for p in exclude if is_glob(p)])
        self._js: str | None = None

    @property
    def js_source(self) -> str:
        """The same selection as a JavaScript regular expression (flag ``u``), built on first use."""
        if self._js is None:
            include = [p for p in self.patterns if not p.startswith("!")]
            exclude = [p[1:] for p in self.patterns if p.startswith("!") and len(p) > 1]
            selected = "|".join(_translate(p) for p in include) or _NOTHING
            excluded = "|".join(_translate(p) for p in exclude)
            prefix = f"^(?!(?:{excluded}){_END})" if excluded else "^"
            self._js = f"{prefix}(?:{selected}){_END}"
        return self._js

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if key in self._literals:
            chosen = True
        else:
            chosen = self._include_regex is not None and self._include_regex.fullmatch(key) is not None
        if not chosen or key in self._exclude_literals:
            return False
        return self._exclude_regex is None or self._exclude_regex.fullmatch(key) is None

    def names_literally(self, key: str) -> bool:
        """True if ``key`` is in the selection by name (not only through a glob)."""
        return key in self._literals and key in self

    def __bool__(self) -> bool:
        return bool(self._literals) or self._include_regex is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeySelector) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def __repr__(self) -> str:
        return f"KeySelector({list(self.patterns)!r})"

    def extend(self, patterns: Iterable[str]) -> KeySelector:
        """This selection plus ``patterns`` (itself when nothing is new)."""
        added = [p for p in patterns if p not in self.names]
        return selection((*self.patterns, *added)) if added else self

    def select(self, keys: Iterable[object]) -> list[str]:
        """The keys of ``keys`` this selection covers, in order."""
        return [k for k in keys if k in self]  # type: ignore[misc]  # __contains__ narrows to str

    def unmatched(self, seen: Iterable[str], *, limit: int = 20) -> dict[str, str | None]:
        """Up to ``limit`` including patterns that cover none of ``seen``, each with the closest key seen.

        Literal names are looked up in a set; each glob scans ``seen`` once.
        """
        names = {k for k in seen if isinstance(k, str)}
        misses: dict[str, str | None] = {}
        for pattern in self.patterns:
            if pattern.startswith("!") or len(misses) >= limit:
                continue
            if is_glob(pattern):
                single = KeySelector([pattern])
                if any(name in single for name in names):
                    continue
            elif pattern in names:
                continue
            close = difflib.get_close_matches(pattern, names, n=1, cutoff=0.6)
            misses[pattern] = close[0] if close else None
        return misses


@functools.lru_cache(maxsize=64)
def selection(patterns: tuple[str, ...]) -> KeySelector:
    """The selection of ``patterns``, built once: every run of an app asks for the same one."""
    return KeySelector(patterns)


def _compile(globs: list[str]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{_translate(g)})" for g in globs))


def _translate(glob: str) -> str:
    """One glob as a regular expression that means the same in Python's ``re`` and JavaScript (``u``)."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        i += 1
        if char == "*":
            if not out or out[-1] != _ANY + "*":  # "**" is "*"
                out.append(_ANY + "*")
        elif char == "?":
            out.append(_ANY)
        elif char == "[":
            klass, i = _translate_class(glob, i)
            out.append(klass)
        else:
            out.append(_escape(char))
    return "".join(out)


def _translate_class(glob: str, start: int) -> tuple[str, int]:
    """``[seq]`` from ``glob[start:]`` (just after "["); a "[" with no closing "]" is literal."""
    j = start
    if j < len(glob) and glob[j] == "!":
        j += 1
    if j < len(glob) and glob[j] == "]":
        j += 1
    close = glob.find("]", j)
    if close < 0:
        return _escape("["), start
    body = glob[start:close]
    negate = body.startswith("!")
    if negate:
        body = body[1:]
    members = _class_members(body)
    if not members:  # fnmatch: an empty set matches nothing, its negation any character
        return (_ANY if negate else _NOTHING), close + 1
    return f"[{'^' if negate else ''}{''.join(members)}]", close + 1


def _class_members(body: str) -> list[str]:
    """Members of a class body as escaped characters and ranges; reversed ranges are dropped."""
    members: list[str] = []
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            low, high = body[k], body[k + 2]
            if low <= high:
                members.append(f"{_escape(low)}-{_escape(high)}")
            k += 3
        else:
            members.append(_escape(body[k]))
            k += 1
    return members


def _escape(char: str) -> str:
    """ASCII punctuation as ``\\xHH``: literal in both languages, inside classes and out."""
    if char.isascii() and not (char.isalnum() or char == "_"):
        return f"\\x{ord(char):02x}"
    return char
