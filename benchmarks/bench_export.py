"""What the multi-channel player and the slide downloads cost: payload bytes, build and GIF times.

    python benchmarks/bench_export.py [--n N]

For each case: the player spec's build time and its size as the page sends it (JSON of the grids,
the steps, their explanations and the bank), the GIF's time and bytes, one PNG's. The reference in
the same run is building the Convolution page's lecture spec (5x5, 3x3 filter), so the ratios say
how many of those each costs. Medians of ``--n`` runs.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT  # noqa: E402
from cnnviz.views.channels import bank_player_spec  # noqa: E402
from cnnviz.views.conv import conv_player_spec  # noqa: E402
from cnnviz.views.export import MAX_GIF_STEPS, player_gif, player_png  # noqa: E402


def timed(fn, n: int) -> tuple[float, object]:
    """Median seconds of ``n`` calls, and the last result."""
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def payload_bytes(spec) -> int:
    data = {"input": np.asarray(spec.input).tolist(), "output": np.asarray(spec.output).tolist(),
            "filter": None if spec.filter is None else np.asarray(spec.filter).tolist(),
            "steps": [[list(s.rows), list(s.cols), *s.out, s.value] for s in spec.steps],
            "explain": [s.explain for s in spec.steps], "bank": [np.asarray(m).tolist() for m in spec.bank]}
    return len(json.dumps(data, separators=(",", ":")).encode())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5, help="runs per figure (median)")
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
    ref, _ = timed(cases["lecture 5x5, 3x3 (9 steps)"], max(n, 5))
    print(f"reference: the lecture's spec, {ref * 1000:.1f} ms\n")
    print("| case | spec build | payload | GIF | PNG |")
    print("|---|---|---|---|---|")
    for name, make in cases.items():
        build, spec = timed(make, n)
        size = payload_bytes(spec)
        steps = len(spec.steps)
        if steps <= MAX_GIF_STEPS:
            t_gif, gif = timed(lambda spec=spec: player_gif(spec), n)
            gif_text = f"{t_gif * 1000:.0f} ms (x{t_gif / ref:.0f}), {len(gif) / 1e6:.2f} MB, {steps + 2} frames"
        else:
            gif_text = f"refused ({steps} steps > {MAX_GIF_STEPS})"
        t_png, png = timed(lambda spec=spec, half=steps // 2: player_png(spec, half), n)
        print(f"| {name} | {build * 1000:.0f} ms (x{build / ref:.1f}) | {size / 1000:.0f} KB | {gif_text} | "
              f"{t_png * 1000:.0f} ms, {len(png) / 1000:.0f} KB |")


if __name__ == "__main__":
    main()
