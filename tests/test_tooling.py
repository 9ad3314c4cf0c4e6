"""The project's tooling: pyproject.toml agrees with the requirements files."""
import tomllib

from conftest import ROOT


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
