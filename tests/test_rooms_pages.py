"""The rooms in the app, in AppTest: /present starts a room, a student joins by link or code and follows
the presenter's page and settings, breaks away and follows again; polls are answered and revealed."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.classroom.figures import shown_answer
from cnnviz.classroom.store import MemoryStore, RedisStore, RoomLost
from cnnviz.lecture.quiz import question_of_kind
from conftest import player_data, send_edit, unpack_player


@pytest.fixture(params=["memory", "redis"])
def shared_store(request, monkeypatch):
    """Every AppTest session of the test shares one store, in memory or in a real redis-server."""
    import uuid

    from cnnviz.classroom import store as rooms

    if request.param == "memory":
        store = MemoryStore()
    else:
        store = RedisStore(request.getfixturevalue("redis_url"), prefix=f"apptest-{uuid.uuid4().hex[:8]}:")
    rooms.room_store.cache_clear()
    monkeypatch.setattr(rooms, "room_store", lambda: store)
    return store


def _app(**params) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _presenter() -> tuple[AppTest, str]:
    at = _app()
    at.switch_page("pages/present.py").run()
    at.button(key="room-start").click().run()
    assert not at.exception
    return at, at.session_state["room_code"]


def ui_rooms_question(poll):
    from cnnviz.classroom.ui import question_for

    return question_for(poll)


def _texts(at) -> str:
    return " ".join(e.value for kind in ("markdown", "caption", "success", "warning", "error", "info")
                    for e in getattr(at, kind))


def test_present_shows_the_code_the_join_link_and_a_qr_code(shared_store):
    at, code = _presenter()
    texts = _texts(at)
    assert code in texts and f"?join={code}" in texts
    qr = [e.proto.body for e in at.get("html") if 'class="room-qr"' in e.proto.body]
    assert len(qr) == 1 and "data:image/png;base64," in qr[0] and f"?join={code}" in qr[0]  # the QR code
    # The join link never carries the presenter's secret.
    assert at.session_state["room_secret"] not in f"?join={code}"
    assert shared_store.is_presenter(code, at.session_state["room_secret"])


def test_the_presenters_private_link_opens_only_when_asked_for_and_off_the_projected_page(shared_store):
    at, code = _presenter()
    secret = at.session_state["room_secret"]

    def shows_secret(where) -> bool:
        texts = [e.value for kind in ("code", "markdown", "caption", "text") for e in getattr(where, kind)]
        return any(secret in t for t in texts + [h.proto.body for h in where.get("html")])

    assert not shows_secret(at) and not at.expander  # the projected page: neither the link nor a box for it
    assert [b.label for b in at.sidebar.button] == ["Your presenter link"]
    at.sidebar.button(key="room-presenter-link").click().run()
    assert not shows_secret(at.main) and not shows_secret(at.sidebar)
    link = [c.value for c in at.code if secret in c.value]  # in the dialog, over the page until closed
    assert link == [f"http://localhost:8501/present?room={code}&key={secret}"]
    at.run()  # the next run (a tick, a click elsewhere) does not open it again
    assert not shows_secret(at)


def test_a_student_follows_the_presenters_page_and_settings(shared_store):
    presenter, code = _presenter()
    student = _app(join=code)
    assert not student.exception
    assert "Following the lecturer" in _texts(student) and code in _texts(student)
    assert student.query_params["join"] in (code, [code])  # a reload (another replica) follows on
    presenter.switch_page("pages/convolution.py").run()
    presenter.number_input(key="conv_stride").set_value(2).run()
    assert shared_store.view(code).page == "convolution" and shared_store.view(code).query["stride"] == "2"
    student.run()  # what the tick does when the version changed
    assert not student.exception
    assert student.title[0].value == "Convolution"
    assert student.number_input(key="conv_stride").value == 2
    assert student.query_params["stride"] in ("2", ["2"])  # the student's own link is the presenter's view
    presenter.number_input(key="conv_stride").set_value(3).run()
    student.run()
    assert student.number_input(key="conv_stride").value == 3


def test_a_student_breaks_away_and_follows_again(shared_store):
    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    student = _app(join=code)
    assert student.title[0].value == "Convolution"
    student.button(key="room-break").click().run()
    assert "On your own" in _texts(student)
    assert "join" not in student.query_params  # the link is the student's own view now
    presenter.number_input(key="conv_stride").set_value(2).run()
    student.run()
    assert student.number_input(key="conv_stride").value == 1  # away: the presenter's change does not arrive
    student.button(key="room-follow").click().run()
    assert "Following the lecturer" in _texts(student)
    assert student.number_input(key="conv_stride").value == 2


def test_a_following_students_own_change_moves_only_them(shared_store):
    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    student, other = _app(join=code), _app(join=code)
    before = shared_store.view(code)
    student.number_input(key="conv_padding").set_value(2).run()
    assert "On your own" in _texts(student.run())
    assert shared_store.view(code) == before
    other.run()
    assert other.number_input(key="conv_padding").value == 0 and "Following the lecturer" in _texts(other)


def test_a_following_students_link_follows_again_in_a_new_session(shared_store):
    """A reload, or a WebSocket reconnecting to another replica after one was stopped: a new session
    with the student's link joins again and shows the presenter's current view."""
    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    student = _app(join=code)
    link = {k: student.query_params[k] for k in student.query_params}
    presenter.number_input(key="conv_stride").set_value(3).run()
    again = _app(**{k: v[-1] if isinstance(v, list) else v for k, v in link.items()})
    assert not again.exception and "Following the lecturer" in _texts(again)
    assert again.title[0].value == "Convolution" and again.number_input(key="conv_stride").value == 3


def test_the_presenter_link_is_taken_out_of_the_visible_link(shared_store):
    code, secret = shared_store.create_room()
    at = _app(room=code, key=secret)
    assert not at.exception
    assert "key" not in at.query_params and "room" not in at.query_params
    assert at.session_state["room_secret"] == secret
    forged = _app(room=code, key="not-the-secret")
    assert "not valid" in _texts(forged) and "room_secret" not in forged.session_state


@pytest.mark.parametrize("code", ["AAAA", "<b>x</b>", "x" * 5000, "ZZZZZ"])
def test_a_wrong_join_code_says_so_and_the_page_works(shared_store, code):
    at = _app(join=code)
    assert not at.exception
    assert any(("not a room code" in e.value or "no room" in e.value) for e in at.error)
    assert "room_code" not in at.session_state


@pytest.mark.parametrize("tail", [",", ".", "),", '"'])
def test_a_join_link_copied_with_punctuation_after_it_joins(shared_store, tail):
    presenter, code = _presenter()
    student = _app(join=("(" if tail == ")," else '"' if tail == '"' else "") + code + tail)
    assert not student.exception and not student.error
    assert student.session_state["room_code"] == code and "Following the lecturer" in _texts(student)


def test_a_code_typed_on_home_joins(shared_store):
    presenter, code = _presenter()
    student = _app()
    student.text_input(key="room-join-code").set_value(code.lower())
    next(b for b in student.button if b.label == "Join").click().run()
    assert not student.exception
    assert "Following the lecturer" in _texts(student)


def test_a_poll_asked_answered_once_and_revealed(shared_store):
    presenter, code = _presenter()
    student, other = _app(join=code), _app(join=code)
    presenter.selectbox(key="room-kind").set_value("conv_params").run()
    presenter.button(key="room-ask").click().run()
    poll = shared_store.poll(code)
    assert poll.status == "open" and poll.quiz == "conv_params"
    student.run()
    assert "The lecturer asks" in _texts(student)
    student.text_input(key=f"room-answer-{poll.id}").set_value(poll.answer)
    next(b for b in student.button if b.label == "Send my answer").click().run()
    assert "was counted" in _texts(student)
    other.run()
    other.text_input(key=f"room-answer-{poll.id}").set_value("banana")
    next(b for b in other.button if b.label == "Send my answer").click().run()
    assert "not a number" in _texts(other) and shared_store.counts(code) == {poll.answer: 1}
    presenter.run()
    hist = presenter.get("plotly_chart")
    assert hist and shown_answer(poll.answer) in hist[0].proto.spec
    presenter.button(key="room-reveal").click().run()
    student.run()
    question = ui_rooms_question(poll)
    assert f"The answer: **{question.answer_text}**" in " ".join(s.value for s in student.success)
    assert "You got it right" in _texts(student)
    presenter.switch_page("pages/pooling.py").run()  # the lecture moves on: the question folds away
    student.run()
    assert student.title[0].value.startswith("Pooling")
    assert [e.label for e in student.expander if e.label.startswith("The last question")] == [
        f"The last question's answer: **{question.answer_text}**. You got it right."]


def test_presenter_and_phone_write_a_polls_numbers_alike(shared_store):
    from cnnviz.classroom.ui import ask

    presenter, code = _presenter()
    student = _app(join=code)
    seed = next(s for s in range(1, 100) if question_of_kind("conv_params", s).answer >= 1000)
    question = question_of_kind("conv_params", seed)
    poll = ask(shared_store, code, presenter.session_state["room_secret"], "conv_params", seed)
    grouped, plain_digits = question.answer_text, str(question.answer)  # "247,824" and "247824"
    assert "," in grouped and poll.answer == plain_digits  # the room counts the digits alone
    student.run()
    student.text_input(key=f"room-answer-{poll.id}").set_value(plain_digits)
    next(b for b in student.button if b.label == "Send my answer").click().run()
    assert f"Your answer **{grouped}** was counted." in _texts(student)
    presenter.run()
    presenter.button(key="room-reveal").click().run()
    student.run()
    bars = json.loads(presenter.get("plotly_chart")[0].proto.spec)["data"][0]
    assert bars["x"] == [f"<b>{grouped} ✓ right</b>"] and bars["hovertext"] == [f"{grouped}: 1 of 1"]
    assert f"The answer: **{grouped}**" in _texts(presenter)  # the projector
    assert f"The answer: **{grouped}**. You got it right." in _texts(student)  # the phone
    assert plain_digits not in _texts(presenter) + _texts(student)


def test_a_setting_the_presenter_leaves_at_its_default_is_the_default_for_followers(shared_store):
    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    presenter.number_input(key="conv_stride").set_value(2).run()
    student = _app(join=code)
    assert student.number_input(key="conv_stride").value == 2
    presenter.number_input(key="conv_stride").set_value(1).run()  # the default: left out of the link
    assert "stride" not in shared_store.view(code).query
    student.run()
    assert student.number_input(key="conv_stride").value == 1


def test_revealing_a_map_cell_sends_followers_to_its_step_in_the_player(shared_store):
    presenter, code = _presenter()
    student = _app(join=code)
    presenter.selectbox(key="room-kind").set_value("activation_cell").run()
    presenter.button(key="room-ask").click().run()
    presenter.button(key="room-reveal").click().run()
    view = shared_store.view(code)
    assert view.page == "convolution" and view.step is not None and view.query["step"] == str(view.step)
    student.run()
    assert student.title[0].value == "Convolution"
    assert student.query_params["step"] in (str(view.step), [str(view.step)])


def test_a_room_the_store_forgot_is_said_plainly_to_presenter_and_students(shared_store):
    """What a restarted Redis (no persistence) leaves: the room is gone; nobody sees a traceback."""
    presenter, code = _presenter()
    student = _app(join=code)
    if isinstance(shared_store, MemoryStore):
        shared_store._rooms.clear()
    else:
        shared_store._redis.delete(*shared_store._redis.keys(shared_store.prefix + "*"))
    presenter.run()
    student.run()
    assert not presenter.exception and not student.exception
    assert any("no room" in e.value and "Start a new room" in e.value for e in presenter.error)
    assert any("has closed" in w.value for w in student.warning)
    assert "Following the lecturer" not in _texts(student)


def test_a_following_student_sees_the_presenter_view_and_the_presenter_publishes_the_players_data(shared_store):
    import json

    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    presenter.number_input(key="conv_stride").set_value(2).run()
    view, _ = shared_store.shown(code)
    stored = shared_store.player(code, view.player)
    published = unpack_player(json.loads(stored))
    # What the presenter's player got but for what is this session's own (where it opens, the last edit, ...).
    assert set(json.loads(stored)) == {"key", "player", "tools"} and published["key"] == "conv_player"
    own = ("initial", "present", "report", "command", "ack")
    assert {k: v for k, v in published.items() if k not in own} == {k: v for k, v in player_data(presenter).items()
                                                                    if k not in own}
    student = _app(join=code)
    assert not student.exception and student.title[0].value == "Convolution"
    # The presenter view's layout: the controls hidden, the player alone under the follow bar, whose
    # "Break away" is the way out (not the presenter view's own button).
    assert any('[data-testid="stSidebar"]' in h.proto.body and "player_tools" in h.proto.body
               for h in student.get("html"))
    assert [b.key for b in student.button if b.key == "conv_present__leave"] == []
    assert "Following the lecturer" in _texts(student) and student.button(key="room-break")
    mine = player_data(student)
    assert mine["present"] is False and mine["report"] is False  # sized for the student's screen, reporting nothing
    # The map the student's page drew is the one the presenter published: what the player shows in place.
    assert (mine["dims"], mine["html"], mine["steps"]) == (published["dims"], published["html"], published["steps"])
    # A student's run publishes nothing: the room and its player data are as the presenter left them.
    student.run()
    assert shared_store.shown(code) == (view, None) and shared_store.player(code, view.player) == stored


def test_breaking_away_after_changes_shown_in_place_keeps_the_presenters_latest_view(shared_store):
    """The player showed the presenter's new stride without a run of the student's page; Break away opens the
    page with it, in the controls and in the student's own link."""
    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    student = _app(join=code)
    presenter.number_input(key="conv_stride").set_value(3).run()
    presenter.number_input(key="conv_padding").set_value(1).run()
    student.button(key="room-break").click().run()
    assert not student.exception and "On your own" in _texts(student)
    assert student.number_input(key="conv_stride").value == 3 and student.number_input(key="conv_padding").value == 1
    assert student.query_params["stride"] in ("3", ["3"]) and "join" not in student.query_params
    assert not any("player_tools" in h.proto.body for h in student.get("html"))  # the controls are back
    assert player_data(student)["present"] is False


def test_a_following_student_who_types_into_the_player_is_on_their_own(shared_store):
    """After changes shown in place (no run of the student's page), the student's own cell: they break away
    with the presenter's latest settings and their number; the presenter's view is unchanged."""
    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    student = _app(join=code)
    presenter.number_input(key="conv_stride").set_value(2).run()
    before = shared_store.shown(code)
    send_edit(student, "conv_player", "in", 0, 0, "9")
    assert not student.exception and "On your own" in _texts(student)
    assert student.number_input(key="conv_stride").value == 2 and "join" not in student.query_params
    assert student.query_params["input"].startswith("9,3,2,1,0;")  # their number, in their own link
    assert shared_store.shown(code) == before


def _in_order(node) -> list:
    """The elements of an AppTest page, top to bottom."""
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    return [e for i in sorted(children) for e in _in_order(children[i])]


def test_a_follower_of_the_lectures_32x32x3_rgb_example_gets_its_view(shared_store):
    """The lecture's RGB example (32x32x3, six 5x5x3 filters): its player's data is 1.4 million characters of
    JSON; the room shares the view whatever that size, and the follower's page builds the same player."""
    import json

    presenter, code = _presenter()
    presenter.switch_page("pages/channels.py").run()
    student = _app(join=code)
    assert student.title[0].value == "RGB filters and filter banks"
    presenter.button(key="chan_example").click().run()  # the lecture's 32x32x3 with six 5x5x3 filters
    presenter.number_input(key="chan_stride").set_value(2).run()
    assert not presenter.exception and not presenter.warning
    view = shared_store.view(code)
    assert view.page == "channels" and view.query == {"example": "lecture", "stride": "2"}
    published = unpack_player(json.loads(shared_store.player(code, view.player)))
    assert published["volume"] == "32x32x3 → 14x14x6"
    student.run()  # what the tick does when the version changed
    assert not student.exception and "Following the lecturer" in _texts(student)
    mine = player_data(student)
    assert (mine["volume"], mine["dims"], mine["n"]) == ("32x32x3 → 14x14x6", [32, 32, 5, 5, 14, 14], 196)
    assert (mine["html"], mine["steps"], mine["explain"]) == (published["html"], published["steps"],
                                                              published["explain"])


def test_a_view_that_cannot_be_shared_says_why_at_the_top_of_the_presenters_page(shared_store, monkeypatch):
    presenter, code = _presenter()
    presenter.switch_page("pages/convolution.py").run()
    student = _app(join=code)
    shared = shared_store.view(code)
    real = shared_store.set_view

    def away(*args, **kwargs):
        raise RoomLost("The server that keeps the rooms cannot be reached just now; try again in a moment.")

    monkeypatch.setattr(shared_store, "set_view", away)
    presenter.number_input(key="conv_stride").set_value(2).run()
    assert not presenter.exception
    said = [w.value for w in presenter.warning if "Students following" in w.value]
    assert said == ["Students following cannot see this view: the server that keeps the rooms cannot be reached "
                    "just now; try again in a moment."]  # one sentence
    page = _in_order(presenter.main)
    where = [i for i, e in enumerate(page) if getattr(e, "value", None) == said[0]]
    title = [i for i, e in enumerate(page) if getattr(e, "value", None) == "Convolution"]
    assert where and title and where[0] < title[0]  # at the top: above the page itself
    student.run()
    assert shared_store.view(code) == shared and student.number_input(key="conv_stride").value == 1
    monkeypatch.setattr(shared_store, "set_view", real)  # the store is back: the next run shares the view
    presenter.number_input(key="conv_stride").set_value(3).run()
    assert not [w for w in presenter.warning if "Students following" in w.value]
    student.run()
    assert student.number_input(key="conv_stride").value == 3
