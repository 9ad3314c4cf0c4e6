"""The classroom scenarios against 1 and 2 replicas behind nginx, side by side.

    python -m benchmarks.load.suite --page convolution --interaction player_edit
    python -m benchmarks.load.suite --replicas 2 --only fault --page pooling --interaction any

Starts ``deploy/run_replicas.sh N`` for each N (nginx + N replicas on loopback, short
disconnected-session TTL), runs the scenarios with ``benchmarks.load.harness``, stops everything,
and prints one Markdown table. Each report is also appended to ``--json`` as one line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks.load import harness

ROOT = Path(__file__).resolve().parents[2]
TTL = 10  # disconnected-session TTL given to the replicas during a suite, seconds


def start_replicas(n: int, port: int, base: int, extra: str = "") -> tuple[subprocess.Popen, list[tuple[int, str]]]:
    env = dict(os.environ, CNNVIZ_PORT=str(port), CNNVIZ_BASE_PORT=str(base),
               CNNVIZ_RUN_DIR=f"/tmp/cnnviz-suite-{port}",
               CNNVIZ_STREAMLIT_ARGS=f"--server.disconnectedSessionTTL {TTL} {extra}".strip())
    proc = subprocess.Popen(["bash", str(ROOT / "deploy" / "run_replicas.sh"), str(n)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        if line.startswith("ready"):
            break
        if time.monotonic() > deadline:
            break
    else:
        raise RuntimeError("run_replicas.sh exited before it was ready")
    rows = Path(env["CNNVIZ_RUN_DIR"], "replicas").read_text().split("\n")
    return proc, [(int(r.split()[0]), r.split()[1]) for r in rows if r.strip()]


def stop_replicas(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)  # the script stops its replicas and nginx
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def plan(a) -> list[tuple[str, list[str]]]:
    common = ["--page", a.page, "--interaction", a.interaction, "--query", a.query, "--duration", str(a.duration)]
    ttl = ["--ttl-wait", str(TTL + 3)]
    scenarios = [
        ("steady 30", ["--scenario", "steady", "--students", "30", *ttl]),
        ("steady 100", ["--scenario", "steady", "--students", "100", *ttl]),
        ("steady 300", ["--scenario", "steady", "--students", "300", "--ramp", "20"]),
        ("burst 100", ["--scenario", "burst", "--students", "100", "--rounds", "3"]),
        ("arrival 100 in 10 s", ["--scenario", "arrival", "--students", "100", "--ramp", "10", "--fetch-assets"]),
    ]
    return [(name, common + args) for name, args in scenarios]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--page", default="")
    p.add_argument("--interaction", default="rerun")
    p.add_argument("--query", default="")
    p.add_argument("--replicas", default="1,2")
    p.add_argument("--only", default="", help="comma-separated scenario names to run (prefix match), or 'fault'")
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--port", type=int, default=8780)
    p.add_argument("--json", default=str(ROOT / ".benchmarks" / "load.jsonl"))
    p.add_argument("--streamlit-args", default="", help="extra flags for every replica")
    a = p.parse_args(argv)
    # Stopped from outside: still stop the replicas and nginx (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    counts = [int(x) for x in a.replicas.split(",")]
    results: dict[str, dict[int, harness.Report]] = {}
    for n in counts:
        proc, reps = start_replicas(n, a.port, a.port + 1, a.streamlit_args)
        try:
            pids = ",".join(str(pid) for pid, _ in reps)
            base = ["--url", f"http://127.0.0.1:{a.port}", "--pids", pids]
            todo = plan(a)
            if a.only:
                keys = a.only.split(",")
                todo = [t for t in todo if any(t[0] == k or t[0].startswith(k + " ") for k in keys)]
            if "fault" in a.only.split(",") and n >= 2:
                todo.append(("fault", ["--scenario", "fault", "--students", "100", "--page", a.page,
                                       "--interaction", a.interaction, "--query", a.query, "--duration",
                                       str(a.duration), "--kill-pid", str(reps[0][0]),
                                       "--kill-replica", reps[0][1]]))
            for name, args in todo:
                load = os.getloadavg()[0]
                rep = asyncio.run(harness.run_scenario(harness.parse_args(base + args)))
                rep.notes.append(f"{n} replica(s); load average before {load:.2f}")
                results.setdefault(name, {})[n] = rep
                print(f"[{n} replica(s)] {rep.line()}", flush=True)
                for k, v in rep.error_kinds.items():
                    print(f"    {v} x {k}", flush=True)
                if rep.lost:
                    print("    fault:", json.dumps(rep.lost), flush=True)
                Path(a.json).parent.mkdir(exist_ok=True)
                with open(a.json, "a") as f:
                    f.write(json.dumps({"replicas": n, "name": name, **asdict(rep)}) + "\n")
                time.sleep(2)
        finally:
            stop_replicas(proc)
    print_table(results, counts)


def print_table(results, counts) -> None:
    head = "| scenario | " + " | ".join(f"{n} replica{'s' if n > 1 else ''}: p50 / p95 / p99 ms, errors, "
                                           f"CPU ms/run" for n in counts) + " |"
    print("\n" + head)
    print("|---" * (len(counts) + 1) + "|")
    for name, by_n in results.items():
        cells = []
        for n in counts:
            r = by_n.get(n)
            if r is None:
                cells.append("")
                continue
            lat = r.latency_ms if not name.startswith("arrival") else r.first_page_ms
            cells.append(f"{lat.get('p50', 0):.0f} / {lat.get('p95', 0):.0f} / {lat.get('p99', 0):.0f}, "
                         f"{r.errors}, {r.server_cpu_ms_per_run:.1f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
