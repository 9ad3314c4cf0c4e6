"""What one rerun of a page costs the server and sends: AppTest timing and the bytes of its elements.

    python benchmarks/bench_page_reruns.py [--page learn] [--reruns 20] [--new-digit]

Runs ``app.py`` in AppTest, opens the page (the Learn page waits for its default training first), then
times ``--reruns`` reruns of the same view and prints their median against the home page's, measured
in the same run (AppTest's own cost cancels in the ratio). Bytes are the serialised protobuf of every
element the rerun draws (what the server writes to the WebSocket for it, before compression), by
element type. For Real images it also prints the size of each picture's cell texts, which the
browser receives only when the pointer first enters that picture.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
logging.getLogger("streamlit").setLevel(logging.ERROR)


def elements(node) -> list:
    """Every element (not block) under an AppTest tree node, in order."""
    from streamlit.testing.v1.element_tree import Block

    if not isinstance(node, Block):
        return [node]
    return [e for child in node.children.values() for e in elements(child)]


def sent_bytes(at) -> dict[str, int]:
    """Bytes of each element type the last run drew (serialised protobuf)."""
    out: dict[str, int] = {}
    for e in elements(at._tree):
        name = getattr(e, "type", type(e).__name__)
        out[name] = out.get(name, 0) + e.proto.ByteSize()
    return out


def open_page(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    if page != "home":
        at.switch_page(f"pages/{page}.py")
        at.run()
    if page == "learn":
        from cnnviz.ui import learn as ui_learn

        assert ui_learn.run_of(ui_learn.URL.default).wait(180), "the default training did not finish"
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun_ms(at, n: int, new_digit: bool = False) -> float:
    """Median ms of ``n`` reruns; with ``new_digit`` (Learn page) each one picks the next test digit first."""
    times = []
    for i in range(n):
        if new_digit:
            at.number_input(key="learn_digit").set_value((i + 1) % 355)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    assert not at.exception, [e.value for e in at.exception]
    return statistics.median(times) * 1e3


def pointer_packs(at) -> None:
    """Real images: the base64 size of each picture's cell texts, asked for as the browser does."""
    from cnnviz.ui.images import CELLS_KEY

    data = json.loads(at.get("bidi_component")[0].proto.json)
    n = 0
    for group in data["groups"]:
        sizes = []
        for token in group["tokens"]:
            n += 1
            at.session_state[CELLS_KEY] = {"want": {"token": token, "n": n}}
            at.run()
            sizes.append(len(json.loads(at.get("bidi_component")[0].proto.json)["pack"]["b64"]) / 1024)
        print(f"| {group['box']} | " + ", ".join(f"{s:.1f}" for s in sizes) + " KB |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="learn", help="a file name in pages/ without .py (default learn)")
    parser.add_argument("--reruns", type=int, default=20, help="reruns timed per page (default 20)")
    parser.add_argument("--new-digit", action="store_true",
                        help="Learn page: also time reruns that each pick a new test digit (what students do most)")
    a = parser.parse_args(argv)
    home = open_page("home")
    at = open_page(a.page)
    rerun_ms(at, 3)  # caches warm
    ours, ref = rerun_ms(at, a.reruns), rerun_ms(home, a.reruns)
    sizes = sent_bytes(at)
    print(f"## {a.page}: one rerun of the same view (AppTest, median of {a.reruns})\n")
    print(f"{ours:.1f} ms against the home page's {ref:.1f} ms (x{ours / ref:.1f}); "
          f"{sum(sizes.values()) / 1024:.1f} KB of elements, load average {os.getloadavg()[0]:.1f}\n")
    print("| element type | KB |\n|---|---|")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"| {name} | {size / 1024:.1f} |")
    if a.new_digit and a.page == "learn":
        fresh = rerun_ms(at, a.reruns, new_digit=True)
        print(f"\nA new test digit each rerun: {fresh:.1f} ms (x{fresh / ref:.1f} the home page's); in the browser "
              "only the digit's fragment reruns, AppTest reruns the whole page")
    if a.page == "images":
        print("\n| pictures (cell texts, sent on the pointer's first visit) | base64 |\n|---|---|")
        pointer_packs(at)


if __name__ == "__main__":
    main()
