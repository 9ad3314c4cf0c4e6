"""What one rerun of the quiz page costs, against a trivial page measured in the same run.

    python benchmarks/bench_quiz.py [--repeats N]

Reruns go through ``streamlit.testing.v1.AppTest`` (the real script runner, in process, no browser);
the trivial page is a title and one line. Also times building a quiz (``make_quiz``), which the page
caches per (seed, n). Runs of every case are interleaved.
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
from cnnviz import make_quiz  # noqa: E402


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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=40, help="interleaved runs of each (default 40)")
    repeats = ap.parse_args().repeats
    seeds = iter(range(10**9))
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp, "trivial.py")
        trivial.write_text("import streamlit as st\nst.title('Trivial')\nst.write('One line.')\n")
        ref = "trivial page"
        cases = {ref: page_rerun(trivial, {})}
        quiz_page = ROOT / "pages" / "quiz.py"
        cases["quiz page, 5 questions"] = page_rerun(quiz_page, {"seed": "1234", "n": "5"})
        cases["quiz page, 10 questions"] = page_rerun(quiz_page, {"seed": "1234", "n": "10"})

        def answer_all(at):
            for i in range(10):
                key = f"quiz-answer-1234-{i}"
                if any(w.key == key for w in at.text_input):
                    at.text_input(key).input("7")
                    at.button(f"quiz-check-1234-{i}").click().run()

        cases["quiz page, 10 answered (solutions shown)"] = page_rerun(quiz_page, {"seed": "1234", "n": "10"},
                                                                       answer_all)
        cases["make_quiz(1234, 10)"] = lambda: make_quiz(1234, 10)
        cases["make_quiz(seed, 10), a new seed each time"] = lambda: make_quiz(next(seeds), 10)
        t = race(cases, repeats)
    print_timings("Quiz page reruns through AppTest, and building a quiz", [
        Row(name, timing, None if name == ref else ref) for name, timing in t.items()])


if __name__ == "__main__":
    main()
