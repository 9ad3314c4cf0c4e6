"""How the server process sends: a rerun's small WebSocket messages leave at once, not after a delayed ACK.

asyncio turns Nagle's algorithm off (``TCP_NODELAY``) on a connection only when its socket reports
the protocol number ``IPPROTO_TCP``; Streamlit's listening socket is made as ``socket.socket(family)``,
whose accepted connections report 0, so Nagle stays on. A rerun writes one message per element: after
the first few, each small write then waits for the browser's acknowledgement, which a browser's TCP
stack delays (40 ms on Linux, up to 200 ms on Windows), so every rerun of every page would reach the
client that much after its script finished.
"""
from __future__ import annotations

import asyncio.base_events
import socket

_done = False


def _set_nodelay(sock: socket.socket) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def send_small_writes_at_once() -> None:
    """Have asyncio set ``TCP_NODELAY`` on every TCP connection this process opens or accepts (once)."""
    global _done
    if not _done:
        asyncio.base_events._set_nodelay = _set_nodelay
        _done = True
