"""Looking inside a trained digits network: what excites each filter, and which digits it confuses.

The lecture's way of interpreting a learned filter: find the inputs that activate it most
strongly. For a first-layer 3x3 filter the input it sees is one 3x3 window of a digit, so the
windows of the training digits with the largest values in its activation map show what it looks for.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.notation import format_count
from cnnviz.learn.network import CLASSES, DIGIT_MAX, KERNEL, DigitsCNN

__all__ = ["TopPatches", "top_patches", "confusion_matrix"]


class TopPatches(NamedTuple):
    """The windows of the training digits that excite each filter most, strongest first."""

    patches: np.ndarray  # (F, k, 3, 3) the windows' cells, 0..16 (zero padding outside the digit)
    values: np.ndarray  # (F, k) the filter's activation (before ReLU) at each window
    digit: np.ndarray  # (F, k) which image each window comes from (index into the images given)
    row: np.ndarray  # (F, k) the window's output row in the activation map
    col: np.ndarray  # (F, k) the window's output column


def top_patches(model: DigitsCNN, images: np.typing.ArrayLike, k: int = 9) -> TopPatches:
    """For each first-layer filter, the ``k`` 3x3 windows of ``images`` with the largest activation.

    Parameters
    ----------
    model : DigitsCNN
        The network; its first convolution's filters ``(3, 3, 1, F)`` and biases are used.
    images : array_like, shape (N, 8, 8)
        Digits with cells 0..16, e.g. ``digits_split().train_images``.
    k : int
        Windows per filter, 1..N*H1*W1 (ties keep the earlier digit).

    Returns
    -------
    TopPatches
        ``patches`` (F, k, 3, 3) in the digits' own 0..16 cells, and where each came from.

    Examples
    --------
    >>> from cnnviz.learn.network import TrainConfig, init_parameters
    >>> from cnnviz.learn.digits import digits_split
    >>> net = DigitsCNN(TrainConfig(filters=2), init_parameters(TrainConfig(filters=2)))
    >>> top_patches(net, digits_split().train_images[:20], k=9).patches.shape
    (2, 9, 3, 3)
    """
    x = model._scaled(images)  # (N, 8, 8, 1), cells / 16
    pad = model.config.padding
    maps = conv2d(x, model.params["w1"], model.params["b1"], padding=pad)  # (N, H1, W1, F)
    N, H1, W1, F = maps.shape
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= N * H1 * W1:
        raise ValueError(f"Ask for between 1 and {format_count(N * H1 * W1)} windows per filter, not {k!r}.")
    flat = maps.reshape(N * H1 * W1, F).T  # (F, N*H1*W1), digit-major order
    best = np.argsort(-flat, axis=1, kind="stable")[:, :k]  # (F, k)
    digit, rest = np.divmod(best, H1 * W1)
    row, col = np.divmod(rest, W1)
    padded = np.pad(x[..., 0], ((0, 0), (pad, pad), (pad, pad)))  # (N, 8+2p, 8+2p)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (KERNEL, KERNEL), axis=(1, 2))  # (N, H1, W1, 3, 3)
    patches = np.rint(windows[digit, row, col] * DIGIT_MAX).astype(np.int64)  # (F, k, 3, 3), back to 0..16
    values = np.take_along_axis(flat, best, axis=1)
    return TopPatches(patches, values, digit, row, col)


def confusion_matrix(labels: np.typing.ArrayLike, predicted: np.typing.ArrayLike) -> np.ndarray:
    """Counts ``(10, 10)``: row = the true digit, column = the network's answer; the diagonal is right.

    Examples
    --------
    >>> confusion_matrix([3, 3, 5], [3, 5, 5])[[3, 3, 5], [3, 5, 5]].tolist()
    [1, 1, 1]
    """
    y, p = np.asarray(labels), np.asarray(predicted)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("Give one true digit and one answer per test digit (two lists of the same length).")
    for name, a in (("true digits", y), ("answers", p)):
        if a.size and (a.dtype.kind not in "iu" or a.min() < 0 or a.max() >= CLASSES):
            raise ValueError(f"The {name} must be whole numbers 0..9.")
    out = np.zeros((CLASSES, CLASSES), np.int64)
    np.add.at(out, (y.astype(np.int64), p.astype(np.int64)), 1)
    return out
