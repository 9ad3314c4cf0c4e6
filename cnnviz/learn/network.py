"""A small CNN that learns the handwritten digits, in NumPy, on cnnviz's own convolution and pooling.

Cross-entropy, SGD with momentum on mini-batches, gradients from ``conv2d_backward``,
``pool2d_backward`` and the chain rule written out below. The same configuration and seed give the
same network, bit for bit. The layers: ``DigitsCNN``.
"""
from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import numpy as np

from cnnviz.kernel.validate import finite_array
from cnnviz.kernel.backward import conv2d_backward, pool2d_backward
from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.notation import format_count, format_number
from cnnviz.learn.digits import digits_split
from cnnviz.kernel.pool import pool2d
from cnnviz.kernel.shapes import conv_output_size, pool_output_size

__all__ = [
    "DigitsCNN",
    "EpochRecord",
    "TrainConfig",
    "TrainResult",
    "epoch_batches",
    "init_parameters",
    "train",
    "train_digits",
]

DIGIT_SIZE = 8  # the digits are 8x8 cells
DIGIT_MAX = 16  # a cell counts inked pixels in a 4x4 block: 0..16
CLASSES = 10
KERNEL = 3  # every convolution uses 3x3 filters
POOL = 2  # 2x2 max pooling with stride 2
MAX_EPOCHS = 200
MAX_FILTERS = 16


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run: the same config gives the same network."""

    filters: int = 8  # filters in the first convolution (3x3, spanning the one input channel), 1..16
    padding: int = 1  # zero padding of each convolution: 1 keeps 8x8, 0 shrinks it to 6x6
    conv2_filters: int = 0  # filters in a second 3x3 convolution after pooling (then ReLU); 0: none
    epochs: int = 12  # passes over the training digits
    batch_size: int = 32  # digits per gradient step; the last batch of an epoch may be smaller
    learning_rate: float = 0.05  # size of each step along the (momentum-smoothed) gradient
    momentum: float = 0.9  # share of the previous step kept in the next one (0: plain SGD)
    seed: int = 0  # the initial weights and the order of the batches in every epoch
    train_size: int | None = None  # learn from only the first n training digits (None: all 1,442)
    dtype: str = "float32"  # "float32" is fast; "float64" for gradient checks

    def __post_init__(self) -> None:
        _check_int(self.filters, "number of filters", 1, MAX_FILTERS)
        _check_int(self.padding, "padding", 0, 1)
        _check_int(self.conv2_filters, "number of filters in the second convolution", 0, MAX_FILTERS)
        _check_int(self.epochs, "number of epochs", 1, MAX_EPOCHS)
        _check_int(self.batch_size, "batch size", 1, 2048)
        _check_int(self.seed, "seed", 0, 2**63 - 1)
        if self.train_size is not None:
            _check_int(self.train_size, "number of training digits", 1, 10**6)
        _check_real(self.learning_rate, "learning rate", 0.0, 10.0, low_open=True)
        _check_real(self.momentum, "momentum", 0.0, 1.0, high_open=True)
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"The number type must be 'float32' or 'float64', not {self.dtype!r}.")
        H = conv_output_size(DIGIT_SIZE, KERNEL, 1, self.padding)
        if self.conv2_filters and conv_output_size(pool_output_size(H, POOL), KERNEL, 1, self.padding) < 1:
            raise ValueError("Without padding, the pooled maps are too small for a second 3x3 convolution.")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of one digit's output of each layer, in layer order."""
        H = conv_output_size(DIGIT_SIZE, KERNEL, 1, self.padding)  # 8 + 2p - 2
        P = pool_output_size(H, POOL)
        out = {"input": (DIGIT_SIZE, DIGIT_SIZE, 1), "conv": (H, H, self.filters),
               "relu": (H, H, self.filters), "pool": (P, P, self.filters)}
        if self.conv2_filters:
            H2 = conv_output_size(P, KERNEL, 1, self.padding)
            out["conv2"] = out["relu2"] = (H2, H2, self.conv2_filters)
        out["scores"] = out["probabilities"] = (CLASSES,)
        return out


def _check_int(value, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"The {name} must be a whole number, not {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"The {name} must be between {low} and {format_count(high)}, not {value}.")


def _check_real(value, name: str, low: float, high: float, *, low_open=False, high_open=False) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"The {name} must be a number, not {value!r}.")
    if value < low or value > high or (low_open and value == low) or (high_open and value == high):
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"The {name} must be in {left}{format_number(low)}, {format_number(high)}{right}, "
                         f"not {format_number(value)}.")


def _parameter_shapes(config: TrainConfig) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter, in layer order."""
    F, F2 = config.filters, config.conv2_filters
    shapes = {"w1": (KERNEL, KERNEL, 1, F), "b1": (F,)}
    if F2:
        shapes |= {"w2": (KERNEL, KERNEL, F, F2), "b2": (F2,)}
    D = math.prod(config.shapes()["relu2" if F2 else "pool"])  # the flattened layer before the dense one
    return shapes | {"wd": (D, CLASSES), "bd": (CLASSES,)}


def init_parameters(config: TrainConfig) -> dict[str, np.ndarray]:
    """The initial weights: He-scaled normal filters and dense weights, zero biases, from ``config.seed``.

    Returns ``w1`` ``(3, 3, 1, F)``, ``b1`` ``(F,)``, optionally ``w2`` ``(3, 3, F, F2)`` and ``b2``
    ``(F2,)``, then ``wd`` ``(D, 10)`` and ``bd`` ``(10,)``, with ``D`` the flattened size of the layer
    before the dense one; filters in ``conv2d``'s ``(kh, kw, C, F)`` layout.
    """
    rng = np.random.default_rng([config.seed, 0])  # stream 0: weights (stream 1: batch order)
    params = {}
    for name, shape in _parameter_shapes(config).items():
        if name.startswith("b"):
            params[name] = np.zeros(shape)
        else:
            fan_in = math.prod(shape[:-1])  # the values each output adds up
            # He initialisation for layers followed by ReLU; LeCun's (variance 1/fan_in) for the scores
            gain = 1 if name == "wd" else 2
            params[name] = rng.standard_normal(shape) * math.sqrt(gain / fan_in)
    return {k: v.astype(config.dtype) for k, v in params.items()}


def epoch_batches(config: TrainConfig, n: int, epoch: int) -> list[np.ndarray]:
    """The mini-batches of one epoch (1, 2, ...): indices into the ``n`` training digits, shuffled."""
    rng = np.random.default_rng([config.seed, 1, epoch])
    order = rng.permutation(n)
    return [order[i : i + config.batch_size] for i in range(0, n, config.batch_size)]


def _as_images(images, name: str = "images") -> np.ndarray:
    """Digits ``(N, 8, 8)`` (or one ``(8, 8)``) with values 0..16 -> the network's input ``(N, 8, 8, 1)``."""
    x = finite_array(images, name)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (DIGIT_SIZE, DIGIT_SIZE):
        raise ValueError(
            f"The {name} must be 8x8 digits, shape (N, 8, 8) or one (8, 8), not shape {tuple(np.shape(images))}."
        )
    if x.shape[0] == 0:
        raise ValueError(f"There are no {name}: give at least one 8x8 digit.")
    if x.min() < 0 or x.max() > DIGIT_MAX:
        raise ValueError(
            f"Each cell of the {name} must be between 0 (paper) and 16 (ink); "
            f"these go from {format_number(x.min())} to {format_number(x.max())}."
        )
    return x[..., None]  # (N, 8, 8, 1)


def _softmax(scores: np.ndarray) -> np.ndarray:
    z = scores - scores.max(axis=-1, keepdims=True)  # the same probabilities, no overflow in exp
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True, eq=False)
class DigitsCNN:
    """A trained (or freshly initialised) network; it keeps read-only copies of its parameters.

    For an 8x8 digit (cells 0..16, divided by 16 on the way in)::

        input (8, 8, 1)
        -> convolution, F 3x3 filters, padding p      (H1, W1, F)       H1 = 8 + 2p - 2
        -> ReLU
        -> 2x2 max pooling, stride 2                  (H1/2, W1/2, F)
        -> [convolution, F2 3x3 filters, padding p -> ReLU]   (optional)
        -> dense layer, 10 scores                     (10,)
        -> softmax                                    (10,) probabilities
    """

    config: TrainConfig
    params: dict[str, np.ndarray]  # see init_parameters

    def __post_init__(self) -> None:
        expected = _parameter_shapes(self.config)
        if set(self.params) != set(expected):
            raise ValueError(f"This network's parameters are {', '.join(expected)}, not {', '.join(self.params)}.")
        own = {}
        for name, shape in expected.items():
            value = np.array(self.params[name], dtype=self.config.dtype)  # a copy
            if value.shape != shape:
                raise ValueError(f"The parameter {name} must have shape {shape}, not {value.shape}.")
            value.flags.writeable = False
            own[name] = value
        object.__setattr__(self, "params", own)

    @property
    def filters(self) -> np.ndarray:
        """The first convolution's filters, ``(3, 3, 1, F)`` (``conv2d``'s layout)."""
        return self.params["w1"]

    def _forward(self, x: np.ndarray, params: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Every layer's output for a batch ``x`` ``(N, 8, 8, 1)`` already scaled to 0..1."""
        p = self.params if params is None else params
        pad = self.config.padding
        out = {"input": x}
        out["conv"] = conv2d(x, p["w1"], p["b1"], padding=pad)  # (N, H1, W1, F)
        out["relu"] = np.maximum(out["conv"], 0)
        h = out["pool"] = pool2d(out["relu"], POOL)  # (N, P, P, F)
        if "w2" in p:
            out["conv2"] = conv2d(h, p["w2"], p["b2"], padding=pad)  # (N, H2, W2, F2)
            h = out["relu2"] = np.maximum(out["conv2"], 0)
        out["scores"] = h.reshape(len(x), -1) @ p["wd"] + p["bd"]  # (N, D) @ (D, 10) -> (N, 10)
        out["probabilities"] = _softmax(out["scores"])
        return out

    def _scaled(self, images, name: str = "images") -> np.ndarray:
        return (_as_images(images, name) / DIGIT_MAX).astype(self.config.dtype)

    def predict(self, images: np.typing.ArrayLike) -> np.ndarray:
        """Class probabilities for each digit.

        Parameters
        ----------
        images : array_like, shape (N, 8, 8) or (8, 8)
            Digits as ``load_digits`` gives them: cells 0 (paper) to 16 (ink), fractions allowed.

        Returns
        -------
        ndarray, shape (N, 10)
            Row ``n`` is the softmax of digit ``n``'s scores: ten probabilities that add up to 1.
        """
        return self._forward(self._scaled(images))["probabilities"]

    def forward_layers(self, image: np.typing.ArrayLike) -> dict[str, np.ndarray]:
        """Every layer's output for one digit, in layer order.

        Parameters
        ----------
        image : array_like, shape (8, 8)
            One digit, cells 0..16.

        Returns
        -------
        dict of str to ndarray
            ``input`` (8, 8, 1), the cells divided by 16; ``conv`` (H1, W1, F), each filter's
            activation map; ``relu`` the same after ReLU; ``pool`` (H1/2, W1/2, F) after 2x2 max
            pooling; with a second convolution ``conv2`` and ``relu2`` (H2, W2, F2); ``scores``
            (10,), the dense layer's output; ``probabilities`` (10,), their softmax.
            ``TrainConfig.shapes()`` gives the same shapes.
        """
        x = self._scaled(image, "image")
        if x.shape[0] != 1:
            raise ValueError("forward_layers follows one digit: pass one (8, 8) image.")
        return {name: value[0] for name, value in self._forward(x).items()}

    def loss_and_gradients(self, images: np.typing.ArrayLike, labels: np.typing.ArrayLike,
                           params: dict[str, np.ndarray] | None = None) -> tuple[float, dict[str, np.ndarray]]:
        """The mean cross-entropy loss over a batch and its gradient with respect to every parameter.

        ``params`` (same keys and shapes as ``self.params``) replaces the model's own parameters,
        as training does at every step.
        """
        p = self.params if params is None else params
        x = self._scaled(images)
        y = _as_labels(labels, len(x))
        return _loss_and_gradients(self, x, y, p)[:2]

    def map_gradient(self, image: np.typing.ArrayLike, label: int,
                     params: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """``dL/dmap`` of the first convolution for one digit: what the network sends back into each filter's
        activation map (before ReLU), for the loss of this digit alone.

        It is 0 where ReLU was off and where max pooling kept another cell. Each step of training averages
        this over a batch; with it, ``conv2d_backward`` of the digit (divided by 16) and filter ``f``
        gives ``loss_and_gradients``' ``w1[:, :, 0, f]`` for this digit.

        Parameters
        ----------
        image : array_like, shape (8, 8)
            One digit, cells 0..16.
        label : int
            The digit it shows, 0..9.
        params : dict, optional
            Parameters in place of the model's own (an earlier epoch's, ``EpochRecord.params``).

        Returns
        -------
        ndarray, shape (H1, W1, F)
        """
        x = self._scaled(image, "image")
        if x.shape[0] != 1:
            raise ValueError("map_gradient follows one digit: pass one (8, 8) image.")
        p = self.params if params is None else params
        return _loss_and_gradients(self, x, _as_labels(np.asarray([label]), 1), p)[2][0]

    def input_gradient(self, image: np.typing.ArrayLike, layer: str, grad: np.typing.ArrayLike) -> np.ndarray:
        """How each input cell moves ``E = Σ grad · layer's output``: the backward pass from any layer to the input.

        With ``grad`` 1 at one unit and 0 elsewhere, ``E`` is that unit, and this is its gradient; training
        runs the same chain rule from the scores with ``grad`` = dL/dscores.

        Parameters
        ----------
        image : array_like, shape (8, 8)
            One digit, cells 0..16.
        layer : str
            A layer of ``forward_layers`` below the softmax: ``conv``, ``relu``, ``pool``, ``conv2``,
            ``relu2`` (with a second convolution) or ``scores``.
        grad : array_like
            dE/d(the layer's output), the shape ``forward_layers`` gives that layer.

        Returns
        -------
        ndarray, shape (8, 8)
            dE/d(cell), per unit of the digit's 0..16 cells: the network's own input is the cells divided
            by 16, so this is 1/16 of the gradient with respect to that.

        Examples
        --------
        >>> config = TrainConfig(filters=1, padding=0)
        >>> net = DigitsCNN(config, init_parameters(config) | {"w1": np.ones((3, 3, 1, 1))})
        >>> one = np.zeros((6, 6, 1)); one[0, 0, 0] = 1  # the first cell of the first activation map
        >>> (net.input_gradient(np.zeros((8, 8)), "conv", one) * 16)[:4, :4].tolist()
        [[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
        """
        shapes = self.config.shapes()
        if layer not in shapes or layer in ("input", "probabilities"):
            layers = ", ".join(name for name in shapes if name not in ("input", "probabilities"))
            raise ValueError(f"The gradient starts at one of this network's layers ({layers}), not {layer!r}.")
        g = finite_array(grad, "gradient")
        if g.shape != shapes[layer]:
            raise ValueError(f"The {layer} layer's output has shape {shapes[layer]}: give one gradient value per "
                             f"value, not shape {g.shape}.")
        x = self._scaled(image, "image")
        if x.shape[0] != 1:
            raise ValueError("input_gradient follows one digit: pass one (8, 8) image.")
        out = self._forward(x)
        dx = _backward(self, out, self.params, layer, g[None].astype(self.config.dtype))["input"]  # (1, 8, 8, 1)
        return dx[0, :, :, 0] / DIGIT_MAX

    def accuracy(self, images: np.typing.ArrayLike, labels: np.typing.ArrayLike) -> float:
        """The share of digits whose most probable class is their label, 0..1."""
        probs = self.predict(images)
        return float(np.mean(probs.argmax(axis=1) == _as_labels(labels, len(probs))))


def _as_labels(labels, n: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.shape != (n,) or y.dtype.kind not in "iu" or (n and (y.min() < 0 or y.max() >= CLASSES)):
        raise ValueError(f"Give one label per digit: {n} whole numbers 0..9.")
    return y


def _loss_and_gradients(model: DigitsCNN, x, y, p) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """Forward, then the chain rule backwards through every layer: the loss, the parameters' gradients and
    the first convolution's ``dL/dmap`` ``(N, H1, W1, F)``."""
    N = len(x)
    out = model._forward(x, p)
    probs = out["probabilities"]  # (N, 10)
    loss = _cross_entropy(probs, y)
    dscores = probs.copy()  # d(mean cross-entropy)/d(scores) = (softmax - one-hot) / N
    dscores[np.arange(N), y] -= 1
    dscores /= N  # (N, 10)
    g = _backward(model, out, p, "scores", dscores)
    return loss, {k: g[k] for k in p}, g["conv"]


def _backward(model: DigitsCNN, out: dict[str, np.ndarray], p: dict[str, np.ndarray], layer: str,
              grad: np.ndarray) -> dict[str, np.ndarray]:
    """The chain rule from ``grad`` = dE/d(``out[layer]``), for any quantity E, down to the input.

    ``out`` is ``_forward``'s result (batched) and ``grad`` has the shape of ``out[layer]``. Returns dE/d
    of ``layer``'s output and of every layer below it, by ``_forward``'s names (``input``: the scaled
    input), and dE/d of every parameter on the way down.
    """
    pad = model.config.padding
    names = [name for name in out if name != "probabilities"]  # input, conv, relu, pool, [conv2, relu2], scores
    g = {layer: grad}
    for below, above in reversed(list(zip(names, names[1:]))[: names.index(layer)]):
        d = g[above]
        if above == "scores":
            h = out[below]  # (N, P, P, F) or (N, H2, W2, F2)
            g["wd"] = h.reshape(len(h), -1).T @ d  # (D, N) @ (N, 10)
            g["bd"] = d.sum(axis=0)
            g[below] = (d @ p["wd"].T).reshape(h.shape)  # (N, 10) @ (10, D) -> the layer's shape
        elif above in ("relu", "relu2"):
            g[below] = d * (out[below] > 0)  # ReLU passes the gradient where its input was positive
        elif above == "pool":
            g[below] = pool2d_backward(out[below], d, POOL)  # (N, H1, W1, F): to each window's winner
        else:  # a convolution: its input's gradient, and its filters' and biases'
            w, b = ("w1", "b1") if above == "conv" else ("w2", "b2")
            g[below], g[w], g[b] = conv2d_backward(out[below], p[w], d, padding=pad)
    return g


@dataclass(frozen=True)
class EpochRecord:
    """The network after one epoch (epoch 0: before training)."""

    epoch: int
    loss: float  # mean cross-entropy over all training digits
    train_accuracy: float  # 0..1
    test_accuracy: float  # 0..1
    test_loss: float  # mean cross-entropy over the test digits
    filters: np.ndarray = field(repr=False)  # (3, 3, 1, F): a copy of the first convolution's filters
    seconds: float  # since training started, when this record was made
    biases: np.ndarray | None = field(default=None, repr=False)  # (F,): the first convolution's biases
    # every parameter then (init_parameters' names; filters and biases are its w1 and b1): the next epoch's
    # steps start from these, so any of them can be taken again (a few thousand numbers)
    params: dict[str, np.ndarray] | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class TrainResult:
    """What ``train`` returns: the network, how it got there, and how well it reads the test digits."""

    model: DigitsCNN
    history: list[EpochRecord]  # history[0] before training, history[k] after epoch k
    config: TrainConfig
    stopped_early: bool  # on_epoch asked to stop before the last epoch

    @property
    def test_accuracy(self) -> float:
        """The share of test digits the final network classifies right, 0..1."""
        return self.history[-1].test_accuracy

    @property
    def epochs_run(self) -> int:
        """How many epochs the network was trained for (fewer than asked when stopped early)."""
        return self.history[-1].epoch


OnEpoch = Callable[[int, EpochRecord], "bool | None"]


def train(config: TrainConfig | None = None, on_epoch: OnEpoch | None = None) -> TrainResult:
    """Train the digits network that ``config`` describes on the training part of ``digits_split()``.

    Parameters
    ----------
    config : TrainConfig, optional
        The defaults when omitted.
    on_epoch : callable ``(epoch, record) -> bool | None``, optional
        Called with epoch 0 (the untrained network) and after every epoch, with that epoch's
        ``EpochRecord``. Returning ``False`` stops training there (anything else goes on).

    Returns
    -------
    TrainResult
    """
    config = TrainConfig() if config is None else config
    if on_epoch is not None and not callable(on_epoch):
        raise ValueError("on_epoch must be a function called as on_epoch(epoch, record).")
    split = digits_split()
    n_train = len(split.train_labels) if config.train_size is None else config.train_size
    if n_train > len(split.train_labels):
        raise ValueError(f"There are only {format_count(len(split.train_labels))} training digits, "
                         f"not {format_count(n_train)}.")
    model = DigitsCNN(config, init_parameters(config))
    x_train = model._scaled(split.train_images[:n_train])  # (n, 8, 8, 1)
    y_train = split.train_labels[:n_train]
    x_test, y_test = model._scaled(split.test_images), split.test_labels
    params = {k: v.copy() for k, v in model.params.items()}  # updated in place while learning
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    lr, mu = np.asarray(config.learning_rate, config.dtype), np.asarray(config.momentum, config.dtype)
    start = time.perf_counter()
    history: list[EpochRecord] = []

    def record(epoch: int) -> bool:
        train_out = model._forward(x_train, params)["probabilities"]
        test_out = model._forward(x_test, params)["probabilities"]
        kept = {k: v.copy() for k, v in params.items()}
        for v in kept.values():
            v.flags.writeable = False
        rec = EpochRecord(
            epoch=epoch,
            loss=_cross_entropy(train_out, y_train),
            train_accuracy=float(np.mean(train_out.argmax(axis=1) == y_train)),
            test_accuracy=float(np.mean(test_out.argmax(axis=1) == y_test)),
            test_loss=_cross_entropy(test_out, y_test),
            filters=kept["w1"],
            seconds=time.perf_counter() - start,
            biases=kept["b1"],
            params=kept,
        )
        history.append(rec)
        return on_epoch is None or on_epoch(epoch, rec) is not False

    go_on = record(0)
    for epoch in range(1, config.epochs + 1):
        if not go_on:
            break
        for batch in epoch_batches(config, n_train, epoch):
            _, grads, _ = _loss_and_gradients(model, x_train[batch], y_train[batch], params)
            for k, v in params.items():
                # SGD with momentum (PyTorch's form): v <- mu*v + g; w <- w - lr*v
                vel = velocity[k]
                vel *= mu
                vel += grads[k]
                v -= lr * vel
        go_on = record(epoch)
    final = replace(model, params=params)
    return TrainResult(final, history, config, stopped_early=history[-1].epoch < config.epochs)


def _cross_entropy(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean of -log(probability of the right class); a probability that rounded to 0 counts as tiny."""
    return float(-np.log(np.maximum(probs[np.arange(len(y)), y], np.finfo(probs.dtype).tiny)).mean())


_OPTIONS = tuple(f.name for f in fields(TrainConfig) if f.name not in ("filters", "epochs", "seed"))  # **options


def train_digits(*, filters: int = 8, epochs: int | None = None, seed: int = 0,
                 on_epoch: OnEpoch | None = None, **options: int | float | str | None) -> TrainResult:
    """Train a small CNN on the UCI handwritten digits and return it with its history.

    Convolution (``filters`` 3x3 filters, padding 1) -> ReLU -> 2x2 max pooling -> dense ->
    softmax, trained by SGD with momentum on the cross-entropy loss, in mini-batches of 32 over
    the 1,442 training digits of ``digits_split()``; tested on its 355 test digits.

    Parameters
    ----------
    filters : int
        Filters in the convolution, 1..16.
    epochs : int, optional
        Passes over the training digits; ``TrainConfig().epochs`` when omitted.
    seed : int
        Decides the initial weights and the batches: the same seed gives the same network, bit for bit.
    on_epoch : callable ``(epoch, record) -> bool | None``, optional
        Called for epoch 0 (before training) and after every epoch; return ``False`` to stop.
    **options
        Any other field of ``TrainConfig``: ``padding``, ``conv2_filters``, ``batch_size``,
        ``learning_rate``, ``momentum``, ``train_size``, ``dtype``.

    Returns
    -------
    TrainResult
        ``test_accuracy`` (0..1), ``history`` (one ``EpochRecord`` per epoch, from epoch 0),
        ``model`` (``predict(images)`` -> ``(N, 10)`` probabilities, ``forward_layers(image)``).

    Examples
    --------
    >>> result = train_digits(filters=4, epochs=1, train_size=200)
    >>> result.model.predict(digits_split().test_images[:3]).shape
    (3, 10)
    >>> len(result.history)  # before training, after epoch 1
    2
    """
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ValueError(f"Unknown training option(s) {', '.join(unknown)}: choose from {', '.join(_OPTIONS)}.")
    if epochs is not None:
        options["epochs"] = epochs
    return train(TrainConfig(filters=filters, seed=seed, **options), on_epoch)
