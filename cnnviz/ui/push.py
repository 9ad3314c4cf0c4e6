"""The push channel of rooms: Server-Sent Events per room, and the tiny listener a follower's page mounts.

``app.py`` defines ``st.App(..., routes=routes())`` so that ``streamlit run app.py`` serves
``/_cnnviz/rooms/CODE/events`` beside the app. Each process watches each room someone listens to
with one cheap read of its version every ``WATCH_S`` seconds (whatever the store: memory, or Redis
shared by every replica), however many students listen; each listener gets the version when it
connects and again when it changes. The listener component (``listener``) asks Streamlit for a
rerun only when the version differs from the one the page last showed: while nothing changes, a
following student costs the server no rerun at all.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import streamlit as st

from cnnviz import rooms

WATCH_S = 0.25  # how often a process reads the version of a room someone listens to
KEEPALIVE_S = 20.0  # a comment line this often keeps proxies from closing an idle stream
BEAT_S = 10.0  # how often a listening follower counts as still there (rooms.FOLLOWER_TTL_S is 30)
EVENTS_PATH = "/_cnnviz/rooms/{code}/events"
# True in a process that serves the routes (``streamlit run app.py``, unless CNNVIZ_ROOMS_PUSH=0);
# else followers tick.
SERVED = False


class _Watch:
    """One room watched in this process: the version as last read, and the listeners waiting on it."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.version: int | None = -1  # -1: not read yet; None: no such room
        self.listeners = 0
        self.changed = asyncio.Condition()
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        from cnnviz.ui.rooms import room_store

        while self.listeners:
            try:
                version = await asyncio.to_thread(room_store().version, self.code)
            except rooms.RoomError:  # the store is unreachable for now: keep the last version, try again
                version = self.version
            if version != self.version:
                self.version = version
                async with self.changed:
                    self.changed.notify_all()
            await asyncio.sleep(WATCH_S)
        _WATCHES.pop(self.code, None)


_WATCHES: dict[str, _Watch] = {}


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
    from cnnviz.ui.rooms import room_store

    try:
        await asyncio.to_thread(room_store().heartbeat, code, follower)
    except rooms.RoomError:
        pass


async def _events(watch: _Watch, follower: str = "") -> AsyncIterator[str]:
    """The stream one listener reads: ``data: VERSION`` on connecting and on each change; ``gone`` if it closed.

    With ``follower`` (the session's random id), a heartbeat every ``BEAT_S`` seconds counts it as following.
    """
    beat = asyncio.get_running_loop().time() - BEAT_S
    try:
        if not await _wait(watch, -1, 10):
            yield "data: gone\n\n"
            return
        sent: int | None = -1  # nothing sent yet
        while True:
            now = asyncio.get_running_loop().time()
            if follower and sent is not None and now - beat >= BEAT_S:
                beat = now
                await _beat(watch.code, follower)
            if watch.version != sent:
                sent = watch.version
                yield f"data: {'gone' if sent is None else sent}\n\n"
            elif not await _wait(watch, sent, min(KEEPALIVE_S, BEAT_S)):
                yield ": still here\n\n"
    finally:
        watch.listeners -= 1


async def room_events(request):
    """``GET /_cnnviz/rooms/CODE/events``: the room's version as Server-Sent Events."""
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


# The listener keeps one EventSource per browser tab (in ``window``), whatever Streamlit does with the
# element between runs: each run hands it the version the page shows; a version heard that differs
# asks for a rerun, and asks again every few seconds until the page shows it (a request made while
# the page was being replaced can be lost). Unmounted and not mounted again within a second (the
# student broke away, or left), the stream closes.
_LISTENER_JS = """
export default function ({ data, setTriggerValue, parentElement }) {
  const root = parentElement.querySelector('.room-listener');
  const self = (window.__cnnvizRoom ||= { streams: 0 });
  clearTimeout(self.closing);
  clearInterval(self.again);
  self.shown = String(data.version);
  self.ask = () => setTriggerValue('changed', self.heard + '@' + Date.now());
  self.root = root;
  const check = () => {
    clearInterval(self.again);
    if (self.heard !== undefined && self.heard !== self.shown) {
      self.ask();
      self.again = setInterval(() => self.ask(), 3000);
    }
  };
  if (!self.stream || self.url !== data.url) {
    if (self.stream) { self.stream.close(); self.streams -= 1; }
    self.url = data.url;
    self.heard = undefined;
    self.stream = new EventSource(data.url);
    self.streams += 1;
    self.stream.onopen = () => { self.root.dataset.state = 'live'; };
    self.stream.onerror = () => { self.root.dataset.state = 'reconnecting'; };  // it reconnects by itself
    self.stream.onmessage = (event) => { self.heard = event.data; self.root.dataset.heard = event.data; check(); };
  } else {
    root.dataset.state = self.stream.readyState === 1 ? 'live' : 'reconnecting';
    if (self.heard !== undefined) root.dataset.heard = self.heard;
  }
  root.dataset.version = self.shown;
  check();
  return () => {
    clearInterval(self.again);
    self.closing = setTimeout(() => {
      if (self.stream) { self.stream.close(); self.streams -= 1; }
      self.stream = null;
    }, 1000);
  };
}
"""


@st.cache_resource(show_spinner=False)
def _listener_component():
    return st.components.v2.component("cnnviz_room_listener", html='<span class="room-listener"></span>',
                                      js=_LISTENER_JS)


def listener(code: str, version: int | None, follower: str) -> None:
    """Mount the listener: a rerun of the app when room ``code``'s version is no longer ``version``;
    its stream counts ``follower`` (the session's random id) as following."""
    url = "." + EVENTS_PATH.format(code=code) + f"?f={follower}"
    _listener_component()(data={"url": url, "version": version},
                          key=f"room-listener-{code}", on_changed_change=lambda: None)

