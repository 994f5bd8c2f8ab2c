"""The mirror of what the browser holds: change detection, budgets, baselines, lazy opening."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streamlit_persist import _envelope
from streamlit_persist._mirror import Mirror
from streamlit_persist.exceptions import PersistError

PREFIX = "sp:t:"


class PlainSealer:
    """Plain tokens for namespace "t", counting seals and opens."""

    def __init__(self, version: int = 1) -> None:
        self._version = version
        self.sealed = 0
        self.opened = 0

    @property
    def version(self) -> int:
        return self._version

    def seal(self, slot: str, flag: str, body: bytes) -> str:
        self.sealed += 1
        return _envelope.seal(flag, body, _envelope.Context("store", "t", slot), version=self._version)

    def open(self, slot: str, token: str) -> _envelope.Opened:
        self.opened += 1
        return _envelope.open_token(token, _envelope.Context("store", "t", slot))


@pytest.fixture
def sealer() -> PlainSealer:
    return PlainSealer()


@pytest.fixture
def mirror(sealer: PlainSealer) -> Mirror:
    return Mirror(PREFIX, sealer, max_value=1_000, max_total=2_000)


class TestChanges:
    def test_a_new_value_is_staged_once(self, mirror: Mirror) -> None:
        """A value is written when it differs from what storage holds, not again."""
        assert mirror.stage("a", "x")
        assert not mirror.stage("a", "x")
        writes = mirror.take_writes()
        assert list(writes) == ["a"]
        assert mirror.take_writes() == {}
        assert mirror.stage("a", "y")

    def test_unchanged_scalars_are_not_even_encoded(self, sealer: PlainSealer) -> None:
        """The per-run check of 1,000 unchanged keys costs no encoding or sealing."""
        mirror = Mirror(PREFIX, sealer, max_value=1_000, max_total=1_000_000)
        for i in range(1_000):
            mirror.stage(f"k{i}", f"value {i}")
        sealed = sealer.sealed
        for _ in range(3):
            for i in range(1_000):
                assert not mirror.stage(f"k{i}", f"value {i}")
        assert sealer.sealed == sealed == 1_000

    @pytest.mark.parametrize(
        ("old", "new"), [(1, 1.0), (1, True), (0.0, -0.0), (Decimal("1.0"), Decimal("1.00")), ("a", b"a")]
    )
    def test_values_that_only_look_equal_are_written(self, mirror: Mirror, old: object, new: object) -> None:
        """1 and 1.0 (and True) are different stored values."""
        mirror.stage("a", old)
        mirror.take_writes()
        assert mirror.stage("a", new)

    def test_a_list_changed_in_place_is_seen(self, mirror: Mirror) -> None:
        """Mutable values are compared by content, so an in-place change is not lost."""
        items = [1, 2]
        mirror.stage("a", items)
        mirror.take_writes()
        items.append(3)
        assert mirror.stage("a", items)

    def test_removal_of_what_storage_holds(self, mirror: Mirror) -> None:
        mirror.stage("a", 1)
        mirror.take_writes()
        assert mirror.remove("a")
        assert not mirror.remove("a")
        assert mirror.take_writes() == {"a": None}


class TestBudgets:
    def test_per_value_budget(self, mirror: Mirror) -> None:
        with pytest.raises(PersistError, match="per-value budget of 1,000") as info:
            mirror.stage("big", "x" * 2_000)
        assert info.value.kind == "too_large"
        assert mirror.take_writes() == {}

    def test_total_budget_counts_every_entry_and_keeps_the_old_value(self, mirror: Mirror) -> None:
        mirror.stage("a", "x" * 900)
        mirror.stage("b", "y" * 900)
        with pytest.raises(PersistError, match="total budget of 2,000"):
            mirror.stage("c", "z" * 900)
        assert sorted(mirror.sizes()) == ["a", "b"]
        mirror.remove("a")
        assert mirror.stage("c", "z" * 900)

    def test_unsupported_values_raise_for_the_caller_to_report(self, mirror: Mirror) -> None:
        with pytest.raises(PersistError) as info:
            mirror.stage("a", object())
        assert info.value.kind == "unsupported"


class TestStorageSide:
    def test_adopted_entries_are_opened_only_when_asked(self, mirror: Mirror, sealer: PlainSealer) -> None:
        """Entries no pattern selects are never opened."""
        other = PlainSealer()
        tokens = {f"k{i}": other.seal(f"k{i}", "j", b'"v"') for i in range(100)}
        mirror.adopt(tokens)
        assert sealer.opened == 0
        assert mirror.open("k1").value() == "v"
        assert sealer.opened == 1
        assert mirror.tokens() == tokens

    def test_an_opened_value_noted_is_not_rewritten(self, mirror: Mirror) -> None:
        token = PlainSealer().seal("a", "j", b'"v"')
        mirror.adopt({"a": token})
        mirror.open("a")
        mirror.note_value("a", "v")
        assert not mirror.stage("a", "v")

    def test_an_entry_of_an_older_version_is_rewritten_even_if_equal(self) -> None:
        """Values migrated (or sealed with an old key) go out again at the current version."""
        old = PlainSealer(version=1).seal("a", "j", b'"v"')
        mirror = Mirror(PREFIX, PlainSealer(version=2), max_value=1_000, max_total=2_000)
        mirror.adopt({"a": old})
        mirror.open("a")
        mirror.note_value("a", "v")
        assert mirror.stage("a", "v")

    def test_learn_follows_another_tab(self, mirror: Mirror) -> None:
        mirror.learn("a", "t1")
        assert mirror.token("a") == "t1"
        mirror.learn("a", None)
        assert "a" not in mirror
        assert mirror.take_writes() == {}


    def test_entry_chars_follow_every_change_without_a_scan(self, mirror: Mirror) -> None:
        """What the boot cookie must carry is known at once, however many entries are held."""

        def scanned() -> int:
            return sum(len(slot) + len(token) for slot, token in mirror.tokens().items())

        mirror.adopt({"a": "t1", "bb": "token2"})
        assert mirror.entry_chars() == scanned() == 11
        for step in (lambda: mirror.stage("a", "longer value"), lambda: mirror.learn("c", "t3"),
                     lambda: mirror.learn("bb", None), lambda: mirror.remove("a"), lambda: mirror.drop("zz")):
            step()
            assert mirror.entry_chars() == scanned()
        assert mirror.entry_chars() == len("c") + len("t3")


class TestBaselines:
    def test_a_held_back_slot_is_written_only_once_it_changes(self, mirror: Mirror) -> None:
        """After clear(): the session's value is not stored again until it changes."""
        mirror.stage("a", "x")
        mirror.take_writes()
        mirror.drop("a")
        mirror.hold_back(["a"])
        assert mirror.take_writes() == {"a": None}
        assert not mirror.stage("a", "x")
        assert not mirror.stage("a", "x")
        assert mirror.stage("a", "changed")
