"""Stylesheets and scripts shipped beside the view modules: read once per process, then inlined."""
from __future__ import annotations

import functools
from importlib import resources

__all__ = ["asset", "script"]


@functools.cache
def asset(name: str) -> str:
    """The text of ``name`` (``player.js``, ``player.css`` …) in the ``cnnviz.views`` package."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@functools.cache
def script(name: str) -> str:
    """``asset(name)`` without its comment lines and indentation: a component's script travels with every rerun.

    Comments in these scripts stand on lines of their own, so dropping those lines keeps the code intact.
    """
    lines = (line.strip() for line in asset(name).splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))
