"""Shared fixtures: the app root, and a real Streamlit server driven by Debian's Chromium."""
from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from benchmarks.serve import CHROMIUM, ROOT, free_port, healthy, launch_chromium
from benchmarks.serve import streamlit_server as _streamlit_server
from browser_support import TIMEOUT_MS, wait_for_app  # noqa: F401 - re-exported for the tests

# Property tests draw the same examples on every run, so one that fails fails every time (never one run
# in three), and no deadline: a loaded machine is slow, not wrong. HYPOTHESIS_PROFILE=explore draws anew.
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that drives Chromium must say so, or ``-m "not browser"`` would still start it."""
    unmarked = [item.nodeid for item in items
                if "browser" in getattr(item, "fixturenames", ()) and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError("these tests use Chromium but lack the browser marker "
                                "(pytestmark = pytest.mark.browser, or @pytest.mark.browser): " + ", ".join(unmarked))


def _need_browser() -> None:
    """Skip browser tests on a developer machine without Chromium; in CI they must run."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if missing:
        msg = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI must run them)")
        pytest.skip(msg)


def in_own_thread(fn, *args, **kwargs):
    """Call ``fn`` in a fresh thread: ``asyncio.run`` refuses to start inside Playwright's running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


# The server's output stays in .pytest_cache/streamlit-PORT.log, for a test that failed.
streamlit_server = functools.partial(_streamlit_server, log_dir=ROOT / ".pytest_cache")


@pytest.fixture(scope="session")
def server_url():
    """One Streamlit server for the whole run."""
    _need_browser()
    with streamlit_server() as server:
        yield server.url


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, server_url):
    """A fresh browser page (its own context: no shared cookies or storage)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()


def open_app_page(page_file: str, **params):
    """Run ``app.py`` in AppTest, switch to ``page_file`` and run it with ``params`` in its link."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.switch_page(page_file)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def player_data(at) -> dict:
    """The data the step player component was given on an AppTest page (``views.player.player_data`` and more)."""
    import json

    players = [el for el in at.get("bidi_component") if el.proto.component_name == "cnnviz.player"]
    assert len(players) == 1, "the player is missing"
    return unpack_player(json.loads(players[0].proto.json))


def unpack_player(sent: dict) -> dict:
    """The player's data as ``player.js`` reads what it was sent: the grids' JSON text and the page's own keys."""
    import json

    sent = dict(sent)
    return {**json.loads(sent.pop("player")), **sent}


def grid_values(html: str, prefix: str) -> list[list[float]]:
    """The exact values of grid ``prefix`` (cells ``id="P-R-C"``, ``data-value``) in HTML, row by row."""
    import re

    cells = re.findall(rf'id="{prefix}-(\d+)-(\d+)"[^>]*data-value="([^"]*)"', html)
    H, W = max(int(r) for r, _, _ in cells) + 1, max(int(c) for _, c, _ in cells) + 1
    out = [[None] * W for _ in range(H)]
    for r, c, v in cells:
        out[int(r)][int(c)] = float(v)
    return out


def trace_numbers(values):
    """A Plotly trace's numbers as an array: a list, or Plotly's typed array (``{"dtype": "f8", "bdata": base64}``)."""
    import base64

    import numpy as np

    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values)


def player_html(at) -> str:
    """The step player's grids and legend (HTML) on an AppTest page."""
    data = player_data(at)
    return data["html"] + data["legend"]


def send_edit(at, player_key: str, grid: str, row: int, col: int, text: str):
    """Send what the player sends when a student types ``text`` into a cell and presses Enter; rerun."""
    send_edit.seq = getattr(send_edit, "seq", 0) + 1
    at.session_state[player_key] = {"edit": {"grid": grid, "row": row, "col": col, "text": text,
                                             "seq": f"test-{send_edit.seq}"}}
    return at.run()


def use_tool(at, player_key: str, grid: str, op: str, value=None):
    """Send what a tool under the player sends (``op``: rows, cols, random, clear, preset); rerun."""
    send_edit.seq = getattr(send_edit, "seq", 0) + 1
    at.session_state[player_key] = {"edit": {"grid": grid, "op": op, "value": value, "seq": f"test-{send_edit.seq}"}}
    return at.run()


def player_tools(at) -> str:
    """The tools bar under the step player (HTML) on an AppTest page."""
    return player_data(at).get("tools") or ""


def player_explains(at) -> list[str]:
    """The explanation (HTML) the step player shows at each step, on an AppTest page."""
    return player_data(at)["explain"]


@pytest.fixture
def room(monkeypatch):
    """A room started on /present in a store of its own: ``(presenter's app, the room's code, the store)``."""
    from streamlit.testing.v1 import AppTest

    from cnnviz.classroom import store as rooms
    from cnnviz.classroom.store import MemoryStore

    store = MemoryStore()
    rooms.room_store.cache_clear()
    monkeypatch.setattr(rooms, "room_store", lambda: store)
    presenter = AppTest.from_file("../app.py", default_timeout=30).run()
    presenter.switch_page("pages/present.py").run()
    presenter.button(key="room-start").click().run()
    return presenter, presenter.session_state["room_code"], store


def joined(code: str):
    """A student's app that opened the room's join link ``?join=code``."""
    from streamlit.testing.v1 import AppTest

    student = AppTest.from_file("../app.py", default_timeout=30)
    student.query_params["join"] = code
    return student.run()


@pytest.fixture(scope="session")
def redis_url():
    """A throwaway redis-server on a free loopback port for the whole run (no persistence); its URL."""
    from benchmarks.serve import have_redis, redis_server

    if not have_redis():
        msg = "redis-server is not installed (apt-get install -y redis-server; scripts/test.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI must run these tests)")
        pytest.skip(msg)
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
def store(request):
    """A fresh room store, once per backend: every store test runs against both."""
    from cnnviz.classroom.store import MemoryStore, RedisStore

    if request.param == "memory":
        yield MemoryStore()
        return
    import uuid

    store = RedisStore(request.getfixturevalue("redis_url"), prefix=f"test-{uuid.uuid4().hex[:8]}:")
    yield store


@pytest.fixture
def two_replicas():
    """deploy/run_replicas.sh 2 on free loopback ports; yields (url, {address: pid})."""
    import signal
    import tempfile
    import time
    from pathlib import Path

    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed (apt-get install -y nginx); CI does not install it")
    # nginx's workers read the frontend files from here: not pytest's private tmp_path.
    tmp_path = Path(tempfile.mkdtemp(prefix="cnnviz-deploy-test-"))
    tmp_path.chmod(0o755)
    port = free_port()
    base = free_port()
    while _free_port_pair_taken(base):
        base = free_port()
    env = dict(os.environ, CNNVIZ_PORT=str(port), CNNVIZ_BASE_PORT=str(base), CNNVIZ_RUN_DIR=str(tmp_path),
               CNNVIZ_REDIS_PORT=str(free_port()),
               PYTHON=sys.executable)  # the interpreter running the tests has streamlit
    env.pop("CNNVIZ_REDIS_URL", None)  # the script starts its own
    proc = subprocess.Popen(["bash", str(ROOT / "deploy" / "run_replicas.sh"), "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while not (tmp_path / "nginx.pid").exists() or not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            logs = "\n".join(p.read_text()[-800:] for p in sorted(tmp_path.glob("*.log")))
            pytest.fail(f"run_replicas.sh did not start:\n{logs}")
        time.sleep(0.1)  # the interval between two polls of nginx's pid file and the health endpoint
    rows = [r.split() for r in (tmp_path / "replicas").read_text().splitlines() if r.strip()]
    yield url, {addr: int(pid) for pid, addr in rows}
    proc.terminate()  # the script stops its replicas and nginx
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    shutil.rmtree(tmp_path, ignore_errors=True)


def _free_port_pair_taken(base: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", base + 1))
        except OSError:
            return True
    return False
