"""A finished Plotly figure whose dict is made once, for caches shared by every session."""
from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

__all__ = ["ReadyFigure"]


class ReadyFigure(go.Figure):
    """A finished Plotly figure, for a cache shared by every session: its dict is made once.

    ``st.plotly_chart`` copies a figure with ``to_dict()`` on every call before writing its JSON; this
    figure hands over the dict it made when it was built. ``frames`` (animation frames as plain dicts,
    written by cnnviz itself) join that dict without Plotly validating each one, which for a figure of
    many frames takes far longer than drawing it.
    Read-only: changing it afterwards would not change what is drawn.
    """

    def __init__(self, figure: go.Figure, frames: Sequence[dict] = ()):
        super().__init__(figure)
        self._ready = figure.to_dict()  # the figure's own dict: the JSON Plotly writes for it, key for key
        if frames:
            self._ready["frames"] = list(frames)

    def to_dict(self) -> dict:
        return self._ready
