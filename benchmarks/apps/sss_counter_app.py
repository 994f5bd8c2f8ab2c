"""Server benchmark peer (``bench_server.py``): streamlit-server-state 0.20.2 increments.

The same work as ``server_counter_app.py`` (4 threads x ``SP_BENCH_PER_THREAD``, default 500,
"Start", the same ``done#<k> ...`` line) with the library's documented pattern: initialise under
``server_state_lock``, then ``with server_state_lock["counter"]: server_state["counter"] += 1``.
Reading ``server_state`` needs the session, so each worker gets the script's run context with
Streamlit's ``add_script_run_ctx`` (its documented way for threads). Its state lives in the
memory of ONE process: it cannot count across two.

Every write reruns the sessions that read the value, and a rerun stops the run in progress
(Streamlit's fast reruns): the "Start" run itself is stopped at its next element, so it could
not show its result through ``st.session_state``. The result goes into ``server_state["work"]``
instead, whose write reruns this session once more to show it.
"""

import os
import threading
import time

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx
from streamlit_server_state import server_state, server_state_lock  # type: ignore[import-untyped, import-not-found, unused-ignore]

from tests.support.apps import show_run_count

THREADS = 4
PER_THREAD = int(os.environ.get("SP_BENCH_PER_THREAD", "500"))

show_run_count()
with server_state_lock["counter"]:
    if "counter" not in server_state:
        server_state["counter"] = 0


def _work() -> None:
    for _ in range(PER_THREAD):
        with server_state_lock["counter"]:
            server_state["counter"] += 1


if st.button("Start", key="start"):
    workers = [threading.Thread(target=_work) for _ in range(THREADS)]
    ctx = get_script_run_ctx()
    for worker in workers:
        add_script_run_ctx(worker, ctx)
    started = time.time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with server_state_lock["work"]:
        clicks = server_state["work"][0] if "work" in server_state else 0
        server_state["work"] = (clicks + 1, started, time.time())
if "work" in server_state:
    k, start, end = server_state["work"]
    st.text(f"done#{k} {THREADS * PER_THREAD} in {end - start:.3f} s ({start:.6f}-{end:.6f})")
st.text(f"counter={server_state['counter']}")
