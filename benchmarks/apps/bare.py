"""The floor: no persistence at all; renders the scenario's values from constants (one run)."""

from benchmarks.apps.common import current_scenario, render_values
from benchmarks.scenarios import values
from tests.support.apps import show_run_count

show_run_count()
scenario = current_scenario()
render_values(scenario, values(scenario))
