"""Time ``cnnviz.excite`` and ``occlusion`` on trained digits networks against the same computations in PyTorch.

    python benchmarks/bench_inside.py [--repeats N]

One thread each: NumPy's BLAS is limited to one thread before NumPy is imported, and
``torch.set_num_threads(1)``. Runs are interleaved (``benchmarks.timing.race``) so that load from other
processes hits every case alike. Two networks, trained once before timing: ``train_digits()`` (8 filters)
and ``train_digits(conv2_filters=8)`` (a second convolution), both float32.

What is counted
---------------
- ``excite(model, layer, unit)`` with its defaults, 200 steps, checks included, against the same ascent in
  PyTorch: 200 steps of forward, ``backward()`` through autograd to the input, the signed step and the clip,
  on modules and a start made before timing.
- ``occlusion(model, digit, label)`` (a 3x3 grey patch at each of the 64 cells, one batch through the network)
  against PyTorch building the same 64 covered digits from a mask made before timing and classifying them
  in one batch under ``torch.inference_mode()``. The naive loop, 64 ``predict`` calls of one covered digit
  each, is timed against cnnviz's batch (no PyTorch needed).
- Before timing, each PyTorch copy is checked against cnnviz on float64 copies of the networks: the
  same excited inputs and the same occlusion maps.

PyTorch is only needed here, never by cnnviz itself; without it the NumPy figures and the naive loop are
printed alone.
"""
from __future__ import annotations

import os

# Before NumPy (or PyTorch, which loads NumPy) loads its BLAS: one thread, as PyTorch gets below.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
from dataclasses import replace  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import cnnviz  # noqa: E402
from benchmarks.timing import Row, load_average, print_timings, race  # noqa: E402
from cnnviz.learn.interpret import occlusion  # noqa: E402
from cnnviz.learn.network import DigitsCNN  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

TARGET_S = 0.2  # an excited input, and an occlusion map of one digit
PATCH, GREY = 3, 8.0  # occlusion's defaults


class TorchDigits:
    """The network in PyTorch modules, NCHW, from a ``DigitsCNN``'s parameters: ``layers(x)`` for ``(N, 8, 8)``
    cells 0..16."""

    def __init__(self, model: DigitsCNN) -> None:
        dtype = getattr(torch, model.config.dtype)
        p = {k: torch.from_numpy(v.copy()) for k, v in model.params.items()}

        def conv(w, b):  # cnnviz's (kh, kw, C, F) -> (F, C, kh, kw)
            m = torch.nn.Conv2d(w.shape[2], w.shape[3], 3, padding=model.config.padding, dtype=dtype)
            m.weight.data, m.bias.data = w.permute(3, 2, 0, 1).contiguous(), b
            return m.requires_grad_(False)

        self.conv1 = conv(p["w1"], p["b1"])
        self.conv2 = conv(p["w2"], p["b2"]) if "w2" in p else None
        H, W, C = model.config.shapes()["relu2" if self.conv2 else "pool"]
        wd = p["wd"].reshape(H, W, C, 10).permute(2, 0, 1, 3).reshape(-1, 10)  # rows in (C, H, W) order
        self.dense = torch.nn.Linear(H * W * C, 10, dtype=dtype).requires_grad_(False)
        self.dense.weight.data, self.dense.bias.data = wd.T.contiguous(), p["bd"]

    def layers(self, x) -> dict:
        TF = torch.nn.functional
        out = {"conv": self.conv1(x[:, None] / 16)}
        h = TF.max_pool2d(TF.relu(out["conv"]), 2)
        if self.conv2 is not None:
            out["conv2"] = self.conv2(h)
            h = TF.relu(out["conv2"])
        out["scores"] = self.dense(h.flatten(1))
        return out


def torch_excite(net: TorchDigits, layer: str, unit: int, index: tuple, start: np.ndarray, steps: int = 200,
                 lr: float = 1.0):
    """``excite``'s ascent (no penalty) in PyTorch: ``index`` picks the neuron in one digit's NCHW output."""
    name = {"conv1": "conv", "conv2": "conv2", "scores": "scores"}[layer]
    x = torch.from_numpy(start.copy())
    for t in range(steps):
        x.requires_grad_(True)
        net.layers(x[None])[name][(0, *index)].backward()
        with torch.no_grad():
            x = (x + lr * (1 - t / steps) * torch.sign(x.grad)).clamp_(0, 16)
    return x


def torch_occlusion(net: TorchDigits, digit, label: int, covered_mask):
    """The 64 covered digits, classified in one batch: the class's probability at each patch position."""
    with torch.inference_mode():
        covered = torch.where(covered_mask, GREY, digit)  # (64, 8, 8)
        return torch.softmax(net.layers(covered)["scores"], 1)[:, label].reshape(8, 8)


def naive_occlusion(model: DigitsCNN, digit: np.ndarray, label: int) -> np.ndarray:
    """The same map one covered digit at a time: 64 ``predict`` calls."""
    out = np.zeros((8, 8))
    before = (PATCH - 1) // 2
    for i in range(8):
        for j in range(8):
            x = digit.copy()
            x[max(i - before, 0) : i - before + PATCH, max(j - before, 0) : j - before + PATCH] = GREY
            out[i, j] = model.predict(x)[0, label]
    return out


def patch_mask() -> np.ndarray:
    """``(64, 8, 8)``: which cells the patch at each position covers."""
    n = np.arange(8)
    top = n - (PATCH - 1) // 2
    covers = (top[:, None] <= n) & (n < top[:, None] + PATCH)
    return (covers[:, None, :, None] & covers[None, :, None, :]).reshape(64, 8, 8)


def neuron_index(model: DigitsCNN, layer: str, unit: int) -> tuple:
    """The neuron ``excite`` picks by default, in PyTorch's (C, H, W) order."""
    if layer == "scores":
        return (unit,)
    H, W = model.config.shapes()["conv" if layer == "conv1" else "conv2"][:2]
    return (unit, (H - 1) // 2, (W - 1) // 2)


def check_same(model: DigitsCNN, neurons, digit, label: int) -> None:
    """On a float64 copy of the network, PyTorch's ascent and occlusion give cnnviz's numbers."""
    exact = DigitsCNN(replace(model.config, dtype="float64"), model.params)
    net = TorchDigits(exact)
    start = np.random.default_rng(0).uniform(0, 16, (8, 8))  # excite's start for seed 0
    for layer, unit in neurons:
        theirs = torch_excite(net, layer, unit, neuron_index(exact, layer, unit), start).numpy()
        np.testing.assert_allclose(cnnviz.excite(exact, layer, unit), theirs, atol=1e-9)
    mask = torch.from_numpy(patch_mask())
    theirs = torch_occlusion(net, torch.from_numpy(digit.astype(np.float64)), label, mask).numpy()
    np.testing.assert_allclose(occlusion(exact, digit, label).map, theirs, rtol=1e-9, atol=1e-12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="interleaved samples per case (default 21)")
    args = parser.parse_args()
    print(load_average())
    if torch is None:
        print("PyTorch is not installed: excite is timed alone (for the comparison: pip install torch==2.13.0).")
    else:
        torch.set_num_threads(1)
        print(f"NumPy {np.__version__}, PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)")

    split = cnnviz.digits_split()
    digit, label = split.test_images[0].astype(np.float32), int(split.test_labels[0])
    networks = {
        "8 filters": (cnnviz.train_digits().model, [("conv1", 0), ("scores", 3)]),
        "8 + 8 filters": (cnnviz.train_digits(conv2_filters=8).model, [("conv2", 0), ("scores", 3)]),
    }
    start = np.random.default_rng(0).uniform(0, 16, (8, 8)).astype(np.float32)  # excite's start for seed 0
    excite_rows, occlusion_rows, medians = [], [], {}
    for label_net, (model, neurons) in networks.items():
        net = None
        if torch is not None:
            check_same(model, neurons, digit, label)
            net = TorchDigits(model)
        for layer, unit in neurons:
            what = f"excite {layer} {unit}, {label_net}"
            cases = {"cnnviz": partial(cnnviz.excite, model, layer, unit)}
            if net is not None:
                cases["PyTorch"] = partial(torch_excite, net, layer, unit, neuron_index(model, layer, unit), start)
            t = race(cases, args.repeats)
            ref = f"PyTorch {what}" if net is not None else None
            excite_rows += [Row(ref, t["PyTorch"])] if ref else []
            excite_rows.append(Row(f"cnnviz {what}", t["cnnviz"], ref))
            medians[what] = t["cnnviz"].median
        what = f"occlusion 3x3, {label_net}"
        cases = {"cnnviz": partial(occlusion, model, digit, label),
                 "naive loop": partial(naive_occlusion, model, digit, label)}
        if net is not None:
            cases["PyTorch"] = partial(torch_occlusion, net, torch.from_numpy(digit), label,
                                       torch.from_numpy(patch_mask()))
        t = race(cases, args.repeats)
        ref = f"PyTorch {what}" if net is not None else None
        occlusion_rows += [Row(ref, t["PyTorch"])] if ref else []
        occlusion_rows.append(Row(f"cnnviz {what}", t["cnnviz"], ref))
        occlusion_rows.append(Row(f"naive loop {what}", t["naive loop"], f"cnnviz {what}"))
        medians[what] = t["cnnviz"].median
    print_timings("An excited input (200 steps), one thread each", excite_rows)
    print_timings("An occlusion map of one digit (64 covered digits), one thread each", occlusion_rows)
    slowest = {kind: max(v for k, v in medians.items() if k.startswith(kind)) for kind in ("excite", "occlusion")}
    for kind, what in (("excite", "an excited input"), ("occlusion", "an occlusion map")):
        met = slowest[kind] < TARGET_S
        print(f"Target: {what} under {TARGET_S * 1e3:.0f} ms (slowest median {slowest[kind] * 1e3:.1f} ms): "
              f"{'met' if met else 'MISSED'}")
    print(f"After: {load_average()}")


if __name__ == "__main__":
    main()
