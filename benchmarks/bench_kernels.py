"""Time cnnviz's conv2d and pool2d against PyTorch's CPU kernels on the same float32 data.

    python benchmarks/bench_kernels.py [--repeats N]

One thread each: NumPy's BLAS is limited to one thread before NumPy is imported, and
``torch.set_num_threads(1)``. Runs are interleaved (``benchmarks.timing.race``: PyTorch, cnnviz,
cnnviz, PyTorch, ...) so that load from other processes hits both alike; each sample loops a call
enough times to last about 10 ms. The table gives the median and best sample of each and their ratios
to PyTorch's.

What is counted
---------------
- Ours: the public call on channels-last data, ``conv2d(x, w)`` with ``x`` ``(H, W, C)`` and
  ``w`` ``(kh, kw, C, F)``, ``pool2d(x)`` with ``x`` ``(H, W, C)``. Everything our functions do
  is inside the timing: input checks (finite values), the layout change to channels-first,
  padding, im2col, the matrix product and the result, a C-contiguous ``(H_out, W_out, F)`` array
  (not a transposed view).
- PyTorch: ``F.conv2d`` / ``F.max_pool2d`` on tensors already in its native layout, NCHW input
  and ``(F, C, kh, kw)`` weights, made once before timing, under ``torch.inference_mode()``.
  No conversion is counted for it, and its contiguous NCHW result is used as it comes.
- The backward pass: ours is ``conv2d_backward(x, w, dout)``, returning ``dx`` ``(H, W, C)``,
  ``dw`` ``(kh, kw, C, F)`` and ``db`` ``(F,)``, all C-contiguous, checks included. PyTorch's is
  ``torch.ops.aten.convolution_backward`` with all three outputs asked for, the one kernel that
  ``torch.autograd.grad(out, (x, w, b), dout)`` runs for ``F.conv2d``: its forward pass and the
  autograd engine's bookkeeping around the kernel are not counted. Its inputs are NCHW tensors
  made before timing, ``dout`` included.
- Each case first checks that both give the same numbers (the backward reference also against
  ``torch.autograd.grad``).

PyTorch is only needed here, never by cnnviz itself.
"""
from __future__ import annotations

import os

# Before NumPy (or PyTorch, which loads NumPy) loads its BLAS: one thread, as PyTorch gets below.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import ctypes  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    sys.exit(
        "This benchmark compares against PyTorch, which is not installed.\n"
        "Install it for benchmarking only (cnnviz never needs it): pip install torch==2.13.0"
    )

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import cnnviz  # noqa: E402
from benchmarks.timing import Row, load_average, print_timings, race  # noqa: E402

# (label, (H, W, C), (kh, kw, F))
CONV_CASES = [
    ("conv 28x28x1, 6 5x5", (28, 28, 1), (5, 5, 6)),
    ("conv 32x32x3, 10 5x5x3", (32, 32, 3), (5, 5, 10)),
    ("conv 512x512x3, 8 3x3x3", (512, 512, 3), (3, 3, 8)),
    ("conv 1024x1024x3, 16 3x3x3", (1024, 1024, 3), (3, 3, 16)),
]
# The same convolutions' backward passes: dx, dw and db from x, w and the output's gradient.
BACKWARD_CASES = [("backward" + label[len("conv"):], shape, filt) for label, shape, filt in CONV_CASES]
# (label, (H, W, C)); 2x2 max pooling, stride 2
POOL_CASES = [
    ("max pool 2x2 of 28x28x6", (28, 28, 6)),
    ("max pool 2x2 of 512x512x3", (512, 512, 3)),
    ("max pool 2x2 of 1024x1024x16", (1024, 1024, 16)),
]


def blas_info() -> str:
    """Which BLAS NumPy uses, the CPU kernel it picked and its thread count."""
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                return (f"{lib.get('internal_api')} {lib.get('version')}, kernel {lib.get('architecture')}, "
                        f"{lib.get('num_threads')} thread(s)")
    except ImportError:
        pass
    # Without threadpoolctl: ask the OpenBLAS that this process has loaded.
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{config.get('name')} {config.get('version')}"
    except Exception:
        name = "unknown BLAS"
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "openblas" in path.lower() and ".so" in path:
                paths.add(path)
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            get_core = getattr(lib, f"{prefix}_get_corename{suffix}", None)
            get_threads = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if get_core is not None:
                get_core.restype = ctypes.c_char_p
                threads = get_threads() if get_threads is not None else "?"
                return f"{name}, kernel {get_core().decode()}, {threads} thread(s)"
    return name


def conv_pair(shape, filt, rng):
    H, W, C = shape
    kh, kw, F = filt
    x = rng.standard_normal((H, W, C), dtype=np.float32)  # (H, W, C)
    w = rng.standard_normal((kh, kw, C, F), dtype=np.float32)  # (kh, kw, C, F)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))  # (1, C, H, W)
    wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))  # (F, C, kh, kw)
    ours = lambda: cnnviz.conv2d(x, w)  # noqa: E731
    theirs = lambda: TF.conv2d(xt, wt)  # noqa: E731
    expected = theirs()[0].numpy().transpose(1, 2, 0)  # (H_out, W_out, F)
    np.testing.assert_allclose(ours(), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    return ours, theirs


def backward_pair(shape, filt, rng):
    H, W, C = shape
    kh, kw, F = filt
    x = rng.standard_normal((H, W, C), dtype=np.float32)  # (H, W, C)
    w = rng.standard_normal((kh, kw, C, F), dtype=np.float32)  # (kh, kw, C, F)
    dout = rng.standard_normal((H - kh + 1, W - kw + 1, F), dtype=np.float32)  # (H_out, W_out, F)
    with torch.inference_mode(False):  # tensors autograd can use, for the check below
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))  # (1, C, H, W)
        wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))  # (F, C, kh, kw)
        gt = torch.from_numpy(np.ascontiguousarray(dout.transpose(2, 0, 1)[None]))  # (1, F, H_out, W_out)
    ours = lambda: cnnviz.conv2d_backward(x, w, dout)  # noqa: E731
    theirs = lambda: torch.ops.aten.convolution_backward(  # noqa: E731
        gt, xt, wt, [F], [1, 1], [0, 0], [1, 1], False, [0, 0], 1, [True, True, True])
    dx, dw, db = theirs()  # (1, C, H, W), (F, C, kh, kw), (F,)
    expected = dx[0].numpy().transpose(1, 2, 0), dw.numpy().transpose(2, 3, 1, 0), db.numpy()
    for mine, ref in zip(ours(), expected):
        np.testing.assert_allclose(mine, ref, rtol=1e-3, atol=1e-4 * np.abs(ref).max())
    with torch.inference_mode(False):  # the reference is what autograd computes
        xa, wa, ba = (t.clone().requires_grad_() for t in (xt, wt, torch.zeros(F)))
        for kernel, grad in zip((dx, dw, db), torch.autograd.grad(TF.conv2d(xa, wa, ba), (xa, wa, ba), gt)):
            np.testing.assert_allclose(kernel.numpy(), grad.numpy(), rtol=1e-5, atol=1e-5 * grad.abs().max().item())
    return ours, theirs


def pool_pair(shape, rng):
    x = rng.standard_normal(shape, dtype=np.float32)  # (H, W, C)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))  # (1, C, H, W)
    ours = lambda: cnnviz.pool2d(x, 2)  # noqa: E731
    theirs = lambda: TF.max_pool2d(xt, 2)  # noqa: E731
    np.testing.assert_array_equal(ours(), theirs()[0].numpy().transpose(1, 2, 0))
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=41, help="interleaved samples per case (default 41)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"CPU: {platform.processor() or platform.machine()}, {load_average()}")
    print(f"NumPy {np.__version__}, BLAS: {blas_info()}")
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}")
    print("Times are per call, float32.")

    rows, ratio = [], {}
    with torch.inference_mode():
        pairs = [(label, *conv_pair(s, f, rng)) for label, s, f in CONV_CASES]
        pairs += [(label, *pool_pair(s, rng)) for label, s in POOL_CASES]
        pairs += [(label, *backward_pair(s, f, rng)) for label, s, f in BACKWARD_CASES]
        for label, ours, theirs in pairs:
            t = race({"PyTorch": theirs, "cnnviz": ours}, args.repeats)
            rows += [Row(f"PyTorch {label}", t["PyTorch"]), Row(f"cnnviz {label}", t["cnnviz"], f"PyTorch {label}")]
            ratio[label] = t["cnnviz"].median / t["PyTorch"].median
    print_timings("cnnviz against PyTorch's CPU kernels, one thread each", rows)

    # The targets, as ratios of medians: the forward convolution at most 0.7 of PyTorch's time, pooling and
    # the backward pass no slower than PyTorch.
    for prefix, limit, what in (("conv", 0.7, "convolution"), ("max pool", 1.0, "2x2 max pooling"),
                                ("backward", 1.0, "the convolution's backward pass")):
        met = all(r <= limit for k, r in ratio.items() if k.startswith(prefix))
        print(f"Target: {what} at most {limit} of PyTorch's time: {'met' if met else 'MISSED'}")
    print(f"After: {load_average()}")


if __name__ == "__main__":
    main()
