"""streamlit-extras 1.6.0 ``local_storage_manager``, used as its docstring shows: ``st.stop()``
until ``ready()``, dict-style reads, ``st.rerun()`` after writes.

Stored format: ``localStorage["st_extras_" + sanitized(pathname) + "_" + name] =
JSON.stringify(value)`` (``st_extras___<name>`` at the root path).
"""

import streamlit as st
from streamlit_extras.local_storage_manager import local_storage_manager

from benchmarks.apps.common import current_scenario, is_seed_mode, render_values
from benchmarks.scenarios import keys, values
from tests.support.apps import show_run_count

show_run_count()
scenario = current_scenario()
manager = local_storage_manager()
if not manager.ready():
    st.stop()  # wait for the browser sync, as documented

if is_seed_mode() and not st.session_state.get("seeded"):
    st.session_state.seeded = True
    for name, value in values(scenario).items():
        manager[name] = value
    st.rerun()

render_values(scenario, {name: manager.get(name) for name in keys(scenario)})
