"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streamlit_persist.testing import MemoryBrowser


@pytest.fixture
def browser() -> Iterator[MemoryBrowser]:
    """An in-memory browser storage that every ``persist()`` in the test talks to."""
    with MemoryBrowser() as memory:
        yield memory
