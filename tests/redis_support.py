"""A throwaway redis-server on a free loopback port, no persistence: for the room store's tests."""
from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator

from benchmarks.serve import free_port

REDIS_SERVER = "redis-server"


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


def stop_redis(proc: subprocess.Popen) -> None:
    """Stop a server from ``start_redis`` and wait for it."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server for the block; yields its URL."""
    proc, url = start_redis()
    try:
        yield url
    finally:
        stop_redis(proc)


def have_redis() -> bool:
    """True when the redis-server binary is installed."""
    return shutil.which(REDIS_SERVER) is not None
