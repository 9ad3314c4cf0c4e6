"""The server process sends a rerun's small messages at once: TCP_NODELAY on every accepted connection."""
import asyncio
import socket
import subprocess
import sys

from conftest import ROOT


def nodelay_of_accepted_connection() -> int:
    """TCP_NODELAY of a connection accepted by asyncio from a listening socket made as Streamlit makes it."""
    async def main() -> int:
        listener = socket.socket(socket.AF_INET)  # protocol number 0, as Streamlit's
        listener.bind(("127.0.0.1", 0))
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        async def accepted(reader, writer):
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listener)
        _, writer = await asyncio.open_connection("127.0.0.1", listener.getsockname()[1])
        value = await asyncio.wait_for(seen, 10)
        writer.close()
        server.close()
        return value

    return asyncio.run(main())


def test_accepted_connections_send_small_writes_without_waiting():
    code = ("import sys; sys.path[:0] = [{root!r}, {tests!r}]; "
            "from test_serve import nodelay_of_accepted_connection as f; {setup}print(f())")

    def run(setup: str) -> int:
        script = code.format(root=str(ROOT), tests=str(ROOT / "tests"), setup=setup)
        out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return int(out.stdout.split()[-1])

    assert run("") == 0  # asyncio alone leaves Nagle on: small writes wait for the peer's delayed ACK
    assert run("from cnnviz.ui import serve; serve.send_small_writes_at_once(); ") != 0


def test_the_app_turns_it_on_before_serving():
    text = (ROOT / "app.py").read_text()
    assert text.index("serve.send_small_writes_at_once()") < text.index("st.App(")
