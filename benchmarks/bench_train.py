"""Time ``cnnviz.train_digits()`` against PyTorch CPU training the same network the same way.

    python benchmarks/bench_train.py [--repeats N]

One thread each: NumPy's BLAS is limited to one thread before NumPy is imported, and
``torch.set_num_threads(1)``. Both sides start from the same initial weights
(``cnnviz.learn.network.init_parameters``), take the same mini-batches in the same order
(``cnnviz.learn.network.epoch_batches``), use the same SGD with momentum (PyTorch's form) and, after every
epoch, classify all training and test digits, as ``train_digits`` does for its history. Runs are
interleaved (``benchmarks.timing.interleave``: cnnviz, torch, torch, cnnviz, ...) so that load from
other processes hits both alike.

What is counted
---------------
- Ours: the whole ``train_digits()`` call with the defaults, float32: input checks, scaling the
  digits, every step, the per-epoch evaluation and the filters' copies.
- PyTorch: the training loop only, on tensors made before timing, NCHW digits and
  ``(F, C, kh, kw)`` weights, ``nn.Conv2d`` / ``F.max_pool2d`` / ``nn.Linear``,
  ``F.cross_entropy``, ``torch.optim.SGD``; the evaluation under ``torch.inference_mode()``.
- One epoch: the time between two consecutive history records (the epoch's steps plus the
  evaluation after it); the median over all epochs of all runs.

PyTorch is only needed here, never by cnnviz itself; without it the NumPy figures are printed alone.
"""
from __future__ import annotations

import itertools
import os

# Before NumPy (or PyTorch, which loads NumPy) loads its BLAS: one thread, as PyTorch gets below.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import cnnviz  # noqa: E402
from benchmarks.timing import Row, Timing, interleave, load_average, print_timings  # noqa: E402
from cnnviz.learn.network import DigitsCNN, TrainConfig, epoch_batches, init_parameters  # noqa: E402

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = None

TARGET_TOTAL_S = 10.0  # train_digits() with the defaults, one core
TARGET_EPOCH_S = 0.5  # one epoch over the training digits
TARGET_ACCURACY = 0.95


def ours(config: TrainConfig) -> tuple[float, list[float], float, float]:
    """Seconds for ``train_digits``, seconds per epoch, test accuracy, loss before training."""
    t0 = time.perf_counter()
    result = cnnviz.train_digits(epochs=config.epochs)  # the defaults otherwise
    total = time.perf_counter() - t0
    h = result.history
    return total, [b.seconds - a.seconds for a, b in itertools.pairwise(h)], result.test_accuracy, h[0].loss


class TorchNet(torch.nn.Module if torch else object):
    """The same network in PyTorch, from cnnviz's initial parameters."""

    def __init__(self, config: TrainConfig) -> None:
        super().__init__()
        p = init_parameters(config)
        F = config.filters
        self.pad = config.padding
        self.conv = torch.nn.Conv2d(1, F, 3, padding=config.padding)
        self.conv.weight.data = torch.from_numpy(np.ascontiguousarray(p["w1"].transpose(3, 2, 0, 1)))
        self.conv.bias.data = torch.from_numpy(p["b1"].copy())
        P = config.shapes()["pool"][0]
        # cnnviz flattens (P, P, F); PyTorch's maps are (F, P, P): reorder the dense rows once.
        wd = p["wd"].reshape(P, P, F, 10).transpose(2, 0, 1, 3).reshape(-1, 10)  # (F*P*P, 10)
        self.dense = torch.nn.Linear(wd.shape[0], 10)
        self.dense.weight.data = torch.from_numpy(np.ascontiguousarray(wd.T))
        self.dense.bias.data = torch.from_numpy(p["bd"].copy())

    def forward(self, x):
        h = TF.max_pool2d(TF.relu(self.conv(x)), 2)  # (N, F, P, P)
        return self.dense(h.flatten(1))  # (N, 10)


def theirs(config: TrainConfig, data) -> tuple[float, list[float], float, float]:
    """The same training in PyTorch: seconds in all, per epoch, test accuracy, loss before training."""
    x_train, y_train, x_test, y_test = data
    net = TorchNet(config)
    opt = torch.optim.SGD(net.parameters(), lr=config.learning_rate, momentum=config.momentum)
    n = len(y_train)

    def evaluate():
        with torch.inference_mode():
            train_scores, test_scores = net(x_train), net(x_test)
            loss = TF.cross_entropy(train_scores, y_train).item()
            train_accuracy = (train_scores.argmax(1) == y_train).float().mean().item()
            return loss, train_accuracy, (test_scores.argmax(1) == y_test).float().mean().item()

    t0 = time.perf_counter()
    marks = [t0]
    loss0, _, accuracy = evaluate()
    for epoch in range(1, config.epochs + 1):
        for batch in epoch_batches(config, n, epoch):
            b = torch.from_numpy(batch)
            opt.zero_grad()
            TF.cross_entropy(net(x_train[b]), y_train[b]).backward()
            opt.step()
        _, _, accuracy = evaluate()
        marks.append(time.perf_counter())
    return marks[-1] - t0, list(np.diff(marks)), accuracy, loss0


def torch_data():
    split = cnnviz.digits_split()

    def images(a):  # (N, 8, 8) 0..16 -> (N, 1, 8, 8) float32 0..1, as cnnviz scales them
        return torch.from_numpy((a[:, None] / 16).astype(np.float32))

    return (images(split.train_images), torch.from_numpy(split.train_labels.copy()),
            images(split.test_images), torch.from_numpy(split.test_labels.copy()))


def check_same_network(config: TrainConfig, data) -> None:
    """Both networks give the same scores and the same first gradients before any timing."""
    x_train, y_train = data[0][:config.batch_size], data[1][:config.batch_size]
    model = DigitsCNN(config, init_parameters(config))
    digits = cnnviz.digits_split().train_images[:config.batch_size]
    _, grads = model.loss_and_gradients(digits, cnnviz.digits_split().train_labels[:config.batch_size])
    net = TorchNet(config)
    scores = net(x_train)
    TF.cross_entropy(scores, y_train).backward()
    ours_scores = model.forward_layers(digits[0])["scores"]
    np.testing.assert_allclose(ours_scores, scores[0].detach().numpy(), rtol=1e-4, atol=1e-5)
    theirs_w1 = net.conv.weight.grad.numpy().transpose(2, 3, 1, 0)  # (F, C, kh, kw) -> (kh, kw, C, F)
    np.testing.assert_allclose(grads["w1"], theirs_w1, rtol=1e-3, atol=1e-5)


def blas_name() -> str:
    try:
        from bench_kernels import blas_info
    except (ImportError, SystemExit):
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{config.get('name')} {config.get('version')}"
    return blas_info()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=4, help="interleaved runs of each (default 4)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run (default: train_digits' own)")
    args = parser.parse_args()
    config = TrainConfig() if args.epochs is None else TrainConfig(epochs=args.epochs)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    print(load_average())
    print(f"NumPy {np.__version__}, BLAS: {blas_name()}")
    if torch is None:
        print("PyTorch is not installed: timing cnnviz alone (for the comparison: pip install torch==2.13.0).")
    else:
        torch.set_num_threads(1)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    print(f"Network: {config}")
    print(f"{len(cnnviz.digits_split().train_labels)} training digits, batches of {config.batch_size}, "
          f"{config.epochs} epochs.")

    ours(TrainConfig(epochs=1))  # warm up: imports, the digits file, first BLAS calls
    cases = {"cnnviz": lambda: ours(config)}
    if torch is not None:
        data = torch_data()
        check_same_network(config, data)
        theirs(TrainConfig(epochs=1), data)
        cases["torch"] = lambda: theirs(config, data)
    runs = interleave(cases, args.repeats)  # (seconds in all, seconds per epoch, test accuracy, loss before)
    total = {who: Timing(tuple(r[0] for r in rs)) for who, rs in runs.items()}
    epoch = {who: Timing(tuple(e for r in rs for e in r[1])) for who, rs in runs.items()}
    ref = "torch" in runs
    rows = [Row("torch training loop", total["torch"])] if ref else []
    rows.append(Row("cnnviz train_digits()", total["cnnviz"], "torch training loop" if ref else None))
    rows += [Row("torch one epoch", epoch["torch"])] if ref else []
    rows.append(Row("cnnviz one epoch", epoch["cnnviz"], "torch one epoch" if ref else None))
    print_timings("Training the digits network, one thread each", rows)
    _, _, accuracy, loss0 = runs["cnnviz"][0]
    if torch is not None:
        _, _, t_accuracy, t_loss0 = runs["torch"][0]
        print(f"\nSame start: loss before training {loss0:.6f} (cnnviz) and {t_loss0:.6f} (torch); "
              f"test accuracy after training {accuracy:.3f} and {t_accuracy:.3f}.")
    else:
        print(f"\nLoss before training {loss0:.6f}; test accuracy after training {accuracy:.3f}.")
    t, e = total["cnnviz"].median, epoch["cnnviz"].median
    print(f"\nTargets: train_digits() under {TARGET_TOTAL_S:g} s: {'met' if t < TARGET_TOTAL_S else 'MISSED'}; "
          f"one epoch under {TARGET_EPOCH_S:g} s: {'met' if e < TARGET_EPOCH_S else 'MISSED'}; "
          f"test accuracy at least {TARGET_ACCURACY:.0%}: {'met' if accuracy >= TARGET_ACCURACY else 'MISSED'}.")
    print(f"After: {load_average()}")


if __name__ == "__main__":
    main()
