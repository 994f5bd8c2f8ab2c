"""Problems are recorded once, capped, and logged as one line per kind and batch."""

from __future__ import annotations

import logging

import pytest

from streamlit_persist._report import MAX_RECORDS, Reporter
from streamlit_persist.exceptions import ErrorRecord, PersistError


def test_the_same_problem_is_recorded_once() -> None:
    reporter = Reporter()
    reporter.report("corrupt", "bad", "a")
    reporter.report("corrupt", "bad", "a")
    reporter.error(PersistError("corrupt", "bad"), "a")
    assert reporter.records == [ErrorRecord("corrupt", "bad", "a")]


def test_ten_thousand_problems_are_one_log_line_and_capped_records(caplog: pytest.LogCaptureFixture) -> None:
    """10,000 corrupt entries: one warning with the count; p.errors stops at MAX_RECORDS."""
    reporter = Reporter()
    for i in range(10_000):
        reporter.report("corrupt", "stored entry is not a streamlit-persist token", f"k{i}")
    reporter.report("expired", "stored value has expired", "x")
    with caplog.at_level(logging.WARNING, logger="streamlit_persist"):
        reporter.flush_log()
        reporter.flush_log()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("streamlit-persist: 10,000 corrupt entries dropped (first: k0: ")
    assert lines[1] == "streamlit-persist: x: stored value has expired"
    assert len(reporter.records) == MAX_RECORDS
