"""Helpers shared by the real-browser tests (``tests/e2e``) and the benchmarks (``benchmarks/``).

- :mod:`tests.support.browser`: find a Chromium and the launch arguments for headless runs.
- :mod:`tests.support.streamlit_server`: run ``streamlit run <app>`` on a free port.
- :mod:`tests.support.apps`: helpers imported by the apps themselves (script-run counting).
"""
