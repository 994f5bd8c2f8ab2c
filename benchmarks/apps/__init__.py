"""Benchmark apps, one per system; run with ``streamlit run`` by ``benchmarks/bench_restore.py``."""
