"""Every channel of an RGB filter, and a bank of filters stacking their maps into a volume, for the step player.

"Filters always extend the full depth of the input volume": a ``kh x kw x C`` filter on an
``H x W x C`` input is C ordinary 2-D filters, one per channel, whose dot products are added, plus
one bias. Each step writes each channel's partial sum and ``R + G + B + bias = value``; the numbers
are the kernel's own (``conv2d`` on the whole volume, and on each channel for the partial sums).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from cnnviz.kernel.conv import conv2d, conv_trace, pad_input
from cnnviz.kernel.notation import format_shape, format_shape_chain
from cnnviz.kernel.shapes import as_pair
from cnnviz.views.player import PlayerSpec, PlayerStep
from cnnviz.views.sums import sum_html, written_sum

__all__ = ["channel_player_spec", "bank_player_spec", "CHANNEL_NAMES"]

CHANNEL_NAMES = ("R", "G", "B")


def _volume(x, w, names: Sequence[str], groups: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Check an input ``(H, W, C)`` and a filter ``(kh, kw, C // groups)`` in words a student reads."""
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 3:
        raise ValueError(f"The input must be a volume H x W x C (rows, columns, channels), not {x.ndim}-D.")
    if w.ndim != 3:
        raise ValueError(f"The filter must be kh x kw x C (rows, columns, channels), not {w.ndim}-D.")
    if groups == 1 and x.shape[2] != w.shape[2]:
        raise ValueError(f"The filter has {w.shape[2]} channel(s) but the input has {x.shape[2]}: "
                         "a filter always extends the full depth of the input.")
    if groups != 1 and x.shape[2] != w.shape[2] * groups:
        raise ValueError(f"The filter has {w.shape[2]} channel(s) but the input's {x.shape[2]} channels in {groups} "
                         f"groups have {x.shape[2] / groups:g} each: a filter extends the full depth of its group.")
    if x.shape[2] > len(names):
        raise ValueError(f"The input has {x.shape[2]} channels but only {len(names)} names were given.")
    return x, w


def channel_player_spec(x, w, bias=0, *, stride=1, padding=0, dilation=1, names: Sequence[str] = CHANNEL_NAMES,
                        initial_step: int | None = None, speed: float = 2.0, groups: int = 1,
                        group: int = 0) -> PlayerSpec:
    """The step player's spec for one filter ``(kh, kw, C)`` sliding over a volume ``(H, W, C)``.

    The spec's ``input`` is ``(C, Hp, Wp)`` (padding included) and its ``filter`` ``(C, kh, kw)``: one
    grid per channel, named by ``names``. Each step's value is ``conv2d``'s; its explanation writes
    each channel's partial sum (the products too while the window has at most 27) and their total
    with the bias. With ``groups`` (a grouped convolution) the C channels split in order into that many
    groups and the filter ``(kh, kw, C // groups)`` sees the channels of group ``group`` only: the
    player shows every channel, each group named and coloured, and the sums add up that group's channels.
    Raises ``ValueError`` as ``conv2d`` does.

    Examples
    --------
    >>> x = np.arange(18).reshape(3, 3, 2); w = np.ones((2, 2, 2), dtype=int)
    >>> spec = channel_player_spec(x, w, 1, names=("R", "G"))
    >>> spec.input.shape, spec.filter.shape, spec.output.tolist()
    ((2, 3, 3), (2, 2, 2), [[37, 53], [85, 101]])
    >>> channel_player_spec(x, w[:, :, :1], groups=2, group=1, names=("R", "G")).output.tolist()  # G alone
    [[20, 28], [44, 52]]
    """
    x, w = _volume(x, w, names, groups)
    C, Cg = x.shape[2], w.shape[2]
    if not 0 <= group < groups:
        raise ValueError(f"There are {groups} groups: pick one of 1 to {groups}.")
    seen = names[group * Cg:(group + 1) * Cg]  # the names of the channels the filter sees
    xg = x[:, :, group * Cg:(group + 1) * Cg]  # (H, W, Cg)
    kw = dict(stride=stride, padding=padding, dilation=dilation)
    out = conv2d(xg, w, bias, **kw)  # (H_out, W_out): what every step writes
    partial = np.stack([conv2d(xg[:, :, c], w[:, :, c], **kw) for c in range(Cg)])  # (Cg, H_out, W_out), no bias
    steps = []
    for s in conv_trace(xg, w, bias, **kw):
        r, c = s.out_row, s.out_col
        ws = written_sum(s.values, s.weights, s.bias, out=(r, c), names=seen, partials=partial[:, r, c],
                         total=out[r, c].item())
        steps.append(PlayerStep(rows=s.rows, cols=s.cols, out=(r, c), value=out[r, c].item(), explain=sum_html(ws),
                                partials=tuple(v.item() for v in partial[:, r, c])))
    ph, pw = as_pair(padding, "padding", 0)
    padded = pad_input(x, (ph, pw)).transpose(2, 0, 1)  # (C, Hp, Wp)
    return PlayerSpec(input=padded, output=out, steps=steps, filter=w.transpose(2, 0, 1), padding=(int(ph), int(pw)),
                      titles=(f"Input {format_shape(x.shape)}" + (" (padded)" if ph or pw else ""),
                              f"Filter {format_shape(w.shape)}", f"Activation map {format_shape(out.shape)}"),
                      channel_names=tuple(names[:C]), initial_step=initial_step, speed=speed,
                      bias=bias.item() if isinstance(bias, np.generic) else bias, groups=groups, group=group)


def _bank(filters) -> np.ndarray:
    """Filters as ``(F, kh, kw, C)``, from that array or a list of ``(kh, kw, C)`` filters."""
    if isinstance(filters, np.ndarray):
        bank = filters
    else:
        shapes = {np.shape(f) for f in filters}
        if len(shapes) > 1:
            raise ValueError("Every filter of a bank must have the same size: one layer, one filter shape.")
        bank = np.stack([np.asarray(f) for f in filters]) if filters else np.empty((0,))
    if bank.ndim != 4 or bank.shape[0] == 0:
        raise ValueError("Give the filter bank as F filters of kh x kw x C, at least one.")
    return bank


def bank_player_spec(x, filters, biases=0, index: int = 0, *, stride=1, padding=0, dilation=1,
                     names: Sequence[str] = CHANNEL_NAMES, initial_step: int | None = None,
                     speed: float = 2.0, groups: int = 1) -> PlayerSpec:
    """The spec of filter ``index`` of a bank, with every filter's map and the volumes' shapes.

    ``filters`` is ``(F, kh, kw, C)`` or a list of ``(kh, kw, C)``; ``biases`` one number or one per
    filter. ``bank`` holds the F activation maps ``(H_out, W_out)`` that stack into the output volume
    ``(H_out, W_out, F)``; ``volume_caption`` writes the shapes as the lecture does (``32x32x3 → 28x28x6``).
    With ``groups``, ``conv2d``'s grouped convolution: the filters are ``(F, kh, kw, C // groups)``, and
    filter f sees the channels of group ``f // (F // groups)``.

    Examples
    --------
    >>> x = np.ones((32, 32, 3), dtype=int); bank = np.ones((6, 5, 5, 3), dtype=int)
    >>> spec = bank_player_spec(x, bank, 0, index=2)
    >>> spec.volume_caption, len(spec.bank), spec.bank_index, len(spec.steps)
    ('32x32x3 → 28x28x6', 6, 2, 784)
    """
    bank = _bank(filters)  # (F, kh, kw, C)
    F = bank.shape[0]
    b = np.broadcast_to(np.asarray(biases), (F,)) if np.ndim(biases) == 0 else np.asarray(biases)
    if b.shape != (F,):
        raise ValueError(f"There are {F} filters but {b.size} biases: give one bias per filter.")
    if not 0 <= index < F:
        raise ValueError(f"There are {F} filters: pick one of 1 to {F}.")
    x, _ = _volume(x, bank[0], names, groups)
    geometry = dict(stride=stride, padding=padding, dilation=dilation)
    maps = conv2d(x, bank.transpose(1, 2, 3, 0), b, **geometry, groups=groups)  # (H_out, W_out, F)
    spec = channel_player_spec(x, bank[index], b[index].item(), **geometry, names=names, initial_step=initial_step,
                               speed=speed, groups=groups, group=index // (F // groups))
    t_in, _, _ = spec.titles
    return replace(spec, bank=tuple(maps[:, :, f] for f in range(F)), bank_index=int(index),
                   volume_caption=format_shape_chain([x.shape, maps.shape]),
                   titles=(t_in, f"Filter {index + 1} of {F}", f"Activation map {index + 1}"))
