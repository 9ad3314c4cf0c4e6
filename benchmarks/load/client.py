"""One simulated student speaking Streamlit's own WebSocket protocol.

A browser loads ``/``, opens ``/_stcore/stream`` (subprotocol ``streamlit``) and sends a ``BackMsg``
``rerun_script`` carrying a ``ClientState`` (query string, page URL path, widget states). The server
answers with ``ForwardMsg``s (``new_session``, ``delta``s, ``script_finished``). Changing a widget
sends another ``rerun_script`` with the widget's new value in ``widget_states``, keyed by the
widget's id taken from the element the server sent. Plain HTTP never runs the page script.
"""
from __future__ import annotations

import asyncio
import gzip
import json
import random
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
WIDGET_KINDS = ("selectbox", "radio", "slider", "number_input", "checkbox", "button", "button_group",
                "dataframe", "text_input", "bidi_component")


class StudentError(Exception):
    """Something a student would see as broken: a traceback, a dropped connection, a hang."""


@dataclass
class Widget:
    """A widget the last run drew, with what is needed to send a new value for it."""

    kind: str  # Element oneof name: selectbox, slider, dataframe (data_editor), bidi_component (player), ...
    id: str
    label: str
    proto: object  # the element's own proto message
    fragment_id: str = ""

    def matches(self, kind: str, label: str) -> bool:
        kinds = {"data_editor": "dataframe", "segmented_control": "button_group", "pills": "button_group",
                 "player_edit": "bidi_component"}
        # The label part is a regular expression searched in the label and the id (which ends with the key).
        return self.kind == kinds.get(kind, kind) and (not label or re.search(label, self.label, re.I) is not None
                                                        or re.search(label, self.id, re.I) is not None)


@dataclass
class RunResult:
    seconds: float  # from the request to the finished run
    complete: float = 0.0  # ... and the images of that run fetched (what the student sees)
    shell: float = 0.0  # first page only: the HTML shell and Streamlit's frontend files
    exceptions: list[str] = field(default_factory=list)
    alerts: int = 0  # st.error boxes (bad input shown to the student; not a failure)
    bytes: int = 0
    largest: int = 0  # the largest single message, bytes (server.maxMessageSize must allow it)
    media: list[str] = field(default_factory=list)


async def http_get(base: str, path: str, cookies: dict[str, str], timeout: float = 30.0, *,
                   inflate: bool = True) -> tuple[int, dict, bytes]:
    """A minimal HTTP/1.1 GET over loopback; returns status, lower-cased headers, body. Keeps cookies.

    A gzipped body is inflated unless ``inflate`` is False (the caller reads ``content-encoding`` itself)."""
    u = urlsplit(base)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(u.hostname, u.port or 80), timeout)
    try:
        head = [f"GET {path} HTTP/1.1", f"Host: {u.netloc}", "Connection: close", "Accept-Encoding: gzip",
                "User-Agent: cnnviz-load"]
        if cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(-1), timeout)
    finally:
        writer.close()
    header_blob, _, body = raw.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k, v = k.strip().lower(), v.strip()
        if k == "set-cookie":
            c = SimpleCookie()
            c.load(v)
            cookies.update({name: m.value for name, m in c.items()})
        headers[k] = v if k not in headers else headers[k] + ", " + v
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    if inflate and headers.get("content-encoding", "").lower() == "gzip":  # a browser asks for it; so do we
        body = gzip.decompress(body)
    return status, headers, body


def _dechunk(body: bytes) -> bytes:
    out, i = bytearray(), 0
    while True:
        j = body.find(b"\r\n", i)
        if j < 0:
            break
        size = int(body[i:j].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += body[j + 2:j + 2 + size]
        i = j + 2 + size + 2
    return bytes(out)


class Student:
    """One browser tab: loads the page over HTTP, runs it over the WebSocket, changes widgets."""

    def __init__(self, base_url: str, page: str = "", query: str = "", *, rng: random.Random | None = None,
                 fetch_assets: bool = False, fetch_media: bool = True, timeout: float = 30.0):
        self.base = base_url.rstrip("/")
        self.page = page  # URL path of the page ("" for the default page)
        self.query = query
        self.rng = rng or random.Random()
        self.fetch_assets = fetch_assets
        self.fetch_media = fetch_media  # images are separate HTTP requests a browser makes after a run
        self.media_seen: set[str] = set()  # a browser caches an image by its URL
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.replica = ""  # which upstream served the page (from the proxy's X-Cnnviz-Replica header)
        self.ws = None
        self.page_hash = ""
        self.widgets: list[Widget] = []
        self.widget_states: dict[str, WidgetState] = {}
        self.runs = 0
        self.session_id = ""  # the server's id for this tab's session (from new_session)

    # --- connection ---------------------------------------------------------------------------
    async def open(self, resume: bool = False) -> RunResult:
        """Load the page as a first-time browser would and wait for the first complete run.

        With ``resume``, ask the server for this tab's previous session, as the browser does when
        its WebSocket reconnects (the session id is the third WebSocket subprotocol entry).
        """
        t0 = time.perf_counter()
        status, headers, body = await http_get(self.base, f"/{self.page}", self.cookies, self.timeout)
        if status != 200:
            raise StudentError(f"GET /{self.page} answered {status}")
        self.replica = headers.get("x-cnnviz-replica", self.replica)
        paths = ["/_stcore/health", "/_stcore/host-config"]
        if self.fetch_assets:
            paths += re.findall(rb'(?:src|href)="\.?/?(static/[^"]+\.(?:js|css))"', body)
        sem = asyncio.Semaphore(6)  # a browser opens up to 6 connections to one host

        async def fetch(p):
            p = p if isinstance(p, str) else "/" + p.decode()
            async with sem:
                st, _, _ = await http_get(self.base, p, self.cookies, self.timeout)
            if st != 200:
                raise StudentError(f"GET {p} answered {st}")

        await asyncio.gather(*(fetch(p) for p in paths))
        shell = time.perf_counter() - t0
        u = urlsplit(self.base)
        ws_url = f"ws://{u.netloc}/_stcore/stream"
        headers = {"Origin": f"http://{u.netloc}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.ws = await asyncio.wait_for(websockets.connect(
                ws_url, subprotocols=["streamlit", "resume", self.session_id] if resume and self.session_id
                else ["streamlit"], additional_headers=headers, max_size=None,
                open_timeout=self.timeout, ping_interval=None, compression=None), self.timeout)
        except (TimeoutError, OSError, websockets.WebSocketException) as e:
            raise StudentError(f"WebSocket did not open: {e!r}") from e
        t1 = time.perf_counter()
        result = await self._rerun(page_name=self.page)
        result.seconds += t1 - t0
        result.complete += t1 - t0
        result.shell = shell
        return result

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 5)
            except Exception:
                pass
            self.ws = None

    # --- interactions -------------------------------------------------------------------------
    def find(self, kind: str, label: str = "") -> list[Widget]:
        return [w for w in self.widgets if w.matches(kind, label)]

    async def interact(self, spec: str) -> RunResult:
        r"""Change one widget as a student would and wait for the rerun to finish.

        ``spec`` is ``kind[:label]``: ``data_editor`` edits one random cell, ``player_edit`` types a
        number into a random cell of the step player's input or filter, ``selectbox:^Filter \d``
        picks an option of a selectbox whose label (or key) matches that regular expression, ``slider``,
        ``number_input``, ``radio``, ``checkbox``, ``button``, ``segmented_control``; ``any`` picks one
        of the widgets on the page; ``rerun`` reruns without a change.
        """
        kind, _, label = spec.partition(":")
        if kind == "rerun":
            return await self._rerun()
        if kind == "any":
            candidates = [w for w in self.widgets if not getattr(w.proto, "disabled", False)
                          and (w.kind != "bidi_component" or self._editable(w))]  # a player one only steps
            if not candidates:  # a page without widgets: a plain rerun
                return await self._rerun()
        else:
            candidates = self.find(kind, label)
        if not candidates:
            raise StudentError(f"no widget for {spec!r} on page {self.page!r} "
                               f"(found: {sorted({w.kind + ':' + w.label for w in self.widgets})})")
        w = self.rng.choice(candidates)
        state = self._new_state(w)
        self.widget_states[w.id] = state
        states = list(self.widget_states.values())
        result = await self._rerun(fragment_id=w.fragment_id)
        # A trigger (button) is true only for the run it caused.
        if state.WhichOneof("value") == "trigger_value":
            self.widget_states.pop(w.id, None)
        del states
        return result

    async def set_number(self, label: str, value: float) -> RunResult:
        """Type ``value`` into the number input whose label (or key) matches ``label``; wait for the rerun."""
        found = self.find("number_input", label)
        if not found:
            raise StudentError(f"no number input {label!r} on page {self.page!r}")
        state = WidgetState(id=found[0].id)
        state.double_value = float(value)
        self.widget_states[state.id] = state
        return await self._rerun(fragment_id=found[0].fragment_id)

    def _new_state(self, w: Widget) -> WidgetState:
        rng, p, s = self.rng, w.proto, WidgetState(id=w.id)
        if w.kind in ("selectbox", "radio"):
            opts = list(p.options)
            s.string_value = rng.choice(opts) if opts else ""
        elif w.kind == "button_group":
            opts = [o.content for o in p.options]
            s.string_array_value.data.extend([rng.choice(opts)] if opts else [])
        elif w.kind == "slider":
            if len(p.options):  # a select_slider: Streamlit's frontend sends the options' texts
                s.string_array_value.data.extend([rng.choice(list(p.options))] * max(1, len(p.default)))
            else:
                steps = max(1, int(round((p.max - p.min) / (p.step or 1))))
                vals = sorted(p.min + (p.step or 1) * rng.randint(0, steps) for _ in range(max(1, len(p.default))))
                s.double_array_value.data.extend(vals)
        elif w.kind == "number_input":
            lo = p.min if p.has_min else (p.default - 5 if p.HasField("default") else -5)
            hi = p.max if p.has_max else (p.default + 5 if p.HasField("default") else 5)
            v = rng.uniform(lo, hi)
            s.double_value = float(round(v)) if p.data_type == p.INT else v
        elif w.kind == "checkbox":
            prev = self.widget_states.get(w.id)
            s.bool_value = not (prev.bool_value if prev is not None else p.default)
        elif w.kind == "button":
            s.trigger_value = True
        elif w.kind == "text_input":
            s.string_value = str(rng.randint(-9, 9))
        elif w.kind == "dataframe":
            s.string_value = json.dumps(self._editor_edit(w))
        elif w.kind == "bidi_component":
            s.json_value = json.dumps({"edit": self._player_edit(w)})
        else:
            raise StudentError(f"cannot change a {w.kind}")
        return s

    def _editor_edit(self, w: Widget) -> dict:
        """One cell edit on a data_editor, merged with the edits this student made before."""
        import pyarrow as pa  # only when a data_editor is edited

        table = pa.ipc.open_stream(w.proto.arrow_data.data).read_all()
        meta = json.loads((table.schema.metadata or {}).get(b"pandas", b"{}") or b"{}")
        index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
        cols = [f for f in table.schema if f.name not in index_cols and not f.name.startswith("__index_level_")]
        if not cols or table.num_rows == 0:
            raise StudentError("data_editor has no cells")
        prev = self.widget_states.get(w.id)
        edits = json.loads(prev.string_value) if prev is not None else {"edited_rows": {}, "added_rows": [],
                                                                           "deleted_rows": []}
        row, col = self.rng.randrange(table.num_rows), self.rng.choice(cols)
        value = self.rng.randint(-3, 3)
        cell = str(value) if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) else value
        edits["edited_rows"].setdefault(str(row), {})[col.name] = cell
        return edits

    @staticmethod
    def _player_data(w: Widget) -> dict:
        return json.loads(json.loads(w.proto.json or "{}").get("player") or "{}")

    def _editable(self, w: Widget) -> list:
        """The grids of the step player ``w`` a student may type into."""
        return self._player_data(w).get("editable") or []

    def _player_edit(self, w: Widget) -> dict:
        """What the step player sends when a student types a number into one of its editable cells."""
        data = self._player_data(w)
        grids = data.get("editable") or []
        if not grids:
            raise StudentError("the player has no cells to type into")
        Hp, Wp, kh, kw = data["dims"][:4]
        ph, pw = data["pad"]
        grid = self.rng.choice(grids)
        H, W = (Hp - 2 * ph, Wp - 2 * pw) if grid == "in" else (kh, kw)
        self.edits = getattr(self, "edits", 0) + 1
        return {"grid": grid, "row": self.rng.randrange(H), "col": self.rng.randrange(W),
                "text": str(self.rng.randint(-3, 3)), "seq": f"load-{id(self)}-{self.edits}"}

    # --- one run ------------------------------------------------------------------------------
    async def _rerun(self, page_name: str = "", fragment_id: str = "") -> RunResult:
        if self.ws is None:
            raise StudentError("not connected")
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.page_name = page_name
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(self.widget_states.values())
        t0 = time.perf_counter()
        try:
            await self.ws.send(msg.SerializeToString())
            result = await asyncio.wait_for(self._read_run(t0, full=not fragment_id), self.timeout)
            media = [u for u in result.media if u not in self.media_seen]
            if media and self.fetch_media:
                got = await asyncio.gather(*(http_get(self.base, u, self.cookies, self.timeout) for u in media))
                bad = [u for u, (st, _, _) in zip(media, got) if st != 200]
                if bad:
                    result.exceptions.append(f"image not served: {bad[0]} ({len(bad)} of {len(media)})")
                self.media_seen.update(media)
            result.complete = time.perf_counter() - t0
            return result
        except TimeoutError as e:
            raise StudentError(f"no finished run within {self.timeout:.0f} s") from e
        except websockets.ConnectionClosed as e:
            self.ws = None
            raise StudentError(f"connection closed ({e.rcvd.code if e.rcvd else 'no close frame'})") from e

    async def _read_run(self, t0: float, full: bool) -> RunResult:
        result = RunResult(0.0)
        widgets: list[Widget] = [] if full else [w for w in self.widgets]
        while True:
            raw = await self.ws.recv()
            result.bytes += len(raw)
            result.largest = max(result.largest, len(raw))
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fm.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                # With st.navigation the page that ran is named here (new_session names app.py).
                self.page_hash = fm.navigation.page_script_hash
            elif kind == "page_not_found":
                result.exceptions.append(f"page not found: {fm.page_not_found.page_name!r}")
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                et = el.WhichOneof("type")
                if et == "exception":
                    result.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
                elif et == "alert" and el.alert.format == el.alert.ERROR:
                    result.alerts += 1
                elif et == "imgs":
                    result.media.extend(i.url for i in el.imgs.imgs if i.url.startswith("/media/"))
                elif et in WIDGET_KINDS:
                    p = getattr(el, et)
                    if et == "dataframe" and not p.editing_mode:
                        continue  # a read-only st.dataframe
                    if p.id:
                        widgets = [w for w in widgets if w.id != p.id]
                        widgets.append(Widget(et, p.id, getattr(p, "label", ""), p, fm.delta.fragment_id))
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                result.seconds = time.perf_counter() - t0
                self.runs += 1
                if fm.script_finished not in FINISHED_OK:
                    result.exceptions.append(f"script finished with status {fm.script_finished}")
                self.widgets = widgets
                # Keep the values of widgets that are still on the page only.
                live = {w.id for w in widgets}
                self.widget_states = {k: v for k, v in self.widget_states.items() if k in live}
                return result
