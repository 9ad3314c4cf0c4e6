"""What the Shapes and Architectures pages cost, against references measured in the same run.

    python benchmarks/bench_shapes.py [--repeats N]

1. Building a network's table with ``cnnviz.lecture.layers`` against PyTorch building the same network on
   the ``meta`` device and running it (shapes only, nothing allocated), when PyTorch is installed.
2. One rerun of each page (``streamlit.testing.v1.AppTest``: the real script runner, in process;
   it reruns the whole page, which draws only the open tab, where a browser reruns only that tab's
   fragment) against a trivial page (a title and one line). Runs of every case are interleaved.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.timing import Row, print_timings, race  # noqa: E402
from cnnviz.lecture import layers as L  # noqa: E402
from cnnviz.lecture.architectures import ARCHITECTURES  # noqa: E402


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


def page_rerun(path: Path, query: dict, act):
    """One rerun of a page after ``act`` changes something in it (its caches warm)."""
    at = AppTest.from_file(str(path), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.run()  # warm caches

    def once():
        act(at)
        at.run()
        assert not at.exception
    return once


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30, help="interleaved runs of each (default 30)")
    repeats = ap.parse_args().repeats
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed: cnnviz's times are printed alone.")
    rows = []
    for key in ("lenet5", "alexnet", "vgg16", "googlenet", "resnet50", "resnet152"):
        arch = ARCHITECTURES[key]
        cases = {"cnnviz": lambda arch=arch: L.build_network(arch.input_shape, arch.layers)}
        if have_torch and arch.builder_spec:
            cases["torch"] = lambda arch=arch: torch_meta(arch)
        if key == "resnet152":
            cases["records"] = lambda: L.table_records(ARCHITECTURES["resnet152"].network, True)
        t = race(cases, repeats)
        ref = f"{arch.name}: PyTorch on the meta device" if "torch" in t else None
        rows += [Row(ref, t["torch"])] if ref else []
        rows.append(Row(f"{arch.name}: cnnviz.lecture.layers", t["cnnviz"], ref))
        if "records" in t:  # the page caches them
            rows.append(Row(f"{arch.name}: its table records, blocks opened", t["records"],
                            f"{arch.name}: cnnviz.lecture.layers"))
    print_timings("Building a network's table", rows)

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

    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "trivial.py"
        trivial.write_text("import streamlit as st\nst.title('Trivial')\nst.write('one line')\n")
        ref = "trivial page"
        t = race({ref: page_rerun(trivial, {}, lambda at: None),
                  "Shapes: change the number of filters": page_rerun(pages / "shapes.py", {}, filters),
                  "Shapes: edit a builder cell": page_rerun(pages / "shapes.py", {"tab": "builder"}, edit_cell),
                  "Architectures: switch preset, blocks open": page_rerun(pages / "architectures.py", {"open": "true"},
                                                                          arch)}, repeats, target_s=0)
    print_timings("One rerun of a page (AppTest)", [Row(name, timing, None if name == ref else ref)
                                                   for name, timing in t.items()])


if __name__ == "__main__":
    main()
