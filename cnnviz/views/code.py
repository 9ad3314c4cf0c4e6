"""The code behind a page's convolution, for NumPy (cnnviz), PyTorch and Keras, ready to copy and run.

The three snippets compute the same numbers. cnnviz and Keras keep channels last, as the lecture
writes a volume (``32x32x3``) and a bank of filters ``(kh, kw, C, F)``; PyTorch wants channels
first, ``(N, C, H, W)`` and ``(F, C, kh, kw)``, so its snippet moves the axes there and back.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.kernel.notation import exact_number, format_shape

__all__ = ["ConvSettings", "code_snippets"]

_LITERAL_MAX = 400  # values written out in a snippet; a larger array is written by the code that makes it


@dataclass(frozen=True)
class ConvSettings:
    """One convolution as a page runs it."""

    input: np.ndarray  # (H, W) or (H, W, C)
    filter: np.ndarray  # (kh, kw), (kh, kw, C) one filter, or (kh, kw, C, F) a bank, as cnnviz.conv2d takes them
    bias: float | int | Sequence = 0  # one number, or one per filter
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    relu: bool = False
    input_code: str = ""  # NumPy code that makes the input (instead of writing out a large one)
    filter_code: str = ""  # NumPy code that makes the filter


def _literal(arr: np.ndarray, indent: int) -> str:
    """A nested list, one row of the innermost grid per line."""
    arr = np.asarray(arr)
    if arr.ndim == 1:
        return "[" + ", ".join(exact_number(v) for v in arr.tolist()) + "]"
    pad = " " * (indent + 1)
    return "[" + f",\n{pad}".join(_literal(a, indent + 1) for a in arr) + "]"


def _array(name: str, arr: np.ndarray, code: str, comment: str, wrap: str = "np.array({})") -> str:
    """``name = np.array([...])  # comment``; the making code instead when given and the array is large."""
    arr = np.asarray(arr)
    if _made(arr, code):
        return f"{name} = {wrap.format(code)}  # {comment}"
    head = f"{name} = {wrap.split('{}')[0]}"
    body = _literal(arr, len(head))
    return f"{head}{body}{wrap.split('{}')[1]}  # {comment}"


def _made(arr: np.ndarray, code: str) -> bool:
    """The snippet writes ``arr`` by the code that makes it, not number by number."""
    return bool(code) and np.asarray(arr).size > _LITERAL_MAX


def _ending(lines: list[str], relu: str) -> str:
    """The snippet's lines, the ReLU line when there is one, and the printed result."""
    return "\n".join(lines + ([relu] if relu else []) + ["print(out)"])


def _biases(s: ConvSettings, F: int) -> list:
    b = np.broadcast_to(np.asarray(s.bias), (F,)) if np.ndim(s.bias) == 0 else np.asarray(s.bias)
    return b.tolist()


def _shapes(s: ConvSettings) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    x, w = np.asarray(s.input), np.asarray(s.filter)
    F = w.shape[3] if w.ndim == 4 else 1
    return x.shape, w.shape, F


def _numpy(s: ConvSettings) -> str:
    (xs, ws, F) = _shapes(s)
    bias = _biases(s, F)
    b = exact_number(bias[0]) if F == 1 else "[" + ", ".join(exact_number(v) for v in bias) + "]"
    lines = [
        "import numpy as np",
        "from cnnviz import conv2d  # cross-correlation (no filter flip), what CNNs call convolution",
        "",
        _array("x", s.input, s.input_code, "the input " + format_shape(xs)),
        _array("w", s.filter, s.filter_code, "the filter " + format_shape(ws)
               + (f": {F} filters, the last axis" if F > 1 else "")),
        f"out = conv2d(x, w, {b}, stride={s.stride}, padding={s.padding}, dilation={s.dilation})",
    ]
    return _ending(lines, "out = np.maximum(out, 0)  # ReLU" if s.relu else "")


def _torch(s: ConvSettings) -> str:
    xs, ws, F = _shapes(s)
    t = "torch.tensor({}, dtype=torch.float64)"
    make = "torch.from_numpy(np.asarray({}, dtype=np.float64))"
    made_x, made_w = _made(s.input, s.input_code), _made(s.filter, s.filter_code)
    big = made_x or made_w
    xw, ww = (make if made_x else t), (make if made_w else t)
    if len(xs) == 2:
        x_to, w_to, back = "x[None, None]", "w[None, None]", "[0, 0]"
        note = "(1, 1, H, W) and (1, 1, kh, kw): one channel, one filter"
    elif len(ws) == 3:
        x_to, w_to, back = "x.permute(2, 0, 1)[None]", "w.permute(2, 0, 1)[None]", "[0, 0]"
        note = "(1, C, H, W) and (1, C, kh, kw): channels first"
    else:
        x_to, w_to, back = "x.permute(2, 0, 1)[None]", "w.permute(3, 2, 0, 1)", "[0].permute(1, 2, 0)"
        note = "(1, C, H, W) and (F, C, kh, kw): channels first"
    bias = ", ".join(exact_number(v) for v in _biases(s, F))
    lines = ["import torch", "import torch.nn.functional as F"] + (["import numpy as np"] if big else []) + [
        "",
        _array("x", s.input, s.input_code, "(" + ", ".join(map(str, xs)) + ")" + (", channels last" if len(xs) == 3
                                                                                  else ""), xw),
        _array("w", s.filter, s.filter_code, "(" + ", ".join(map(str, ws)) + ")", ww),
        f"b = torch.tensor([{bias}], dtype=torch.float64)  # one bias per filter",
        f"# PyTorch computes on {note}",
        f"out = F.conv2d({x_to}, {w_to}, b, stride={s.stride}, padding={s.padding}, dilation={s.dilation})",
        f"out = out{back}  # back to " + ("(H_out, W_out)" if F == 1 else "(H_out, W_out, F)"),
    ]
    return _ending(lines, "out = torch.relu(out)" if s.relu else "")


def _keras(s: ConvSettings) -> str:
    xs, ws, F = _shapes(s)
    x_to = "x[None, :, :, None]" if len(xs) == 2 else "x[None]"
    w_to = {2: "w[:, :, None, None]", 3: "w[:, :, :, None]", 4: "w"}[len(ws)]
    H, W = xs[:2]
    C = xs[2] if len(xs) == 3 else 1
    bias = ", ".join(exact_number(v) for v in _biases(s, F))
    act = ', activation="relu"' if s.relu else ""
    layers = [f"keras.Input(shape=({H}, {W}, {C}))"]
    if s.padding:
        layers.append(f"keras.layers.ZeroPadding2D(padding={s.padding})")
    lines = [
        "import numpy as np",
        "import keras",
        "",
        _array("x", s.input, s.input_code, "(" + ", ".join(map(str, xs)) + ")" + (", channels last as in Keras"
                                                                                  if len(xs) == 3 else "")),
        _array("w", s.filter, s.filter_code, "(" + ", ".join(map(str, ws)) + "), Keras's own filter layout"),
        f"b = np.array([{bias}])  # one bias per filter",
        f"conv = keras.layers.Conv2D(filters={F}, kernel_size={tuple(ws[:2])}, strides={s.stride},"
        f' dilation_rate={s.dilation}, padding="valid"{act})',
    ]
    if s.stride > 1 and s.dilation > 1:
        lines.append("# Keras refuses a stride and a dilation both above 1: use PyTorch or cnnviz for this one")
    lines += [
        "model = keras.Sequential([" + ", ".join(layers + ["conv"]) + "])",
        f"conv.set_weights([{w_to}, b])",
        f'out = model({x_to}.astype("float32"))[0]  # (H_out, W_out, {F})',
        "print(np.asarray(out)" + ("[:, :, 0])" if F == 1 else ")"),
    ]
    return "\n".join(lines)


def code_snippets(settings: ConvSettings) -> dict[str, str]:
    """The same convolution in NumPy (``cnnviz.conv2d``), PyTorch and Keras: ``{name: code}``.

    Examples
    --------
    >>> code = code_snippets(ConvSettings(np.ones((5, 5), dtype=int), np.ones((3, 3), dtype=int), padding=1))
    >>> list(code), "padding=1" in code["PyTorch"], "ZeroPadding2D(padding=1)" in code["Keras"]
    (['NumPy', 'PyTorch', 'Keras'], True, True)
    """
    return {"NumPy": _numpy(settings), "PyTorch": _torch(settings), "Keras": _keras(settings)}
