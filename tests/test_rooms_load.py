"""The follower driver against a real `streamlit run` sharing a real redis-server: a few students follow
two presenter changes made on the presenter's page, pushed (shown in the players in place) or by ticks, and
none misses one; then each votes once, and a replayed
vote is not counted."""
from __future__ import annotations

import pytest

from benchmarks.load import followers
from conftest import in_own_thread, streamlit_server

pytestmark = pytest.mark.slow  # a server and a redis-server of its own


@pytest.mark.parametrize("push", ["1", "0"])
def test_three_followers_see_every_change(redis_url, monkeypatch, push):
    monkeypatch.setenv("CNNVIZ_REDIS_URL", redis_url)
    monkeypatch.setenv("CNNVIZ_ROOMS_PUSH", push)
    with streamlit_server() as server:
        rep = in_own_thread(followers.main, ["--url", server.url, "--pids", str(server.pid), "--redis", redis_url,
                                             "--n", "3", "--baseline", "1", "--idle", "4", "--changes", "2",
                                             "--gap", "3", "--vote"])
    assert rep.mode == {"1": "push", "0": "tick"}[push]
    assert rep.joined == 3 and not rep.errors, rep.errors
    assert rep.changes == 2 and rep.missed == 0
    assert rep.counted == 3  # the presenter sees how many follow
    assert rep.follow_ms["n"] == 6 and rep.follow_ms["max"] < 10_000
    # Every follower voted through its page, then replayed the vote with another answer: counted once each.
    assert rep.voters == 3 and rep.votes_counted == 3 and rep.votes_right
    if push == "1":  # pushed: every change reached the players in place, no follower's page ran for it
        assert rep.in_place == 6 and rep.room_runs == 0
    if push == "0":
        assert rep.idle_ticks > 0  # the tick ran while nothing changed; the push never reruns then


def test_three_followers_see_every_stride_and_step_of_the_lectures_rgb_example(redis_url, monkeypatch):
    """The lecture's 32x32x3 RGB example, 1.4 MB of player data: each stride reaches the players in place with
    the data fetched from the follower's replica, each step without any data; no follower's page runs."""
    monkeypatch.setenv("CNNVIZ_REDIS_URL", redis_url)
    with streamlit_server() as server:
        rep = in_own_thread(followers.main, ["--url", server.url, "--pids", str(server.pid), "--redis", redis_url,
                                             "--page", "channels", "--n", "3", "--baseline", "1", "--idle", "2",
                                             "--changes", "2", "--steps", "2", "--gap", "2"])
    assert rep.mode == "push" and rep.joined == 3 and not rep.errors, rep.errors
    assert rep.changes == 6 and rep.missed == 0 and rep.follow_ms["n"] == 18
    assert rep.stride_ms["n"] == 6 and rep.step_ms["n"] == 12
    assert rep.in_place == 18 and rep.room_runs == 0
    assert rep.fetched == 6 and 20 < rep.fetched_kb < 200  # once a stride per follower, compressed


def test_the_driver_refuses_anything_but_loopback():
    with pytest.raises(SystemExit):
        followers.parse_args(["--url", "http://example.com:8501", "--redis", "redis://127.0.0.1:6379"])
    with pytest.raises(SystemExit):
        followers.parse_args(["--redis", "redis://10.0.0.1:6379"])
