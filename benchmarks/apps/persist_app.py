"""streamlit-persist (ours), used the way its README shows: one ``sp.persist([...])`` call near
the top, then the app reads and writes ``st.session_state`` as usual.

Stored format: ``localStorage["sp:persist_app:<key>"] = "sp1.p.-.1.[iat,exp,flag,value]"``.
"""

import streamlit as st

import streamlit_persist as sp
from benchmarks.apps.common import current_scenario, is_seed_mode, render_values
from benchmarks.scenarios import keys, values
from tests.support.apps import show_run_count

show_run_count()
scenario = current_scenario()
names = keys(scenario)
sp.persist(names)

if is_seed_mode():
    for name, value in values(scenario).items():
        st.session_state[name] = value  # stored with this run, like any other change

render_values(scenario, {name: st.session_state.get(name) for name in names})
