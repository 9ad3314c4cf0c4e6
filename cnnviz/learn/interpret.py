"""Looking inside a trained digits network: what excites each neuron, what it looks at, which digits it confuses.

The lecture's way of interpreting a learned filter: find the inputs that activate it most
strongly. For a first-layer 3x3 filter the input it sees is one 3x3 window of a digit, so the
windows of the training digits with the largest values in its activation map show what it looks for
(``top_patches``); ``excite`` builds the input that excites any neuron most from the network's own
gradient. For one digit, three maps of what decides the answer: ``saliency`` (the score's gradient),
``occlusion`` (the class's probability with a patch covered) and ``grad_cam`` (the last convolution's
maps, weighted by the score's gradient).

Every gradient here is with respect to the digit's own cells, 0..16 levels of ink, the numbers a student
sees and draws; the network itself reads the cells divided by 16.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.notation import format_count
from cnnviz.learn.network import (
    CLASSES,
    DIGIT_MAX,
    DIGIT_SIZE,
    KERNEL,
    POOL,
    DigitsCNN,
    _backward,
    _check_int,
    _check_real,
)

__all__ = ["TopPatches", "top_patches", "confusion_matrix", "excite", "saliency", "Saliency", "occlusion",
           "Occlusion", "grad_cam", "GradCAM", "NEURON_LAYERS", "MAX_STEPS"]

NEURON_LAYERS = ("conv1", "conv2", "scores")  # where excite finds a neuron: a filter of either convolution, a class
_FORWARD_NAME = {"conv1": "conv", "conv2": "conv2", "scores": "scores"}  # the same layers in DigitsCNN's names
MAX_STEPS = 10_000  # steps of gradient ascent excite takes at most
GREY = DIGIT_MAX / 2  # the digits' middle value: occlusion's default patch


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


def _check_model(model) -> None:
    if not isinstance(model, DigitsCNN):
        raise ValueError(f"The model must be a DigitsCNN (train_digits(...).model), not {type(model).__name__}.")


def _neuron(model: DigitsCNN, layer: str, unit: int, position) -> tuple[str, tuple[int, ...]]:
    """Check a neuron's address; return its layer's name in ``forward_layers`` and its index in that output."""
    _check_model(model)
    if not isinstance(layer, str) or layer not in NEURON_LAYERS:
        raise ValueError(f"The layer must be 'conv1', 'conv2' or 'scores', not {layer!r}.")
    name = _FORWARD_NAME[layer]
    shapes = model.config.shapes()
    if name not in shapes:
        raise ValueError("This network has no second convolution: choose the layer 'conv1' or 'scores'.")
    shape = shapes[name]
    _check_int(unit, "class" if layer == "scores" else f"{layer} filter", 0, shape[-1] - 1)
    if layer == "scores":
        if position is not None:
            raise ValueError("A class score has one value, no position in a map: leave position out.")
        return name, (int(unit),)
    H, W = shape[:2]
    if position is None:
        return name, ((H - 1) // 2, (W - 1) // 2, int(unit))  # the map's centre (up and left of it when even)
    if (isinstance(position, (str, bytes)) or not hasattr(position, "__len__") or len(position) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in position)):
        raise ValueError(f"The position must be a (row, col) pair of whole numbers, not {position!r}.")
    r, c = (int(v) for v in position)
    if not (0 <= r < H and 0 <= c < W):
        raise ValueError(f"The position ({r}, {c}) is outside the {layer} activation map: it has {H}x{W} cells, "
                         f"rows and columns from 0 to {H - 1}.")
    return name, (r, c, int(unit))


def excite(model: DigitsCNN, layer: str, unit: int, *, position: tuple[int, int] | None = None, steps: int = 200,
           lr: float = 1.0, l2: float = 0.0, seed: int = 0) -> np.ndarray:
    """The input that excites one neuron most: projected gradient ascent in the input, within the digits' 0..16.

    It maximises ``E(x) = a(x) − l2 · Σ (x/16)²`` over digits ``x`` with cells in [0, 16], where ``a`` is the
    neuron's value before its ReLU (an off neuron passes no gradient after it), or a class's score before the
    softmax. From a seeded random digit, each step moves every cell by ``lr_t`` the way ``E`` rises there, then
    clips it back into the digits' range::

        x ← clip(x + lr_t · sign(∂E/∂x), 0, 16),   lr_t = lr · (1 − t / steps),   t = 0, 1, …, steps − 1

    The sign is the steepest ascent for the box's own norm, the largest change of any one cell (the step of
    Madry et al.'s projected gradient attacks): every cell the neuron sees moves, however small its weight,
    and the step size does not depend on how large the gradient happens to be. The shrinking step lets ``x``
    settle where the penalty balances the neuron.

    For a first-layer filter the neuron is linear in its 3x3 window: ``a = b + Σ w · x / 16``. Once the
    steps add up to 16 (``lr · (steps + 1) / 2 ≥ 16``; 100 with the defaults) each window cell sits at the
    exact optimum, 16 where its weight is positive and 0 where it is negative. Cells the neuron does not
    see have no gradient: with ``l2 = 0`` they keep their seeded start, with ``l2 > 0`` the penalty alone
    moves them to 0.

    Parameters
    ----------
    model : DigitsCNN
        The network, e.g. ``train_digits().model``.
    layer : {"conv1", "conv2", "scores"}
        A filter of the first or the second convolution (when the network has one), or a class's score.
    unit : int
        The filter (0..F−1) or the class (0..9).
    position : (int, int), optional
        The cell (row, col) of the filter's activation map; the map's centre when omitted (rows and columns
        ``(H − 1) // 2``). Not for a class score.
    steps : int
        Steps of ascent, 1..10,000.
    lr : float
        The first step, in the digits' own units: levels of ink, of the 16 a cell holds. ``lr = 1`` moves
        every cell by one level at first, then less and less. In (0, 16].
    l2 : float
        Weight of the penalty on ink, ``Σ (x/16)²`` (the input the network reads): 0 (none) or more; larger
        values keep only the cells that matter most.
    seed : int
        The start: every cell uniform in [0, 16], from ``numpy.random.default_rng(seed)``.

    Returns
    -------
    ndarray, shape (8, 8)
        Floats in [0, 16]: a digit for ``predict`` and ``forward_layers``.

    Examples
    --------
    >>> from cnnviz.learn.network import TrainConfig, init_parameters
    >>> net = DigitsCNN(TrainConfig(filters=2), init_parameters(TrainConfig(filters=2)))
    >>> x = excite(net, "conv1", 0, position=(3, 3))
    >>> bool((x[2:5, 2:5] == np.where(net.filters[:, :, 0, 0] > 0, 16, 0)).all())
    True
    """
    name, index = _neuron(model, layer, unit, position)
    _check_int(steps, "number of steps", 1, MAX_STEPS)
    _check_real(lr, "step size lr", 0.0, DIGIT_MAX, low_open=True)
    _check_real(l2, "penalty l2", 0.0, 1e6)
    _check_int(seed, "seed", 0, 2**63 - 1)
    x = np.random.default_rng(seed).uniform(0, DIGIT_MAX, (DIGIT_SIZE, DIGIT_SIZE))  # (8, 8)
    one = np.zeros(model.config.shapes()[name])
    one[index] = 1  # dE/d(the layer's output): the neuron alone
    for t in range(steps):
        grad = model.input_gradient(x, name, one) - 2 * l2 * x / DIGIT_MAX**2  # ∂E/∂x, per level of ink
        x += lr * (1 - t / steps) * np.sign(grad)
        np.clip(x, 0, DIGIT_MAX, out=x)
    return x


def _digit_and_class(model: DigitsCNN, image, label) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
    """The digit as floats ``(8, 8)``, its layers (batched, as ``_forward`` gives them) and the class asked about:
    ``label``, or the network's answer when it is None."""
    _check_model(model)
    x = model._scaled(image, "image")
    if x.shape[0] != 1:
        raise ValueError("This map follows one digit: pass one (8, 8) image.")
    out = model._forward(x)
    if label is None:
        label = int(out["probabilities"][0].argmax())
    _check_int(label, "class", 0, CLASSES - 1)
    return x[0, :, :, 0] * DIGIT_MAX, out, int(label)


class Saliency(NamedTuple):
    """How much each cell of a digit moves one class's score."""

    map: np.ndarray  # (8, 8) ∂y_c/∂x_ij, per level of ink (the 0..16 cells)
    label: int  # the class c
    score: float  # y_c, its score before the softmax


def saliency(model: DigitsCNN, image: np.typing.ArrayLike, label: int | None = None) -> Saliency:
    """The gradient of a class's score with respect to each cell of the digit (Simonyan et al.'s saliency map).

    ``S[i, j] = ∂y_c / ∂x[i, j]``, with ``y_c`` the score of class ``c`` before the softmax and ``x[i, j]``
    the digit's cell in its own units, 0..16 levels of ink. Adding ``δ`` levels of ink to cell ``(i, j)``
    moves the score by about ``S[i, j] · δ``. The map keeps its sign (Simonyan et al. show ``|S|``):
    positive where more ink speaks for ``c``, negative where it speaks against.

    Parameters
    ----------
    model : DigitsCNN
    image : array_like, shape (8, 8)
        One digit, cells 0..16.
    label : int, optional
        The class ``c``, 0..9; the network's answer (its most probable class) when omitted.

    Returns
    -------
    Saliency
        ``map`` (8, 8), ``label`` and ``score``.

    Examples
    --------
    >>> from cnnviz.learn.network import TrainConfig, init_parameters
    >>> net = DigitsCNN(TrainConfig(filters=2), init_parameters(TrainConfig(filters=2)))
    >>> saliency(net, np.zeros((8, 8)), label=3).map.shape
    (8, 8)
    """
    x, out, label = _digit_and_class(model, image, label)
    one = np.zeros(CLASSES)
    one[label] = 1
    return Saliency(model.input_gradient(x, "scores", one), label, float(out["scores"][0, label]))


class Occlusion(NamedTuple):
    """One class's probability as a patch covers each part of a digit."""

    map: np.ndarray  # (8, 8) p_c with the patch centred on each cell
    label: int  # the class c
    probability: float  # p_c with nothing covered
    size: int  # k, the patch's side
    fill: float  # the value the patch writes into the cells it covers, 0..16


def occlusion(model: DigitsCNN, image: np.typing.ArrayLike, label: int | None = None, *, size: int = 3,
              fill: float = GREY) -> Occlusion:
    """Occlusion sensitivity (Zeiler & Fergus): the class's probability as a k×k patch slides over the digit.

    ``O[i, j] = p_c(x with the k×k patch centred on cell (i, j) set to fill)``. The patch slides with stride 1
    and covers rows ``i − ⌊(k−1)/2⌋`` to ``i − ⌊(k−1)/2⌋ + k − 1`` (the same for columns): centred for an
    odd ``k``, one cell further down and right for an even one. Near the border only its part inside the
    digit is written, so every cell is covered by ``k²`` positions, as with ``⌊(k−1)/2⌋`` cells of padding
    before and ``⌊k/2⌋`` after. A low ``O[i, j]`` means the network needs what the patch hid there; compare
    it with ``probability``, nothing covered. All 64 covered digits go through the network as one batch.

    Parameters
    ----------
    model : DigitsCNN
    image : array_like, shape (8, 8)
        One digit, cells 0..16.
    label : int, optional
        The class ``c``, 0..9 (the digit's true class); the network's answer when omitted.
    size : int
        The patch's side ``k``, 1..8.
    fill : float
        What the patch writes, 0..16: grey (8, the digits' middle value) by default, 0 for blank paper.

    Returns
    -------
    Occlusion
        ``map`` (8, 8) of probabilities, ``label``, ``probability``, ``size``, ``fill``.

    Examples
    --------
    >>> from cnnviz.learn.network import TrainConfig, init_parameters
    >>> net = DigitsCNN(TrainConfig(filters=2), init_parameters(TrainConfig(filters=2)))
    >>> occlusion(net, np.zeros((8, 8)), label=3, size=2, fill=0).map.shape
    (8, 8)
    """
    x, out, label = _digit_and_class(model, image, label)
    _check_int(size, "patch size", 1, DIGIT_SIZE)
    _check_real(fill, "patch's fill value", 0.0, DIGIT_MAX)
    n = np.arange(DIGIT_SIZE)
    top = n - (size - 1) // 2  # the patch's first row (or column) when centred on each cell
    covers = (top[:, None] <= n) & (n < top[:, None] + size)  # (8, 8): covers[i, u], patch at i covers u
    mask = covers[:, None, :, None] & covers[None, :, None, :]  # (8, 8, 8, 8): patch at (i, j) covers (u, v)
    covered = np.where(mask, fill, x).reshape(-1, DIGIT_SIZE, DIGIT_SIZE)  # (64, 8, 8), one digit per position
    probs = model._forward(model._scaled(covered))["probabilities"][:, label]  # (64,)
    return Occlusion(probs.reshape(DIGIT_SIZE, DIGIT_SIZE), label, float(out["probabilities"][0, label]), size,
                     float(fill))


class GradCAM(NamedTuple):
    """Grad-CAM of one class on the network's last convolution."""

    map: np.ndarray  # (8, 8) the cam upsampled onto the digit's cells
    cam: np.ndarray  # (H, W) ReLU(Σ_k α_k A^k), on the activation maps' own grid
    weights: np.ndarray  # (K,) α_k, the average of ∂y_c/∂A^k over each map
    activations: np.ndarray  # (H, W, K) A: the last convolution's maps after ReLU
    layer: str  # "conv2" when the network has a second convolution, else "conv1"
    label: int  # the class c
    score: float  # y_c, its score before the softmax


def grad_cam(model: DigitsCNN, image: np.typing.ArrayLike, label: int | None = None) -> GradCAM:
    """Grad-CAM (Selvaraju et al.): where the last convolution's maps speak for a class.

    With ``A^k`` the ``K`` activation maps (``H×W``, after ReLU) of the last convolution, ``conv2`` when the
    network has one, else ``conv1``, and ``y_c`` the class's score before the softmax::

        α_k = (1 / (H·W)) Σ_ij ∂y_c / ∂A^k_ij          each map's weight: its average gradient
        cam = ReLU(Σ_k α_k A^k)                          (H, W)

    Upsampling to the digit is bilinear, with every map cell at the centre of its receptive field on the
    input (beyond the outermost centres, the nearest edge value). With padding 1 that is the usual resize of
    the map onto the 8x8 digit (the first convolution's 8x8 map as it is; the second's 4x4 stretched
    twice, as PyTorch's ``interpolate(..., mode="bilinear", align_corners=False)``); without padding the
    first convolution's 6x6 map sits one cell in from the border (its windows' centres) and its outer rows and
    columns are repeated outwards, and the second's single cell covers the whole digit.

    Parameters
    ----------
    model : DigitsCNN
    image : array_like, shape (8, 8)
        One digit, cells 0..16.
    label : int, optional
        The class ``c``, 0..9; the network's answer when omitted.

    Returns
    -------
    GradCAM
        ``map`` (8, 8), ``cam`` (H, W), ``weights`` (K,), ``activations`` (H, W, K), ``layer``, ``label``,
        ``score``.

    Examples
    --------
    >>> from cnnviz.learn.network import TrainConfig, init_parameters
    >>> config = TrainConfig(filters=2, conv2_filters=3)
    >>> cam = grad_cam(DigitsCNN(config, init_parameters(config)), np.zeros((8, 8)), label=3)
    >>> cam.layer, cam.cam.shape, cam.weights.shape, cam.map.shape
    ('conv2', (4, 4), (3,), (8, 8))
    """
    x, out, label = _digit_and_class(model, image, label)
    two = "conv2" in out
    A_name = "relu2" if two else "relu"
    one = np.zeros_like(out["scores"])
    one[0, label] = 1
    dA = _backward(model, out, model.params, "scores", one)[A_name][0]  # (H, W, K): ∂y_c/∂A
    A = out[A_name][0]  # (H, W, K)
    weights = dA.mean(axis=(0, 1))  # (K,)
    cam = np.maximum(A @ weights, 0)  # (H, W)
    up = _upsampling(model.config.padding, two, cam.shape[0])  # (8, H)
    return GradCAM(up @ cam @ up.T, cam, weights, A, "conv2" if two else "conv1", label,
                   float(out["scores"][0, label]))


def _upsampling(padding: int, second: bool, n: int) -> np.ndarray:
    """``(8, n)``: bilinear weights from a map's ``n`` cells (along one axis) to the digit's 8, each map cell
    at its receptive field's centre on the input, clamped beyond the outermost centres."""
    # A 3x3 window's centre is 1 cell in, minus the padding; a 2x2 pooling window's is half a cell in, and
    # pooling doubles the step between neighbouring cells.
    first = KERNEL // 2 - padding  # where conv1's cell 0 is centred, in input cells
    step = 1
    if second:
        first += (POOL - 1) / 2 + POOL * (KERNEL // 2 - padding)  # pool, then conv2
        step = POOL
    s = np.clip((np.arange(DIGIT_SIZE) - first) / step, 0, n - 1)  # each input cell in map coordinates
    lo = np.floor(s).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    out = np.zeros((DIGIT_SIZE, n))
    np.add.at(out, (np.arange(DIGIT_SIZE), lo), 1 - (s - lo))
    np.add.at(out, (np.arange(DIGIT_SIZE), hi), s - lo)
    return out
