"""Summarise a ``py-spy record -f raw`` profile of a Streamlit server: where the CPU went.

    py-spy record -p PID -r 200 -d 25 -f raw -o prof.txt --nonblocking
    python -m benchmarks.load.spy_summary prof.txt

Prints the share of samples by thread kind (script runs vs the event loop), the functions with
the most inclusive time in the app's own code, and the top self-time functions.
"""
from __future__ import annotations

import collections
import re
import sys

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")


def load(path: str):
    stacks = []
    for line in open(path):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    f = m["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in f:
            f = f.split(marker, 1)[1]
    return f"{m['func']} ({f})"


# Threads waiting, not working (py-spy does not always tell a sleeping thread from a running one).
IDLE_LEAVES = ("EpollSelector.select", "Condition.wait", "Event.wait", "polling_path_watcher.py:90",
               "_worker (concurrent/futures/thread.py")


def main(path: str, top: int = 25) -> None:
    stacks = [(f, c) for f, c in load(path) if not any(k in f[-1] for k in IDLE_LEAVES)]
    total = sum(c for _, c in stacks)
    print(f"{total} busy samples")
    kinds = collections.Counter()
    for frames, c in stacks:
        joined = ";".join(frames)
        kind = ("script run" if "script_runner" in joined else
                "event loop" if "asyncio" in joined or "uvicorn" in joined else "other")
        kinds[kind] += c
    for k, c in kinds.most_common():
        print(f"  {k:>10}: {100 * c / total:5.1f} %")
    incl, self_ = collections.Counter(), collections.Counter()
    for frames, c in stacks:
        for f in set(short(x) for x in frames):
            incl[f] += c
        self_[short(frames[-1])] += c
    print("\nInclusive, app code and the Streamlit calls that matter:")
    keep = ("cnnviz/", "pages/", "_run_script", "data_editor", "plotly_chart", "iframe", "image (", "marshall",
            "serialize", "_enqueue", "gc", "to_arrow", "dataframe_util", "register_widget", "exec_func_with")
    for f, c in incl.most_common():
        if any(k in f for k in keep):
            print(f"  {100 * c / total:5.1f} %  {f}")
            top -= 1
            if top <= 0:
                break
    print("\nSelf time:")
    for f, c in self_.most_common(15):
        print(f"  {100 * c / total:5.1f} %  {f}")


if __name__ == "__main__":
    main(sys.argv[1])
