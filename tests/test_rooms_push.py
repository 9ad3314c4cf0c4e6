"""The push channel: a room's version as Server-Sent Events, read once per room per process whatever the
number of listeners, and the route mounted beside the app."""
from __future__ import annotations

import asyncio
import base64
import json
import zlib

import pytest

from cnnviz.classroom import push, store as rooms
from cnnviz.classroom.store import MemoryStore, RedisStore
from conftest import in_own_thread


@pytest.fixture(params=["memory", "redis"])
def push_store(request, monkeypatch):
    import uuid

    store = MemoryStore() if request.param == "memory" else RedisStore(
        request.getfixturevalue("redis_url"), prefix=f"push-{uuid.uuid4().hex[:8]}:")
    monkeypatch.setattr(rooms, "room_store", lambda: store)
    monkeypatch.setattr(push, "WATCH_S", 0.02)
    monkeypatch.setattr(push, "SERVED", push.SERVED)  # routes() switches followers to listening: not beyond a test
    return store


def _next(gen, timeout=5):
    return asyncio.wait_for(gen.__anext__(), timeout)


async def _event(gen, timeout=5) -> dict:
    """The next event of a stream, parsed as the listener parses it."""
    text = await _next(gen, timeout)
    assert text.startswith("data: ") and text.endswith("\n\n") and "\n" not in text[:-2]  # one line
    return json.loads(text[6:])


def test_listeners_get_the_version_on_connecting_and_on_each_change(push_store):
    code, secret = push_store.create_room()
    reads = []
    version = push_store.version
    push_store.version = lambda c: reads.append(c) or version(c)

    async def go():
        streams = [push._events(push._watch(code)) for _ in range(50)]
        assert {(await _event(s))["v"] for s in streams} == {1}
        push_store.set_view(code, secret, "pooling", {})
        assert {(await _event(s))["v"] for s in streams} == {2}
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
        assert (await _event(r.body_iterator))["v"] == 1
        await r.body_iterator.aclose()

    in_own_thread(asyncio.run, go())


def test_app_py_defines_the_app_streamlit_run_serves():
    from streamlit.web.server.app_discovery import discover_asgi_app

    from conftest import ROOT

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"


def test_a_change_carries_the_view_and_the_players_data_once_and_a_step_alone_carries_only_the_step(push_store):
    code, secret = push_store.create_room()
    data = json.dumps({"key": "conv_player", "n": 9, "html": "<div>1</div>"}, separators=(",", ":"))
    shown = []
    real = push_store.shown
    push_store.shown = lambda c: shown.append(c) or real(c)

    async def go():
        streams = [push._events(push._watch(code)) for _ in range(20)]
        for s in streams:
            assert "playerz" not in await _event(s)  # on connecting: the page was just drawn from this view
        push_store.set_view(code, secret, "convolution", {"stride": "2"}, 3, False, player=data)
        got = [await _event(s) for s in streams]
        assert {json.dumps(e, sort_keys=True) for e in got} == {json.dumps(got[0], sort_keys=True)}  # all the same
        e = got[0]
        assert (e["v"], e["page"], e["params"], e["step"], e["playing"]) == (2, "convolution", [["stride", "2"]], 3,
                                                                            False)
        assert json.loads(zlib.decompress(base64.b64decode(e["playerz"]))) == json.loads(data)  # deflated, base64
        assert e["ph"] and e["poll"] == "" and "player" not in e
        push_store.set_view(code, secret, "convolution", {"stride": "2"}, 4, True, player=data)
        e = await _event(streams[0])
        assert (e["v"], e["step"], e["playing"], e["ph"]) == (3, 4, True, got[0]["ph"]) and "playerz" not in e
        push_store.open_poll(code, secret, "choice", options=("A", "B"))
        assert (await _event(streams[0]))["poll"] == "p-1:open"  # the page reruns to show the question
        for s in streams:
            await s.aclose()

    in_own_thread(asyncio.run, go())
    assert len(shown) <= 4  # what followers are shown is read once per version, not once per listener
