"""The push channel: a room's version as Server-Sent Events, read once per room per process whatever the
number of listeners; the player's data a view names, read and compressed once per process; the routes
mounted beside the app."""
from __future__ import annotations

import asyncio
import gzip
import json

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
    assert [r.path for r in routes] == [push.EVENTS_PATH, push.PLAYER_PATH]

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


def test_a_change_carries_the_view_and_names_the_players_data_and_a_step_alone_keeps_the_name(push_store):
    code, secret = push_store.create_room()
    data = json.dumps({"key": "chan_player", "n": 9, "html": "<div>1</div>" * 100_000}, separators=(",", ":"))
    shown = []
    real = push_store.shown
    push_store.shown = lambda c: shown.append(c) or real(c)

    async def go():
        streams = [push._events(push._watch(code)) for _ in range(20)]
        for s in streams:
            assert (await _event(s))["ph"] == ""
        push_store.set_view(code, secret, "channels", {"example": "lecture"}, 3, False, player=data)
        texts = [await _next(s) for s in streams]
        assert set(texts) == {texts[0]} and len(texts[0]) < 300  # all the same, small whatever the data's size
        e = json.loads(texts[0][6:])
        assert (e["v"], e["page"], e["params"], e["step"], e["playing"]) == (2, "channels", [["example", "lecture"]],
                                                                            3, False)
        assert e["ph"] == push_store.view(code).player and e["poll"] == ""
        push_store.set_view(code, secret, "channels", {"example": "lecture"}, 4, True, player=data)
        e2 = await _event(streams[0])
        assert (e2["v"], e2["step"], e2["playing"], e2["ph"]) == (3, 4, True, e["ph"])  # a step: the same data
        push_store.open_poll(code, secret, "choice", options=("A", "B"))
        assert (await _event(streams[0]))["poll"] == "p-1:open"  # the page reruns to show the question
        for s in streams:
            await s.aclose()

    in_own_thread(asyncio.run, go())
    assert len(shown) <= 4  # what followers are shown is read once per version, not once per listener


def _player_request(code: str, name: str, gzip_ok: bool = True):
    from starlette.requests import Request

    headers = [(b"accept-encoding", b"gzip, deflate, br")] if gzip_ok else []
    return Request({"type": "http", "method": "GET", "path": push.PLAYER_PATH.format(code=code, name=name),
                    "headers": headers, "path_params": {"code": code, "name": name}, "query_string": b""})


def test_the_players_data_is_served_by_its_name_read_and_compressed_once_per_process(push_store):
    code, secret = push_store.create_room()
    data = json.dumps({"key": "chan_player", "html": "<div>1</div>" * 100_000}, separators=(",", ":"))
    name = push_store.set_view(code, secret, "channels", {"example": "lecture"}, player=data).player
    reads = []
    real = push_store.player
    push_store.player = lambda c, n: reads.append(n) or real(c, n)
    push._player_gzip.cache_clear()

    async def go():
        answers = await asyncio.gather(*(push.room_player(_player_request(code, name)) for _ in range(50)))
        assert {a.status_code for a in answers} == {200} and len({a.body for a in answers}) == 1
        a = answers[0]
        assert a.headers["content-encoding"] == "gzip" and a.media_type == "application/json"
        assert gzip.decompress(a.body).decode() == data and len(a.body) < len(data) / 20
        assert "immutable" in a.headers["cache-control"]  # named by its content
        plain = await push.room_player(_player_request(code.lower(), name, gzip_ok=False))
        assert plain.body.decode() == data and "content-encoding" not in plain.headers
        assert reads == [name]  # once for 51 requests
        # The presenter moves on: the old name is not served (the follower hears of the newer view).
        push_store.set_view(code, secret, "shapes", {})
        push._player_gzip.cache_clear()
        for c, n in [(code, name), (code, "0" * 16), (code, "../../etc"), ("not-a-code!", name), ("K7M2Q", name)]:
            gone = await push.room_player(_player_request(c, n))
            assert gone.status_code == 404 and len(gone.body) < 200

    in_own_thread(asyncio.run, go())
