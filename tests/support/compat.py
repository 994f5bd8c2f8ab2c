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
