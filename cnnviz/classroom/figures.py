"""What a room shows: the join link's QR code and a poll's answers as labelled bars."""
from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from cnnviz.kernel.notation import format_number
from cnnviz.lecture.quiz import write_answer

__all__ = ["join_qr_png", "poll_figure", "poll_order", "shown_answer"]


def join_qr_png(url: str, scale: int = 12) -> bytes:
    """The QR code of ``url`` as a PNG: black modules on white, a 4-module quiet zone, ``scale`` pixels a module.

    A join link is about 30 modules wide: at the default scale about 450 px, a quarter of a 1080p
    projector's height or more, which a phone camera reads from the back of a hall.
    """
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=4, dark="#000", light="#fff")
    return buf.getvalue()


def shown_answer(counted: str) -> str:
    """An answer as the room counts it (``76896``, ``-3``, ``28x28x6``, ``B``), written as the quiz writes
    answers on every screen: ``76,896``, ``−3``; shapes and letters as they are.

    >>> shown_answer("76896"), shown_answer("-3"), shown_answer("28x28x6")
    ('76,896', '−3', '28x28x6')
    """
    return write_answer("integer", int(counted)) if re.fullmatch(r"-?\d+", counted) else counted


def _sort_key(answer: str):
    if re.fullmatch(r"-?\d+", answer):
        return (0, int(answer), "")
    return (1, 0, answer)


def poll_order(counts: Mapping[str, int], options: Sequence[str] = (), answer: str = "", most: int = 12) -> list[str]:
    """The bars to draw: every option in order; for typed answers the ``most`` most given (and the right one), sorted.

    >>> poll_order({"8": 3, "10": 1, "-2": 2})
    ['-2', '8', '10']
    """
    if options:
        return list(options)
    top = sorted(counts, key=lambda a: -counts[a])[:most]
    if answer and answer not in top:
        top.append(answer)
    return sorted(top, key=_sort_key)


def poll_figure(counts: Mapping[str, int], options: Sequence[str] = (), answer: str = "",
                revealed: bool = False, font_size: int = 18, height: int = 360) -> go.Figure:
    """The room's answers as bars, each labelled with its count; once revealed, the right answer's bar is
    hatched and outlined and its label says "✓ right", so colour is never the only mark. ``font_size`` and
    ``height`` (px) size it for where it is shown."""
    order = poll_order(counts, options, answer if revealed else "")  # no empty bar that gives the answer away
    total = sum(counts.values())
    right = [revealed and a == answer for a in order]
    values = [counts.get(a, 0) for a in order]
    labels = [f"<b>{shown_answer(a)} ✓ right</b>" if r else shown_answer(a) for a, r in zip(order, right)]
    fig = go.Figure(go.Bar(
        x=labels, y=values, text=[format_number(v) for v in values], textposition="outside", cliponaxis=False,
        hovertext=[f"{shown_answer(a)}: {format_number(v)} of {format_number(total)}" for a, v in zip(order, values)],
        hoverinfo="text",
        marker={"color": ["#1a9850" if r else "#92c5de" for r in right],
                "line": {"color": ["#000" if r else "rgba(0,0,0,0)" for r in right], "width": 2},
                "pattern": {"shape": ["/" if r else "" for r in right], "fgcolor": "#fff"}},
    ))
    top = max(values, default=0)
    grow = font_size / 18
    fig.update_layout(
        height=height, margin={"l": round(50 * grow), "r": 20, "t": 2 * font_size, "b": round(60 * grow)},
        font={"size": font_size}, plot_bgcolor="white",
        xaxis={"title": "answer", "type": "category", "fixedrange": True},
        yaxis={"title": "students", "range": [0, max(4, top * 1.25)], "fixedrange": True, "gridcolor": "#ddd",
               "rangemode": "tozero"},
        title={"text": f"{format_number(total)} answer{'' if total == 1 else 's'}", "x": 0.01},
    )
    return fig
