"""What the Shapes and Architectures pages cost, against references measured in the same run.

    python benchmarks/bench_shapes.py

1. Building a network's table with ``cnnviz.lecture.layers`` against PyTorch building the same network on
   the ``meta`` device and running it (shapes only, nothing allocated), when PyTorch is installed.
2. One rerun of each page (``streamlit.testing.v1.AppTest``: the real script runner, in process;
   it reruns the whole page, which draws only the open tab, where a browser reruns only that tab's
   fragment) against a trivial page (a title and one line), the field notes' reference.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from cnnviz.lecture import layers as L  # noqa: E402
from cnnviz.lecture.architectures import ARCHITECTURES  # noqa: E402

REPEATS = 30


def median_ms(fn, repeats=REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def torch_meta(arch):
    """The same sequential network in PyTorch on the meta device, run once for its output shape."""
    import torch
    from torch import nn

    h, w, c = arch.input_shape
    x = torch.zeros(1, c, h, w, device="meta")
    for layer in arch.layers:
        if isinstance(layer, L.Conv2D):
            m = nn.Conv2d(x.shape[1], layer.filters, layer.size, layer.stride, layer.padding, bias=layer.bias,
                          device="meta")
        elif isinstance(layer, L.Pool2D):
            m = (nn.MaxPool2d if layer.mode == "max" else nn.AvgPool2d)(layer.size, layer.stride, layer.padding)
        elif isinstance(layer, L.AdaptiveAvgPool):
            m = nn.AdaptiveAvgPool2d(layer.output_size)
        elif isinstance(layer, L.Flatten):
            m = nn.Flatten()
        elif isinstance(layer, L.Dense):
            m = nn.Linear(x.shape[1], layer.units, device="meta")
        else:
            m = nn.Identity()
        x = m(x)
    return x.shape


def page_rerun_ms(path: Path, query: dict, act) -> float:
    at = AppTest.from_file(str(path), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.run()  # warm caches

    def once():
        act(at)
        at.run()
        assert not at.exception

    return median_ms(once, 15)


def main() -> None:
    print("Building a network's table (median of", REPEATS, "runs)")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    for key in ("lenet5", "alexnet", "vgg16", "googlenet", "resnet50", "resnet152"):
        arch = ARCHITECTURES[key]
        ours = median_ms(lambda arch=arch: L.build_network(arch.input_shape, arch.layers))
        line = f"  {arch.name:<11} cnnviz.lecture.layers {ours:7.2f} ms"
        if have_torch and arch.builder_spec:
            ref = median_ms(lambda arch=arch: torch_meta(arch))
            line += f"   PyTorch meta device {ref:7.2f} ms   ratio {ours / ref:5.2f}"
        print(line)
    records = median_ms(lambda: L.table_records(ARCHITECTURES["resnet152"].network, True))
    print(f"  ResNet-152 table records, blocks opened: {records:.2f} ms (the page caches them)")

    print("\nOne rerun of a page (AppTest, median of 15)")
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "trivial.py"
        trivial.write_text("import streamlit as st\nst.title('Trivial')\nst.write('one line')\n")
        ref = page_rerun_ms(trivial, {}, lambda at: None)
    pages = ROOT / "pages"
    flip = {"n": 0}

    def filters(at):
        flip["n"] += 1
        at.number_input(key="sc_f").set_value(6 + flip["n"] % 3)

    def edit_cell(at):
        flip["n"] += 1
        at.session_state["sb_editor_0"] = {"edited_rows": {0: {"filters / units": 6 + flip["n"] % 3}},
                                  "added_rows": [], "deleted_rows": []}

    def arch(at):
        flip["n"] += 1
        at.selectbox(key="sa_arch").set_value(["resnet152", "googlenet", "vgg16"][flip["n"] % 3])

    cases = [
        ("Shapes: change the number of filters", pages / "shapes.py", {}, filters),
        ("Shapes: edit a builder cell", pages / "shapes.py", {"tab": "builder"}, edit_cell),
        ("Architectures: switch preset, blocks open", pages / "architectures.py", {"open": "true"}, arch),
    ]
    print(f"  trivial page                                   {ref:6.1f} ms")
    for name, path, query, act in cases:
        ms = page_rerun_ms(path, query, act)
        print(f"  {name:<46} {ms:6.1f} ms   ratio {ms / ref:5.1f}")


if __name__ == "__main__":
    main()
