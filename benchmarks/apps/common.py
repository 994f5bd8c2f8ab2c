"""What the benchmark apps share: which scenario, seed mode, how values are shown, a click counter.

Query parameters (available on the first script run):

- ``scenario=A|B`` (default ``A``): see :mod:`benchmarks.scenarios`;
- ``mode=seed``: a first visit that writes the scenario's values through the system's own write
  path. Without it the app only reads (a return visit).
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from benchmarks.scenarios import SCENARIOS, Scenario, keys, summary


def current_scenario() -> Scenario:
    return SCENARIOS.get(st.query_params.get("scenario", "A"), SCENARIOS["A"])


def is_seed_mode() -> bool:
    return st.query_params.get("mode") == "seed"


def render_values(scenario: Scenario, restored: Mapping[str, object]) -> None:
    """One ``st.text`` line per key, in key order (the last one is what the runner waits for)."""
    for key in keys(scenario):
        st.text(summary(key, restored.get(key)))


def counter(state_key: str, label: str, button_key: str) -> None:
    """A ``label`` button that adds 1 to ``st.session_state[state_key]`` (from 0), then ``<state_key>=<n>``."""
    st.session_state.setdefault(state_key, 0)

    def _increment() -> None:
        st.session_state[state_key] += 1

    st.button(label, key=button_key, on_click=_increment)
    st.text(f"{state_key}={st.session_state[state_key]}")
