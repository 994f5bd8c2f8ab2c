"""Atomic ``sp.shared`` updates from threads (issue 11): "Start" runs 4 threads x 500 increments.

The ``Shared`` handle is created in the script thread; the worker threads only call
``counter.update`` on it (they have no script-run context). The run joins them and records how
long they took, then shows ``done <n> in <seconds> s (<start>-<end>)`` (epoch seconds of the
first thread's start and the last one's end, so a test can tell two servers' work overlapped).
"""

import threading
import time

import streamlit as st

import streamlit_persist as sp
from tests.support.apps import show_run_count

THREADS = 4
PER_THREAD = 500

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
    st.session_state.work = (started, time.time())
if "work" in st.session_state:
    start, end = st.session_state.work
    st.text(f"done {THREADS * PER_THREAD} in {end - start:.3f} s ({start:.3f}-{end:.3f})")
st.text(f"counter={counter.value}")
for error in counter.errors:
    st.text(f"shared error {error.kind} {error.key}: {error.message}")
