"""Rooms: a presenter leads a class through the app; students follow the presenter's view and answer polls.

A room is a short join code (``K7M2Q``), a presenter's secret (only its hash is stored), the
presenter's current view (a page, its link's parameters, the player's step and whether it plays, and
a version number that grows with every change students should see), the students following (a
heartbeat each) and at most one poll at a time. The view is what the presenter's page is: a follower's
page builds the same page from it. Beside it the room keeps the data the presenter's step player got,
named by its hash in the view, so that a follower's player can fetch it and show a change in place.
No personal data: followers and voters are random ids made by the server, one per browser session.

Two stores keep rooms behind one interface, ``RoomStore``: ``MemoryStore`` in one process (the
default for a single ``streamlit run app.py``) and ``RedisStore``, shared by every replica, chosen
by ``store_from_env`` when ``CNNVIZ_REDIS_URL`` is set. Everything a session sends is checked here,
so no session can change a room without its secret, whatever it sends. Failures are ``RoomError``
subclasses whose message a student understands.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, replace

from cnnviz.kernel.notation import format_count, format_number

__all__ = [
    "CODE_ALPHABET", "CODE_LENGTH", "IDLE_TTL_S", "FOLLOWER_TTL_S", "BEAT_S", "POLL_KINDS", "POLL_STATUSES",
    "View", "Poll", "RoomError", "RoomNotFound", "NotPresenter", "VoteRefused", "RoomLost",
    "RoomStore", "MemoryStore", "RedisStore", "store_from_env", "room_store", "normalise_code", "valid_id",
    "player_command", "player_update", "player_hash", "poll_token",
]

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: a code read off a projector is unambiguous
CODE_LENGTH = 5  # 32**5, about 33 million codes
IDLE_TTL_S = 4 * 3600  # a room nobody touches for this long is forgotten
FOLLOWER_TTL_S = 30  # a follower not heard from for this long no longer counts
BEAT_S = 10.0  # how often a follower says it is still there: three heartbeats within FOLLOWER_TTL_S
POLL_KINDS = ("number", "choice")  # a typed answer (a number or a shape such as 28x28x6), or one of the options
POLL_STATUSES = ("open", "closed", "revealed")
# A view is what the presenter's link says: any link a page writes fits these bounds, so every view is shared.
MAX_PARAMS = 64  # query parameters in a view, a repeated one counted each time (16 filters on Real images)
MAX_PARAM_CHARS = 16_384  # one parameter's text: any grid a page's link takes (32x32 at 16 characters a cell)
MAX_VIEW_CHARS = 100_000  # a whole view, as stored and sent to every follower with each change
# The player's data kept beside the view for followers' players to fetch (the lecture's 32x32x3 RGB example is
# about 1.4 million characters); a larger one is not kept, and followers' pages build it from the view themselves.
MAX_PLAYER_CHARS = 16_000_000
MAX_ANSWER_CHARS = 24
MAX_OPTIONS = 8
MAX_VOTERS = 2000  # per poll: more than any lecture hall, and a bound on what a poll can hold
MAX_FOLLOWERS = 2000  # per room
MAX_STEP = 100_000  # the player's step, as the pages' links allow
_PAGE = re.compile(r"^[a-z0-9_-]{0,40}$")  # a page's url_path ("" is the home page)
_PARAM = re.compile(r"^[A-Za-z0-9_]{1,40}$")
_NUMBER_ANSWER = re.compile(r"^-?\d{1,15}(x\d{1,9}){0,3}$")  # 760, -3, 28x28x6
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # follower and voter ids, made by the server
_POLL_ID = re.compile(r"^[A-Za-z0-9_:-]{1,64}$")


class RoomError(ValueError):
    """Something about a room that could not be done; the message is for the person who tried."""


class RoomNotFound(RoomError):
    """No room has this code (mistyped, or expired after hours without use)."""


class NotPresenter(RoomError):
    """The presenter's secret was missing or wrong: the room is unchanged."""


class VoteRefused(RoomError):
    """A vote that does not count: a second one, a late one, or an answer that is not an answer."""


class RoomLost(RoomError):
    """The store that keeps rooms cannot be reached, or forgot the room (it restarted)."""


@dataclass(frozen=True)
class View:
    """What the presenter shows: the page, its link, the player's step; ``version`` grows with each change."""

    page: str = ""  # the page's url_path; "" is the home page
    params: tuple[tuple[str, str], ...] = ()  # the page's query parameters, in order (a repeated one repeated)
    step: int | None = None  # the player's step; None: whatever the link says
    playing: bool = False  # the player plays
    version: int = 0  # grows by one with every change of the view or the poll
    player: str = ""  # the hash of the player's data kept with this view ("" when none is kept)

    @property
    def query(self) -> dict[str, str | list[str]]:
        """The link's parameters as ``st.query_params.from_dict`` takes them: a repeated one as the list of its texts.

        >>> View("images", (("f", "Sharpen"), ("k", "3"), ("f", "Emboss"))).query
        {'f': ['Sharpen', 'Emboss'], 'k': '3'}
        """
        out: dict[str, str | list[str]] = {}
        for name, text in self.params:
            had = out.get(name)
            out[name] = text if had is None else [*([had] if isinstance(had, str) else had), text]
        return out


@dataclass(frozen=True)
class Poll:
    """A question asked to the room. Its text and worked solution come from ``quiz`` and ``seed``."""

    id: str  # unique in the room
    kind: str  # one of POLL_KINDS
    quiz: str = ""  # the quiz's question kind it was generated from ("" for a show of hands)
    seed: int = 0  # with ``quiz``: the question, regenerated the same on every replica
    options: tuple[str, ...] = ()  # for "choice": the options, in order
    answer: str = ""  # the correct answer as counted ("760", "28x28x6", "B"); "" when there is none
    status: str = "open"  # one of POLL_STATUSES


@dataclass(frozen=True)
class _Record:
    secret_hash: str
    view: View
    poll: Poll | None


def normalise_code(text: str | None) -> str:
    """A join code as typed (``k7m2q``, `` K7M-2Q ``) or copied with the punctuation around it (``K7M2Q,``,
    ``"K7M2Q".``, ``(K7M2Q)``) in its stored form; raise RoomNotFound if it cannot be one.

    Examples
    --------
    >>> normalise_code(" k7m-2q "), normalise_code("K7M2Q,"), normalise_code("«(k7m2q).»")
    ('K7M2Q', 'K7M2Q', 'K7M2Q')
    """
    raw = "" if text is None else str(text)[:40]
    # what is neither a letter nor a digit at either end is the sentence the link was copied from
    code = re.sub(r"[\s-]", "", re.sub(r"^[\W_]+|[\W_]+$", "", raw)).upper()
    shown = raw.strip()[:12]
    if len(code) != CODE_LENGTH:
        raise RoomNotFound(f"'{shown}' is not a room code: a code has {CODE_LENGTH} letters and digits, "
                           f"like K7M2Q.")
    if any(ch not in CODE_ALPHABET for ch in code):
        raise RoomNotFound(f"'{shown}' is not a room code: codes have letters and digits but never 0, O, 1 "
                           f"or I, like K7M2Q.")
    return code


def valid_id(text: object) -> bool:
    """True when ``text`` has the form of a follower's or voter's id (random, made by the server)."""
    return isinstance(text, str) and _ID.match(text) is not None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _check_view(page: str, params, step, playing) -> tuple[str, tuple[tuple[str, str], ...], int | None, bool]:
    if not isinstance(page, str) or not _PAGE.match(page):
        raise RoomError("That page is not a page of the app.")
    items = list(params.items()) if isinstance(params, dict) else list(params)
    checked = []
    for item in items:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise RoomError("A view's settings are pairs of a name and a text.")
        name, texts = item
        # a repeated parameter (?f=Sharpen&f=Emboss): every text, in order, as the pages read it
        for text in texts if isinstance(texts, (list, tuple)) else [texts]:
            if not isinstance(name, str) or not _PARAM.match(name) or not isinstance(text, str):
                raise RoomError("A view's settings are pairs of a name and a text.")
            if len(text) > MAX_PARAM_CHARS:
                raise RoomError(f"The setting '{name}' is too long to share ({format_count(len(text))} characters).")
            checked.append((name, text))
            if len(checked) > MAX_PARAMS:
                raise RoomError(f"A view holds at most {MAX_PARAMS} settings.")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEP):
        raise RoomError(f"The player's step must be a whole number from 0 to {format_count(MAX_STEP)}.")
    if not isinstance(playing, bool):
        raise RoomError("Playing is yes or no.")
    return page, tuple(checked), step, playing


def _view_json(view: View) -> str:
    text = json.dumps(asdict(view), separators=(",", ":"))
    if len(text) > MAX_VIEW_CHARS:
        raise RoomError("This view has too many settings to share with the room.")
    return text


def _view_from(text: str, version: int) -> View:
    d = json.loads(text)
    return View(d["page"], tuple(tuple(p) for p in d["params"]), d["step"], d["playing"], version,
                d.get("player", ""))


def player_hash(player_json: str) -> str:
    """A short name of the player's data (JSON): equal for equal data, so a follower can tell it already shows it."""
    return hashlib.sha256(player_json.encode("utf-8", "replace")).hexdigest()[:16]


def _check_player(player) -> str:
    """The player's data as the presenter's page built it (a JSON object); RoomError if it is not."""
    try:
        ok = isinstance(player, str) and isinstance(json.loads(player), dict)
    except ValueError:
        ok = False
    if not ok:
        raise RoomError("The player's data is not a player's: the room was not changed.")
    return player


def _poll_json(poll: Poll) -> str:
    return json.dumps(asdict(poll), separators=(",", ":"))


def _poll_from(text: str | None) -> Poll | None:
    if not text:
        return None
    d = json.loads(text)
    return Poll(**{**d, "options": tuple(d["options"])})


def _check_answer(poll: Poll, answer) -> str:
    """The vote as counted, or VoteRefused saying why it is not an answer to ``poll``."""
    if not isinstance(answer, str) or not answer.strip():
        raise VoteRefused("Type or pick an answer first.")
    text = answer.strip()
    if len(text) > MAX_ANSWER_CHARS:
        raise VoteRefused("That answer is too long to be one: it was not counted.")
    if poll.kind == "choice":
        if text not in poll.options:
            raise VoteRefused(f"Pick one of {', '.join(poll.options)}.")
    elif not _NUMBER_ANSWER.match(text):
        raise VoteRefused("The answer is a whole number (like 760) or a shape (like 28x28x6).")
    return text


class RoomStore(ABC):
    """Rooms, behind one interface: every check here, the keeping in a backend.

    The presenter's methods take the room's code and secret; a wrong secret raises ``NotPresenter``
    and changes nothing. ``version(code)`` is the one cheap read a follower makes per tick.
    """

    idle_ttl_s: float = IDLE_TTL_S

    # -- what a backend keeps ---------------------------------------------------------------------
    @abstractmethod
    def _create(self, code: str, secret_hash: str, view_json: str) -> bool:
        """Make the room unless ``code`` is taken; True when made."""

    @abstractmethod
    def _load(self, code: str) -> tuple[str, int, str, str | None] | None:
        """(secret hash, version, view JSON, poll JSON or None), or None when there is no such room."""

    @abstractmethod
    def _shown(self, code: str) -> tuple[int, str, str | None] | None:
        """(version, view JSON, poll JSON or None), read together; None: no such room."""

    @abstractmethod
    def _player(self, code: str) -> tuple[str, str] | None:
        """(view JSON, player JSON or ""), read together; None: no such room."""

    @abstractmethod
    def _version(self, code: str) -> int | None:
        """The room's version, or None when there is no such room."""

    @abstractmethod
    def _write(self, code: str, view_json: str | None, poll_json: str | None, clear_votes: str | None,
               player_json: str | None = None) -> int:
        """Replace the view, the poll and/or the player's data (None: keep), drop poll ``clear_votes``'s votes;
        bump the version."""

    @abstractmethod
    def _vote(self, code: str, poll_id: str, voter: str, answer: str) -> str:
        """Count one vote atomically: "ok", "again" (this voter voted), "closed", "full" or "gone"."""

    @abstractmethod
    def _counts(self, code: str, poll_id: str) -> dict[str, int]:
        """Votes per answer of the poll."""

    @abstractmethod
    def _beat(self, code: str, follower: str, now: float) -> bool:
        """Record a follower's heartbeat; False when the room is gone or full of followers."""

    @abstractmethod
    def _followers(self, code: str, since: float) -> int:
        """Followers heard from since ``since`` (those older are forgotten)."""

    # -- the interface ----------------------------------------------------------------------------
    def create_room(self, view: View | None = None) -> tuple[str, str]:
        """A new room: ``(join code, presenter's secret)``. The secret is shown once; only its hash is kept."""
        secret = secrets.token_urlsafe(18)
        view = view or View()
        page, params, step, playing = _check_view(view.page, view.params, view.step, view.playing)
        text = _view_json(View(page, params, step, playing, 1))
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if self._create(code, _hash(secret), text):
                return code, secret
        raise RoomError("No free room code was found; try again.")

    def _record(self, code: str) -> _Record:
        row = self._load(normalise_code(code))
        if row is None:
            raise RoomNotFound(f"There is no room {normalise_code(code)}: check the code (rooms close after "
                               f"{format_number(self.idle_ttl_s / 3600)} hours without use).")
        secret_hash, version, view_json, poll_json = row
        return _Record(secret_hash, _view_from(view_json, version), _poll_from(poll_json))

    def _presenter(self, code: str, secret: str | None) -> _Record:
        record = self._record(code)
        given = _hash(secret) if isinstance(secret, str) and len(secret) <= 200 else ""
        if not hmac.compare_digest(given, record.secret_hash):
            raise NotPresenter("Only the presenter can change this room.")
        return record

    def exists(self, code: str) -> bool:
        """True when a room has this code (a malformed code has none)."""
        try:
            return self._version(normalise_code(code)) is not None
        except RoomNotFound:
            return False

    def version(self, code: str) -> int | None:
        """The room's version (grows with every change students should see); None when the room is gone."""
        return self._version(normalise_code(code))

    def view(self, code: str) -> View:
        """The presenter's current view."""
        return self._record(code).view

    def poll(self, code: str) -> Poll | None:
        """The room's poll, or None before the first."""
        return self._record(code).poll

    def is_presenter(self, code: str, secret: str | None) -> bool:
        """True when ``secret`` is this room's presenter secret."""
        try:
            self._presenter(code, secret)
        except (NotPresenter, RoomNotFound):
            return False
        return True

    def set_view(self, code: str, secret: str, page: str, params, step: int | None = None,
                 playing: bool = False, player: str | None = None) -> View:
        """The presenter shows ``page`` with ``params``: followers go there. Returns the view with its version.

        ``player`` is the data the presenter's step player got (JSON), kept beside the view and named by its
        hash (``View.player``) so that a follower's player can fetch it and show the change without a run of
        the page; None: no player. Data over ``MAX_PLAYER_CHARS`` is not kept, and the view is shared all
        the same: followers' pages then build it from the view.
        """
        record = self._presenter(code, secret)
        page, params, step, playing = _check_view(page, params, step, playing)
        if player is not None and not isinstance(player, str):
            _check_player(player)
        if player is not None and len(player) > MAX_PLAYER_CHARS:
            player = None  # not kept: followers' pages build it from the view
        name = "" if player is None else player_hash(player)
        view = View(page, params, step, playing, 0, name)
        if replace(record.view, version=0) == view:
            return record.view  # nothing changed: followers have nothing to do
        if not name:
            data = ""  # no data kept: whatever was kept goes
        elif name == record.view.player:
            data = None  # the same data (a step, a setting the player does not show): written once
        else:
            data = _check_player(player)
        version = self._write(normalise_code(code), _view_json(view), None, None, data)
        return replace(view, version=version)

    def shown(self, code: str) -> tuple[View, Poll | None]:
        """What followers are shown, read together: the view (with its version) and the poll."""
        row = self._shown(normalise_code(code))
        if row is None:
            raise RoomNotFound(f"There is no room {normalise_code(code)}.")
        version, view_json, poll_json = row
        return _view_from(view_json, version), _poll_from(poll_json)

    def player(self, code: str, name: str) -> str:
        """The player's data (JSON) the room's view names ``name`` (``View.player``), for a follower's player.

        Raises RoomNotFound when there is no such room, and RoomError when the view names other data now
        (the presenter moved on: the follower hears of the newer view).
        """
        row = self._player(normalise_code(code))
        if row is None:
            raise RoomNotFound(f"There is no room {normalise_code(code)}.")
        view_json, player_json = row
        if not name or not player_json or _view_from(view_json, 0).player != name:
            raise RoomError("The presenter has moved on from that view.")
        return player_json

    def open_poll(self, code: str, secret: str, kind: str, *, quiz: str = "", seed: int = 0,
                  options: tuple[str, ...] = (), answer: str = "") -> Poll:
        """Ask the room a question; a poll still open is replaced (its votes dropped)."""
        record = self._presenter(code, secret)
        if kind not in POLL_KINDS:
            raise RoomError(f"A poll is {' or '.join(POLL_KINDS)}, not {str(kind)[:12]!r}.")
        if not isinstance(quiz, str) or not re.fullmatch(r"[a-z_]{0,30}", quiz):
            raise RoomError("That is not one of the quiz's questions.")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 10 ** 9:
            raise RoomError("The question number must be a whole number from 0 to 999,999,999.")
        options = tuple(options)
        if kind == "choice" and not 2 <= len(options) <= MAX_OPTIONS:
            raise RoomError(f"A multiple-choice poll has 2 to {MAX_OPTIONS} options.")
        if kind == "number" and options:
            raise RoomError("A poll with a typed answer has no options.")
        if any(not isinstance(o, str) or not 0 < len(o) <= MAX_ANSWER_CHARS for o in options) or (
                len(set(options)) != len(options)):
            raise RoomError("Options are short texts, each different.")
        number = record.poll.id.rsplit("-", 1)[-1] if record.poll else "0"
        poll = Poll(f"p-{int(number) + 1 if number.isdigit() else 1}", kind, quiz, seed, options, "", "open")
        if answer:
            poll = replace(poll, answer=_check_answer(poll, answer))
        self._write(normalise_code(code), None, _poll_json(poll), record.poll.id if record.poll else None)
        return poll

    def _set_status(self, code: str, secret: str, status: str) -> Poll:
        record = self._presenter(code, secret)
        if record.poll is None:
            raise RoomError("There is no poll to close or reveal.")
        poll = replace(record.poll, status=status)
        self._write(normalise_code(code), None, _poll_json(poll), None)
        return poll

    def close_poll(self, code: str, secret: str) -> Poll:
        """Stop counting votes; the answer stays hidden."""
        return self._set_status(code, secret, "closed")

    def reveal_poll(self, code: str, secret: str) -> Poll:
        """Stop counting votes and show every follower the answer and the worked solution."""
        return self._set_status(code, secret, "revealed")

    def vote(self, code: str, poll_id: str, voter: str, answer: str) -> str:
        """Count ``voter``'s answer to poll ``poll_id`` once; returns it as counted.

        Raises ``VoteRefused`` (nothing counted) for a second vote, a late vote, a vote for a poll
        that is not the room's current one, or text that is not an answer.
        """
        if not isinstance(voter, str) or not _ID.match(voter):
            raise VoteRefused("This browser has no voter id: reload the page.")
        poll = self._record(code).poll
        if poll is None or not isinstance(poll_id, str) or poll.id != poll_id:
            raise VoteRefused("That question is no longer asked: your answer was not counted.")
        text = _check_answer(poll, answer)
        outcome = self._vote(normalise_code(code), poll_id, voter, text)
        reasons = {"again": "You already answered this question: only your first answer counts.",
                   "closed": "Voting on this question has closed: your answer was not counted.",
                   "full": "This question has all the answers it can take: yours was not counted.",
                   "gone": "That question is no longer asked: your answer was not counted."}
        if outcome != "ok":
            raise VoteRefused(reasons.get(outcome, reasons["gone"]))
        return text

    def counts(self, code: str, poll_id: str | None = None) -> dict[str, int]:
        """Votes per answer of the room's poll (or of ``poll_id``): what the histogram shows."""
        poll = self._record(code).poll
        pid = poll_id or (poll.id if poll else "")
        if not pid or not _POLL_ID.match(pid):
            return {}
        return self._counts(normalise_code(code), pid)

    def heartbeat(self, code: str, follower: str, now: float | None = None) -> None:
        """A follower is still following (called every few seconds by each follower's session)."""
        if not isinstance(follower, str) or not _ID.match(follower):
            raise RoomError("This browser has no follower id: reload the page.")
        if not self._beat(normalise_code(code), follower, time.time() if now is None else now):
            if self._version(normalise_code(code)) is None:
                raise RoomNotFound(f"The room {normalise_code(code)} has closed.")

    def followers(self, code: str, now: float | None = None) -> int:
        """How many students follow: heartbeats within the last ``FOLLOWER_TTL_S`` seconds."""
        return self._followers(normalise_code(code), (time.time() if now is None else now) - FOLLOWER_TTL_S)


@dataclass
class _MemoryRoom:
    secret_hash: str
    view_json: str
    version: int
    poll_json: str | None = None
    player_json: str = ""
    votes: dict[str, dict[str, str]] = field(default_factory=dict)  # poll id -> voter -> answer
    beats: dict[str, float] = field(default_factory=dict)  # follower -> last heard
    touched: float = 0.0


class MemoryStore(RoomStore):
    """Rooms in this process's memory, behind one lock; a room idle for ``idle_ttl_s`` is dropped."""

    def __init__(self, idle_ttl_s: float = IDLE_TTL_S, clock=time.monotonic) -> None:
        self.idle_ttl_s = idle_ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._rooms: dict[str, _MemoryRoom] = {}

    def _live(self, code: str) -> _MemoryRoom | None:
        now = self._clock()
        room = self._rooms.get(code)
        if room is not None and now - room.touched > self.idle_ttl_s:
            del self._rooms[code]
            return None
        return room

    def _sweep(self) -> None:
        now = self._clock()
        for code in [c for c, r in self._rooms.items() if now - r.touched > self.idle_ttl_s]:
            del self._rooms[code]

    def _create(self, code, secret_hash, view_json):
        with self._lock:
            self._sweep()
            if code in self._rooms:
                return False
            self._rooms[code] = _MemoryRoom(secret_hash, view_json, 1, touched=self._clock())
            return True

    def _load(self, code):
        with self._lock:
            room = self._live(code)
            return None if room is None else (room.secret_hash, room.version, room.view_json, room.poll_json)

    def _shown(self, code):
        with self._lock:
            room = self._live(code)
            return None if room is None else (room.version, room.view_json, room.poll_json)

    def _player(self, code):
        with self._lock:
            room = self._live(code)
            return None if room is None else (room.view_json, room.player_json)

    def _version(self, code):
        with self._lock:
            room = self._live(code)
            return None if room is None else room.version

    def _write(self, code, view_json, poll_json, clear_votes, player_json=None):
        with self._lock:
            room = self._live(code)
            if room is None:
                raise RoomLost(f"The room {code} has closed.")
            if view_json is not None:
                room.view_json = view_json
            if player_json is not None:
                room.player_json = player_json
            if poll_json is not None:
                room.poll_json = poll_json
            if clear_votes:
                room.votes.pop(clear_votes, None)
            room.version += 1
            room.touched = self._clock()
            return room.version

    def _vote(self, code, poll_id, voter, answer):
        with self._lock:
            room = self._live(code)
            poll = _poll_from(room.poll_json) if room else None
            if poll is None or poll.id != poll_id:
                return "gone"
            if poll.status != "open":
                return "closed"
            votes = room.votes.setdefault(poll_id, {})
            if voter in votes:
                return "again"
            if len(votes) >= MAX_VOTERS:
                return "full"
            votes[voter] = answer
            room.touched = self._clock()
            return "ok"

    def _counts(self, code, poll_id):
        with self._lock:
            room = self._live(code)
            counts: dict[str, int] = {}
            for answer in (room.votes.get(poll_id, {}) if room else {}).values():
                counts[answer] = counts.get(answer, 0) + 1
            return counts

    def _beat(self, code, follower, now):
        with self._lock:
            room = self._live(code)
            if room is None or (follower not in room.beats and len(room.beats) >= MAX_FOLLOWERS):
                return False
            room.beats[follower] = now
            room.touched = self._clock()
            return True

    def _followers(self, code, since):
        with self._lock:
            room = self._live(code)
            if room is None:
                return 0
            for f in [f for f, t in room.beats.items() if t < since]:
                del room.beats[f]
            return len(room.beats)


# Redis: one hash per room (secret, version, view, poll, the player's data), a sorted set of followers by last
# heartbeat, and per poll a set of voters and a hash of counts. Every key of a room expires after IDLE_TTL_S
# without a write. A vote is one Lua script: the poll's state, the voter's first vote and the count
# change together, so 300 votes at once each count exactly once.
_VOTE_LUA = """
local poll = redis.call('HGET', KEYS[1], 'poll')
if not poll then return 'gone' end
local p = cjson.decode(poll)
if p['id'] ~= ARGV[1] then return 'gone' end
if p['status'] ~= 'open' then return 'closed' end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return 'again' end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 'full' end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 'ok'
"""
_BEAT_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class RedisStore(RoomStore):
    """Rooms in Redis, shared by every replica. Short socket timeouts: a store that went away raises
    ``RoomLost`` within a few seconds instead of hanging a page."""

    def __init__(self, url: str, idle_ttl_s: int = IDLE_TTL_S, prefix: str = "cnnviz:room:", timeout_s: float = 2.0):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.idle_ttl_s = int(idle_ttl_s)
        self.prefix = prefix
        self._errors = (redis.ConnectionError, redis.TimeoutError)
        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=timeout_s,
                                           socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 1),
                                           health_check_interval=30)
        self._vote_script = self._redis.register_script(_VOTE_LUA)
        self._beat_script = self._redis.register_script(_BEAT_LUA)

    def _k(self, code: str, *rest: str) -> str:
        return self.prefix + ":".join((code, *rest))

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except self._errors as exc:
            raise RoomLost("The server that keeps the rooms cannot be reached just now; try again in a moment."
                           ) from exc

    def _create(self, code, secret_hash, view_json):
        def go():
            key = self._k(code)
            if not self._redis.hsetnx(key, "secret", secret_hash):
                return False
            pipe = self._redis.pipeline()
            pipe.hset(key, mapping={"version": 1, "view": view_json})
            pipe.expire(key, self.idle_ttl_s)
            pipe.execute()
            return True
        return self._call(go)

    def _load(self, code):
        def go():
            row = self._redis.hmget(self._k(code), ["secret", "version", "view", "poll"])
            if row[0] is None or row[2] is None:
                return None
            return row[0], int(row[1]), row[2], row[3]
        return self._call(go)

    def _shown(self, code):
        row = self._call(self._redis.hmget, self._k(code), ["version", "view", "poll"])
        if row[0] is None or row[1] is None:
            return None
        return int(row[0]), row[1], row[2]

    def _player(self, code):
        row = self._call(self._redis.hmget, self._k(code), ["view", "player"])
        return None if row[0] is None else (row[0], row[1] or "")

    def _version(self, code):
        v = self._call(self._redis.hget, self._k(code), "version")
        return None if v is None else int(v)

    def _write(self, code, view_json, poll_json, clear_votes, player_json=None):
        def go():
            key = self._k(code)
            if not self._redis.exists(key):
                raise RoomLost(f"The room {code} is gone (the server that keeps rooms may have restarted): "
                               f"start a new room.")
            pipe = self._redis.pipeline()  # MULTI/EXEC: students see the new view and version together
            fields = {k: v for k, v in (("view", view_json), ("poll", poll_json), ("player", player_json))
                      if v is not None}
            if fields:
                pipe.hset(key, mapping=fields)
            if clear_votes:
                pipe.delete(self._k(code, "poll", clear_votes, "voters"), self._k(code, "poll", clear_votes, "counts"))
            pipe.hincrby(key, "version", 1)
            pipe.expire(key, self.idle_ttl_s)
            return int(pipe.execute()[-2])
        return self._call(go)

    def _vote(self, code, poll_id, voter, answer):
        keys = [self._k(code), self._k(code, "poll", poll_id, "voters"), self._k(code, "poll", poll_id, "counts")]
        return self._call(self._vote_script, keys, [poll_id, voter, answer, MAX_VOTERS, self.idle_ttl_s])

    def _counts(self, code, poll_id):
        raw = self._call(self._redis.hgetall, self._k(code, "poll", poll_id, "counts"))
        return {k: int(v) for k, v in raw.items()}

    def _beat(self, code, follower, now):
        keys = [self._k(code), self._k(code, "followers")]
        return bool(self._call(self._beat_script, keys, [follower, now, MAX_FOLLOWERS, self.idle_ttl_s]))

    def _followers(self, code, since):
        def go():
            key = self._k(code, "followers")
            pipe = self._redis.pipeline()
            pipe.zremrangebyscore(key, "-inf", f"({since}")
            pipe.zcard(key)
            return int(pipe.execute()[1])
        return self._call(go)


def store_from_env(environ: dict | None = None) -> RoomStore:
    """``RedisStore`` when ``CNNVIZ_REDIS_URL`` is set (every replica shares it), else a ``MemoryStore``."""
    url = (os.environ if environ is None else environ).get("CNNVIZ_REDIS_URL", "").strip()
    return RedisStore(url) if url else MemoryStore()


@functools.cache
def room_store() -> RoomStore:
    """The process's one room store (``store_from_env``), shared by the room's pages and its push channel."""
    return store_from_env()


def player_command(view: View) -> tuple[str, int, bool] | None:
    """What a following student's player is told: ``(token, step, playing)``, the token new with each view.

    None when the view names no step (the player then opens where the link says).

    Examples
    --------
    >>> player_command(View("convolution", (), 4, True, 7))
    ('v7', 4, True)
    """
    return None if view.step is None else (f"v{view.version}", view.step, view.playing)


def poll_token(poll: Poll | None) -> str:
    """What a follower's page shows of the poll, as a short text: ``p-3:open``; "" before the first poll.

    Examples
    --------
    >>> poll_token(Poll("p-3", "choice", options=("A", "B")))
    'p-3:open'
    """
    return "" if poll is None else f"{poll.id}:{poll.status}"


def player_update(report: object) -> tuple[int, bool] | None:
    """The presenter's player's report (``{"step", "playing", "speed"}``) as ``(step, playing)``, or None if unusable.

    Examples
    --------
    >>> player_update({"step": 5, "playing": False, "speed": 2})
    (5, False)
    >>> player_update({"step": "5; drop"}) is None
    True
    """
    if not isinstance(report, dict):
        return None
    step, playing = report.get("step"), report.get("playing", False)
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEP:
        return None
    if not isinstance(playing, bool):
        return None
    return step, playing
