"""Rooms in the app: the presenter's page, the follow bar on every page, polls, and the follower's tick.

``app.py`` calls ``room_bar(page, pages)`` before running the page (a join link, the follow bar, the
poll) and ``after_page(page)`` after it (the presenter publishes the page's link; a follower who
changed something on their own breaks away), and installs ``RoomSeam`` around every page
(``cnnviz.ui.seam``): through it a follower's step player takes the presenter's step, and the
presenter's player reports its own. A following student's page listens to the room's push channel
(``cnnviz.classroom.push``) and reruns the app only when the room changed; where nothing serves that
channel (a page run on its own, AppTest), a fragment checks the room's version every ``TICK_S``
seconds instead (one cheap store read per tick).
"""
from __future__ import annotations

import html
import json
import time
import uuid
from collections.abc import Mapping

import streamlit as st

from cnnviz.classroom import store as rooms
from cnnviz.kernel.notation import format_count, format_shape
from cnnviz.lecture.quiz import Question, check_answer, grid_markdown, question_of_kind
from cnnviz.classroom.store import Poll, RoomError, RoomLost, RoomNotFound, RoomStore, View
from cnnviz.ui import ROOT, available_pages, page_link, plain, seam
from cnnviz.ui import html as ui_html
from cnnviz.ui.widgets import presenter_style
from cnnviz.views.assets import style
from cnnviz.classroom import push
from cnnviz.ui.state import UrlState
from cnnviz.classroom.figures import join_qr_png, poll_figure, shown_answer

TICK_S = 2.0  # how often a follower's session looks at the room's version
BOARD_FIGURE = {"font_size": 24, "height": 340}  # the poll's answers on the projected present page
PRESENT_PAGE = "present"
ROOM_PARAMS = ("join", "room", "key")  # the link's room parameters: never part of a shared view

_CODE, _SECRET, _MODE, _SEEN, _ID = "room_code", "room_secret", "room_mode", "room_seen", "room_id"
_BEAT, _PLAYER, _VOTES, _NOTE, _PAGE = "room_beat", "room_player", "room_votes", "room_note", "room_page"
_REVEALED = "room_revealed"  # poll id -> the room's version when this session first saw it revealed
_SHOWN = "room_shown"  # (page, link) as this follower's page wrote it after showing the presenter's view
_SEEN_PLAYER = "room_seen_player"  # the hash of the presenter's player data in the view this follower showed
_DRAWN = "room_player_data"  # (page, JSON): the data the presenter's player got in this run
_LINK_ASKED = "room_link_asked"  # the presenter asked to see their private link (a dialog, once)
_UNSHARED = "room_unshared"  # why students following cannot see the presenter's view (None: they can)
_UNSHARED_SHOWN = "room_unshared_shown"  # ... as the top of the presenter's page said it in its last run
# What of the player's data is the same for every student on the presenter's link (its grids, the component's key,
# the tools under it); the rest (where it opens, the last edit applied, the layout, reporting) is one session's.
_SHARED_PLAYER = ("key", "player", "tools")

# What the presenter can ask with one click: the quiz's generators, numbers from the kernel.
QUESTIONS = {
    "activation_cell": "What is this cell of the activation map?",
    "conv_output": "What size is the output?",
    "conv_params": "How many parameters?",
    "edge_filter": "Which filter finds these edges? (multiple choice)",
    "hands": "A show of hands: A, B, C or D (asked aloud)",
}


def _ss():
    return st.session_state


def session_id() -> str:
    """This browser's random id (follower and voter): no personal data.

    The room's listener keeps it in the cookie ``push.VOTER_COOKIE``, so a reload of the page, which starts a
    new session, is still the same voter (one answer a question); a session without it makes a new one.
    """
    sid = _ss().get(_ID)
    if sid is None:
        try:
            kept = st.context.cookies.get(push.VOTER_COOKIE)
        except Exception:  # noqa: BLE001 - no browser behind this run (AppTest, a bare script): a new id
            kept = None
        sid = _ss()[_ID] = kept if rooms.valid_id(kept) else uuid.uuid4().hex
    return sid


def is_presenter() -> bool:
    """True when this session holds its room's presenter secret."""
    return bool(_ss().get(_CODE) and _ss().get(_SECRET))


def following() -> bool:
    """True when this session is a student following its room's presenter."""
    return bool(_ss().get(_CODE)) and not is_presenter() and _ss().get(_MODE) == "follow"


def join(code: str) -> str:
    """Join the room ``code`` as a follower (raises RoomError saying why not); returns its normalised code."""
    code = rooms.normalise_code(code)
    if not rooms.room_store().exists(code):
        raise RoomNotFound(f"There is no room {code}: check the code on the projector.")
    _ss().update({_CODE: code, _MODE: "follow", _SEEN: None})
    _ss().pop(_SECRET, None)
    return code


def leave() -> None:
    """Leave the room (a follower), or stop presenting."""
    for key in (_CODE, _SECRET, _MODE, _SEEN, _PLAYER, _UNSHARED):
        _ss().pop(key, None)
    st.query_params.pop("join", None)


def _page_params() -> dict[str, str | list[str]]:
    """The link's parameters without the room's own: a repeated one (``?f=Sharpen&f=Emboss``) as the list of its
    texts, the form ``View.query`` has."""
    out: dict[str, str | list[str]] = {}
    for k in st.query_params:
        texts = st.query_params.get_all(k)
        if k not in ROOM_PARAMS and texts:
            out[k] = texts[0] if len(texts) == 1 else list(texts)
    return out


def _take_link() -> None:
    """Read ``?join=CODE`` (a student) or ``?room=CODE&key=SECRET`` (the presenter, taken out of the link)."""
    params = st.query_params
    if "room" in params and "key" in params:
        code, secret = params.get("room", ""), params.get("key", "")
        del params["room"], params["key"]
        try:
            ok = rooms.room_store().is_presenter(code, secret)
        except RoomError as exc:
            _ss()[_NOTE] = ("error", str(exc))
            return
        if ok:
            _ss().update({_CODE: rooms.normalise_code(code), _SECRET: secret})
            _ss().pop(_MODE, None)
        else:
            _ss()[_NOTE] = ("error", "That presenter link is not valid (or its room has closed).")
    if "join" in params:
        # While a student follows, the link keeps ``join=CODE``: a reload, or a reconnect to another
        # replica (a new session), joins again and follows on.
        code = params.get("join", "")
        try:
            if _ss().get(_CODE) != rooms.normalise_code(code) or is_presenter():
                join(code)
                _ss()[_NOTE] = ("success", f"You joined room {_ss()[_CODE]}: your page now follows the lecturer.")
            if not following():
                del params["join"]
        except RoomError as exc:
            del params["join"]
            _ss()[_NOTE] = ("error", str(exc))


def _apply(view: View, page, pages: Mapping[str, object]) -> None:
    """Show the presenter's view: switch to its page with its link, or put its link into this page's."""
    _ss()[_SEEN] = view.version
    _ss()[_SEEN_PLAYER] = view.player
    _ss()[_SHOWN] = None
    target = pages.get(view.page)
    if target is None:
        return  # a page this replica does not have: stay
    link = {**view.query, "join": _ss()[_CODE]}
    # The presenter's link leaves defaults out: read it as a link opened fresh, so that a setting it
    # leaves out is the default there too, not what this student had before.
    UrlState.forget_links()
    if view.page != page.url_path:
        st.switch_page(target, query_params=link)
    if _page_params() != view.query:
        st.query_params.from_dict(link)


def room_bar(page, pages: Mapping[str, object]) -> None:
    """Before the page runs: a join or presenter link, the follow bar, the poll, and the follower's tick.

    ``page`` is the page about to run (``st.navigation``'s result), ``pages`` every page by url_path.
    """
    _ss()[_PAGE] = page.url_path
    _ss().pop(_DRAWN, None)
    _take_link()
    code = _ss().get(_CODE)
    poll = None
    if code and not is_presenter():
        try:
            version = rooms.room_store().version(code)
            if version is None:
                leave()
                _ss()[_NOTE] = ("warning", f"Room {code} has closed: this page is your own now.")
            elif _ss().get(_MODE) == "follow" and version != _ss().get(_SEEN):
                _apply(rooms.room_store().view(code), page, pages)  # may switch page: the note waits for that run
            poll = rooms.room_store().poll(code) if _ss().get(_CODE) else None
        except RoomLost as exc:
            _ss()[_NOTE] = ("warning", str(exc))
    note = _ss().pop(_NOTE, None)
    if note:
        {"success": st.success, "warning": st.warning}.get(note[0], st.error)(plain(note[1]))
    code = _ss().get(_CODE)
    if not code:
        return
    if is_presenter():
        if page.url_path != PRESENT_PAGE:
            st.caption(f":material/co_present: Presenting room **{code}**: students following see this page.")
            unshared = _ss()[_UNSHARED_SHOWN] = _ss().get(_UNSHARED)
            if unshared:
                st.warning(plain(unshared), icon=":material/sync_problem:")
        return
    _follow_bar(code, page.title)
    if poll is not None:
        _poll_fragment(code, poll)
    if following():
        if push.SERVED:  # the server pushes changes: no rerun until one comes
            push.listener(code, _ss().get(_SEEN), session_id(), page=page.url_path, poll=rooms.poll_token(poll),
                          player=_ss().get(_SEEN_PLAYER, ""))
        else:
            _ticker()


def _follow_again() -> None:
    _ss().update({_MODE: "follow", _SEEN: None})
    st.query_params["join"] = _ss()[_CODE]


def _break_away() -> None:
    """The student explores on their own from the presenter's latest view (which their player may have shown
    without a run of the page): its link becomes theirs."""
    try:
        view = rooms.room_store().view(_ss()[_CODE])
    except RoomError:
        view = None
    if view is not None and view.version != _ss().get(_SEEN) and view.page == _ss().get(_PAGE):
        UrlState.forget_links()
        st.query_params.from_dict(view.query)
    _go_own_way()


def _go_own_way() -> None:
    _ss()[_MODE] = "away"
    st.query_params.pop("join", None)  # the link is the student's own view from here


def own_change() -> None:
    """A following student changed the page themselves (typed into the player's cells): they are on their
    own from here, with what they see. Nothing for anyone else."""
    if following():
        _go_own_way()
        _ss()[_NOTE] = ("success", "You changed the page yourself, so you are on your own now: "
                                   "press Follow again to rejoin the lecturer.")


def _follow_bar(code: str, title: str = "") -> None:
    """Which mode this student is in, and the one button that changes it (in one row, on a phone too).

    While following, the page shows the presenter view (its title hidden): the bar names the page.
    """
    with st.container(border=True, key="room-follow-bar"):
        if following():
            on = f" on *{plain(title)}*" if title else ""
            st.markdown(f":material/sync: **Following the lecturer**{on} (room {code}): this page changes with "
                        f"theirs.")
        else:
            st.markdown(f":material/explore: **On your own** (room {code}): your changes are yours alone.")
        with st.container(horizontal=True, gap="small"):
            if following():
                st.button("Break away", key="room-break", on_click=_break_away, icon=":material/call_split:",
                          help="Explore on your own; your link keeps this view.")
            else:
                st.button("Follow again", key="room-follow", on_click=_follow_again, icon=":material/sync:",
                          type="primary")
            st.button("Leave the room", key="room-leave", on_click=leave, icon=":material/logout:")


@st.fragment(run_every=TICK_S)
def _ticker() -> None:
    """A follower's tick: one read of the room's version, a heartbeat now and then; a full rerun on a change."""
    if not following():
        return
    code, store = _ss()[_CODE], rooms.room_store()
    try:
        version = store.version(code)
        now = time.time()
        if now - _ss().get(_BEAT, 0.0) > rooms.BEAT_S:
            _ss()[_BEAT] = now
            store.heartbeat(code, session_id(), now)
    except RoomError:
        return  # the next full run says what is wrong
    if version != _ss().get(_SEEN):
        st.rerun(scope="app")


def after_page(page=None) -> None:
    """After the page ran: the presenter publishes its page and link; a follower who changed it breaks away.

    ``page`` is the page that ran (None: the one ``room_bar`` saw last, after a rerun of a fragment).
    """
    code, url_path = _ss().get(_CODE), _ss().get(_PAGE, "") if page is None else page.url_path
    if not code or url_path == PRESENT_PAGE:
        return
    params = _page_params()
    if is_presenter():
        _publish(code, url_path, params)
        return
    if following():
        # The page may write the presenter's link its own way (defaults left out): what it wrote on
        # showing the view is the reference; a later difference is the student's own click. The
        # player's step is left out: the player writes it into the link by itself while it plays.
        now = (url_path, {k: v for k, v in params.items() if k != "step"})
        shown = _ss().get(_SHOWN)
        if shown is None:
            _ss()[_SHOWN] = now
        elif shown != now:
            own_change()  # they explore on their own from here
    if _ss().get(_NOTE) and not following():
        st.rerun()  # the follow bar, drawn before the page, says so at once


def _publish(code: str, url_path: str, params: dict) -> None:
    """The presenter's page ran: its view (the page, its link, the player's step and its data) goes to the room.

    If the room cannot take it, the top of the presenter's page says why in one sentence: followers still see
    the view shared before. Drawn before the page runs, that warning needs a run of the page when the reason
    changes (rarely: a store that went away, or came back).
    """
    reported, step, playing = _ss().get(_PLAYER, ("", None, False))
    if reported != url_path:
        step, playing = None, False
    drawn, player = _ss().get(_DRAWN, ("", None))
    try:
        rooms.room_store().set_view(code, _ss()[_SECRET], url_path, params, step, playing,
                                    player if drawn == url_path else None)
        reason = None
    except RoomError as exc:
        why = str(exc)
        reason = f"Students following cannot see this view: {why[:1].lower()}{why[1:]}"
    _ss()[_UNSHARED] = reason
    if reason != _ss().get(_UNSHARED_SHOWN):
        st.rerun()


def player_command() -> tuple[str, int, bool] | None:
    """For the step player of a following student: ``(token, step, playing)`` from the presenter, else None."""
    if not following():
        return None
    try:
        return rooms.player_command(rooms.room_store().view(_ss()[_CODE]))
    except RoomError:
        return None


def publish_player_view(report: object, data: Mapping | None = None) -> None:
    """The presenter's step player got ``data`` and reported ``{step, playing, speed}``: students' players follow
    both (the data is published with the page's link after the page ran, ``after_page``)."""
    if not is_presenter():
        return
    update = rooms.player_update(report)
    if update is not None:
        _ss()[_PLAYER] = (_ss().get(_PAGE, ""), *update)
    if data is not None:
        shared = {k: data[k] for k in _SHARED_PLAYER if k in data}
        _ss()[_DRAWN] = (_ss().get(_PAGE, ""), json.dumps(shared, separators=(",", ":")))


class RoomSeam(seam.Seam):
    """The room around every page, as the pages and their players see it (``app.py`` installs it)."""

    player_command = staticmethod(player_command)
    reports_player = staticmethod(is_presenter)
    following = staticmethod(following)
    publish_player_view = staticmethod(publish_player_view)
    own_change = staticmethod(own_change)
    after_page = staticmethod(after_page)


# -- polls ------------------------------------------------------------------------------------------

def question_for(poll: Poll) -> Question | None:
    """The quiz question a poll asks (rebuilt from its kind and seed), or None for a show of hands."""
    return question_of_kind(poll.quiz, poll.seed) if poll.quiz else None


def counted_text(question: Question, given) -> str:
    """An answer as the room counts it: ``760``, ``28x28x6``, ``B``."""
    return format_shape(given) if isinstance(given, tuple) else str(given)


def _question_ui(poll: Poll, question: Question | None) -> None:
    if question is None:
        st.markdown("**The lecturer asks aloud:** pick A, B, C or D.")
        return
    st.markdown(question.text)
    if question.grids:  # side by side while they fit, each as wide as its table: never one over another
        with st.container(horizontal=True, gap="small", key="room-grids"):
            for caption, grid in question.grids:
                st.markdown(f"**{caption}**\n\n{grid_markdown(grid)}", width="content")


def _vote(code: str, poll: Poll, question: Question | None, key: str) -> None:
    raw = _ss().get(key)
    votes = _ss().setdefault(_VOTES, {})
    if question is not None:
        verdict = check_answer(question, raw)
        if not verdict.valid:
            votes[poll.id] = ("refused", verdict.message)
            return
        raw = counted_text(question, verdict.given)
    try:
        counted = rooms.room_store().vote(code, poll.id, session_id(), raw or "")
        votes[poll.id] = ("counted", counted)
    except RoomError as exc:
        votes[poll.id] = ("refused", str(exc))


def _answer_line(poll: Poll, question: Question | None, vote, lead: str = "The answer") -> str:
    mine = vote[1] if vote and vote[0] == "counted" else None
    said = "" if mine is None else (" You got it right." if mine == poll.answer
                                    else f" You answered {plain(shown_answer(mine))}.")
    return f"{lead}: **{plain(question.answer_text if question else poll.answer)}**.{said}"


@st.fragment
def _poll_fragment(code: str, poll: Poll) -> None:
    """The poll in a fragment of its own: an answer sent reruns this box, not the page under it (300 votes
    cost 300 small runs, not 300 runs of the page). A change of the poll reaches it with the room's version."""
    poll_ui(code, poll)


def poll_ui(code: str, poll: Poll) -> None:
    """A student's view of the room's poll: the question, an answer box, then the answer once revealed.

    Once the lecture moves on after the reveal, the question folds into one line, so that a phone's
    screen shows the page that follows.
    """
    question = question_for(poll)
    vote = _ss().get(_VOTES, {}).get(poll.id)
    if poll.status == "revealed":
        first_seen = _ss().setdefault(_REVEALED, {}).setdefault(poll.id, _ss().get(_SEEN))
        if first_seen != _ss().get(_SEEN):
            with st.expander(_answer_line(poll, question, vote, "The last question's answer")):
                _question_ui(poll, question)
                if question is not None:
                    st.markdown(question.solution)
            return
    with st.container(border=True, key="room-poll"):
        st.markdown("#### :material/how_to_vote: The lecturer asks")
        _question_ui(poll, question)
        key = f"room-answer-{poll.id}"
        if poll.status == "open" and (vote is None or vote[0] == "refused"):
            with st.form(f"room-form-{poll.id}", border=False):
                if poll.kind == "choice":
                    st.radio("Your answer", poll.options, key=key, horizontal=True, index=None)
                else:
                    st.text_input("Your answer", key=key, max_chars=rooms.MAX_ANSWER_CHARS,
                                  placeholder=question.placeholder if question else "")
                st.form_submit_button("Send my answer", on_click=_vote, args=(code, poll, question, key),
                                      type="primary")
        if vote and vote[0] == "counted":
            st.success(f"Your answer **{plain(shown_answer(vote[1]))}** was counted.", icon=":material/check_circle:")
        elif vote:
            st.warning(plain(vote[1]), icon=":material/block:")
        if poll.status == "closed":
            st.info("Voting has closed: the answer comes next.")
        if poll.status == "revealed":
            if poll.answer:
                st.success(_answer_line(poll, question, vote), icon=":material/lightbulb:")
            if question is not None:
                with st.expander("The worked solution", expanded=True):
                    st.markdown(question.solution)


# -- the presenter's page ---------------------------------------------------------------------------

def _start_room() -> None:
    try:
        code, secret = rooms.room_store().create_room()
    except RoomError as exc:
        _ss()[_NOTE] = ("error", str(exc))
        return
    _ss().update({_CODE: code, _SECRET: secret})
    _ss().pop(_MODE, None)


def join_url(code: str) -> str:
    """The join link students open: the app's address with ``?join=CODE``."""
    url = (st.context.url or "http://localhost:8501/").split("?")[0].split("#")[0]
    if url.rstrip("/").endswith("/" + PRESENT_PAGE):
        url = url.rstrip("/")[: -len(PRESENT_PAGE)]
    return url.rstrip("/") + "/?join=" + code


def join_ui(code: str, corner: bool = False) -> None:
    """The join code large, the join link written out, and its QR code: 440 px, or under half the
    screen's height on a small one (a phone reads it from the back of a hall at a sixth of it).
    In a ``corner`` (while a poll is on the screen), the code and a smaller QR code only."""
    import base64

    url = join_url(code)
    png = base64.b64encode(join_qr_png(url)).decode()
    alt = html.escape(f"QR code of the join link {url}", quote=True)
    sheet = f"<style>{style('present.css', __package__)}</style>"
    if corner:
        ui_html(f'{sheet}<div class="room-corner"><div class="room-code corner">{html.escape(code)}</div>'
                f'<img class="room-qr corner" src="data:image/png;base64,{png}" alt="{alt}"></div>')
        return
    ui_html(f'{sheet}<div class="room-code">{html.escape(code)}</div>')
    shown = url.replace("`", "")  # in a code span: written as it is, never turned into a link or emoji
    st.markdown(f"#### Join at `{shown}`, or type **{code}** on the home page.")
    ui_html(f'<img class="room-qr" src="data:image/png;base64,{png}" alt="{alt}">')


@st.fragment(run_every=TICK_S)
def _live_ui(code: str, corner: bool = False) -> None:
    """How many follow, and the poll with its live histogram (the presenter's own tick); with ``corner``, the
    room's code and QR code above the histogram."""
    store = rooms.room_store()
    try:
        count, poll = store.followers(code), store.poll(code)
        counts = store.counts(code) if poll else {}
    except RoomError as exc:
        st.error(plain(str(exc)) + " Start a new room if it does not come back.")
        return
    if poll is None:
        st.metric("Students following", format_count(count))
        return
    question = question_for(poll)
    # The poll is what the room looks at: its question and grids beside the answers so far, on one screen.
    with st.container(border=True, key="room-board"):
        label = {"open": "open: students are answering", "closed": "closed", "revealed": "revealed"}[poll.status]
        asked, answers = st.columns([3, 2], gap="small")
        with asked:
            st.markdown(f"**Poll ({label})** · {format_count(count)} student{'' if count == 1 else 's'} following")
            _question_ui(poll, question)
        if corner:
            with answers:
                join_ui(code, corner=True)
        answers.plotly_chart(poll_figure(counts, poll.options, poll.answer, poll.status == "revealed",
                                         **BOARD_FIGURE), key=f"room-hist-{poll.id}", config={"displayModeBar": False})
        c1, c2 = st.columns(2)
        c1.button("Close voting", key="room-close", disabled=poll.status != "open", on_click=_presenter_do,
                  args=("close",))
        c2.button("Reveal the answer", key="room-reveal", disabled=poll.status == "revealed", type="primary",
                  on_click=_presenter_do, args=("reveal",))
        if poll.status == "revealed" and question is not None:
            st.markdown(f"The answer: **{plain(shown_answer(poll.answer))}**")
            with st.expander("The worked solution"):
                st.markdown(question.solution)
            link = question.player
            info = {p.url_path: p for p in available_pages()}.get(link.page) if link else None
            if info is not None:
                page_link(ROOT / info.file, link.label + " (students are there now)", link.query,
                          icon=":material/play_circle:")


def _has_poll(code: str) -> bool:
    """Whether the room has a poll to show (a store that does not answer: not now)."""
    try:
        return rooms.room_store().poll(code) is not None
    except RoomError:
        return False


def _presenter_do(action: str, kind: str = "") -> None:
    code, secret, store = _ss().get(_CODE), _ss().get(_SECRET), rooms.room_store()
    try:
        if action == "close":
            store.close_poll(code, secret)
        elif action == "reveal":
            poll = store.reveal_poll(code, secret)
            question = question_for(poll)
            if question is not None and question.player is not None:  # the player jumps to the solution
                link = question.player
                store.set_view(code, secret, link.page, link.query, int(link.query.get("step", 0)) or None)
        elif action == "ask":
            ask(store, code, secret, kind, int(time.time() * 1000) % 1_000_000_000)
    except RoomError as exc:
        _ss()[_NOTE] = ("error", str(exc))


def ask(store: RoomStore, code: str, secret: str, kind: str, seed: int) -> Poll:
    """Open a poll of ``kind`` (a key of ``QUESTIONS``), its numbers drawn from ``seed``."""
    if kind == "hands":
        return store.open_poll(code, secret, "choice", options=("A", "B", "C", "D"))
    question = question_of_kind(kind, seed)
    if question.answer_type == "choice":
        return store.open_poll(code, secret, "choice", quiz=kind, seed=seed, options=question.choices,
                               answer=str(question.answer))
    return store.open_poll(code, secret, "number", quiz=kind, seed=seed,
                           answer=counted_text(question, question.answer))


def present_ui() -> None:
    """The /present page: start a room, or the running room's code, QR code, links, followers and polls."""
    note = _ss().pop(_NOTE, None)
    if note:
        st.error(plain(note[1]))
    if not is_presenter():
        st.markdown("Start a room and show this page on the projector: students scan the code or type it, and "
                    "their pages follow yours, page and settings, until they break away to explore.")
        st.button("Start a room", key="room-start", type="primary", icon=":material/co_present:",
                  on_click=_start_room)
        return
    code, secret = _ss()[_CODE], _ss()[_SECRET]
    polling = _has_poll(code)
    if polling:  # the poll fills the screen (the presenter view's type, no sidebar); the code keeps a corner
        presenter_style()
        _live_ui(code, corner=True)
        right = st.container()
    else:
        left, right = st.columns([5, 4], gap="large")
        with left:
            join_ui(code)
        with right:
            _live_ui(code)
    with right:
        with st.container(border=True):
            st.markdown("**Ask the room**")
            kind = st.selectbox("Question", list(QUESTIONS), format_func=QUESTIONS.get, key="room-kind")
            st.button("Ask", key="room-ask", on_click=_presenter_do, args=("ask", kind), icon=":material/quiz:")
        st.markdown("**Lead the class**: open a page; every student following sees it with your settings.")
        for info in available_pages():
            page_link(ROOT / info.file, info.title, icon=info.icon)
        st.button("Close the room here", key="room-stop", on_click=leave, icon=":material/logout:")
    with st.sidebar:  # off the projected page, and shown only when asked for
        st.button("Your presenter link", key="room-presenter-link", icon=":material/key:",
                  help="Opens this room as its presenter in another browser: keep it private.",
                  on_click=_ss().__setitem__, args=(_LINK_ASKED, True))
    if _ss().pop(_LINK_ASKED, False):
        _presenter_link(code, secret)


@st.dialog("Your presenter link (keep it private)")
def _presenter_link(code: str, secret: str) -> None:
    st.caption("Opens this room as its presenter in another browser; never show it to the class.")
    st.code(join_url(code).replace("?join=", "present?room=") + f"&key={secret}", language=None,
            wrap_lines=True)


def _join_typed() -> None:
    try:
        code = join(_ss().get("room-join-code", ""))
        st.query_params["join"] = code
        _ss()[_NOTE] = ("success", f"You joined room {code}: your page now follows the lecturer.")
    except RoomError as exc:
        _ss()[_NOTE] = ("error", str(exc))


def join_box() -> None:
    """On the home page: type the room code shown on the projector."""
    if _ss().get(_CODE):
        return
    with st.container(border=True, key="room-join"):
        st.markdown("**In a lecture?** Type the room code on the projector to follow the lecturer.")
        with st.form("room-join-form", border=False):
            c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
            c1.text_input("Room code", key="room-join-code", max_chars=12, placeholder="K7M2Q")
            c2.form_submit_button("Join", on_click=_join_typed, type="primary")
