"""What one rerun of the quiz page costs, against a trivial page measured in the same run.

    python benchmarks/bench_quiz.py

Reruns go through ``streamlit.testing.v1.AppTest`` (the real script runner, in process, no browser);
the trivial page is a title and one line, the same reference as the field notes. Also times building
a quiz (``make_quiz``) against the cached lookup the page uses.
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

from cnnviz import make_quiz  # noqa: E402

REPEATS = 40


def best_and_median(fn, repeats=REPEATS) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times)


def page_rerun(path: Path, query: dict[str, str], act=None):
    at = AppTest.from_file(str(path), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()  # first run: imports and cold caches, not what a click costs
    assert not at.exception, at.exception
    if act:
        act(at)

    def rerun():
        at.run()
        assert not at.exception

    return rerun


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp, "trivial.py")
        trivial.write_text("import streamlit as st\nst.title('Trivial')\nst.write('One line.')\n")
        rows = [("trivial page (reference)", page_rerun(trivial, {}))]
        quiz_page = ROOT / "pages" / "quiz.py"
        rows.append(("quiz page, 5 questions", page_rerun(quiz_page, {"seed": "1234", "n": "5"})))
        rows.append(("quiz page, 10 questions", page_rerun(quiz_page, {"seed": "1234", "n": "10"})))

        def answer_all(at):
            for i in range(10):
                key = f"quiz-answer-1234-{i}"
                if any(w.key == key for w in at.text_input):
                    at.text_input(key).input("7")
                    at.button(f"quiz-check-1234-{i}").click().run()

        rows.append(("quiz page, 10 answered (solutions shown)",
                     page_rerun(quiz_page, {"seed": "1234", "n": "10"}, answer_all)))
        results = [(name, *best_and_median(fn)) for name, fn in rows]
    ref = results[0][2]
    print(f"Page rerun through AppTest, {REPEATS} reruns each (ms):")
    print("| page | best | median | median / trivial |")
    print("|---|---|---|---|")
    for name, best, med in results:
        print(f"| {name} | {best:.1f} | {med:.1f} | {med / ref:.1f}x |")

    build = best_and_median(lambda: make_quiz(1234, 10), 20)
    seeds = iter(range(10_000))
    build_new = best_and_median(lambda: make_quiz(next(seeds), 10), 20)
    print(f"\nmake_quiz(seed, 10): best {build[0]:.2f} ms, median {build[1]:.2f} ms "
          f"(new seeds: median {build_new[1]:.2f} ms) = {build[1] / ref:.2f}x a trivial rerun; "
          "the page caches it per (seed, n).")


if __name__ == "__main__":
    main()
