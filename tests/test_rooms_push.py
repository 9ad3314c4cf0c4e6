"""The push channel: a room's version as Server-Sent Events, read once per room per process whatever the
number of listeners, and the route mounted beside the app."""
from __future__ import annotations

import asyncio

import pytest

from cnnviz.rooms import MemoryStore, RedisStore
from cnnviz.ui import push
from cnnviz.ui import rooms as ui_rooms
from conftest import in_own_thread


@pytest.fixture(params=["memory", "redis"])
def push_store(request, monkeypatch):
    import uuid

    store = MemoryStore() if request.param == "memory" else RedisStore(
        request.getfixturevalue("redis_url"), prefix=f"push-{uuid.uuid4().hex[:8]}:")
    monkeypatch.setattr(ui_rooms, "room_store", lambda: store)
    monkeypatch.setattr(push, "WATCH_S", 0.02)
    monkeypatch.setattr(push, "SERVED", push.SERVED)  # routes() switches followers to listening: not beyond a test
    return store


def _next(gen, timeout=5):
    return asyncio.wait_for(gen.__anext__(), timeout)


def test_listeners_get_the_version_on_connecting_and_on_each_change(push_store):
    code, secret = push_store.create_room()
    reads = []
    version = push_store.version
    push_store.version = lambda c: reads.append(c) or version(c)

    async def go():
        streams = [push._events(push._watch(code)) for _ in range(50)]
        assert {await _next(s) for s in streams} == {"data: 1\n\n"}
        push_store.set_view(code, secret, "pooling", {})
        assert {await _next(s) for s in streams} == {"data: 2\n\n"}
        watch = push._WATCHES[code]
        assert watch.listeners == 50
        for s in streams:
            await s.aclose()
        assert watch.listeners == 0
        await asyncio.wait_for(watch.task, 5)  # the watch ends with its last listener
        assert code not in push._WATCHES

    in_own_thread(asyncio.run, go())
    seconds = len(reads) * push.WATCH_S
    # One read per watch interval for the room, not one per listener.
    assert len(reads) < 50 and seconds < 10


def test_a_listener_with_a_follower_id_counts_as_following(push_store):
    import uuid

    code, _ = push_store.create_room()

    async def go():
        streams = [push._events(push._watch(code), uuid.uuid4().hex) for _ in range(3)]
        streams.append(push._events(push._watch(code)))  # no id: listens, is not counted
        for s in streams:
            await _next(s)
        await asyncio.sleep(0.1)  # the heartbeats, made in a thread
        count = push_store.followers(code)
        for s in streams:
            await s.aclose()
        return count

    assert in_own_thread(asyncio.run, go()) == 3


def test_a_room_that_is_gone_says_so(push_store):
    async def go():
        s = push._events(push._watch("K7M2Q"))
        assert await _next(s) == "data: gone\n\n"
        await s.aclose()

    in_own_thread(asyncio.run, go())


def test_the_route_streams_and_refuses_a_malformed_code(push_store):
    from starlette.requests import Request

    routes = push.routes()
    assert [r.path for r in routes] == [push.EVENTS_PATH]

    def request(code: str) -> Request:
        return Request({"type": "http", "method": "GET", "path": f"/_cnnviz/rooms/{code}/events", "headers": [],
                        "path_params": {"code": code}, "query_string": b""})

    async def go():
        refused = await routes[0].endpoint(request("not-a-code!"))
        assert refused.status_code == 404 and b"not a room code" in refused.body
        code, _ = push_store.create_room()
        r = await routes[0].endpoint(request(code.lower()))
        assert r.media_type == "text/event-stream" and r.headers["x-accel-buffering"] == "no"
        assert await _next(r.body_iterator) == "data: 1\n\n"
        await r.body_iterator.aclose()

    in_own_thread(asyncio.run, go())


def test_app_py_defines_the_app_streamlit_run_serves():
    from streamlit.web.server.app_discovery import discover_asgi_app

    from conftest import ROOT

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"
