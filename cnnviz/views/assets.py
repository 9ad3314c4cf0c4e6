"""Stylesheets and scripts shipped beside the modules that use them: read once per process, then inlined."""
from __future__ import annotations

import functools
from importlib import resources

__all__ = ["asset", "script"]


@functools.cache
def asset(name: str, package: str = __package__) -> str:
    """The text of ``name`` (``player.js``, ``player.css`` …) in ``package`` (``cnnviz.views`` unless given)."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


@functools.cache
def script(name: str, package: str = __package__) -> str:
    """``asset(name)`` without its comment lines and indentation: a component's script travels with every rerun.

    Comments in these scripts stand on lines of their own, so dropping those lines keeps the code intact.
    """
    lines = (line.strip() for line in asset(name, package).splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))
