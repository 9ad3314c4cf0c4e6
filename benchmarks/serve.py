"""The servers the tests and the benchmarks start, each on a free loopback port, and Debian's Chromium.

``streamlit run app.py`` runs from the project root, so it reads the project's ``.streamlit/config.toml``
(no collection after every run, no file watching) as a deployed server does; it is ready when its health
endpoint answers. A throwaway ``redis-server`` keeps nothing on disk; it is ready when it answers a ping.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach the outside and is refused.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_S = 90  # generous: the machine may be busy with other work
LOG_TAIL = 2000  # characters of the server's output shown when it does not start


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """True when the Streamlit server at ``url`` answers its health check."""
    try:
        return urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


def wait_until_healthy(url: str, proc: subprocess.Popen, timeout_s: float = SERVER_START_S,
                       log: Path | None = None) -> None:
    """Poll the health endpoint until it answers; raise RuntimeError, with the end of ``log``, if ``proc``
    exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            why = (f"exited with code {proc.returncode}" if proc.returncode is not None
                   else f"did not answer its health check within {timeout_s:.0f} s")
            tail = log.read_text(errors="replace")[-LOG_TAIL:] if log else ""
            raise RuntimeError(f"the server at {url} {why} (log: {log}):\n{tail}")
        time.sleep(0.1)  # the interval between two polls of the health endpoint


@dataclasses.dataclass(frozen=True)
class Server:
    """A running ``streamlit run app.py``."""

    # http://127.0.0.1:PORT, also the Origin a WebSocket client sends: a foreign one makes Streamlit look up
    # an external address over the network
    url: str
    pid: int
    log: Path  # the server's output


@contextlib.contextmanager
def streamlit_server(*flags: str, env: dict[str, str] | None = None, log_dir: Path | None = None) -> Iterator[Server]:
    """Run ``streamlit run app.py`` (plus ``flags``) on a free loopback port; yield a ``Server``; stop it.

    ``env`` adds to this process's environment for the server (``CNNVIZ_REDIS_URL``, ...). The server's
    output goes to ``log_dir/streamlit-PORT.log``; without ``log_dir``, to a temporary file, removed when
    nothing failed. Its end is in the error when the server does not start.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = log_dir / f"streamlit-{port}.log"
    else:
        fd, name = tempfile.mkstemp(prefix=f"streamlit-{port}-", suffix=".log")
        os.close(fd)
        log = Path(name)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             *flags],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )
        try:
            wait_until_healthy(url, proc, log=log)
            yield Server(url, proc.pid, log)
        finally:
            stop(proc)
    if not log_dir:  # reached only when nothing failed: a failure keeps the log
        log.unlink(missing_ok=True)

def stop(proc: subprocess.Popen, timeout_s: float = 15) -> None:
    """Ask a server to stop, kill it if it has not within ``timeout_s``, and wait for it."""
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


REDIS_SERVER = "redis-server"


def have_redis() -> bool:
    """True when the redis-server binary is installed."""
    return shutil.which(REDIS_SERVER) is not None


def start_redis(port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``redis-server`` on 127.0.0.1 (``port`` or a free one); return the process and its URL once it answers."""
    import redis

    port = port or free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + 20
    while True:
        try:
            if client.ping():
                break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)  # the interval between two pings of a server starting
    client.close()
    return proc, url


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server for the block; yields its URL."""
    proc, url = start_redis()
    try:
        yield url
    finally:
        stop(proc)


def launch_chromium(playwright):
    """Debian's Chromium, headless, kept from reaching the network on its own."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
