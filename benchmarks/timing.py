"""Timing for the benchmarks: interleaved runs, their median and best, and one table of ratios against a
reference measured in the same run.

    times = race({"PyTorch": theirs, "cnnviz": ours}, repeats=21)
    print_timings("Convolution, one thread", [Row("PyTorch", times["PyTorch"]),
                                              Row("cnnviz", times["cnnviz"], against="PyTorch")])

Runs are interleaved, in an order that turns round every round (a b c, c b a, ...), so that load from
other processes hits every case alike; the ratio of two medians then holds better than either time.
"""
from __future__ import annotations

import dataclasses
import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Timing:
    """Seconds per call of one case, one sample per round."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        """The sample that load from other processes disturbed least."""
        return min(self.samples)


def interleave(cases: Mapping[str, Callable[[], T]], repeats: int) -> dict[str, list[T]]:
    """Call every case once a round for ``repeats`` rounds, the order turning round each round; each case's
    results in order."""
    results: dict[str, list[T]] = {name: [] for name in cases}
    order = list(cases)
    for r in range(repeats):
        for name in order if r % 2 == 0 else order[::-1]:
            results[name].append(cases[name]())
    return results


def calls_per_sample(fn: Callable[[], object], target_s: float) -> int:
    """How many calls of ``fn`` make a sample last about ``target_s`` seconds (one call warms it up)."""
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    if once >= target_s:
        return 1
    t0 = time.perf_counter()
    fn()
    return max(1, int(target_s / max(time.perf_counter() - t0, 1e-7)))


def race(cases: Mapping[str, Callable[[], object]], repeats: int, target_s: float = 0.01) -> dict[str, Timing]:
    """Seconds per call of each case: ``repeats`` interleaved samples, each looping the case long enough to last
    about ``target_s`` (a slow case: one call a sample)."""
    numbers = {name: calls_per_sample(fn, target_s) for name, fn in cases.items()}

    def sampler(name: str) -> Callable[[], float]:
        fn, n = cases[name], numbers[name]

        def sample() -> float:
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            return (time.perf_counter() - t0) / n
        return sample

    samples = interleave({name: sampler(name) for name in cases}, repeats)
    return {name: Timing(tuple(s)) for name, s in samples.items()}


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of a timing table: ``against`` names the row it is compared with (measured in the same run)."""

    label: str
    timing: Timing
    against: str | None = None


def duration(seconds: float) -> str:
    """A time with three significant digits or so: ``0.042 ms``, ``12.3 ms``, ``250 ms``, ``4.93 s``."""
    if seconds >= 1:
        return f"{seconds:.3g} s" if seconds < 100 else f"{seconds:.0f} s"
    ms = seconds * 1e3
    return f"{ms:.3f} ms" if ms < 1 else f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def _ratio(r: float) -> str:
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table under a ``##`` title."""
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |", flush=True)


def print_timings(title: str, rows: Sequence[Row]) -> None:
    """The table of every benchmark: runs, median, best, and the ratios of medians and of best samples to the
    row named in ``against`` (a row with none is a reference)."""
    by_label = {row.label: row.timing for row in rows}
    references = {row.against for row in rows}
    cells = []
    for row in rows:
        if row.against is None:
            ratio, against = "reference" if row.label in references else "", ""
        else:
            ref = by_label[row.against]  # a reference must be a row of the same table
            ratio = f"{_ratio(row.timing.median / ref.median)} (best {_ratio(row.timing.best / ref.best)})"
            against = row.against
        cells.append([row.label, len(row.timing.samples), duration(row.timing.median), duration(row.timing.best),
                      ratio, against])
    print_table(title, ["case", "runs", "median", "best", "ratio", "against"], cells)


def load_average() -> str:
    """The machine's load: ``load average 0.52 0.61 0.70 on 2 cores``."""
    return f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores"
