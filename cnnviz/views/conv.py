"""Convolution for the step player: every window written out in the lecture's notation."""
from __future__ import annotations

import numpy as np

from cnnviz.kernel.conv import conv2d, conv_trace, pad_input
from cnnviz.kernel.shapes import as_pair
from cnnviz.views.sums import sum_html, written_sum
from cnnviz.views.player import PlayerSpec, PlayerStep

__all__ = ["conv_player_spec", "conv_step_html", "activation_map"]


def activation_map(x, w, bias=0, *, relu=False, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The activation map ``(H_out, W_out)``: ``conv2d`` plus ``bias``, then ``max(0, ·)`` when ``relu``.

    Examples
    --------
    >>> activation_map([[1, -2], [3, 4]], [[1]], bias=-2, relu=True).tolist()
    [[0, 0], [1, 2]]
    """
    out = conv2d(x, w, bias, stride=stride, padding=padding, dilation=dilation)  # (H_out, W_out)
    return np.maximum(out, 0) if relu else out


def conv_step_html(values, weights, bias=0, relu=False, out=(0, 0)) -> str:
    """One window as the lecture writes it: each value with its weight as a subscript, then the sum.

    The HTML rendering of ``sums.written_sum`` (``sums.sum_text`` writes the same as plain text).

    Examples
    --------
    >>> html = conv_step_html([[3, 3], [0, 0]], [[0, 1], [2, 2]])
    >>> "<i>3<sub>0</sub></i>" in html and "= 3×0 + 3×1 + 0×2 + 0×2" in html and "= <b class=\\"res\\">3</b>" in html
    True
    """
    return sum_html(written_sum(values, weights, bias, relu=relu, out=out))


def conv_player_spec(x, w, bias=0, *, relu=False, stride=1, padding=0, dilation=1,
                     initial_step: int | None = None, speed: float = 2.0) -> PlayerSpec:
    """The step player's spec for one filter sliding over a 2-D input.

    ``x`` is ``(H, W)``, ``w`` is ``(kh, kw)``; ``stride``, ``padding`` and ``dilation`` are an int or a
    ``(rows, cols)`` pair, as in ``conv2d``. Raises ``ValueError`` as ``conv2d`` does.

    Examples
    --------
    >>> from cnnviz.lecture.presets import LECTURE_INPUT, LECTURE_FILTER
    >>> spec = conv_player_spec(LECTURE_INPUT, LECTURE_FILTER)
    >>> spec.output.tolist(), len(spec.steps), spec.steps[0].value
    ([[12, 12, 17], [10, 17, 19], [9, 6, 14]], 9, 12)
    """
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError("The convolution page works on a 2-D input and a 2-D filter.")
    out = activation_map(x, w, bias, relu=relu, stride=stride, padding=padding, dilation=dilation)  # (H_out, W_out)
    trace = conv_trace(x, w, bias, stride=stride, padding=padding, dilation=dilation)
    steps = [
        PlayerStep(rows=s.rows, cols=s.cols, out=(s.out_row, s.out_col), value=out[s.out_row, s.out_col].item(),
                   explain=conv_step_html(s.values[:, :, 0], s.weights[:, :, 0], s.bias, relu, (s.out_row, s.out_col)))
        for s in trace
    ]
    ph, pw = as_pair(padding, "padding", 0)
    title = "Activation map" + (" (after ReLU)" if relu else "")
    return PlayerSpec(input=pad_input(x, (ph, pw)), output=out, steps=steps, filter=w, padding=(int(ph), int(pw)),
                      titles=("Input" + (" (padded)" if ph or pw else ""), "Filter", title),
                      initial_step=initial_step, speed=speed, combine="sum", bias=np.asarray(bias).item(),
                      relu=bool(relu))
