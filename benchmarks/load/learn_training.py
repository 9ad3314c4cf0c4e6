"""100 students on "A CNN that learns" while trainings run in the same process (loopback only, bounded).

    python -m benchmarks.load.learn_training --students 100 --duration 30

Starts one ``streamlit run app.py`` (the project's .streamlit/config.toml) on a free loopback port,
runs the harness's steady scenario on the learn page (each student picks test digits, the
``number_input:^Test digit`` interaction), and meanwhile keeps a training going: every
``--every`` seconds one more student presses Train on 16 filters x 30 epochs with a new seed.
Prints the harness's report line, how many trainings were started and the CPU their worker processes
used (the server's finished children: not part of the report's CPU per run); stops the server.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import time

from benchmarks.load import harness
from benchmarks.load.client import Student
from benchmarks.serve import streamlit_server

MAX_TRAININGS = 20  # bounded, whatever the duration


def children_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the server's finished child processes (the training workers)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime (fields 16, 17)


async def keep_training(url: str, every: float, until: float, started: list[int]) -> None:
    """Press Train on a new seed every ``every`` seconds until ``until``."""
    seed = 100
    while time.monotonic() < until and len(started) < MAX_TRAININGS:
        s = Student(url, "learn", f"filters=16&epochs=30&seed={seed}", timeout=60)
        try:
            await s.open()
            await s.interact("button:^Train$")
            started.append(seed)
        finally:
            await s.close()
        seed += 1
        await asyncio.sleep(every)


async def main_async(a, url: str, pid: int) -> tuple[harness.Report, list[int]]:
    args = harness.parse_args(["--url", url, "--pids", str(pid), "--scenario", "steady", "--students", str(a.students),
                               "--page", "learn", "--interaction", "number_input:^Test digit", "--duration",
                               str(a.duration), "--ramp", str(a.ramp)])
    started: list[int] = []
    # The harness warms up first (the default network trains then); trainings start with the students.
    until = time.monotonic() + 20 + a.ramp + a.duration if a.every > 0 else 0.0
    trainer = asyncio.create_task(keep_training(url, a.every, until, started))
    try:
        report = await harness.run_scenario(args)
    finally:
        trainer.cancel()
    return report, started


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=100)
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--ramp", type=float, default=10.0)
    p.add_argument("--every", type=float, default=10.0, help="seconds between Train presses (0: no training)")
    a = p.parse_args()
    with streamlit_server() as server:
        report, started = asyncio.run(main_async(a, server.url, server.pid))
        print(report.line())
        for k, v in report.error_kinds.items():
            print(f"    {v} x {k}")
        print(f"trainings started during the run: {len(started)} (16 filters x 30 epochs, one every {a.every:g} s)")
        print(f"CPU of the finished training workers (child processes, not in the figure above): "
              f"{children_cpu_seconds(server.pid):.1f} s")
        print(f"load average: {os.getloadavg()}")

if __name__ == "__main__":
    main()
