"""Server benchmark app (``bench_server.py``): a signed-in user's return visit.

``SP_BENCH_STORAGE`` picks the system: ``user`` (``sp.persist(keys, storage="user")``, values on
the server for ``st.user``; store: ``STREAMLIT_PERSIST_STORE``), ``local`` (the same call with
``storage="local"``: browser storage) or ``none`` (the floor: no persistence, the values come
from constants). Every system requires a signed-in user (``st.login`` against the local
OpenID Connect provider named by ``.streamlit/secrets.toml`` in the working directory); signed
out, the page shows only a "Log in" button.

Query parameters as ``bare.py`` and ``persist_app.py``: ``scenario=A|B``, ``mode=seed`` (a
visit that writes the scenario's values through ``persist()``'s normal write path). After the
values, a caption ``persist_ms=<ms>``: how long this run's ``sp.persist()`` call took (``-`` for
the floor), the server's share of the visit.
"""

import os
import time

import streamlit as st

from benchmarks.apps.common import current_scenario, is_seed_mode, render_values
from benchmarks.scenarios import keys, values
from tests.support.apps import show_run_count

STORAGE = os.environ.get("SP_BENCH_STORAGE", "user")

show_run_count()
if not st.user.get("is_logged_in"):
    st.button("Log in", key="login", on_click=st.login)
    st.stop()
scenario = current_scenario()
persist_ms = "-"
if STORAGE == "none":
    render_values(scenario, values(scenario))
else:
    import streamlit_persist as sp

    names = keys(scenario)
    started = time.perf_counter()
    p = sp.persist(names, storage="user" if STORAGE == "user" else "local")
    persist_ms = f"{(time.perf_counter() - started) * 1000:.1f}"
    if is_seed_mode():
        for name, value in values(scenario).items():
            st.session_state[name] = value  # stored with this run, like any other change
    render_values(scenario, {name: st.session_state.get(name) for name in names})
    for error in p.errors:
        st.text(f"error {error.kind} {error.key}: {error.message}")
st.caption(f"persist_ms={persist_ms}")
