"""Shared fixtures: the app root, and a real Streamlit server driven by Debian's Chromium."""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so one that fails fails every time (never one run
# in three), and no deadline: a loaded machine is slow, not wrong. HYPOTHESIS_PROFILE=explore draws anew.
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _need_browser():
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


@dataclasses.dataclass(frozen=True)
class Server:
    """A running ``streamlit run app.py``."""

    url: str  # http://127.0.0.1:PORT
    pid: int


def in_own_thread(fn, *args, **kwargs):
    """Call ``fn`` in a fresh thread: ``asyncio.run`` refuses to start inside Playwright's running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


@contextlib.contextmanager
def streamlit_server(*flags: str):
    """Run ``streamlit run app.py`` (plus ``flags``) on a free loopback port; yield a ``Server``."""
    port = _free_port()
    logs = ROOT / ".pytest_cache"
    logs.mkdir(exist_ok=True)
    with open(logs / f"streamlit-{port}.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", *flags],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"streamlit did not start (log: {log.name})")
                time.sleep(0.2)
            yield Server(url, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server_url):
    """A fresh browser page (its own context: no shared cookies or storage)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def wait_for_app(pg) -> None:
    """Wait until Streamlit has finished running the page script."""
    pg.wait_for_selector('[data-testid="stApp"]')
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stMain\"]')"
    )
    pg.wait_for_timeout(300)


def open_app_page(page_file: str, **params):
    """Run ``app.py`` in AppTest, switch to ``page_file`` and run it with ``params`` in its link."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.switch_page(page_file)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def player_html(at) -> str:
    """The step player's HTML document on an AppTest page."""
    frames = at.get("iframe")
    assert len(frames) == 1, "the player is missing"
    return frames[0].proto.srcdoc
