"""The load harness against a real `streamlit run`: simulated students get finished reruns, no errors,
and a closed session is dropped by the server once the disconnected-session TTL has passed."""
from __future__ import annotations

import asyncio

import pytest

from benchmarks.load import harness
from benchmarks.load.client import Student
from cnnviz.ui import available_pages
from conftest import in_own_thread, streamlit_server

pytestmark = pytest.mark.slow  # servers of their own, and waits for the session TTL to pass

TTL = 3  # seconds: the server's disconnected-session TTL in these tests (a reconnect must beat it)


@pytest.fixture(scope="module")
def load_server():
    """A server of its own with a short disconnected-session TTL; yields (url, pid)."""
    with streamlit_server("--server.disconnectedSessionTTL", str(TTL)) as server:
        yield server.url, server.pid


# What a class does on each page when the instructor says "now change it".
INTERACTIONS = {"": "rerun", "convolution": "player_edit", "pooling": "player_edit",
                "images": "selectbox:^Preset of filter"}

def _pages():
    """Home, and the pages a whole class clicks on at once."""
    return [""] + [p.url_path for p in available_pages() if p.url_path in INTERACTIONS]


@pytest.mark.parametrize("page", _pages())
def test_a_few_students_get_finished_reruns_without_errors(load_server, page):
    url, pid = load_server
    rep = in_own_thread(harness.main, ["--url", url, "--pids", str(pid), "--scenario", "steady", "--students", "4",
                        "--page", page, "--interaction", INTERACTIONS[page], "--ramp", "0.5", "--duration", "2",
                        "--think", "0.3", "--timeout", "20", "--settle", "0"])
    assert rep.errors == 0, rep.error_kinds
    assert rep.first_page_ms["n"] == 4  # every student saw a complete first page
    assert rep.interactions >= 4  # and their clicks came back as finished reruns
    assert rep.server_cpu_s > 0  # the server really ran the page script


def test_everyone_clicking_at_once_is_answered(load_server):
    url, pid = load_server
    rep = in_own_thread(harness.main, ["--url", url, "--pids", str(pid), "--scenario", "burst", "--students", "6",
                        "--rounds", "1", "--interaction", "rerun", "--settle", "0"])
    assert rep.errors == 0, rep.error_kinds
    assert rep.interactions == 6


def test_harness_refuses_anything_but_loopback():
    with pytest.raises(SystemExit):
        harness.parse_args(["--url", "http://example.com:8501"])


def test_a_closed_session_is_dropped_after_the_ttl(load_server):
    """Within the TTL a reconnecting tab gets its old session back (its memory is still held);
    after the TTL the server has let the session go and hands out a new one."""
    url, _ = load_server

    async def scenario():
        s = Student(url, "", timeout=20)
        await s.open()
        first = s.session_id
        await s.close()
        await s.open(resume=True)  # a blip: the same session comes back
        resumed = s.session_id
        await s.close()
        await asyncio.sleep(TTL + 1.5)
        # Expired sessions leave Streamlit's session store when it is next used: another tab arrives.
        other = Student(url, "", timeout=20)
        await other.open()
        await other.close()
        await s.open(resume=True)
        after_ttl = s.session_id
        await s.close()
        return first, resumed, after_ttl

    first, resumed, after_ttl = in_own_thread(asyncio.run, scenario())
    assert first and resumed == first
    assert after_ttl and after_ttl != first


def test_memory_of_closed_sessions_comes_back(load_server):
    """Rounds of 30 sessions opening, clicking and closing do not pile up server memory."""
    url, pid = load_server
    page = "convolution" if "convolution" in _pages() else ""
    # Plain reruns: edits would fill the pages' bounded caches with new entries, which is not a leak.
    interaction = "rerun"

    async def round_():
        students = [Student(url, page, timeout=20) for _ in range(30)]
        await asyncio.gather(*(s.open() for s in students))
        for _ in range(2):
            await asyncio.gather(*(s.interact(interaction) for s in students))
        await asyncio.gather(*(s.close() for s in students))
        await asyncio.sleep(TTL + 1)
        probe = Student(url, page, timeout=20)  # lets the server drop the expired sessions
        await probe.open()
        await probe.close()
        return harness.rss_mb([pid])

    after = [in_own_thread(asyncio.run, round_()) for _ in range(3)]
    # 30 idle sessions of a page cost a few MB; leaking them would add that every round.
    print("RSS after each round, MB:", after)
    assert after[-1] - after[0] < 8, after


def test_a_class_arriving_at_once_on_a_fresh_server():
    """The first sessions of a new server open a page link together (the lecture's first minute)."""
    page = "convolution" if "convolution" in _pages() else ""
    with streamlit_server() as server:
        rep = in_own_thread(harness.main, ["--url", server.url, "--pids", str(server.pid), "--scenario", "burst",
                                           "--students", "12", "--rounds", "1", "--page", page,
                                           "--interaction", "rerun", "--settle", "0"])
    assert rep.errors == 0, rep.error_kinds
    assert rep.first_page_ms["n"] == 12
