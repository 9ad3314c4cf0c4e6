"""Simulated classroom scenarios against a running cnnviz server (loopback only).

Each scenario is bounded in students and seconds and stops by itself. It reports the latency from an
interaction to the finished rerun (p50/p95/p99), the first page's latency, errors, the server's CPU
(from ``/proc/<pid>/stat``) and memory (VmRSS) per session, right after the sessions close and after
the disconnected-session TTL has passed.

Example (a server already running on port 8501, pid 1234)::

    python -m benchmarks.load.harness --url http://127.0.0.1:8501 --pids 1234 \
        --scenario steady --students 100 --page convolution --interaction player_edit
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from benchmarks.load.client import Student, StudentError

CLK_TCK = os.sysconf("SC_CLK_TCK")
HARD_CAP_STUDENTS = 500  # never more simulated students than this, whatever is asked
HARD_CAP_SECONDS = 300  # and never longer than this for one scenario


# --- the server seen from /proc ---------------------------------------------------------------
_last_cpu: dict[int, float] = {}  # a stopped replica keeps the CPU it had used when last seen


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes (all their threads), summed."""
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            _last_cpu[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return sum(_last_cpu.get(pid, 0.0) for pid in pids)


async def _sample_cpu(pids: list[int]) -> None:
    while True:
        cpu_seconds(pids)
        await asyncio.sleep(0.5)


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]


@dataclass
class Report:
    scenario: str
    page: str
    interaction: str
    students: int
    seconds: float = 0.0
    interactions: int = 0
    latency_ms: dict = field(default_factory=dict)  # p50/p95/p99/max of interaction -> finished rerun
    complete_ms: dict = field(default_factory=dict)  # interaction -> finished rerun and its images fetched
    first_page_ms: dict = field(default_factory=dict)  # arrival (GET /) -> first run finished, images fetched
    shell_ms: dict = field(default_factory=dict)  # the part of it spent loading the HTML and frontend files
    errors: int = 0
    error_kinds: dict = field(default_factory=dict)
    alerts: int = 0
    server_cpu_s: float = 0.0
    server_cpu_ms_per_run: float = 0.0
    server_cpu_util: float = 0.0  # CPU seconds per wall second (1.0 = one core busy)
    client_cpu_util: float = 0.0
    rss_before_mb: float = 0.0
    rss_open_mb: float = 0.0  # all sessions open and idle
    rss_per_session_mb: float = 0.0
    rss_closed_mb: float = 0.0
    rss_after_ttl_mb: float = 0.0
    lost: dict = field(default_factory=dict)  # fault scenario: what was lost, by replica
    notes: list = field(default_factory=list)

    def line(self) -> str:
        lat = self.latency_ms or self.first_page_ms
        what = "interaction" if self.latency_ms else "first page"
        return (f"{self.scenario:>8} {self.students:4d} students {self.page or 'home'}/{self.interaction}: "
                f"{what} p50 {lat.get('p50', float('nan')):.0f} p95 {lat.get('p95', float('nan')):.0f} "
                f"p99 {lat.get('p99', float('nan')):.0f} ms"
                + (f" (with images p95 {self.complete_ms['p95']:.0f})" if self.complete_ms else "")
                + (f"; first page p95 {self.first_page_ms['p95']:.0f} (shell p95 {self.shell_ms['p95']:.0f})"
                   if self.latency_ms and self.first_page_ms else "")
                + f", n={self.interactions}, errors {self.errors}, "
                f"server {self.server_cpu_ms_per_run:.1f} ms CPU/run ({self.server_cpu_util:.2f} cores, "
                f"harness {self.client_cpu_util:.2f}), "
                f"RSS {self.rss_per_session_mb:.2f} MB/session, +{self.rss_after_ttl_mb - self.rss_before_mb:.1f}"
                f" MB after TTL")


def _summary(ms: list[float]) -> dict:
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99), "max": max(ms) if ms else float("nan"),
            "n": len(ms)}


class Run:
    """Shared bookkeeping for one scenario."""

    def __init__(self, args, scenario: str, n: int):
        self.args = args
        self.pids = args.pids
        self.report = Report(scenario, args.page, args.interaction, n)
        self.lat: list[float] = []
        self.complete: list[float] = []
        self.first: list[float] = []
        self.shell: list[float] = []
        self.rng = random.Random(args.seed)
        self.deadline = time.monotonic() + min(args.duration + args.ramp + 60, HARD_CAP_SECONDS)

    def student(self) -> Student:
        return Student(self.args.url, self.args.page, self.args.query, rng=random.Random(self.rng.random()),
                       fetch_assets=self.args.fetch_assets, timeout=self.args.timeout)

    def error(self, e: Exception, where: str) -> None:
        self.report.errors += 1
        key = f"{where}: {str(e).split('(')[0].strip()[:80]}"
        self.report.error_kinds[key] = self.report.error_kinds.get(key, 0) + 1

    def record(self, r, first: bool = False) -> None:
        if first:
            self.first.append(r.complete * 1000)
            self.shell.append(r.shell * 1000)
        else:
            self.lat.append(r.seconds * 1000)
            self.complete.append(r.complete * 1000)
        self.report.alerts += r.alerts
        for e in r.exceptions:
            self.error(StudentError(e), "page")

    async def open(self, s: Student) -> bool:
        try:
            self.record(await s.open(), first=True)
            return True
        except (TimeoutError, StudentError, OSError) as e:
            self.error(e, "open")
            return False

    async def interact(self, s: Student) -> bool:
        try:
            self.record(await s.interact(self.args.interaction))
            return True
        except (StudentError, OSError) as e:
            self.error(e, "interact")
            return False


async def _measure(run: Run, body) -> Report:
    """Warm up, take the baseline, run the scenario body, then watch memory come back."""
    args, rep, pids = run.args, run.report, run.pids
    # Warm-up: loads the page's modules and caches, which is not what a scenario measures. Eight
    # browsers (eight cookies) so that behind the proxy every replica gets some.
    for _ in range(8):
        warm = run.student()
        if await run.open(warm):
            for _ in range(2):
                await run.interact(warm)
        await warm.close()
    run.lat.clear(), run.first.clear(), run.complete.clear(), run.shell.clear()
    rep.errors, rep.error_kinds = 0, {}
    await asyncio.sleep(args.settle)
    rep.rss_before_mb = rss_mb(pids)
    cpu0, wall0, me0 = cpu_seconds(pids), time.monotonic(), os.times()
    sampler = asyncio.create_task(_sample_cpu(pids))
    try:
        students = await body(run)
    finally:
        sampler.cancel()
    rep.seconds = time.monotonic() - wall0
    cpu = cpu_seconds(pids) - cpu0
    me = os.times()
    rep.server_cpu_s = cpu
    runs = len(run.lat) + len(run.first)
    rep.server_cpu_ms_per_run = 1000 * cpu / max(1, runs)
    rep.server_cpu_util = cpu / max(rep.seconds, 1e-9)
    rep.client_cpu_util = (me.user + me.system - me0.user - me0.system) / max(rep.seconds, 1e-9)
    rep.interactions = len(run.lat)
    rep.latency_ms = _summary(run.lat) if run.lat else {}
    rep.complete_ms = _summary(run.complete) if run.complete else {}
    rep.first_page_ms = _summary(run.first)
    rep.shell_ms = _summary(run.shell)
    # Memory: every session open and idle, then closed, then after the disconnected-session TTL.
    await asyncio.sleep(args.settle)
    rep.rss_open_mb = rss_mb(pids)
    open_now = sum(1 for s in students if s.ws is not None)
    rep.rss_per_session_mb = (rep.rss_open_mb - rep.rss_before_mb) / max(1, open_now)
    await asyncio.gather(*(s.close() for s in students))
    await asyncio.sleep(args.settle)
    rep.rss_closed_mb = rss_mb(pids)
    if args.ttl_wait > 0:
        await asyncio.sleep(args.ttl_wait)
        # Streamlit drops expired sessions lazily, when its session store is next used: the next
        # student to arrive does that. Send one and close it.
        probe = run.student()
        try:
            await probe.open()
        except (StudentError, OSError) as e:
            rep.notes.append(f"probe after TTL failed: {e}")
        await probe.close()
        await asyncio.sleep(args.settle)
        rep.rss_after_ttl_mb = rss_mb(pids)
    else:
        rep.rss_after_ttl_mb = rep.rss_closed_mb
    return rep


# --- scenarios ---------------------------------------------------------------------------------
async def _think_loop(run: Run, s: Student, until: float) -> None:
    """Interact every `think` seconds on average (exponential think time) until `until`."""
    while True:
        pause = run.rng.expovariate(1 / run.args.think)
        if time.monotonic() + pause >= until:
            return
        await asyncio.sleep(pause)
        if s.ws is None or not await run.interact(s):
            return


async def steady(run: Run) -> list[Student]:
    """Students arrive over `ramp` seconds, then each interacts every `think` s for `duration` s."""
    n, a = run.report.students, run.args
    students = [run.student() for _ in range(n)]
    start = time.monotonic()
    until = start + a.ramp + a.duration

    async def one(i: int, s: Student) -> None:
        await asyncio.sleep(a.ramp * i / n)
        if await run.open(s):
            await _think_loop(run, s, until)

    await asyncio.wait_for(asyncio.gather(*(one(i, s) for i, s in enumerate(students))),
                           run.deadline - time.monotonic())
    return students


async def burst(run: Run) -> list[Student]:
    """Everyone opens the page, then everyone clicks at the same instant, `rounds` times."""
    n, a = run.report.students, run.args
    students = [run.student() for _ in range(n)]
    sem = asyncio.Semaphore(20)

    async def arrive(s):
        async with sem:
            return await run.open(s)

    ok = await asyncio.gather(*(arrive(s) for s in students))
    live = [s for s, good in zip(students, ok) if good]
    for _ in range(a.rounds):
        await asyncio.sleep(a.settle + 1)
        await asyncio.wait_for(asyncio.gather(*(run.interact(s) for s in live if s.ws is not None)),
                               max(1, run.deadline - time.monotonic()))
    return students


async def arrival(run: Run) -> list[Student]:
    """`students` open the page at random instants within `ramp` seconds (first page timed)."""
    n, a = run.report.students, run.args
    students = [run.student() for _ in range(n)]
    offsets = sorted(run.rng.uniform(0, a.ramp) for _ in range(n))

    async def one(off, s):
        await asyncio.sleep(off)
        if await run.open(s):
            await run.interact(s)

    await asyncio.wait_for(asyncio.gather(*(one(o, s) for o, s in zip(offsets, students))),
                           run.deadline - time.monotonic())
    return students


async def fault(run: Run) -> list[Student]:
    """Steady load; half-way through, one replica (pid ``--kill-pid``) is stopped.

    Students on the stopped replica lose their connection; each then reloads (a new page load and
    WebSocket with the same cookie) and carries on. Students elsewhere must see nothing.
    """
    n, a = run.report.students, run.args
    students = [run.student() for _ in range(n)]
    start = time.monotonic()
    until = start + a.ramp + a.duration
    lost = {"connections_dropped": 0, "interactions_lost": 0, "reloads_ok": 0, "reloads_failed": 0,
            "errors_on_other_replica": 0, "students_by_replica": {}}
    reload_ms: list[float] = []

    async def one(i, s):
        await asyncio.sleep(a.ramp * i / n)
        if not await run.open(s):
            return
        replica = s.replica
        lost["students_by_replica"][replica] = lost["students_by_replica"].get(replica, 0) + 1
        while time.monotonic() < until:
            pause = run.rng.expovariate(1 / a.think)
            if time.monotonic() + pause >= until:
                return
            await asyncio.sleep(pause)
            try:
                run.record(await s.interact(a.interaction))
                continue
            except (StudentError, OSError) as e:
                lost["interactions_lost"] += 1
                if s.replica != a.kill_replica:  # only the stopped replica's students may lose anything
                    lost["errors_on_other_replica"] += 1
                    run.error(e, "interact")
            lost["connections_dropped"] += 1
            await s.close()
            t0 = time.monotonic()
            try:  # the student presses reload
                await s.open()
                reload_ms.append(1000 * (time.monotonic() - t0))
                lost["reloads_ok"] += 1
            except (StudentError, OSError) as e:
                lost["reloads_failed"] += 1
                run.error(e, "reload")
                return

    async def killer():
        await asyncio.sleep(a.ramp + a.duration / 2)
        os.kill(a.kill_pid, signal.SIGKILL if a.kill_signal == "KILL" else signal.SIGTERM)
        run.report.notes.append(f"stopped pid {a.kill_pid} ({a.kill_replica}) at t={time.monotonic() - start:.1f} s")

    await asyncio.wait_for(asyncio.gather(killer(), *(one(i, s) for i, s in enumerate(students))),
                           run.deadline - time.monotonic())
    lost["reload_ms"] = _summary(reload_ms)
    # Students on the stopped replica who had no interaction left after the stop never noticed it.
    lost["students_on_stopped_replica"] = lost["students_by_replica"].get(a.kill_replica, 0)
    run.report.lost = lost
    return students


SCENARIOS = {"steady": steady, "burst": burst, "arrival": arrival, "fault": fault}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8501")
    p.add_argument("--pids", default="", help="server pids to watch, comma separated")
    p.add_argument("--scenario", choices=sorted(SCENARIOS), default="steady")
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--page", default="", help="page URL path, e.g. convolution ('' = home)")
    p.add_argument("--query", default="", help="query string the page is opened with")
    p.add_argument("--interaction", default="rerun", help="kind[:label], e.g. data_editor, selectbox:Preset")
    p.add_argument("--think", type=float, default=5.0, help="mean think time between interactions, s")
    p.add_argument("--ramp", type=float, default=10.0, help="arrivals spread over this many seconds")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of interaction after the ramp")
    p.add_argument("--rounds", type=int, default=3, help="burst: how many everyone-at-once clicks")
    p.add_argument("--timeout", type=float, default=30.0, help="one run longer than this is an error")
    p.add_argument("--ttl-wait", type=float, default=0.0, help="seconds to wait for the disconnected-session TTL")
    p.add_argument("--fetch-assets", action="store_true", help="each arrival also loads the JS/CSS bundle")
    p.add_argument("--kill-pid", type=int, default=0, help="fault: the replica process to stop")
    p.add_argument("--kill-replica", default="", help="fault: that replica's address as the proxy reports it")
    p.add_argument("--kill-signal", choices=["TERM", "KILL"], default="KILL")
    p.add_argument("--settle", type=float, default=1.0, help="seconds of quiet before each memory reading")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", default="", help="append the report as one JSON line to this file")
    args = p.parse_args(argv)
    host = urlsplit(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        p.error("the harness only talks to loopback")
    args.students = max(1, min(args.students, HARD_CAP_STUDENTS))
    args.duration = min(args.duration, HARD_CAP_SECONDS)
    args.pids = [int(x) for x in str(args.pids).split(",") if x.strip()]
    return args


async def run_scenario(args) -> Report:
    run = Run(args, args.scenario, args.students)
    return await _measure(run, SCENARIOS[args.scenario])


def main(argv=None) -> Report:
    args = parse_args(argv)
    rep = asyncio.run(run_scenario(args))
    print(rep.line())
    for k, v in rep.error_kinds.items():
        print(f"    {v} x {k}")
    if rep.lost:
        print("    fault:", json.dumps(rep.lost))
    for note in rep.notes:
        print("    note:", note)
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(asdict(rep)) + "\n")
    return rep


if __name__ == "__main__":
    main()
