"""The package's shape: imports point down, the public surface is small, options are declared once."""

from __future__ import annotations

import ast
import inspect
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import streamlit_persist as sp
from streamlit_persist import _options

PACKAGE = Path(sp.__file__).parent

# Bottom to top: a module may import only modules listed before it.
LAYERS = [
    "exceptions",
    "_encoding",
    "_codec",
    "_adopt",
    "_crypto",
    "_envelope",
    "_links",
    "_boot",
    "_keys",
    "_report",
    "_recovery",
    "_store",
    "_sqlite",
    "_redis",
    "_stores",
    "_streamlit",
    "_live",
    "_protocol",
    "_server",
    "_outbox",
    "_early",
    "_gate",
    "_mirror",
    "_options",
    "_restore",
    "_shared",
    "_share",
    "_inspector",
    "_persisted",
    "_api",
    "testing",
    "__init__",
    "__main__",
]


def imported_modules(path: Path) -> set[str]:
    """Package modules ``path`` imports, at any depth of the file (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("streamlit_persist"):
            parts = node.module.split(".")
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("streamlit_persist."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_is_placed_in_a_layer() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set(LAYERS)


def test_every_import_points_down() -> None:
    """No module imports one above it: following data never climbs back up the layers."""
    upward = []
    for index, name in enumerate(LAYERS):
        for target in imported_modules(PACKAGE / f"{name}.py"):
            if target not in LAYERS[:index]:
                upward.append(f"{name} imports {target}")
    assert upward == []


def test_public_surface() -> None:
    """Implementation modules are private; __init__ exports what users use."""
    assert sorted(sp.__all__) == sp.__all__
    public_modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    assert public_modules == {"exceptions", "testing"}


def test_persist_signature_is_the_options_dataclass() -> None:
    """Options are declared once: persist()'s keyword arguments and defaults are Options' fields."""
    parameters = inspect.signature(sp.persist).parameters
    keyword = {name: p.default for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    fields = {name: _options.Options.__dataclass_fields__[name].default for name in _options.init_arguments()}
    assert keyword == fields
    assert list(keyword) == _options.init_arguments()


def test_usage_errors_are_value_errors_and_persist_errors() -> None:
    assert issubclass(sp.UsageError, ValueError)
    assert issubclass(sp.UsageError, sp.PersistError)


def test_a_keyring_is_accepted_where_a_secret_is() -> None:
    """sp.Keyring is exported because persist(secret=...) takes one."""
    keyring = sp.Keyring(sp.generate_secret())
    assert _options.Options(secret=keyring).keyring is keyring


LAZY = ("cryptography", "sqlite3", "streamlit_persist._sqlite", "streamlit_persist._redis")


@pytest.mark.parametrize(
    ("options", "loaded"),
    [("", []), (f"secret={secrets.token_urlsafe(32)!r}", ["cryptography"])],
    ids=["browser only", "with a secret"],
)
def test_an_app_loads_only_what_its_options_use(tmp_path: Path, options: str, loaded: list[str]) -> None:
    """What an app never uses is never imported: every object imported stays for the process,
    and Streamlit's gc.collect(2) after every run walks them all (cryptography alone ~2,700)."""
    script = tmp_path / "app.py"
    script.write_text(
        "import streamlit as st\nimport streamlit_persist as sp\n"
        f'sp.persist(["name"], namespace="t", {options})\nst.text_input("Name", key="name")\n'
    )
    check = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from streamlit_persist.testing import MemoryBrowser\n"
        "with MemoryBrowser() as browser:\n"
        f"    at = AppTest.from_file({str(script)!r}).run()\n"
        "    at.text_input(key='name').input('Ann').run()\n"
        f"    again = AppTest.from_file({str(script)!r}).run()\n"
        "assert not at.exception and not again.exception\n"
        "assert again.text_input(key='name').value == 'Ann', again.text_input(key='name').value\n"
        f"print(*[m for m in {LAZY!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == loaded
