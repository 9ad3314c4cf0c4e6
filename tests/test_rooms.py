"""The room store, against both backends (in memory and a real redis-server): rooms, the presenter's
secret, the view and its version, followers, polls and votes; everything a session could forge is refused."""
from __future__ import annotations

import concurrent.futures
import uuid

import pytest

from cnnviz.classroom.store import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_PARAM_CHARS,
    MAX_PARAMS,
    MAX_PLAYER_CHARS,
    MAX_VOTERS,
    MemoryStore,
    NotPresenter,
    RedisStore,
    RoomError,
    RoomLost,
    RoomNotFound,
    View,
    VoteRefused,
    normalise_code,
    player_command,
    player_hash,
    player_update,
    store_from_env,
)


def _id() -> str:
    return uuid.uuid4().hex


def _snapshot(store, code):
    poll = store.poll(code)
    return store.view(code), poll, store.counts(code) if poll else {}


def test_a_new_room_has_an_unambiguous_code_and_a_secret_kept_only_as_a_hash(store):
    code, secret = store.create_room()
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1I")
    assert len(secret) >= 20 and secret not in code
    assert store.exists(code) and store.exists(code.lower())
    assert store.is_presenter(code, secret) and not store.is_presenter(code, secret + "x")
    assert store.view(code) == View(version=1)
    # The secret is nowhere in what is kept: only its hash.
    if isinstance(store, MemoryStore):
        kept = repr(store._rooms)
    else:
        kept = repr({k: store._redis.hgetall(k) for k in store._redis.keys(store.prefix + "*")
                     if store._redis.type(k) == "hash"})
    assert secret not in kept


def test_the_presenters_view_reaches_followers_with_a_new_version(store):
    code, secret = store.create_room()
    v = store.set_view(code, secret, "convolution", {"stride": "2", "input": "1,2;3,4"}, step=3, playing=True)
    assert v.version == 2 and store.version(code) == 2
    assert store.view(code) == View("convolution", (("stride", "2"), ("input", "1,2;3,4")), 3, True, 2)
    # The same view again changes nothing: followers do not rerun for it.
    assert store.set_view(code, secret, "convolution", {"stride": "2", "input": "1,2;3,4"}, 3, True).version == 2
    assert store.set_view(code, secret, "pooling", {}).version == 3


def test_the_players_data_is_kept_beside_the_view_and_fetched_by_its_name(store):
    import json

    code, secret = store.create_room()
    data = json.dumps({"key": "conv_player", "n": 9, "html": "<b>9</b>"}, separators=(",", ":"))
    v = store.set_view(code, secret, "convolution", {"stride": "2"}, 3, False, player=data)
    assert v.player == player_hash(data) and v.version == 2
    assert store.shown(code) == (v, None) and store.view(code) == v  # the view names the data, never carries it
    assert store.player(code, v.player) == data
    # The same view and data: no new version; a new step with the same data keeps the data.
    assert store.set_view(code, secret, "convolution", {"stride": "2"}, 3, False, player=data).version == 2
    assert store.set_view(code, secret, "convolution", {"stride": "2"}, 4, True, player=data).version == 3
    assert store.player(code, v.player) == data
    # A page without a player: its view names none, and the old data is gone with it.
    v2 = store.set_view(code, secret, "shapes", {})
    assert v2.player == "" and store.shown(code) == (v2, None)
    for name in (v.player, "", "0" * 16):  # data the view no longer names is not served
        with pytest.raises(RoomError):
            store.player(code, name)
    with pytest.raises(RoomNotFound):
        store.shown("AAAAA")
    with pytest.raises(RoomNotFound):
        store.player("AAAAA", v.player)


def test_a_view_is_shared_whatever_the_size_of_its_players_data(store):
    """Data too large to keep is not kept, and the view goes to followers all the same (their pages build it)."""
    code, secret = store.create_room()
    store.set_view(code, secret, "channels", {"example": "small"}, player='{"n": 1}')
    huge = '{"html": "' + "x" * MAX_PLAYER_CHARS + '"}'
    v = store.set_view(code, secret, "channels", {"example": "lecture"}, 4, False, player=huge)
    assert v.version == 3 and v.player == "" and store.shown(code) == (v, None)
    assert store.view(code).query == {"example": "lecture"} and store.view(code).step == 4
    with pytest.raises(RoomError):
        store.player(code, player_hash(huge))


@pytest.mark.parametrize("bad", ["x" * 10, "[1, 2]", '{"a":', 12])
def test_player_data_that_is_not_a_players_is_refused_and_the_room_unchanged(store, bad):
    code, secret = store.create_room()
    v = store.set_view(code, secret, "convolution", {"stride": "2"}, player='{"n": 1}')
    before = store.shown(code)
    with pytest.raises(RoomError) as err:
        store.set_view(code, secret, "convolution", {"stride": "3"}, player=bad)
    assert len(str(err.value)) < 200 and store.shown(code) == before and store.player(code, v.player) == '{"n": 1}'


def test_without_the_secret_the_players_data_is_not_written(store):
    code, secret = store.create_room()
    v = store.set_view(code, secret, "convolution", {}, player='{"n": 1}')
    before = store.shown(code)
    for forged in (None, "", "wrong", secret + "x"):
        with pytest.raises(NotPresenter):
            store.set_view(code, forged, "convolution", {}, player='{"n": 2, "html": "<script>"}')
    assert store.shown(code) == before and store.player(code, v.player) == '{"n": 1}'


def test_every_link_a_page_writes_is_shared_repeated_parameters_too(store):
    """The longest texts the pages' links take (a 32x32 grid of decimals), and a parameter given several times
    (Real images' filters), reach followers as they are."""
    code, secret = store.create_room()
    grid = ";".join(",".join(["-123456.5"] * 32) for _ in range(32))
    filters = ["Sharpen", "Emboss", "1,0,-1;2,0,-2;1,0,-1"]
    v = store.set_view(code, secret, "images", [("f", filters), ("k", "3"), ("input", grid)])
    assert v.params == (("f", "Sharpen"), ("f", "Emboss"), ("f", "1,0,-1;2,0,-2;1,0,-1"), ("k", "3"),
                        ("input", grid))
    assert store.view(code).query == {"f": filters, "k": "3", "input": grid}


@pytest.mark.parametrize("bad", [
    dict(page="../etc", params={}),
    dict(page="convolution", params={"stride": "x" * (MAX_PARAM_CHARS + 1)}),
    dict(page="convolution", params={f"p{i}": "1" for i in range(MAX_PARAMS + 1)}),
    dict(page="images", params={"f": ["1"] * (MAX_PARAMS + 1)}),
    dict(page="convolution", params={"bad name!": "1"}),
    dict(page="convolution", params={"stride": 2}),
    dict(page="convolution", params={}, step=-1),
    dict(page="convolution", params={}, step=True),
    dict(page="convolution", params={}, playing="yes"),
])
def test_a_view_that_is_not_one_is_refused_and_the_room_unchanged(store, bad):
    code, secret = store.create_room()
    before = _snapshot(store, code)
    with pytest.raises(RoomError) as err:
        store.set_view(code, secret, **bad)
    assert "Traceback" not in str(err.value) and len(str(err.value)) < 200
    assert _snapshot(store, code) == before


@pytest.mark.parametrize("secret", [None, "", "wrong", "x" * 10_000])
def test_without_the_secret_nothing_changes(store, secret):
    code, real = store.create_room()
    store.open_poll(code, real, "choice", options=("A", "B"))
    before = _snapshot(store, code)
    for change in (lambda: store.set_view(code, secret, "pooling", {}),
                   lambda: store.open_poll(code, secret, "number"),
                   lambda: store.reveal_poll(code, secret),
                   lambda: store.close_poll(code, secret)):
        with pytest.raises(NotPresenter):
            change()
    assert _snapshot(store, code) == before


@pytest.mark.parametrize("forged", ["AAAAA", "K7M2", "K7M2QQ", "O0O0O", "<script>", "x" * 10_000, "", None])
def test_a_forged_or_malformed_code_finds_no_room(store, forged):
    store.create_room()
    assert not store.exists(forged)
    with pytest.raises(RoomNotFound) as err:
        store.view(forged)
    assert len(str(err.value)) < 200


def test_codes_are_read_as_people_type_them():
    assert normalise_code(" k7m-2q ") == "K7M2Q"
    # a code copied out of a sentence, a chat message or a slide, with what stood around it
    for copied in ["K7M2Q,", "K7M2Q.", "k7m2q;", '"K7M2Q"', "'K7M2Q',", "(K7M2Q)", "[K7M2Q]", "<K7M2Q>", "“K7M2Q”.",
                   "«K7M2Q»", "K7M2Q!?", "K7M2Q…"]:
        assert normalise_code(copied) == "K7M2Q", copied
    for inside in ["K7,M2Q", "K7M2Q,X", "K7M2Qé"]:  # punctuation within a code, or a letter after it, is no code
        with pytest.raises(RoomNotFound):
            normalise_code(inside)
    with pytest.raises(RoomNotFound, match="not a room code"):
        normalise_code("K7M0Q")


def test_one_vote_per_voter_counted_once_and_late_votes_refused(store):
    code, secret = store.create_room()
    poll = store.open_poll(code, secret, "number", quiz="conv_params", seed=4, answer="760")
    assert poll.status == "open" and poll.answer == "760"
    v1, v2 = _id(), _id()
    assert store.vote(code, poll.id, v1, " 760 ") == "760"
    with pytest.raises(VoteRefused, match="already answered"):
        store.vote(code, poll.id, v1, "761")
    store.vote(code, poll.id, v2, "28x28x6")
    assert store.counts(code) == {"760": 1, "28x28x6": 1}
    store.close_poll(code, secret)
    with pytest.raises(VoteRefused, match="closed"):
        store.vote(code, poll.id, _id(), "760")
    assert store.reveal_poll(code, secret).status == "revealed"
    assert store.counts(code) == {"760": 1, "28x28x6": 1}


@pytest.mark.parametrize("answer", ["", "   ", "x" * 10_000, "seven", "1e9", "12;DROP", None, 12])
def test_an_answer_that_is_not_one_is_refused_and_not_counted(store, answer):
    code, secret = store.create_room()
    poll = store.open_poll(code, secret, "number")
    with pytest.raises(VoteRefused):
        store.vote(code, poll.id, _id(), answer)
    assert store.counts(code) == {}


def test_a_choice_poll_counts_only_its_options(store):
    code, secret = store.create_room()
    poll = store.open_poll(code, secret, "choice", options=("A", "B", "C"), answer="B")
    store.vote(code, poll.id, _id(), "B")
    with pytest.raises(VoteRefused, match="Pick one of A, B, C"):
        store.vote(code, poll.id, _id(), "D")
    assert store.counts(code) == {"B": 1}


def test_a_thousand_votes_from_one_voter_count_once(store):
    code, secret = store.create_room()
    poll = store.open_poll(code, secret, "choice", options=("A", "B"))
    voter = _id()
    refused = 0
    for i in range(1000):
        try:
            store.vote(code, poll.id, voter, "AB"[i % 2])
        except VoteRefused:
            refused += 1
    assert refused == 999 and store.counts(code) == {"A": 1}


def test_votes_cast_at_once_are_each_counted_exactly_once(store):
    code, secret = store.create_room()
    poll = store.open_poll(code, secret, "choice", options=("A", "B", "C"))
    voters = [_id() for _ in range(300)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        # Every voter twice, at once: the second vote of each must be refused.
        results = list(pool.map(lambda iv: _try_vote(store, code, poll.id, iv[1], "ABC"[iv[0] % 3]),
                                list(enumerate(voters)) * 2))
    assert results.count(True) == 300
    assert store.counts(code) == {"A": 100, "B": 100, "C": 100}


def _try_vote(store, code, poll_id, voter, answer) -> bool:
    try:
        store.vote(code, poll_id, voter, answer)
        return True
    except VoteRefused:
        return False


def test_a_poll_holds_a_bounded_number_of_voters(store, monkeypatch):
    import cnnviz.classroom.store as rooms

    monkeypatch.setattr(rooms, "MAX_VOTERS", 3)
    code, secret = store.create_room()
    poll = store.open_poll(code, secret, "number")
    for _ in range(3):
        store.vote(code, poll.id, _id(), "1")
    with pytest.raises(VoteRefused, match="all the answers it can take"):
        store.vote(code, poll.id, _id(), "1")
    assert store.counts(code) == {"1": 3}
    assert MAX_VOTERS >= 300


def test_a_new_poll_replaces_the_old_one_and_a_vote_for_the_old_one_is_refused(store):
    code, secret = store.create_room()
    first = store.open_poll(code, secret, "number")
    store.vote(code, first.id, _id(), "5")
    second = store.open_poll(code, secret, "choice", options=("A", "B"))
    assert second.id != first.id and store.poll(code) == second
    with pytest.raises(VoteRefused, match="no longer asked"):
        store.vote(code, first.id, _id(), "5")
    assert store.counts(code) == {}


@pytest.mark.parametrize("bad", [
    dict(kind="essay"), dict(kind="choice", options=("A",)), dict(kind="choice", options=("A", "A")),
    dict(kind="choice", options=("A", "x" * 10_000)), dict(kind="number", options=("A", "B")),
    dict(kind="number", answer="x" * 10_000), dict(kind="number", quiz="../../x"), dict(kind="number", seed=-1),
])
def test_a_poll_that_is_not_one_is_refused(store, bad):
    code, secret = store.create_room()
    before = _snapshot(store, code)
    with pytest.raises(RoomError):
        store.open_poll(code, secret, **bad)
    assert _snapshot(store, code) == before


def test_followers_are_counted_by_recent_heartbeats(store):
    code, _ = store.create_room()
    a, b = _id(), _id()
    store.heartbeat(code, a, now=1000.0)
    store.heartbeat(code, b, now=1000.0)
    store.heartbeat(code, a, now=1010.0)
    assert store.followers(code, now=1011.0) == 2
    assert store.followers(code, now=1035.0) == 1  # b went quiet 35 s ago
    with pytest.raises(RoomError):
        store.heartbeat(code, "not an id!")


def test_a_heartbeat_for_a_room_that_is_gone_says_so(store):
    with pytest.raises(RoomNotFound):
        store.heartbeat("K7M2Q", _id())


def test_an_idle_memory_room_expires():
    now = [0.0]
    store = MemoryStore(idle_ttl_s=60, clock=lambda: now[0])
    code, secret = store.create_room()
    now[0] = 59
    store.set_view(code, secret, "pooling", {})  # a write keeps it alive
    now[0] = 100
    assert store.exists(code)
    now[0] = 200
    assert not store.exists(code)
    with pytest.raises(RoomNotFound, match="no room"):
        store.view(code)


def test_redis_keys_expire_when_idle(redis_url):
    store = RedisStore(redis_url, idle_ttl_s=120, prefix=f"ttl-{_id()[:6]}:")
    code, secret = store.create_room()
    poll = store.open_poll(code, secret, "number")
    store.vote(code, poll.id, _id(), "3")
    store.heartbeat(code, _id())
    keys = store._redis.keys(store.prefix + "*")
    assert len(keys) == 4  # the room, its followers, the poll's voters and counts
    assert all(0 < store._redis.ttl(k) <= 120 for k in keys)


def test_a_restarted_redis_gives_a_clear_error_never_a_hang():
    import time

    from benchmarks.serve import have_redis, start_redis, stop

    if not have_redis():
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    proc, url = start_redis()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    store = RedisStore(url, timeout_s=1.0)
    code, secret = store.create_room()
    stop(proc)
    started = time.monotonic()
    with pytest.raises(RoomLost, match="cannot be reached"):
        store.version(code)
    assert time.monotonic() - started < 5
    proc, _ = start_redis(port)  # back, but empty: no persistence
    try:
        with pytest.raises(RoomNotFound):
            store.set_view(code, secret, "pooling", {})
        assert store.version(code) is None
        assert store.exists(store.create_room()[0])  # a new room works at once
    finally:
        stop(proc)


def test_store_from_env_picks_the_backend(redis_url):
    assert isinstance(store_from_env({}), MemoryStore)
    assert isinstance(store_from_env({"CNNVIZ_REDIS_URL": redis_url}), RedisStore)


def test_player_command_and_update_with_plain_values():
    assert player_command(View("convolution", (), None, False, 3)) is None
    a = player_command(View("convolution", (), 4, True, 3))
    b = player_command(View("convolution", (), 4, True, 4))
    assert a[1:] == b[1:] == (4, True) and a[0] != b[0]  # a new token per view: the player acts again
    assert player_update({"step": 7, "playing": True, "speed": 5}) == (7, True)
    for bad in (None, [], {"step": -1}, {"step": 10 ** 9}, {"step": True}, {"step": 3, "playing": "no"}):
        assert player_update(bad) is None
