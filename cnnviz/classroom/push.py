"""The push channel of rooms: Server-Sent Events per room, and the tiny listener a follower's page mounts.

``app.py`` defines ``st.App(..., routes=routes())`` so that ``streamlit run app.py`` serves
``/_cnnviz/rooms/CODE/events`` beside the app. Each process watches each room someone listens to
with one cheap read of its version every ``WATCH_S`` seconds (whatever the store: memory, or Redis
shared by every replica), however many students listen; on a new version it reads what followers
are shown once (``RoomStore.shown``) and sends every listener one event: the version, the page, its
link, the player's step, the poll, and the player's data when it changed. The listener component
(``listener``, ``listener.js``) hands a change on the page it shows to the step player in place (and
writes the presenter's link into the browser's), and asks Streamlit for a rerun only for what the player
cannot show (another page, a poll, a page without a player): a settings change costs the server no rerun.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import zlib
from collections.abc import AsyncIterator

import streamlit as st

from cnnviz.classroom import store as rooms
from cnnviz.ui.cache import bounded
from cnnviz.views.assets import script

WATCH_S = 0.25  # how often a process reads the version of a room someone listens to
KEEPALIVE_S = 20.0  # a comment line this often keeps proxies from closing an idle stream
EVENTS_PATH = "/_cnnviz/rooms/{code}/events"
VOTER_COOKIE = "cnnviz_voter"  # the listener keeps the browser's follower and voter id here, for a reload
# True in a process that serves the routes (``streamlit run app.py``, unless CNNVIZ_ROOMS_PUSH=0);
# else followers tick.
SERVED = False


class _Watch:
    """One room watched in this process: the version as last read, and the listeners waiting on it."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.version: int | None = -1  # -1: not read yet; None: no such room
        self.event = ""  # what a listener is sent on a change to ``version`` (with the player's data if new)
        self.first = ""  # ... and on connecting (without: its page was just drawn from the same view)
        self.player = ""  # the hash of the player's data last sent
        self.listeners = 0
        self.changed = asyncio.Condition()
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        while self.listeners:
            try:
                version = await asyncio.to_thread(rooms.room_store().version, self.code)
            except rooms.RoomError:  # the store is unreachable for now: keep the last version, try again
                version = self.version
            if version is not None and version != self.version:
                try:
                    view, poll, player = await asyncio.to_thread(rooms.room_store().shown, self.code)
                    version = view.version
                    self.first = event(view, poll, "")
                    # deflated once here for every listener, off the event loop (a large player's data would block it)
                    self.event = await asyncio.to_thread(event, view, poll,
                                                         player if view.player != self.player else "")
                    self.player = view.player
                except rooms.RoomError:
                    version = self.version  # gone between the two reads, or unreachable: the next read says
            if version != self.version:
                self.version = version
                async with self.changed:
                    self.changed.notify_all()
            await asyncio.sleep(WATCH_S)
        _WATCHES.pop(self.code, None)


_WATCHES: dict[str, _Watch] = {}


def event(view: rooms.View, poll: rooms.Poll | None, player: str) -> str:
    """One event's JSON: ``{"v", "page", "params", "step", "playing", "poll", "ph"}``, and ``"playerz"`` when
    ``player`` (the player's data as the presenter's page built it, JSON) is given: that text deflated (zlib)
    and in base64, a tenth of its size for a 16x16 input (172 KB), which every listener is sent."""
    body = {"v": view.version, "page": view.page, "params": [list(p) for p in view.params], "step": view.step,
            "playing": view.playing, "poll": rooms.poll_token(poll), "ph": view.player}
    if player:
        body["playerz"] = base64.b64encode(zlib.compress(player.encode(), 6)).decode("ascii")
    return json.dumps(body, separators=(",", ":"))


def _watch(code: str) -> _Watch:
    watch = _WATCHES.get(code)
    if watch is None or watch.task is None or watch.task.done():
        watch = _WATCHES[code] = _Watch(code)
    watch.listeners += 1
    if watch.task is None:
        watch.task = asyncio.get_running_loop().create_task(watch.run())
    return watch


async def _wait(watch: _Watch, differs_from, timeout: float) -> bool:
    """Wait until the room's version is not ``differs_from``; False when ``timeout`` passed first."""
    async with watch.changed:
        try:
            await asyncio.wait_for(watch.changed.wait_for(lambda: watch.version != differs_from), timeout)
            return True
        except TimeoutError:
            return False


async def _beat(code: str, follower: str) -> None:
    """The listener's follower is still there (the count the presenter sees); the store may be away."""
    try:
        await asyncio.to_thread(rooms.room_store().heartbeat, code, follower)
    except rooms.RoomError:
        pass


async def _events(watch: _Watch, follower: str = "") -> AsyncIterator[str]:
    """The stream one listener reads: ``data: EVENT`` (``event``) on connecting and on each change; ``gone`` if
    it closed.

    With ``follower`` (the session's random id), a heartbeat every ``rooms.BEAT_S`` seconds counts it as following.
    """
    beat = asyncio.get_running_loop().time() - rooms.BEAT_S
    try:
        if not await _wait(watch, -1, 10):
            yield "data: gone\n\n"
            return
        sent: int | None = -1  # nothing sent yet
        while True:
            now = asyncio.get_running_loop().time()
            if follower and sent is not None and now - beat >= rooms.BEAT_S:
                beat = now
                await _beat(watch.code, follower)
            if watch.version != sent:
                first, sent = sent == -1, watch.version
                yield f"data: {'gone' if sent is None else watch.first if first else watch.event}\n\n"
            elif not await _wait(watch, sent, min(KEEPALIVE_S, rooms.BEAT_S)):
                yield ": still here\n\n"
    finally:
        watch.listeners -= 1


async def room_events(request):
    """``GET /_cnnviz/rooms/CODE/events``: the room's changes as Server-Sent Events."""
    from starlette.responses import PlainTextResponse, StreamingResponse

    try:
        code = rooms.normalise_code(request.path_params.get("code", ""))
    except rooms.RoomError as exc:
        return PlainTextResponse(str(exc), status_code=404)
    follower = request.query_params.get("f", "")
    return StreamingResponse(_events(_watch(code), follower if rooms.valid_id(follower) else ""),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def routes() -> list:
    """The Starlette routes ``app.py`` mounts beside the app; from then on followers listen instead of ticking."""
    from starlette.routing import Route

    global SERVED
    SERVED = os.environ.get("CNNVIZ_ROOMS_PUSH", "1").strip() != "0"  # 0: followers tick instead
    return [Route(EVENTS_PATH, room_events, methods=["GET"])]


@bounded(max_entries=1)
def _listener_component():
    return st.components.v2.component("cnnviz_room_listener", html='<span class="room-listener"></span>',
                                      js=script("listener.js", package=__package__))


def listener(code: str, version: int | None, follower: str, *, page: str = "", poll: str = "",
             player: str = "") -> None:
    """Mount the listener of room ``code`` on a page that shows its ``version`` (``page``, the poll as
    ``rooms.poll_token``, ``player``: the hash of the player's data, "" for none): a change the step player
    can show is shown in place, any other reruns the app. Its stream counts ``follower`` (the session's
    random id) as following."""
    url = "." + EVENTS_PATH.format(code=code) + f"?f={follower}"
    _listener_component()(data={"url": url, "version": version, "page": page, "poll": poll, "ph": player,
                                "join": code, "voter": follower, "cookie": VOTER_COOKIE},
                          key=f"room-listener-{code}", on_changed_change=lambda: None)

