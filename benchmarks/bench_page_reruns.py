"""What one rerun of a page costs the server and sends: AppTest timing and the bytes of its elements.

    python benchmarks/bench_page_reruns.py [--page learn] [--reruns 20] [--new-digit]

Runs ``app.py`` in AppTest, opens the page (the Learn page waits for its default training first), then
times ``--reruns`` reruns of the same view interleaved with reruns of the home page, and prints their
ratio (AppTest's own cost cancels in it). Bytes are the serialised protobuf of every
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
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
logging.getLogger("streamlit").setLevel(logging.ERROR)

from benchmarks.timing import Row, load_average, print_table, print_timings, race  # noqa: E402


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


def new_digit_rerun(at):
    """A rerun of the Learn page that picks the next test digit first."""
    digits = iter(range(1, 10**9))

    def rerun():
        at.number_input(key="learn_digit").set_value(next(digits) % 355)
        at.run()
    return rerun


def pointer_packs(at) -> list[list[str]]:
    """Real images: the base64 size of each picture's cell texts, asked for as the browser does."""
    from cnnviz.ui.images import CELLS_KEY

    data = json.loads(at.get("bidi_component")[0].proto.json)
    n, rows = 0, []
    for group in data["groups"]:
        sizes = []
        for token in group["tokens"]:
            n += 1
            at.session_state[CELLS_KEY] = {"want": {"token": token, "n": n}}
            at.run()
            sizes.append(len(json.loads(at.get("bidi_component")[0].proto.json)["pack"]["b64"]) / 1024)
        rows.append([group["box"], ", ".join(f"{s:.1f}" for s in sizes) + " KB"])
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="learn", help="a file name in pages/ without .py (default learn)")
    parser.add_argument("--reruns", type=int, default=20, help="reruns timed per page (default 20)")
    parser.add_argument("--new-digit", action="store_true",
                        help="Learn page: also time reruns that each pick a new test digit (what students do most)")
    a = parser.parse_args(argv)
    home = open_page("home")
    at = open_page(a.page)
    for _ in range(3):  # caches warm
        at.run()
    cases = {"home": home.run, a.page: at.run}
    if a.new_digit and a.page == "learn":
        cases["new digit"] = new_digit_rerun(at)
    t = race(cases, a.reruns, target_s=0)
    assert not at.exception, [e.value for e in at.exception]
    rows = [Row("home page", t["home"]), Row(f"{a.page}, the same view", t[a.page], "home page")]
    if "new digit" in t:  # in the browser only the digit's fragment reruns, AppTest reruns the whole page
        rows.append(Row(f"{a.page}, a new test digit each rerun (the whole page)", t["new digit"], "home page"))
    print_timings(f"{a.page}: one rerun (AppTest); {load_average()}", rows)
    at.run()
    sizes = sent_bytes(at)
    print_table(f"What the rerun draws: {sum(sizes.values()) / 1024:.1f} KB of elements", ["element type", "KB"],
                [[name, f"{size / 1024:.1f}"] for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]])
    if a.page == "images":
        print_table("Cell texts of each picture, sent on the pointer's first visit", ["pictures", "base64"],
                    pointer_packs(at))


if __name__ == "__main__":
    main()
