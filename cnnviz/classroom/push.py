"""The push channel of rooms: Server-Sent Events per room, and the tiny listener a follower's page mounts.

``app.py`` defines ``st.App(..., routes=routes())`` so that ``streamlit run app.py`` serves
``/_cnnviz/rooms/CODE/events`` beside the app. Each process watches each room someone listens to
with one cheap read of its version every ``WATCH_S`` seconds (whatever the store: memory, or Redis
shared by every replica), however many students listen; on a new version it reads what followers
are shown once (``RoomStore.shown``) and sends every listener one event: the presenter's view (the
version, the page, its link, the player's step) and the poll, whatever the size of the page's data.
The view names the data the presenter's player got by its hash; ``/_cnnviz/rooms/CODE/player/NAME``
serves it, read from the store and compressed once per process however many fetch it.

The listener component (``listener``, ``listener.js``) hands a change on the page it shows to the step
player in place (fetching the player's data from its own replica when it changed; a step alone needs
none) and writes the presenter's link into the browser's. It asks Streamlit for a rerun only for what
the player cannot show (another page, a poll, a page without a player, data it could not fetch): the
follower's page then builds the view from the presenter's link itself. A settings change or a step
costs the server no follower's run.
"""
from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
from collections.abc import AsyncIterator

import streamlit as st

from cnnviz.classroom import store as rooms
from cnnviz.ui.cache import bounded
from cnnviz.views.assets import script

# How often a process reads the version of a room someone listens to: a tenth of the second a change has to
# reach the followers, for one read of the store each time (whatever the number of listeners).
WATCH_S = 0.1
KEEPALIVE_S = 20.0  # a comment line this often keeps proxies from closing an idle stream
EVENTS_PATH = "/_cnnviz/rooms/{code}/events"
PLAYER_PATH = "/_cnnviz/rooms/{code}/player/{name}"  # the player's data a view names (``View.player``)
VOTER_COOKIE = "cnnviz_voter"  # the listener keeps the browser's follower and voter id here, for a reload
# True in a process that serves the routes (``streamlit run app.py``, unless CNNVIZ_ROOMS_PUSH=0);
# else followers tick.
SERVED = False


class _Watch:
    """One room watched in this process: the version as last read, and the listeners waiting on it."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.version: int | None = -1  # -1: not read yet; None: no such room
        self.event = ""  # what a listener is sent on connecting and on a change to ``version``
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
                    view, poll = await asyncio.to_thread(rooms.room_store().shown, self.code)
                    if view.player and _player_gzip.cache_peek(self.code, view.player) is None:
                        # ready before anyone asks: every follower's fetch is answered from memory at once
                        await asyncio.to_thread(_player_gzip, self.code, view.player)
                    version, self.event = view.version, event(view, poll)
                except rooms.RoomError:
                    version = self.version  # gone between the two reads, or unreachable: the next read says
            if version != self.version:
                self.version = version
                async with self.changed:
                    self.changed.notify_all()
            await asyncio.sleep(WATCH_S)
        _WATCHES.pop(self.code, None)


_WATCHES: dict[str, _Watch] = {}


def event(view: rooms.View, poll: rooms.Poll | None) -> str:
    """One event's JSON: ``{"v", "page", "params", "step", "playing", "poll", "ph"}``, the view and the poll.

    ``ph`` names the player's data kept with the view ("" for none), which ``PLAYER_PATH`` serves: the event
    stays a few hundred bytes whatever the size of the page's data.
    """
    body = {"v": view.version, "page": view.page, "params": [list(p) for p in view.params], "step": view.step,
            "playing": view.playing, "poll": rooms.poll_token(poll), "ph": view.player}
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
                sent = watch.version
                yield f"data: {'gone' if sent is None else watch.event}\n\n"
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


@bounded(max_entries=16, max_bytes=64_000_000)
def _player_gzip(code: str, name: str) -> bytes:
    """The player's data ``name`` of room ``code`` (``RoomStore.player``), gzipped: read from the store and
    compressed once in this process, however many of its followers fetch it (the lecture's 32x32x3 RGB
    example: 1.4 MB of JSON, about 0.1 MB sent)."""
    return gzip.compress(rooms.room_store().player(code, name).encode(), 6, mtime=0)


_NAME = re.compile(r"^[0-9a-f]{16}$")  # rooms.player_hash


async def room_player(request):
    """``GET /_cnnviz/rooms/CODE/player/NAME``: the player's data the room's view names, as JSON (gzip)."""
    from starlette.responses import PlainTextResponse, Response

    name = request.path_params.get("name", "")
    try:
        code = rooms.normalise_code(request.path_params.get("code", ""))
        if not _NAME.match(name):
            raise rooms.RoomError("That is not the name of a player's data.")
        # Kept: answered at once (every follower but the first); else read and compressed off the loop.
        body = _player_gzip.cache_peek(code, name) or await asyncio.to_thread(_player_gzip, code, name)
    except rooms.RoomError as exc:  # gone, moved on, or unreachable: the listener asks for a run instead
        return PlainTextResponse(str(exc), status_code=404, headers={"Cache-Control": "no-store"})
    # Named by its content: the same name is the same data for as long as a browser keeps it.
    headers = {"Cache-Control": "private, max-age=3600, immutable", "Vary": "Accept-Encoding"}
    if "gzip" not in request.headers.get("accept-encoding", ""):
        return Response(gzip.decompress(body), media_type="application/json", headers=headers)
    return Response(body, media_type="application/json", headers={**headers, "Content-Encoding": "gzip"})


def routes() -> list:
    """The Starlette routes ``app.py`` mounts beside the app; from then on followers listen instead of ticking."""
    from starlette.routing import Route

    global SERVED
    SERVED = os.environ.get("CNNVIZ_ROOMS_PUSH", "1").strip() != "0"  # 0: followers tick instead
    return [Route(EVENTS_PATH, room_events, methods=["GET"]), Route(PLAYER_PATH, room_player, methods=["GET"])]


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
    data = "." + PLAYER_PATH.format(code=code, name="")  # + a name: the player's data it names
    _listener_component()(data={"url": url, "data": data, "version": version, "page": page, "poll": poll,
                                "ph": player, "join": code, "voter": follower, "cookie": VOTER_COOKIE},
                          key=f"room-listener-{code}", on_changed_change=lambda: None)

