"""What the suites need to know about the Streamlit release they run on (``make test-matrix``).

A test adapts to an older release where the behaviour under test is the same and only the
way to drive it differs; where a release lacks what a test needs, the test names the
release it needs instead of failing on it.
"""

from __future__ import annotations

from typing import Final

import streamlit
from packaging.version import Version

STREAMLIT: Final = Version(streamlit.__version__)


def streamlit_at_least(version: str) -> bool:
    """True on Streamlit ``version`` and later."""
    return Version(version) <= STREAMLIT


# A selected option of ``st.multiselect`` (Base Web's own tag before 1.64).
MULTISELECT_TAG: Final = "[data-tag]" if streamlit_at_least("1.64") else "[data-baseweb='tag']"

# Browser console errors that Streamlit itself causes on a release, not this library: its server
# answers /favicon.png with a 500 on 1.59.2 and 1.60 (checked; not on 1.64 or 1.67).
STREAMLIT_CONSOLE_ERRORS: Final[tuple[str, ...]] = (
    () if streamlit_at_least("1.64") else (r"status of 500 \(Internal Server Error\) \(http://[^)]*/favicon\.png\)",)
)
