"""The wheel works on its own: built JS inside, installed in a fresh venv, an app from it restores;
and a clean clone sets up without touching a tracked file.

The fresh venv gets streamlit and the other dependencies from the project venv's site-packages
(one ``.pth`` line: a plain path, so the project's editable install of streamlit_persist is NOT
picked up), and streamlit_persist only from the wheel. The app runs from a temporary directory
with no ``PYTHONPATH``, so nothing of the repository can be imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser_helpers import HYDRATION_MS, expect_line, plain_value, storage_items, wait_for_stored
from tests.support.pages import element_by_key, expect_no_streamlit_exception
from tests.support.streamlit_server import REPO_ROOT, StreamlitServer

pytestmark = pytest.mark.e2e

# One self-contained file per component: a shared chunk would load after index.js (vite.config.ts).
FRONTEND_FILES: Final = (
    "streamlit_persist/frontend/early.js",
    "streamlit_persist/frontend/index.js",
    "streamlit_persist/frontend/share.js",
)
REQUIRED_FILES: Final = (
    *FRONTEND_FILES,
    "streamlit_persist/pyproject.toml",
    "streamlit_persist/py.typed",
)

WHEEL_APP: Final = """\
import streamlit as st

import streamlit_persist as sp

p = sp.persist(["word"])
st.text_input("Word", key="word")
st.text(f"word={st.session_state.word!r} hydrated={p.hydrated}")
st.text(f"module={sp.__file__}")
"""


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_env() -> dict[str, str]:
    """The environment without anything that points Python at the repository."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert (REPO_ROOT / "streamlit_persist/frontend/index.js").is_file(), "run `npm run build` first"
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out)], cwd=REPO_ROOT)
    wheels = list(out.glob("streamlit_persist-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, got {wheels}"
    return wheels[0]


@pytest.fixture(scope="module")
def venv_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)], cwd=venv)
    python = venv / "bin" / "python"
    site_packages = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=venv).strip()
    )
    # Dependencies from the project venv, as a plain sys.path entry (its .pth files are not run).
    (site_packages / "_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], cwd=venv, env=_clean_env())
    return python


class TestWheel:
    def test_wheel_contains_the_built_js_and_package_data(self, wheel: Path) -> None:
        names = set(zipfile.ZipFile(wheel).namelist())
        missing = [name for name in REQUIRED_FILES if name not in names]
        assert not missing, f"{wheel.name} lacks {missing}"
        assert sorted(n for n in names if n.startswith("streamlit_persist/frontend/")) == sorted(FRONTEND_FILES)
        for name in FRONTEND_FILES:
            assert zipfile.ZipFile(wheel).read(name) == (REPO_ROOT / name).read_bytes()

    def test_package_imports_from_the_wheel_only(self, venv_python: Path, tmp_path: Path) -> None:
        out = _run(
            [str(venv_python), "-c", "import streamlit_persist, streamlit; print(streamlit_persist.__file__)"],
            cwd=tmp_path,
            env=_clean_env(),
        )
        module = Path(out.strip())
        assert venv_python.parent.parent in module.parents, f"imported from {module}, not the fresh venv"
        assert REPO_ROOT not in module.parents

    def test_app_from_the_installed_wheel_restores_after_reload(
        self, venv_python: Path, tmp_path: Path, page: Page
    ) -> None:
        app = tmp_path / "wheel_app.py"
        app.write_text(WHEEL_APP)
        with _WheelServer(app, venv_python, cwd=tmp_path) as server:
            page.goto(server.url)
            expect_line(page, "word='' hydrated=True")
            module = page.get_by_test_id("stText").filter(has_text="module=")
            expect(module).to_contain_text(str(venv_python.parent.parent), timeout=HYDRATION_MS)
            word = element_by_key(page, "word").locator("input")
            word.fill("from the wheel")
            word.press("Enter")
            expect_line(page, "word='from the wheel' hydrated=True")
            wait_for_stored(page, "sp:wheel_app:word", "v !== null")
            assert plain_value(storage_items(page)["sp:wheel_app:word"]) == "from the wheel"

            page.reload()
            expect_line(page, "word='from the wheel' hydrated=True")
            expect(element_by_key(page, "word").locator("input")).to_have_value("from the wheel")
            expect_no_streamlit_exception(page)
            page.close()  # before the server stops: a live page would log reconnection failures


def test_set_up_of_a_clean_clone_leaves_git_status_clean(tmp_path: Path) -> None:
    """`npm ci` accepts the committed lock file and the build writes only ignored files."""
    if not (REPO_ROOT / ".git").exists():
        pytest.fail("not a git checkout: this test checks the committed tree")
    clone = tmp_path / "clone"
    _run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(clone)], cwd=tmp_path)
    _run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=clone)
    _run(["npm", "run", "--silent", "build"], cwd=clone)
    assert (clone / "streamlit_persist/frontend/index.js").is_file()
    assert _run(["git", "status", "--porcelain"], cwd=clone) == ""


class _WheelServer(StreamlitServer):
    """``streamlit run`` with the fresh venv's Python, outside the repository, no PYTHONPATH."""

    def __init__(self, app: Path, python: Path, *, cwd: Path) -> None:
        super().__init__(app, cwd=cwd, startup_timeout=60.0)
        self.python = python

    def command(self) -> list[str]:
        return [str(self.python), *super().command()[1:]]

    def environment(self) -> dict[str, str]:
        env = _clean_env()
        env["PYTHONUNBUFFERED"] = "1"
        return env
