"""The house rules: each subsystem imports only those below it, and no module imports itself round a cycle.

Every ``import`` counts, at module level or inside a function: a cycle hidden in a function is a cycle.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cnnviz"

# Subsystems from the bottom up, and what each may import of cnnviz (besides itself).
MAY_IMPORT = {
    "kernel": set(),
    "images": {"kernel"},
    "lecture": {"kernel"},
    "learn": {"kernel"},
    "views": {"kernel", "images", "lecture", "learn"},
    "ui": {"kernel", "images", "lecture", "learn", "views"},
    "classroom": {"kernel", "images", "lecture", "learn", "views", "ui"},
}
# What each subsystem may not load, directly or through what it imports.
FORBIDDEN = {
    "kernel": ["PIL", "plotly", "streamlit", "redis", "segno"],
    "images": ["plotly", "streamlit", "redis", "segno"],
    "lecture": ["PIL", "plotly", "streamlit", "redis", "segno"],
    "learn": ["PIL", "plotly", "streamlit", "redis", "segno"],
    "views": ["streamlit", "redis"],
    "ui": ["redis"],
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def subsystem(module: str) -> str | None:
    """``cnnviz.kernel.conv`` -> ``kernel``; the top package itself belongs to none."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def imports_of(module: str) -> set[str]:
    """The cnnviz modules ``module`` imports anywhere in its text (``from P import m`` names module P.m)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES}
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_subsystem_imports_only_those_below_it():
    wrong = [
        f"{m} imports {dep}"
        for m, deps in GRAPH.items()
        for dep in deps
        if subsystem(m) and subsystem(dep) and subsystem(dep) != subsystem(m)
        and subsystem(dep) not in MAY_IMPORT[subsystem(m)]
    ]
    assert not wrong, "imports that point up or sideways: " + "; ".join(sorted(wrong))


def test_no_import_cycle_even_inside_functions():
    """A depth-first search over every import; the first cycle found is named in full."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for dep in sorted(GRAPH[m]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        path.pop()
        state[m] = 2
        return None

    for m in sorted(GRAPH):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_subsystem_loads_nothing_above_it(package):
    """Imported alone in a fresh interpreter, a subsystem loads no cnnviz package above it and no library
    it has no business with."""
    above = [f"cnnviz.{s}" for s in MAY_IMPORT if s != package and s not in MAY_IMPORT[package]]
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module('cnnviz.{package}')\n"
        "for info in pkgutil.walk_packages(getattr(pkg, '__path__', []), pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[package]!r}"
        f" or any(m == a or m.startswith(a + '.') for a in {above!r})]\n"
        "print(' '.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"importing cnnviz.{package} loaded: {out.stdout.strip()}"


def test_a_page_runs_alone_with_nothing_around_it():
    """A player page run on its own (no ``app.py``) keeps the seam's default: its player takes no step and
    reports nothing, a typed cell is the page's own, and the classroom is never loaded."""
    page = PACKAGE.parent / "pages" / "pooling.py"
    code = (
        "import json, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from cnnviz.ui import seam\n"
        f"at = AppTest.from_file({str(page)!r}, default_timeout=60).run()\n"
        "def player():\n"
        "    found = [e for e in at.get('bidi_component') if e.proto.component_name == 'cnnviz.player']\n"
        "    assert len(found) == 1, 'the player is missing'\n"
        "    return json.loads(found[0].proto.json)\n"
        "assert not at.exception, at.exception\n"
        "assert player()['command'] is None and player()['report'] is False, player()\n"
        "at.session_state['pool_player'] = {'edit': {'grid': 'in', 'row': 0, 'col': 0, 'text': '9', 'seq': 'a'}}\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.query_params['input'].startswith('9,'), at.query_params\n"
        "assert type(seam.current()) is seam.Seam\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('cnnviz.classroom'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent,
                         timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"the page alone loaded: {out.stdout.strip()}"


def test_the_step_player_knows_nothing_of_rooms():
    """The player shows a view in place when asked (``window.__cnnvizPlayer.show``); the room's listener asks."""
    player = (PACKAGE / "views" / "player.js").read_text()
    listener = (PACKAGE / "classroom" / "listener.js").read_text()
    assert "room" not in player.lower()
    assert "window.__cnnvizPlayer = {show};" in player and "window.__cnnvizPlayer.show(" in listener


def test_the_readme_kernel_table_imports_from_cnnviz():
    """Every name in the README's kernel table is importable as ``from cnnviz import name``."""
    import re

    import cnnviz

    readme = (PACKAGE.parent / "README.md").read_text()
    table = readme.split("## The kernel", 1)[1].split("```", 1)[0]
    first_cells = re.findall(r"^\| (.+?) \| ", table, re.M)  # each row's function column
    names = {n for cell in first_cells for n in re.findall(r"`(\w+)\(", cell)}
    assert {"conv2d", "pool2d", "conv_param_count", "load_image", "train_digits"} <= names
    missing = [n for n in sorted(names) if not hasattr(cnnviz, n)]
    assert not missing, f"in the README's kernel table but not in cnnviz: {missing}"
