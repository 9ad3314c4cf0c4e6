"""Pooling page: server time per rerun against the home page, what a cache miss costs, bytes sent.

Run from the project root: ``python benchmarks/bench_pooling_page.py [--n N]`` (no browser needed).

(a) Rerun of the page in AppTest, cache warm (the same view again: a student pressing a widget that
    changes nothing heavy) and cold (a new map every rerun: a cell edit), against a rerun of the home page
    interleaved with it, so AppTest's own overhead cancels in the ratio.
(b) Building what a new map needs (player HTML, max-beside-average HTML) and the stack's HTML.
(c) Bytes of the player's HTML: the 4x4 example, a 12x12 and a 28x28 map.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.timing import Row, print_table, print_timings, race  # noqa: E402
from cnnviz.kernel.pool import pool2d  # noqa: E402
from cnnviz.views.player import player_html  # noqa: E402
from cnnviz.views.pool import max_avg_html, pool_player_spec, stack_html  # noqa: E402

EXAMPLE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    if path:
        at.switch_page(path).run()
    return at


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="interleaved runs of each (default 30)")
    n = ap.parse_args().n
    home = page("")
    warm = page("pages/pooling.py")
    cold = page("pages/pooling.py")
    counter = iter(range(10**6))

    def edit():  # a new value typed into a cell of the player: a map never seen, so the player is rebuilt
        i = next(counter)
        cold.session_state["pool_player"] = {"edit": {"grid": "in", "row": 0, "col": 1, "text": str(100 + i),
                                                      "seq": f"bench-{i}"}}
        cold.run()

    stack = page("pages/pooling.py")
    stack.radio(key="pool_src").set_value("stack").run()
    t = race({"home": home.run, "warm": warm.run, "cold": edit, "stack": stack.run}, n, target_s=0)
    print_timings("(a) One rerun in AppTest", [
        Row("home page", t["home"]), Row("pooling, same view (warm)", t["warm"], "home page"),
        Row("pooling, cell edit (cold)", t["cold"], "home page"),
        Row("pooling, 12x12x6 stack (warm)", t["stack"], "home page")])

    rng = np.random.default_rng(0)
    s12, s28 = rng.integers(0, 20, (12, 12, 6)), rng.integers(0, 20, (28, 28, 6))
    t = race({"player": lambda: player_html(pool_player_spec(EXAMPLE)), "fig": lambda: max_avg_html(EXAMPLE),
              "stack12": lambda: stack_html(np.zeros((14, 14)), s12, pool2d(s12), list("abcdef")),
              "stack28": lambda: stack_html(np.zeros((30, 30)), s28, pool2d(s28), list("abcdef"))}, n)
    ref = "player HTML, 4x4"
    print_timings("(b) Building what a new map needs", [
        Row(ref, t["player"]), Row("max beside average HTML, 4x4", t["fig"], ref),
        Row("stack HTML, 12x12x6", t["stack12"], ref), Row("stack HTML, 28x28x6", t["stack28"], ref)])

    print_table("(c) Player HTML", ["map", "bytes"], [
        [name, f"{len(player_html(pool_player_spec(x)).encode()):,d}"]
        for name, x in [("4x4 example", EXAMPLE), ("12x12", s12[:, :, 0]), ("28x28", s28[:, :, 0])]])


if __name__ == "__main__":
    main()
