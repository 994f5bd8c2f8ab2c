"""Server benchmark app (``bench_server.py``): atomic ``sp.shared`` increments from threads.

A copy of ``tests/e2e/apps/live_counter_app.py`` with the work per thread set by
``SP_BENCH_PER_THREAD`` (default 500). "Start" runs 4 threads x N
``counter.update(lambda n: n + 1)`` on one ``Shared`` handle (created in the script thread; the
workers have no script-run context), joins them and shows
``done#<k> <n> in <s> s (<start>-<end>)``: ``k`` counts this session's Start clicks, ``start``
and ``end`` are epoch seconds of the first thread's start and the last one's end, so the runner
can add two processes' work up. The store is ``STREAMLIT_PERSIST_STORE``.
"""

import os
import threading
import time

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

THREADS = 4
PER_THREAD = int(os.environ.get("SP_BENCH_PER_THREAD", "500"))

show_run_count()
counter = sp.shared("counter", default=0)


def _work() -> None:
    for _ in range(PER_THREAD):
        counter.update(lambda n: n + 1)


if st.button("Start", key="start"):
    workers = [threading.Thread(target=_work) for _ in range(THREADS)]
    started = time.time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    st.session_state.work = (st.session_state.get("work", (0,))[0] + 1, started, time.time())
if "work" in st.session_state:
    k, start, end = st.session_state.work
    st.text(f"done#{k} {THREADS * PER_THREAD} in {end - start:.3f} s ({start:.6f}-{end:.6f})")
st.text(f"counter={counter.value}")
for error in counter.errors:
    st.text(f"shared error {error.kind} {error.key}: {error.message}")
