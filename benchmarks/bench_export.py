"""What the multi-channel player and the slide downloads cost: payload bytes, build and GIF times.

    python benchmarks/bench_export.py [--n N]

For each case: the player spec's build time and its size as the page sends it (JSON of the grids,
the steps, their explanations and the bank), the GIF's time and bytes, one PNG's. The reference in
the same run is building the Convolution page's lecture spec (5x5, 3x3 filter), so the ratios say
how many of those each costs. ``--n`` interleaved runs of each (``benchmarks.timing.race``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.timing import Row, print_table, print_timings, race  # noqa: E402
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT  # noqa: E402
from cnnviz.views.channels import bank_player_spec  # noqa: E402
from cnnviz.views.conv import conv_player_spec  # noqa: E402
from cnnviz.views.export import MAX_GIF_STEPS, player_gif, player_png  # noqa: E402


def payload_bytes(spec) -> int:
    data = {"input": np.asarray(spec.input).tolist(), "output": np.asarray(spec.output).tolist(),
            "filter": None if spec.filter is None else np.asarray(spec.filter).tolist(),
            "steps": [[list(s.rows), list(s.cols), *s.out, s.value] for s in spec.steps],
            "explain": [s.explain for s in spec.steps], "bank": [np.asarray(m).tolist() for m in spec.bank]}
    return len(json.dumps(data, separators=(",", ":")).encode())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5, help="interleaved runs of each (default 5)")
    n = ap.parse_args().n
    rng = np.random.default_rng(0)
    cases = {
        "lecture 5x5, 3x3 (9 steps)": lambda: conv_player_spec(LECTURE_INPUT, LECTURE_FILTER),
        "RGB 5x5x3, two 3x3x3 (9 steps)": lambda: bank_player_spec(
            rng.integers(0, 4, (5, 5, 3)), rng.integers(-1, 2, (2, 3, 3, 3)), [1, -2], 0),
        "16x16, 3x3 (196 steps)": lambda: conv_player_spec(rng.integers(0, 6, (16, 16)), LECTURE_FILTER),
        "lecture 32x32x3, six 5x5x3 (784 steps)": lambda: bank_player_spec(
            rng.integers(0, 6, (32, 32, 3)), rng.integers(-2, 3, (6, 5, 5, 3)), [1, -1, 2, 0, -2, 3], 0),
    }
    specs = {name: make() for name, make in cases.items()}
    timed, last = {}, {}  # last: the latest picture of each case, for its size

    def keeping(key, make_picture):
        return lambda: last.__setitem__(key, make_picture())

    for name, make in cases.items():
        spec, steps = specs[name], len(specs[name].steps)
        timed[f"{name}: spec"] = make
        if steps <= MAX_GIF_STEPS:
            timed[f"{name}: GIF"] = keeping(f"{name}: GIF", lambda spec=spec: player_gif(spec))
        timed[f"{name}: PNG"] = keeping(f"{name}: PNG", lambda spec=spec, half=steps // 2: player_png(spec, half))
    t = race(timed, n)
    sizes = []
    for name, spec in specs.items():
        steps, gif = len(spec.steps), last.get(f"{name}: GIF")
        gif_text = (f"{len(gif) / 1e6:.2f} MB, {steps + 2} frames" if gif is not None
                    else f"refused ({steps} steps > {MAX_GIF_STEPS})")
        sizes.append([name, f"{payload_bytes(spec) / 1000:.0f} KB", gif_text,
                      f"{len(last[f'{name}: PNG']) / 1000:.0f} KB"])
    ref = "lecture 5x5, 3x3 (9 steps): spec"
    print_timings("Building the player's spec, its GIF and one PNG, against the lecture's spec",
                  [Row(name, t[name], None if name == ref else ref) for name in timed])
    print_table("What they weigh", ["case", "payload", "GIF", "PNG"], sizes)


if __name__ == "__main__":
    main()
