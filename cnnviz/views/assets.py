"""Stylesheets and scripts shipped beside the view modules: read once per process, then inlined."""
from __future__ import annotations

import functools
from importlib import resources

__all__ = ["asset"]


@functools.cache
def asset(name: str) -> str:
    """The text of ``name`` (``player.js``, ``player.css`` …) in the ``cnnviz.views`` package."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
