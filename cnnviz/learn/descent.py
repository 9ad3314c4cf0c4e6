"""Learn a filter by plain gradient descent: the lecture's own example, one step at a time.

The input is fixed and the target is the map a known filter makes of it (the lecture's 3x3 on its
5x5). A filter starts at zero (or at seeded random whole numbers) and follows the gradient of
``L = ½ Σ (map − target)²``: ``W ← W − η·dW``, ``dW`` from ``conv2d_backward`` with ``dL/dmap = map − target``.

The map is linear in the filter: ``map = A @ w`` with ``A`` the windows, one row each. The loss is a
quadratic bowl whose curvature along each direction of the filter is an eigenvalue of ``AᵀA``. Plain
descent is stable for ``η < 2/L``, with ``L`` the largest eigenvalue (``curvature``), and each
direction shrinks by ``1 − η·λ`` a step. The directions the input pins down hard (large ``λ``) are
learned in a few steps; those it barely pins down (small ``λ``) take thousands. So the loss falls
fast while the filter itself still differs from the one that made the target.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.backward import conv2d_backward
from cnnviz.kernel.conv import conv2d, conv_trace
from cnnviz.kernel.gradients import map_gradient, squared_loss
from cnnviz.kernel.validate import finite_array

ArrayLike = np.typing.ArrayLike
Pair = int | tuple[int, int]  # one value for both axes, or (rows, columns)

__all__ = ["DescentStep", "Descent", "descend", "descent_after", "curvature", "curvatures", "default_rate", "STARTS",
           "DEFAULT_STEPS", "MAX_STEPS"]

STARTS = ("zero", "random")  # the filter descent starts from: zeros, or seeded whole numbers in −2..2
DEFAULT_STEPS = 30  # steps of descent a run takes unless asked for more
MAX_STEPS = 5000
_BLOWN_UP = 1e12  # a loss this many times its start (at least 1) has diverged: the run stops there


@dataclass(frozen=True)
class DescentStep:
    """Where descent stands after ``step`` updates, and the gradient it takes from there."""

    step: int  # updates made so far: 0 is the start
    filter: np.ndarray  # (kh, kw) the filter now
    bias: float
    dw: np.ndarray  # (kh, kw) dL/dW at this filter
    db: float  # dL/db = Σ dL/dmap
    loss: float  # ½ Σ (map − target)²
    distance: float  # ‖filter − the target's filter‖: the square root of the squared differences summed
    farthest: float  # the largest |filter − the target's filter| of one weight


@dataclass(frozen=True)
class Descent:
    """A run of gradient descent toward the map a known filter makes."""

    steps: tuple[DescentStep, ...]  # the start, then one per update (fewer when it diverged)
    rate: float  # η
    curvature: float  # L, the largest eigenvalue of AᵀA: stable below η = 2/L
    target: np.ndarray  # (H_out, W_out) the map to learn
    diverged: bool  # the loss blew up: the run stopped there

    def steps_to(self, fraction: float) -> int | None:
        """The first step whose loss is at most ``fraction`` of the starting loss; None if none is."""
        start = self.steps[0].loss
        return next((s.step for s in self.steps if s.loss <= fraction * start), None)


def _windows(x, size, bias: bool, stride, padding, dilation) -> np.ndarray:
    """``A``: one row per window, its input values in reading order (and a 1 for the bias): ``map = A @ w``."""
    A = np.array([s.values.ravel() for s in conv_trace(x, np.zeros(size), stride=stride, padding=padding,
                                                       dilation=dilation)], dtype=np.float64)  # (H_out*W_out, kh*kw)
    return np.hstack([A, np.ones((len(A), 1))]) if bias else A


def curvatures(x: ArrayLike, size: Pair, *, learn_bias: bool = False, stride: Pair = 1, padding: Pair = 0,
               dilation: Pair = 1) -> np.ndarray:
    """The loss's curvature along each direction of the filter: the eigenvalues of ``AᵀA``, smallest first.

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> lam = curvatures(x, (3, 3))
    >>> round(float(lam[-1]), 1), round(float(lam[0]), 4)
    (167.4, 0.0012)
    """
    A = _windows(x, size, learn_bias, stride, padding, dilation)
    return np.clip(np.linalg.eigvalsh(A.T @ A), 0, None)  # (kh*kw [+ 1],); rounding can dip below 0


def curvature(x: ArrayLike, size: Pair, *, learn_bias: bool = False, stride: Pair = 1, padding: Pair = 0,
              dilation: Pair = 1) -> float:
    """``L``, the largest curvature (``curvatures``): plain descent is stable for ``η < 2/L``.

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> round(curvature(x, (3, 3)), 1)
    167.4
    """
    return float(curvatures(x, size, learn_bias=learn_bias, stride=stride, padding=padding, dilation=dilation)[-1])


def default_rate(L: float) -> float:
    """A round rate at or below ``1/L``: one significant digit, rounded down (``1/167.4 = 0.00597`` gives 0.005).

    Examples
    --------
    >>> default_rate(167.4), default_rate(0.5), default_rate(0.0)
    (0.005, 2.0, 1.0)
    """
    if L <= 0:
        return 1.0  # a zero input: nothing to learn, any rate is stable
    r = 1 / L
    unit = 10.0 ** math.floor(math.log10(r))
    return round(math.floor(r / unit + 1e-9) * unit, 12)


def descend(x: ArrayLike, target_filter: ArrayLike, *, target_bias: float = 0.0, steps: int = DEFAULT_STEPS,
            rate: float | None = None, start: str = "zero", seed: int = 0, learn_bias: bool = False,
            stride: Pair = 1, padding: Pair = 0, dilation: Pair = 1) -> Descent:
    """Gradient descent from ``start`` toward the map ``target_filter`` makes of ``x``.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The input, fixed.
    target_filter : array_like, shape (kh, kw)
        The filter that made the target map; descent never sees it, only its map.
    target_bias : float
    steps : int
        Updates to make, 1 to ``MAX_STEPS``.
    rate : float, optional
        η; default ``default_rate(curvature)``, a round number at or below ``1/L``.
    start : {"zero", "random"}
        All zeros, or whole numbers from −2 to 2 drawn with ``seed``.
    learn_bias : bool
        Update the bias too (``b ← b − η·db``); else it stays at 0. With the bias, nine map cells
        cannot pin down the ten numbers of a 3x3 filter and its bias: many filters fit.
    stride, padding, dilation : int or (int, int)
        As in ``conv2d``.

    Returns
    -------
    Descent
        ``steps[k]`` after k updates, with the gradient taken there. When the loss blows up (more than
        ``10¹²`` times its start, or not finite) the run stops there and ``diverged`` is True.

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> run = descend(x, [[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    >>> run.rate, run.steps[0].loss, run.steps[0].dw.tolist()[0]
    (0.005, 820.0, [-186.0, -200.0, -188.0])
    >>> run.steps_to(0.01), run.diverged
    (12, False)
    """
    x = finite_array(x, "input").astype(np.float64)
    w_star = finite_array(target_filter, "filter").astype(np.float64)
    if x.ndim != 2 or w_star.ndim != 2:
        raise ValueError("Gradient descent here learns one 2-D filter on one 2-D input.")
    if start not in STARTS:
        raise ValueError(f"The start is 'zero' or 'random', not {start!r}.")
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise ValueError(f"The number of steps must be a whole number from 1 to {MAX_STEPS}, not {steps!r}.")
    conv = {"stride": stride, "padding": padding, "dilation": dilation}
    target = conv2d(x, w_star, float(target_bias), **conv)  # (H_out, W_out)
    L = curvature(x, w_star.shape, learn_bias=learn_bias, **conv)
    eta = default_rate(L) if rate is None else float(rate)
    if not (math.isfinite(eta) and eta > 0):
        raise ValueError(f"The learning rate must be a positive number, not {rate!r}.")
    w = _start_filter(w_star.shape, start, seed)
    b = 0.0
    out, diverged, limit = [], False, None
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps + 1):
            amap = conv2d(x, w, b, **conv)
            loss = squared_loss(amap, target) if np.isfinite(amap).all() else math.inf
            limit = _BLOWN_UP * max(loss, 1.0) if limit is None else limit
            if not (math.isfinite(loss) and loss <= limit):
                diverged = True
                break
            _, dw, db = conv2d_backward(x, w, map_gradient(amap, target), **conv)
            off = w - w_star
            out.append(DescentStep(k, w, b, dw, float(db[0]), loss, float(np.sqrt(np.vdot(off, off))),
                                   float(np.abs(off).max())))
            w = w - eta * dw
            if learn_bias:
                b = b - eta * float(db[0])
    return Descent(tuple(out), eta, L, target, diverged)


def _start_filter(shape: tuple[int, int], start: str, seed: int) -> np.ndarray:
    """Where descent starts: zeros, or whole numbers from −2 to 2 drawn with ``seed``."""
    if start == "zero":
        return np.zeros(shape)
    return np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float64)


def descent_after(x: ArrayLike, target_filter: ArrayLike, steps: int, *, rate: float, start: str = "zero",
                  seed: int = 0, stride: Pair = 1, padding: Pair = 0, dilation: Pair = 1) -> tuple[float, float] | None:
    """Where ``descend`` (the bias fixed at 0) stands after ``steps`` updates, without taking them:
    ``(loss, farthest)``, or None when that run diverges.

    The map is ``A @ w``, so the error ``e = w − w*`` follows ``e ← (I − η·AᵀA) e``: along each eigenvector of
    ``AᵀA`` it is multiplied by ``1 − η·λ`` a step, and after ``t`` steps by ``(1 − η·λ)ᵗ``. The loss is
    ``½ eᵀ AᵀA e``; ``farthest`` is the largest ``|e|`` of one weight. A run diverges as ``descend`` says:
    its loss grows past ``10¹²`` times its start (at least 1).

    Examples
    --------
    >>> x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    >>> w = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    >>> last = descend(x, w, steps=300, rate=0.005).steps[-1]
    >>> loss, farthest = descent_after(x, w, 300, rate=0.005)
    >>> bool(np.isclose(loss, last.loss)), bool(np.isclose(farthest, last.farthest))
    (True, True)
    >>> descent_after(x, w, 300, rate=0.02) is None
    True
    """
    x = finite_array(x, "input").astype(np.float64)
    w_star = finite_array(target_filter, "filter").astype(np.float64)
    if start not in STARTS:
        raise ValueError(f"The start is 'zero' or 'random', not {start!r}.")
    A = _windows(x, w_star.shape, False, stride, padding, dilation)
    H = A.T @ A
    lam, V = np.linalg.eigh(H)
    c = V.T @ (_start_filter(w_star.shape, start, seed) - w_star).ravel()  # the error along each direction
    loss0 = 0.5 * float(np.sum(lam * c * c))
    with np.errstate(over="ignore", invalid="ignore"):
        ct = c * (1 - float(rate) * lam) ** steps
        loss = 0.5 * float(np.sum(lam * ct * ct))
    if not (math.isfinite(loss) and loss <= _BLOWN_UP * max(loss0, 1.0)):
        return None
    return loss, float(np.abs(V @ ct).max())
