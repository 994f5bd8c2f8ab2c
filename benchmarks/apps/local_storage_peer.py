"""streamlit-local-storage 0.0.25, used as its README shows: ``LocalStorage()``, ``setItem``,
``getItem``.

Its values arrive through a v1 iframe's ``getAll`` on the second script run. Stored format:
``localStorage[name] = JSON.stringify({name: value})``. Each ``setItem`` call needs its own
widget ``key`` (one iframe per write).
"""

from streamlit_local_storage import LocalStorage

from benchmarks.apps.common import current_scenario, is_seed_mode, render_values
from benchmarks.scenarios import keys, values
from tests.support.apps import show_run_count

show_run_count()
scenario = current_scenario()
local_storage = LocalStorage()

if is_seed_mode():
    for name, value in values(scenario).items():
        local_storage.setItem(name, value, key=f"set_{name}")

render_values(scenario, {name: local_storage.getItem(name) for name in keys(scenario)})
