"""Pooling page: server time per rerun against the home page, what a cache miss costs, bytes sent.

Run from the project root: ``python benchmarks/bench_pooling_page.py`` (no browser needed).

(a) Rerun of the page in AppTest, cache warm (the same view again: a student pressing a widget that
    changes nothing heavy) and cold (a new map every rerun: a cell edit), against a rerun of the home page
    measured in the same run, so AppTest's own overhead cancels in the ratio.
(b) Building what a new map needs (player HTML, max-beside-average HTML) and the stack figure.
(c) Bytes of the player's HTML: the 4x4 example, a 12x12 and a 28x28 map.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from cnnviz.kernel.pool import pool2d  # noqa: E402
from cnnviz.views.player import player_html  # noqa: E402
from cnnviz.views.pool import max_avg_html, pool_player_spec, stack_figure  # noqa: E402

EXAMPLE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])


def median_ms(fn, n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    if path:
        at.switch_page(path).run()
    return at


def main() -> None:
    n = 30
    home = page("")
    t_home = median_ms(home.run, n)

    warm = page("pages/pooling.py")
    t_warm = median_ms(warm.run, n)

    cold = page("pages/pooling.py")
    counter = iter(range(10**6))

    def edit():  # a new value in a cell: a map never seen, so the player and the figure are rebuilt
        key = f"pool_input__cells{cold.session_state['pool_input__v']}"
        cold.session_state[key] = {"edited_rows": {0: {"1": str(100 + next(counter))}}, "added_rows": [],
                                   "deleted_rows": []}
        cold.run()

    t_cold = median_ms(edit, n)
    stack = page("pages/pooling.py")
    stack.radio(key="pool_src").set_value("stack").run()
    t_stack = median_ms(stack.run, n)

    print("(a) rerun in AppTest, median of", n)
    print(f"    home page                      {t_home:7.1f} ms   1.00x")
    for name, t in [("pooling, same view (warm)", t_warm), ("pooling, cell edit (cold)", t_cold),
                    ("pooling, 12x12x6 stack (warm)", t_stack)]:
        print(f"    {name:<30} {t:7.1f} ms  {t / t_home:5.2f}x")

    rng = np.random.default_rng(0)
    s12, s28 = rng.integers(0, 20, (12, 12, 6)), rng.integers(0, 20, (28, 28, 6))
    t_player = median_ms(lambda: player_html(pool_player_spec(EXAMPLE)), n)
    t_fig = median_ms(lambda: max_avg_html(EXAMPLE), n)
    t_stack12 = median_ms(lambda: stack_figure(s12, pool2d(s12), list("abcdef")), n)
    t_stack28 = median_ms(lambda: stack_figure(s28, pool2d(s28), list("abcdef")), n)
    print("(b) building, median of", n, "(relative to the player of the 4x4 example)")
    for name, t in [("player HTML, 4x4", t_player), ("max beside average HTML, 4x4", t_fig),
                    ("stack figure, 12x12x6", t_stack12), ("stack figure, 28x28x6", t_stack28)]:
        print(f"    {name:<30} {t:7.2f} ms  {t / t_player:6.1f}x")

    print("(c) player HTML bytes")
    for name, x in [("4x4 example", EXAMPLE), ("12x12", s12[:, :, 0]), ("28x28", s28[:, :, 0])]:
        print(f"    {name:<12} {len(player_html(pool_player_spec(x)).encode()):8,d} B")


if __name__ == "__main__":
    main()
