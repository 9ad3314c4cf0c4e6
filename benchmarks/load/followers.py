"""Students following a lecturer's room, over Streamlit's own WebSocket protocol (loopback only, bounded).

The driver makes a room in the same Redis the server uses (``--redis``, the server started with
``CNNVIZ_REDIS_URL``), opens the presenter's page with the room's secret (a session over the protocol like
the others: ``--page convolution``, the Convolution page's 5x5 input, or ``--page channels``, the RGB page on
the lecture's 32x32x3 example with six 5x5x3 filters), opens ``--n`` students on ``/?join=CODE`` and lets each
follow as its browser would: reading the room's Server-Sent Events, each parsed whole, and showing a change in
place when the page's player can (the same page and poll), fetching the player's data the event names from
its own replica when it is not the one shown, else asking for a run of the app (the push); or, where the
server registered a fragment tick instead, running that tick at its ``auto_rerun`` interval (a
``rerun_script`` naming the fragment). It measures the server's CPU while nothing changes, then the
presenter changes the stride ``--changes`` times through the page's own widget, each followed by
``--steps`` steps of its player (what the player reports when the presenter steps it): the time from the
presenter's action to each student having the change (the event parsed and shown in place, the data fetched
if new, or the run showing it finished; p50/p95/max, for strides and steps apart) and how many students
missed it.

Every student's fetched data is read whole; it is inflated and parsed once per distinct body, and every
other student's body is compared with that one byte for byte: 300 browsers parse on 300 devices at once,
and one Python process parsing 300 copies of the RGB example's 1.4 MB would measure itself, not the server.

    python -m benchmarks.load.followers --url http://127.0.0.1:8501 --pids 1234 \
        --redis redis://127.0.0.1:6379/0 --n 3 --idle 10 --changes 2

or, starting a throwaway redis-server and one ``streamlit run app.py`` of its own on free loopback
ports (``--push 0``: the server's followers tick instead of listening)::

    python -m benchmarks.load.followers --serve --push 1 --n 3
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.load.client import FINISHED_OK, RunResult, Student, StudentError, http_get
from benchmarks.load.harness import cpu_seconds, pct

HARD_CAP_STUDENTS = 400
DEBUG = False
HARD_CAP_SECONDS = 300
# The presenter's page: its link, its player's key, and the strides it goes through (the RGB page takes 1 or 2).
PAGES = {
    "convolution": ({}, "conv_player", ("2", "3", "4")),
    "channels": ({"example": "lecture"}, "chan_player", ("2", "1")),
}
_COMMAND = re.compile(r'"command": ?\[ ?"v\d+", ?(\d+)')  # the step a run tells a follower's player (top level only)
_READ: dict[bytes, bool] = {}  # player's data bodies inflated and parsed whole once


def _read_player(body: bytes, encoding: str) -> None:
    """The player's data as the listener reads it (``fetch().json()``, then the grids' JSON text as player.js
    does); once per distinct body, which every other student's is compared with."""
    if body in _READ:
        return
    data = json.loads(gzip.decompress(body) if encoding == "gzip" else body)
    json.loads(data.get("player") or "{}")
    if len(_READ) > 16:
        _READ.clear()
    _READ[body] = True


class Follower(Student):
    """A tab that joined a room: keeps the link the server writes, and runs the follow tick when asked."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ticks: dict[str, float] = {}  # fragment id -> seconds between its automatic reruns
        self.full_runs = 0
        self.tick_runs = 0
        self.tick_ms: list[float] = []
        self.listening = False
        self.poll_widgets: dict[str, str] = {}  # "answer" / "send" -> the widget id, from the last full run
        self.poll_fragment = ""  # the fragment the poll's form is drawn in: sending an answer reruns only it
        self.link = self.query  # the link the browser shows (the in-place changes write it, not the server)
        self.shown: dict = {}  # what the page's room listener was told it shows (version, page, poll, ph)
        self.has_player = False  # the last full run drew a step player
        self.step: int | None = None  # the step the page's player shows, as the room told it
        self.in_place = 0  # room changes shown without a run of the page
        self.room_runs = 0  # room changes that needed one
        self.fetched = 0  # player's data fetched from this student's replica
        self.fetched_bytes = 0
        self._lock: asyncio.Lock | None = None

    async def _rerun(self, page_name: str = "", fragment_id: str = "") -> RunResult:
        # One run at a time on this tab's WebSocket (its listener and a vote may both ask for one).
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            return await super()._rerun(page_name, fragment_id)

    async def vote(self, answer: str) -> RunResult:
        """Pick ``answer`` in the poll's radio and press "Send my answer", in one run of the poll's fragment (as a
        form in a fragment sends)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if set(self.poll_widgets) != {"answer", "send"}:
            raise StudentError("the poll's answer box is not on the page")
        pick, send = WidgetState(id=self.poll_widgets["answer"]), WidgetState(id=self.poll_widgets["send"])
        pick.string_value = answer
        send.trigger_value = True
        self.widget_states = {pick.id: pick, send.id: send}
        try:
            return await self._rerun(fragment_id=self.poll_fragment)
        finally:
            self.widget_states = {}

    async def _read_run(self, t0: float, full: bool) -> RunResult:
        result = RunResult(0.0)
        registered: dict[str, float] = {}  # a full run registers its fragments' ticks anew
        poll: dict[str, str] = {}
        shown, player, fragment, step = {}, False, "", None
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
                self.query = self.link = fm.page_info_changed.query_string
            elif kind == "navigation":
                self.page_hash = fm.navigation.page_script_hash
            elif kind == "new_session":
                self.session_id = fm.new_session.initialize.session_id or self.session_id
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                kind_of = el.WhichOneof("type")
                if kind_of == "exception":
                    result.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
                elif kind_of == "radio" and "room-answer" in el.radio.id:
                    poll["answer"] = el.radio.id
                elif kind_of == "button" and el.button.is_form_submitter and "room-form" in el.button.form_id:
                    poll["send"], fragment = el.button.id, fm.delta.fragment_id
                elif kind_of == "bidi_component" and "room_listener" in el.bidi_component.component_name:
                    shown = json.loads(el.bidi_component.json or "{}")
                elif kind_of == "bidi_component" and el.bidi_component.component_name.endswith("player"):
                    player = True
                    told = list(_COMMAND.finditer(el.bidi_component.json))
                    step = int(told[-1].group(1)) if told else None
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the tick saw a change: a full run of the app follows
                result.seconds = time.perf_counter() - t0
                if fm.script_finished not in FINISHED_OK:
                    result.exceptions.append(f"script finished with status {fm.script_finished}")
                if fm.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    self.full_runs += 1
                    self.ticks = registered
                    self.poll_widgets, self.poll_fragment = poll, fragment
                    self.shown, self.has_player = shown, player
                    self.step = step if step is not None else self.step
                return result

    def stride(self) -> str:
        """The stride the student's link says (the pages leave their default, 1, out of it)."""
        return (parse_qs(self.link).get("stride") or ["1"])[-1]

    async def show_in_place(self, msg: dict) -> bool:
        """What the page's listener does with a room's event: show it in the player when the page can (the same
        page and poll; the player's data the event names fetched from this student's replica unless it is the
        one shown); False: a run is needed."""
        shown = self.shown
        if not (shown and self.has_player and msg.get("ph") and msg.get("page") == shown.get("page")
                and msg.get("poll") == shown.get("poll")):
            return False
        if msg["ph"] != shown.get("ph"):
            status, headers, body = await http_get(self.base, shown["data"].lstrip(".") + msg["ph"], self.cookies,
                                                   self.timeout, inflate=False)
            if status != 200:
                return False
            _read_player(body, headers.get("content-encoding", ""))
            self.fetched += 1
            self.fetched_bytes += len(body)
        self.shown = {**shown, "version": msg["v"], "ph": msg["ph"]}
        self.step = msg.get("step")
        self.link = urlencode([*map(tuple, msg["params"]), ("join", shown.get("join", ""))])
        self.in_place += 1
        return True

    async def listen(self, code: str, until: float, on_error) -> None:
        """Read the room's Server-Sent Events as the page's listener does: each change shown in place when the
        player can show it, else a run of the app."""
        u = urlsplit(self.base)
        reader, writer = await asyncio.open_connection(u.hostname, u.port or 80)
        head = [f"GET /_cnnviz/rooms/{code}/events?f={uuid.uuid4().hex} HTTP/1.1", f"Host: {u.netloc}",
                "Accept: text/event-stream"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        self.listening = True
        lines = _event_lines(reader)
        try:
            while time.monotonic() < until and self.ws is not None:
                line = await asyncio.wait_for(anext(lines, b""), max(0.1, until - time.monotonic()))
                if not line:
                    break
                text = line.decode(errors="replace").strip()
                if not text.startswith("data: "):
                    continue
                msg = None if text[6:] == "gone" else json.loads(text[6:])  # the whole event, as JSON.parse does
                if msg is not None and str(msg["v"]) == str(self.shown.get("version")):
                    continue  # the page shows it already
                if msg is not None and await self.show_in_place(msg):
                    continue
                self.room_runs += 1
                try:
                    await self._rerun()  # what the listener's trigger asks for: a run of the app
                except StudentError as e:  # the browser asks again; this one goes on listening
                    on_error(e)
        except TimeoutError:
            pass
        except (OSError, asyncio.IncompleteReadError) as e:  # the replica went away
            on_error(e)
        finally:
            self.listening = False
            writer.close()

    async def tick(self) -> RunResult:
        fid, _ = next(iter(self.ticks.items()))
        before = self.full_runs
        r = await self._rerun(fragment_id=fid)
        if self.full_runs == before:
            self.tick_runs += 1
            self.tick_ms.append(r.seconds * 1000)
        return r


async def _event_lines(reader: asyncio.StreamReader):
    """The lines of a Server-Sent Events response body, as a browser reads them: behind a proxy (nginx) the
    body comes in chunks (``Transfer-Encoding: chunked``) that cut a long event (the player's data) anywhere."""
    chunked = False
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        chunked |= header.lower().startswith(b"transfer-encoding:") and b"chunked" in header.lower()
    if not chunked:
        while line := await reader.readline():
            yield line
        return
    pending = b""
    while size_line := await reader.readline():
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        pending += await reader.readexactly(size)
        await reader.readexactly(2)  # the chunk's CRLF
        *done, pending = pending.split(b"\n")
        for line in done:
            yield line + b"\n"
    if pending:
        yield pending


@dataclass
class FollowReport:
    students: int
    page: str = "convolution"  # the presenter's page (``PAGES``)
    mode: str = ""  # "push" (Server-Sent Events) or "tick" (a fragment rerun every few seconds)
    joined: int = 0
    idle_s: float = 0.0
    baseline_cores: float = 0.0  # server CPU seconds per second before anyone joined
    idle_cpu_cores: float = 0.0  # server CPU seconds per second while nothing changed, students following
    idle_ticks: int = 0
    counted: int = 0  # followers the presenter's page counts (heartbeats in the store)
    cpu_ms_per_tick: float = 0.0
    tick_ms: dict = field(default_factory=dict)  # a tick's round trip (the server read the room's version)
    changes: int = 0  # stride changes and steps
    presenter_ms: dict = field(default_factory=dict)  # the presenter's click -> its own run finished (published)
    follow_ms: dict = field(default_factory=dict)  # the presenter's action -> a student having the change
    stride_ms: dict = field(default_factory=dict)  # ... for the stride changes (new data for the player)
    step_ms: dict = field(default_factory=dict)  # ... for the steps (the same data)
    missed: int = 0  # (student, change) pairs not seen within --timeout
    change_cpu_ms: float = 0.0  # server CPU per presenter change, above the idle server's (its run included)
    in_place: int = 0  # room changes the followers showed without a run of their page
    room_runs: int = 0  # room changes that needed a run (the page, a poll, joining)
    fetched: int = 0  # player's data fetched by the followers from their replicas
    fetched_kb: float = 0.0  # the mean size of one, as sent (compressed)
    voters: int = 0  # followers whose page showed the poll's answer box
    votes_s: float = 0.0  # from the first vote sent to the last run finished (each voter votes twice)
    votes_counted: int = 0
    votes_right: bool = False  # the store's counts are exactly the answers sent, each once
    errors: dict = field(default_factory=dict)

    def line(self) -> str:
        f = self.follow_ms
        ticks = (f", {self.cpu_ms_per_tick:.2f} ms CPU per tick, tick p50 {self.tick_ms.get('p50', 0):.0f} ms"
                 if self.mode == "tick" else "")
        nan = float("nan")
        parts = "".join(f", {what} p50 {d.get('p50', nan):.0f} p95 {d.get('p95', nan):.0f} ms"
                        for what, d in (("strides", self.stride_ms), ("steps", self.step_ms)) if d.get("n"))
        return (f"{self.joined}/{self.students} following {self.page} ({self.mode}, {self.counted} counted): "
                f"idle {self.idle_cpu_cores:.3f} cores "
                f"(nobody connected: {self.baseline_cores:.3f}{ticks}); "
                f"{self.changes} changes: follow p50 {f.get('p50', nan):.0f} p95 "
                f"{f.get('p95', nan):.0f} max {f.get('max', nan):.0f} ms{parts}, missed {self.missed} "
                f"(presenter's run p50 {self.presenter_ms.get('p50', nan):.0f} ms; {self.in_place} shown "
                f"in place, {self.room_runs} runs, {self.fetched} fetches of {self.fetched_kb:.0f} KB; "
                f"server CPU {self.change_cpu_ms:.0f} ms a change), "
                f"errors {sum(self.errors.values())}"
                + (f"; {self.votes_counted} of {self.voters} votes counted in {self.votes_s:.1f} s "
                   f"({'right' if self.votes_right else 'WRONG'})" if self.voters else ""))


async def _tick_loop(s: Follower, until: float, rep: FollowReport, code: str) -> None:
    def error(e: Exception) -> None:
        rep.errors[str(e)[:60]] = rep.errors.get(str(e)[:60], 0) + 1

    if not s.ticks:  # the server pushes: listen to the room's events instead of ticking
        rep.mode = "push"
        await s.listen(code, until, error)
        return
    rep.mode = "tick"
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
    from cnnviz.classroom.store import RedisStore, View

    store = RedisStore(args.redis)
    link, player_key, strides = PAGES[args.page]
    code, secret = store.create_room(View(args.page, tuple(link.items())))
    rep = FollowReport(args.n, args.page)
    # The presenter: the page opened with the room's secret, its stride changed by its own widget, its player
    # stepped as the player reports a step.
    presenter = Student(args.url, args.page, urlencode({"room": code, "key": secret, **link}), timeout=args.timeout)
    await presenter.open()
    presenter.query = ""  # the page took the secret out of the link; the session keeps it and the settings
    if not store.view(code).player:
        raise StudentError("the presenter's page published no player's data with its view")
    cpu0, t0 = cpu_seconds(args.pids), time.monotonic()
    await asyncio.sleep(args.baseline)  # the server with nobody connected: what its idle costs anyway
    rep.baseline_cores = (cpu_seconds(args.pids) - cpu0) / max(1e-9, time.monotonic() - t0)
    students = [Follower(args.url, "", f"join={code}", timeout=args.timeout) for _ in range(args.n)]

    async def join(s: Follower) -> None:
        try:
            await s.open()
            rep.joined += 1
        except (StudentError, OSError) as e:
            rep.errors["join: " + str(e)[:60]] = rep.errors.get("join: " + str(e)[:60], 0) + 1

    for i in range(0, len(students), 20):  # arrivals in small waves, as a class scanning a code does
        await asyncio.gather(*(join(s) for s in students[i:i + 20]))
    live = [s for s in students if s.ws is not None]
    # The followers listen until the run is over (cancelled below): a vote after slow changes still reaches them.
    end = time.monotonic() + 4 * HARD_CAP_SECONDS
    loops = [asyncio.create_task(_tick_loop(s, end, rep, code)) for s in live]
    await asyncio.sleep(min(5.0, args.idle / 2))  # every tick loop running
    ticks0, cpu0, t0 = sum(s.tick_runs for s in live), cpu_seconds(args.pids), time.monotonic()
    await asyncio.sleep(args.idle)
    rep.idle_s = time.monotonic() - t0
    rep.counted = store.followers(code)
    rep.idle_ticks = sum(s.tick_runs for s in live) - ticks0
    rep.idle_cpu_cores = (cpu_seconds(args.pids) - cpu0) / rep.idle_s
    rep.cpu_ms_per_tick = (cpu_seconds(args.pids) - cpu0) * 1000 / max(1, rep.idle_ticks)
    rep.tick_ms = {"p50": pct([m for s in live for m in s.tick_ms], 50),
                   "p95": pct([m for s in live for m in s.tick_ms], 95)}
    waits: dict[str, list[float]] = {"stride": [], "step": []}
    presenting: list[float] = []
    runs0 = sum(s.in_place + s.room_runs for s in live)
    cpu0, t0 = cpu_seconds(args.pids), time.monotonic()
    step = 0
    changes = [("stride", strides[k % len(strides)]) for k in range(args.changes)]
    for kind, value in [c for stride in changes for c in [stride] + [("step", "")] * args.steps]:
        changed = time.monotonic()
        if kind == "stride":  # its run publishes the view and the player's new data
            await presenter.set_number("Stride", int(value))
        else:  # 1, 0, 1, ...: a step every player has, never the one shown
            step = value = 1 - step
            await step_player(presenter, player_key, step)
        presenting.append((time.monotonic() - changed) * 1000)
        view = store.view(code)
        if (view.query.get("stride", "1") if kind == "stride" else view.step) != value:
            raise StudentError(f"the presenter's {kind} {value} did not reach the room")
        rep.changes += 1
        seen: dict[int, float] = {}
        while len(seen) < len(live) and time.monotonic() - changed < args.timeout:
            for i, s in enumerate(live):  # what the student's link says, or the step its player shows
                if i not in seen and (s.stride() if kind == "stride" else s.step) == value:
                    seen[i] = time.monotonic() - changed
            await asyncio.sleep(0.02)  # the interval between two looks at what the students show
        waits[kind] += [v * 1000 for v in seen.values()]
        rep.missed += len(live) - len(seen)
        await asyncio.sleep(max(0.0, args.gap - (time.monotonic() - changed)))

    def spread(ms: list[float]) -> dict:
        return {"p50": pct(ms, 50), "p95": pct(ms, 95), "max": max(ms) if ms else float("nan"), "n": len(ms)}

    rep.follow_ms = spread(waits["stride"] + waits["step"])
    rep.stride_ms, rep.step_ms = spread(waits["stride"]), spread(waits["step"])
    rep.change_cpu_ms = ((cpu_seconds(args.pids) - cpu0) - rep.idle_cpu_cores * (time.monotonic() - t0)) * 1000 / max(
        1, rep.changes)
    rep.presenter_ms = {"p50": pct(presenting, 50), "max": max(presenting) if presenting else float("nan")}
    rep.in_place = sum(s.in_place for s in live)
    rep.fetched = sum(s.fetched for s in live)
    rep.fetched_kb = sum(s.fetched_bytes for s in live) / 1024 / max(1, rep.fetched)
    rep.room_runs = sum(s.in_place + s.room_runs for s in live) - runs0 - rep.in_place
    if args.vote:
        await _votes(store, code, secret, live, args, rep)
    for t in loops:
        t.cancel()
    await asyncio.gather(*loops, return_exceptions=True)
    await asyncio.gather(*(s.close() for s in [*students, presenter]))
    return rep


async def step_player(presenter: Student, player_key: str, step: int) -> RunResult:
    """What the presenter's step player sends when it is stepped: its view (``{step, playing, speed}``, the
    component's state ``view``), which reruns the player's fragment; that run publishes the step."""
    found = presenter.find("bidi_component", player_key)
    if not found:
        raise StudentError(f"no player {player_key!r} on the presenter's page")
    state = WidgetState(id=found[0].id)
    state.json_value = json.dumps({"view": {"step": step, "playing": False, "speed": 2}})
    presenter.widget_states[state.id] = state
    return await presenter._rerun(fragment_id=found[0].fragment_id)


async def _votes(store, code: str, secret: str, live: list[Follower], args, rep: FollowReport) -> None:
    """Ask a show of hands; every follower answers at once through its page; check every vote counted once."""
    poll = store.open_poll(code, secret, "choice", options=("A", "B", "C", "D"))
    asked = time.monotonic()
    while any(set(s.poll_widgets) != {"answer", "send"} for s in live) and time.monotonic() - asked < args.timeout:
        await asyncio.sleep(0.05)  # the interval between two looks at which pages show the question
    ready = [s for s in live if set(s.poll_widgets) == {"answer", "send"}]
    rep.voters = len(ready)
    answers = ["ABCD"[i % 4] for i in range(len(ready))]
    started = time.monotonic()

    async def one(s: Follower, answer: str) -> None:
        try:
            ids = dict(s.poll_widgets)
            await s.vote(answer)
            s.poll_widgets = ids  # the same message sent again, as a client replaying it would: not counted
            await s.vote("ABCD"[("ABCD".index(answer) + 1) % 4])
        except (StudentError, OSError) as e:
            rep.errors["vote: " + str(e)[:60]] = rep.errors.get("vote: " + str(e)[:60], 0) + 1

    await asyncio.gather(*(one(s, a) for s, a in zip(ready, answers)))
    rep.votes_s = time.monotonic() - started
    counts = store.counts(code, poll.id)
    rep.votes_counted = sum(counts.values())
    rep.votes_right = counts == {a: answers.count(a) for a in set(answers)}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8501")
    p.add_argument("--pids", default="", help="server pids to watch, comma separated")
    p.add_argument("--redis", default="", help="the Redis the server uses (CNNVIZ_REDIS_URL)")
    p.add_argument("--serve", action="store_true", help="start a redis-server and a server of its own")
    p.add_argument("--push", type=int, choices=[0, 1], default=1, help="with --serve: 1 push, 0 fragment ticks")
    p.add_argument("--page", choices=sorted(PAGES), default="convolution",
                   help="the presenter's page: convolution (its 5x5 input), channels (the lecture's 32x32x3 RGB "
                        "example)")
    p.add_argument("--n", type=int, default=3, help="students following")
    p.add_argument("--baseline", type=float, default=5.0, help="seconds of CPU measured before anyone joins")
    p.add_argument("--idle", type=float, default=10.0, help="seconds of nothing changing, CPU measured")
    p.add_argument("--changes", type=int, default=2, help="presenter's stride changes after the idle time")
    p.add_argument("--steps", type=int, default=0, help="steps of the presenter's player after each stride change")
    p.add_argument("--gap", type=float, default=4.0, help="seconds between two presenter changes")
    p.add_argument("--timeout", type=float, default=20.0, help="a change not seen within this is missed")
    p.add_argument("--vote", action="store_true", help="then a show of hands: every follower votes twice")
    p.add_argument("--json", default="", help="append the report as one JSON line to this file")
    args = p.parse_args(argv)
    if not args.serve and not args.redis:
        p.error("--redis (the server's CNNVIZ_REDIS_URL) is needed unless --serve")
    for url in (args.url, args.redis or "redis://127.0.0.1"):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            p.error("the follower driver only talks to loopback")
    args.n = max(1, min(args.n, HARD_CAP_STUDENTS))
    args.idle = min(args.idle, HARD_CAP_SECONDS)
    args.changes = max(0, min(args.changes, 20))
    args.steps = max(0, min(args.steps, 10))
    args.pids = [int(x) for x in str(args.pids).split(",") if x.strip()]
    return args


def _serve_and_run(args) -> FollowReport:
    """A redis-server and a ``streamlit run app.py`` of the driver's own, on free loopback ports, for one run."""
    from benchmarks.serve import redis_server, streamlit_server

    with redis_server() as url:
        with streamlit_server(env={"CNNVIZ_REDIS_URL": url, "CNNVIZ_ROOMS_PUSH": str(args.push)}) as server:
            args.url, args.pids, args.redis = server.url, [server.pid], url
            return asyncio.run(run(args))


def main(argv=None) -> FollowReport:
    args = parse_args(argv)
    rep = _serve_and_run(args) if args.serve else asyncio.run(run(args))
    print(rep.line())
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(asdict(rep)) + "\n")
    return rep


if __name__ == "__main__":
    main()
