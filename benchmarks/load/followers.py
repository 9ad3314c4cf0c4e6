"""Students following a lecturer's room, over Streamlit's own WebSocket protocol (loopback only, bounded).

The driver makes a room in the same Redis the server uses (``--redis``, the server started with
``CNNVIZ_REDIS_URL``), opens ``--n`` students on ``/?join=CODE`` and lets each run its follow tick as a
browser does (the fragment's ``auto_rerun`` interval, a ``rerun_script`` naming the fragment). It
measures the server's CPU while nothing changes, then the presenter changes the Convolution page's
stride ``--changes`` times: the time from each change to each student's finished run showing it
(p50/p95/max) and how many students missed it.

    python -m benchmarks.load.followers --url http://127.0.0.1:8501 --pids 1234 \
        --redis redis://127.0.0.1:6379/0 --n 3 --idle 10 --changes 2
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qs, urlsplit

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.load.client import FINISHED_OK, RunResult, Student, StudentError
from benchmarks.load.harness import cpu_seconds, pct

HARD_CAP_STUDENTS = 400
DEBUG = False
HARD_CAP_SECONDS = 300


class Follower(Student):
    """A tab that joined a room: keeps the link the server writes, and runs the follow tick when asked."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ticks: dict[str, float] = {}  # fragment id -> seconds between its automatic reruns
        self.full_runs = 0
        self.tick_runs = 0
        self.tick_ms: list[float] = []

    async def _read_run(self, t0: float, full: bool) -> RunResult:
        result = RunResult(0.0)
        registered: dict[str, float] = {}  # a full run registers its fragments' ticks anew
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await self.ws.recv())
            kind = fm.WhichOneof("type")
            if DEBUG:
                print(kind, fm.script_finished if kind == "script_finished" else "",
                      fm.page_info_changed.query_string if kind == "page_info_changed" else "",
                      fm.navigation.page_script_hash if kind == "navigation" else "")
            if kind == "auto_rerun":
                registered[fm.auto_rerun.fragment_id] = fm.auto_rerun.interval
            elif kind == "page_info_changed":  # the link the server wrote: the browser's next runs send it
                self.query = fm.page_info_changed.query_string
            elif kind == "navigation":
                self.page_hash = fm.navigation.page_script_hash
            elif kind == "new_session":
                self.session_id = fm.new_session.initialize.session_id or self.session_id
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                if el.WhichOneof("type") == "exception":
                    result.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the tick saw a change: a full run of the app follows
                result.seconds = time.perf_counter() - t0
                if fm.script_finished not in FINISHED_OK:
                    result.exceptions.append(f"script finished with status {fm.script_finished}")
                if fm.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    self.full_runs += 1
                    self.ticks = registered
                return result

    def stride(self) -> str:
        return (parse_qs(self.query).get("stride") or [""])[-1]

    async def tick(self) -> RunResult:
        fid, _ = next(iter(self.ticks.items()))
        before = self.full_runs
        r = await self._rerun(fragment_id=fid)
        if self.full_runs == before:
            self.tick_runs += 1
            self.tick_ms.append(r.seconds * 1000)
        return r


@dataclass
class FollowReport:
    students: int
    joined: int = 0
    idle_s: float = 0.0
    idle_cpu_cores: float = 0.0  # server CPU seconds per second while nothing changed
    idle_ticks: int = 0
    cpu_ms_per_tick: float = 0.0
    tick_ms: dict = field(default_factory=dict)  # a tick's round trip (the server read the room's version)
    changes: int = 0
    follow_ms: dict = field(default_factory=dict)  # a presenter's change -> a student's finished run showing it
    missed: int = 0  # (student, change) pairs not seen within --timeout
    errors: dict = field(default_factory=dict)

    def line(self) -> str:
        f = self.follow_ms
        return (f"{self.joined}/{self.students} following: idle {self.idle_cpu_cores:.3f} cores "
                f"({self.cpu_ms_per_tick:.2f} ms CPU per tick, tick p50 {self.tick_ms.get('p50', 0):.0f} ms); "
                f"{self.changes} changes: follow p50 {f.get('p50', float('nan')):.0f} p95 "
                f"{f.get('p95', float('nan')):.0f} max {f.get('max', float('nan')):.0f} ms, missed {self.missed}, "
                f"errors {sum(self.errors.values())}")


async def _tick_loop(s: Follower, until: float, rep: FollowReport) -> None:
    while time.monotonic() < until and s.ws is not None:
        if not s.ticks:
            return  # not following (the room is gone or the student broke away)
        await asyncio.sleep(min(s.ticks.values()))
        try:
            await s.tick()
        except (StudentError, OSError) as e:
            rep.errors[str(e)[:60]] = rep.errors.get(str(e)[:60], 0) + 1
            return


async def run(args) -> FollowReport:
    from cnnviz.rooms import RedisStore, View

    store = RedisStore(args.redis)
    code, secret = store.create_room(View("convolution", (("stride", "1"),)))
    rep = FollowReport(args.n)
    students = [Follower(args.url, "", f"join={code}", timeout=args.timeout) for _ in range(args.n)]

    async def join(s: Follower) -> None:
        try:
            await s.open()
            rep.joined += 1
        except (StudentError, OSError) as e:
            rep.errors["join: " + str(e)[:60]] = rep.errors.get("join: " + str(e)[:60], 0) + 1

    for i in range(0, len(students), 20):  # arrivals in small waves, as a class scanning a code does
        await asyncio.gather(*(join(s) for s in students[i:i + 20]))
    live = [s for s in students if s.ws is not None and s.ticks]
    end = time.monotonic() + args.idle + args.changes * args.gap + args.timeout
    loops = [asyncio.create_task(_tick_loop(s, end, rep)) for s in live]
    await asyncio.sleep(min(5.0, args.idle / 2))  # every tick loop running
    ticks0, cpu0, t0 = sum(s.tick_runs for s in live), cpu_seconds(args.pids), time.monotonic()
    await asyncio.sleep(args.idle)
    rep.idle_s = time.monotonic() - t0
    rep.idle_ticks = sum(s.tick_runs for s in live) - ticks0
    rep.idle_cpu_cores = (cpu_seconds(args.pids) - cpu0) / rep.idle_s
    rep.cpu_ms_per_tick = (cpu_seconds(args.pids) - cpu0) * 1000 / max(1, rep.idle_ticks)
    rep.tick_ms = {"p50": pct([m for s in live for m in s.tick_ms], 50),
                   "p95": pct([m for s in live for m in s.tick_ms], 95)}
    waits: list[float] = []
    for k in range(args.changes):
        stride = str(2 + k % 3)
        changed = time.monotonic()
        store.set_view(code, secret, "convolution", {"stride": stride})
        rep.changes += 1
        seen: dict[int, float] = {}
        while len(seen) < len(live) and time.monotonic() - changed < args.timeout:
            for i, s in enumerate(live):
                if i not in seen and s.stride() == stride:
                    seen[i] = time.monotonic() - changed
            await asyncio.sleep(0.02)  # the interval between two looks at what the students' links say
        waits += [v * 1000 for v in seen.values()]
        rep.missed += len(live) - len(seen)
        await asyncio.sleep(max(0.0, args.gap - (time.monotonic() - changed)))
    rep.follow_ms = {"p50": pct(waits, 50), "p95": pct(waits, 95), "max": max(waits) if waits else float("nan"),
                     "n": len(waits)}
    for t in loops:
        t.cancel()
    await asyncio.gather(*loops, return_exceptions=True)
    await asyncio.gather(*(s.close() for s in students))
    return rep


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8501")
    p.add_argument("--pids", default="", help="server pids to watch, comma separated")
    p.add_argument("--redis", required=True, help="the Redis the server uses (CNNVIZ_REDIS_URL)")
    p.add_argument("--n", type=int, default=3, help="students following")
    p.add_argument("--idle", type=float, default=10.0, help="seconds of nothing changing, CPU measured")
    p.add_argument("--changes", type=int, default=2, help="presenter changes after the idle time")
    p.add_argument("--gap", type=float, default=4.0, help="seconds between two presenter changes")
    p.add_argument("--timeout", type=float, default=20.0, help="a change not seen within this is missed")
    p.add_argument("--json", default="", help="append the report as one JSON line to this file")
    args = p.parse_args(argv)
    for url in (args.url, args.redis):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            p.error("the follower driver only talks to loopback")
    args.n = max(1, min(args.n, HARD_CAP_STUDENTS))
    args.idle = min(args.idle, HARD_CAP_SECONDS)
    args.changes = max(0, min(args.changes, 20))
    args.pids = [int(x) for x in str(args.pids).split(",") if x.strip()]
    return args


def main(argv=None) -> FollowReport:
    args = parse_args(argv)
    rep = asyncio.run(run(args))
    print(rep.line())
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(asdict(rep)) + "\n")
    return rep


if __name__ == "__main__":
    main()
