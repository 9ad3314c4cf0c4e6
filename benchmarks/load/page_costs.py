"""What one first page and one click cost the server, one student at a time (loopback only, bounded).

    python -m benchmarks.load.page_costs --page learn --first 30 --clicks 300
    python -m benchmarks.load.page_costs --page learn --clicks 300 --hot 10

Starts one ``streamlit run app.py`` on a free loopback port, warms the page up (the Learn page trains its
default network), then opens ``--first`` new sessions one after the other and makes ``--clicks`` clicks
of ``--interaction`` in one session; prints the server's CPU (``/proc``, every thread) per first page and
per click, the bytes a run sends and the median time to the finished run. With nobody else on the server
these figures do not queue, so they move less with the machine's load than a class's latency does.
``--hot N`` types test digits 0..N-1 in turn (every view cached after the first round) instead of random
ones. One idle session stays open throughout: with none, Streamlit drops its compiled scripts.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics

from benchmarks.load.client import Student
from benchmarks.load.harness import cpu_seconds
from benchmarks.serve import streamlit_server

MAX_RUNS = 2000  # first pages plus clicks, whatever is asked


async def measure(a, url: str, pid: int) -> None:
    idle = Student(url, a.page, timeout=120)
    await idle.open()
    for _ in range(3):
        await idle.interact(a.interaction)
    await asyncio.sleep(a.settle)
    await idle._rerun(page_name=a.page)  # the page as it is once warm (a finished training)
    cpu0, sent, wall = cpu_seconds([pid]), [], []
    for _ in range(a.first):
        s = Student(url, a.page, timeout=60)
        r = await s.open()
        sent.append(r.bytes)
        wall.append(r.seconds)
        await s.close()
    await asyncio.sleep(0.5)
    cpu1 = cpu_seconds([pid])
    if a.first:
        print(f"first page: {1000 * (cpu1 - cpu0) / a.first:.1f} ms CPU, {statistics.mean(sent) / 1024:.0f} KB, "
              f"median {1000 * statistics.median(wall):.0f} ms to the finished run ({a.first} sessions)")
    s = Student(url, a.page, timeout=60)
    await s.open()
    await asyncio.sleep(0.5)
    cpu2, sent, wall = cpu_seconds([pid]), [], []
    kind, _, label = a.interaction.partition(":")
    for i in range(a.clicks):
        r = await (s.set_number(label, i % a.hot) if a.hot and kind == "number_input" else s.interact(a.interaction))
        sent.append(r.bytes)
        wall.append(r.seconds)
    cpu3 = cpu_seconds([pid])
    await s.close()
    await idle.close()
    if a.clicks:
        print(f"click ({a.interaction}{f', {a.hot} values in turn' if a.hot else ''}): "
              f"{1000 * (cpu3 - cpu2) / a.clicks:.1f} ms CPU, {statistics.mean(sent) / 1024:.0f} KB, "
              f"median {1000 * statistics.median(wall):.1f} ms to the finished run ({a.clicks} clicks)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--page", default="learn")
    p.add_argument("--interaction", default="number_input:^Test digit")
    p.add_argument("--first", type=int, default=30, help="new sessions, one after the other")
    p.add_argument("--clicks", type=int, default=300, help="clicks in one session")
    p.add_argument("--hot", type=int, default=0, help="number inputs only: type 0..HOT-1 in turn")
    p.add_argument("--settle", type=float, default=6.0, help="seconds for the page to warm up (a training)")
    a = p.parse_args()
    a.first, a.clicks = max(0, min(a.first, MAX_RUNS)), max(0, min(a.clicks, MAX_RUNS - a.first))
    with streamlit_server() as server:
        asyncio.run(measure(a, server.url, server.pid))

if __name__ == "__main__":
    main()
