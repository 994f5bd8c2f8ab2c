"""Benchmarks of streamlit-persist against its peers (see ``bench_restore.py``)."""
