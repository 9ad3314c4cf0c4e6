"""The project's tooling: pyproject.toml agrees with the requirements files; the test command's checks."""
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import CHROMIUM, ROOT


def _requirements(name: str) -> list[str]:
    """The requirement lines of a requirements file, without comments and ``-r`` includes."""
    lines = (ROOT / name).read_text().splitlines()
    reqs = [line.split("#", 1)[0].strip() for line in lines]
    return [r for r in reqs if r and not r.startswith("-")]


def test_pyproject_dependencies_are_the_runtime_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == _requirements("requirements.txt")
    assert project["requires-python"] == ">=3.11"


def test_dev_requirements_include_the_runtime_ones():
    # The test command installs only requirements-dev.txt: the app's own packages come with it.
    lines = [line.split("#", 1)[0].strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()]
    assert "-r requirements.txt" in lines


def _fake_python(directory, version: str) -> None:
    """A ``python3`` that fails every ``-c`` check and reports ``version``: an old interpreter."""
    exe = directory / "python3"
    exe.write_text(f'#!/bin/sh\n[ "$1" = "-V" ] && echo "Python {version}" && exit 0\nexit 1\n')
    exe.chmod(0o755)


def test_test_command_refuses_a_python_older_than_3_11(tmp_path):
    _fake_python(tmp_path, "3.10.12")
    venv = tmp_path / "venv"
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}", CNNVIZ_VENV=str(venv))
    env.pop("PYTHON", None)
    run = subprocess.run(["bash", str(ROOT / "scripts" / "test.sh")], env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode != 0
    assert "needs Python 3.11 or newer" in run.stderr and "Python 3.10.12" in run.stderr
    assert not venv.exists()  # it stopped before creating anything


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not shutil.which("redis-server"),
                    reason="the test command would install chromium and redis-server with apt first")
def test_test_command_passes_arguments_to_the_venvs_pytest_and_fails_on_zero_tests(tmp_path):
    # A prepared environment: its python is this interpreter, and its stamp says the requirements are installed.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\necho "venv python: $*" >&2\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes() + (ROOT / "requirements-dev.txt").read_bytes())
    (venv / ".cnnviz-installed").write_text(f"requirements-dev.txt {digest.hexdigest()}\n")
    env = dict(os.environ, CNNVIZ_VENV=str(venv), PIP_REQUIRE_VIRTUALENV="true")
    run = subprocess.run(["bash", str(ROOT / "scripts" / "test.sh"), "-q", "-p", "no:cacheprovider",
                          "-k", "no_test_is_named_this", "tests/test_tooling.py"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert "venv python: -m pytest -q -p no:cacheprovider -k no_test_is_named_this" in run.stderr
    assert "Installing" not in run.stderr  # nothing reinstalled while the requirements are unchanged
    assert run.returncode == 5
    assert "collected no tests" in run.stderr
