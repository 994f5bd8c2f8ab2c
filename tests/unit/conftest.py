"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streamlit_persist.testing import MemoryBrowser
from tests.support.redis_server import RedisServer


@pytest.fixture
def browser() -> Iterator[MemoryBrowser]:
    """An in-memory browser storage that every ``persist()`` in the test talks to."""
    with MemoryBrowser() as memory:
        yield memory


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session (tests isolate themselves with a key prefix)."""
    with RedisServer() as server:
        yield server
