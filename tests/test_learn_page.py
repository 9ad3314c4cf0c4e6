"""The page "A CNN that learns" in AppTest: it trains, follows a test or drawn digit, survives bad links."""
from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import grid_values, open_app_page, player_data
from cnnviz.learn.digits import digits_split
from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.learn.network import TrainConfig, train
from cnnviz.learn.descent import curvatures
from cnnviz.ui import learn as ui_learn


@pytest.fixture(scope="module")
def default_net():
    """The network the page trains by default, trained here on its own (the same seed: the same network)."""
    return train(TrainConfig(filters=8, epochs=12, seed=0)).model


def finished(at, *key):
    """Wait for the shared run of ``key`` (default settings when empty), then rerun the page."""
    assert ui_learn.shared_run(*(key or (8, 12, 0, False))).wait(120)
    return at.run()


def html_of(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def shapes(at) -> str:
    """The chain of shapes written above the digit's layers, e.g. ``8x8x1 → 8x8x8 → 4x4x8 → 10``."""
    found = re.findall(r'<h3 class="shapes">([^<]*)</h3>', html_of(at))
    assert len(found) == 1, found
    return found[0]


def reads(at, digit: int) -> bool:
    """The page says the network reads ``digit``."""
    return f'<b class="reading">The network reads a {digit}</b>' in html_of(at)


def link_text(at, name: str) -> str:
    value = at.query_params[name]
    return value if isinstance(value, str) else value[-1]


def no_exceptions(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_default_trains_and_shows_every_layer_of_a_test_digit(default_net):
    at = finished(open_app_page("pages/learn.py", digit="7"))
    no_exceptions(at)
    assert shapes(at) == "8x8x1 → 8x8x8 → 4x4x8 → 10"
    expected = int(default_net.predict(digits_split().test_images[7]).argmax())
    assert reads(at, expected)
    assert at.slider(key="learn_epoch").value == 12  # the slider opens on the last epoch
    assert len(at.get("plotly_chart")) == 1  # the curves (the probabilities are HTML bars)
    html = html_of(at)
    assert f'<span class="d">{expected} ◀</span>' in html  # the predicted digit's bar
    # Each activation map is sent once: in the layers (the last epoch's maps are not repeated above them).
    assert html.count('data-grid="conv8"') == 1 and 'data-grid="e12m1"' not in html
    # Only the layer picked is drawn; picking another draws that one instead.
    assert 'data-grid="relu8"' not in html and 'data-grid="pool8"' not in html
    layer = at.button_group(key=ui_learn.LAYER_KEY)
    assert layer.options == ["Activation maps", "After ReLU", "After 2x2 max pooling"]
    layer.set_value("relu").run()
    html = html_of(at)
    assert 'data-grid="relu8"' in html and 'data-grid="conv8"' not in html
    at.button_group(key=ui_learn.LAYER_KEY).set_value("pool").run()
    assert 'data-grid="pool8"' in html_of(at)
    # The two parts at the end are built once opened: the top windows, then the confusion matrix and mistakes.
    look, wrong = at.expander
    assert "What does each filter look for?" in look.label and "Where it goes wrong" in wrong.label
    assert 'data-grid="p8-9"' not in html_of(at)
    at.session_state[ui_learn.INSPECT_KEYS[0]] = True
    at.run()
    assert 'data-grid="p8-9"' in html_of(at) and len(at.get("plotly_chart")) == 1
    at.session_state[ui_learn.INSPECT_KEYS[1]] = True
    at.run()
    assert len(at.get("plotly_chart")) == 2 and 'class="cnnviz-gallery"' in html_of(at)
    # Open parts are in the link (a room's followers follow it), and a link opens them.
    assert link_text(at, "look") == "1" and link_text(at, "wrong") == "1"
    shared = finished(open_app_page("pages/learn.py", digit="7", look="1", wrong="1"))
    no_exceptions(shared)
    assert 'data-grid="p8-9"' in html_of(shared) and len(shared.get("plotly_chart")) == 2
    shared.session_state[ui_learn.INSPECT_KEYS[0]] = False
    shared.run()
    assert 'data-grid="p8-9"' not in html_of(shared) and "look" not in shared.query_params
    # An earlier epoch shows that epoch's maps above the layers.
    at.slider(key="learn_epoch").set_value(3).run()
    assert 'data-grid="e3m1"' in " ".join(h.proto.body for h in at.get("html"))


def test_second_convolution_shapes_as_the_lecture_writes_them():
    at = open_app_page("pages/learn.py", filters="4", epochs="2", conv2="1")
    at.button(key="learn_train").click().run()
    at = finished(at, 4, 2, 0, True)
    no_exceptions(at)
    assert shapes(at) == "8x8x1 → 8x8x4 → 4x4x4 → 4x4x4 → 10"
    assert ui_learn.LAYERS["relu2"] in at.button_group(key=ui_learn.LAYER_KEY).options
    assert at.slider(key="learn_epoch").max == 2


def test_other_settings_wait_for_train_and_show_progress_while_training():
    at = open_app_page("pages/learn.py", filters="5", epochs="30", seed="7")
    no_exceptions(at)
    assert at.button(key="learn_train") is not None and not at.get("plotly_chart")
    at.button(key="learn_train").click().run()
    no_exceptions(at)
    progress = at.get("progress")
    assert len(progress) == 1
    run = ui_learn.shared_run(5, 30, 0 + 7, False)
    assert run.wait(180)
    at.run()
    assert at.slider(key="learn_epoch").max == 30
    # A second student asking for the same settings joins the same run instead of training again.
    other = open_app_page("pages/learn.py", filters="5", epochs="30", seed="7")
    other.button(key="learn_train").click().run()
    assert ui_learn.shared_run(5, 30, 7, False) is run
    assert other.slider(key="learn_epoch").max == 30


def test_a_drawn_digit_given_through_the_canvas_is_classified(default_net):
    at = finished(open_app_page("pages/learn.py", src="draw"))
    no_exceptions(at)
    assert any("Draw a digit" in i.value for i in at.info)
    one = np.zeros((8, 8), np.int64)
    one[1:7, 4] = 16
    one[1:7, 3] = 6
    at.session_state[ui_learn.CANVAS_KEY] = {"cells": one.ravel().tolist()}
    at.run()
    no_exceptions(at)
    expected = int(default_net.predict(one).argmax())
    assert reads(at, expected)
    assert grid_from_text(link_text(at, "draw")).tolist() == one.tolist()  # the drawing is in the link
    # A broken canvas value is refused with a message; the last drawing stays.
    at.session_state[ui_learn.CANVAS_KEY] = {"cells": ["x"] * 64}
    at.run()
    no_exceptions(at)
    assert any("could not be read" in e.value for e in at.error)
    assert reads(at, expected)


def test_a_shared_drawing_reopens(default_net):
    seven = np.zeros((8, 8), np.int64)
    seven[1, 1:7] = 16
    seven[2:7, 5] = 16
    at = finished(open_app_page("pages/learn.py", src="draw", draw=grid_to_text(seven)))
    no_exceptions(at)
    expected = int(default_net.predict(seven).argmax())
    assert reads(at, expected)


@pytest.mark.parametrize("params, words", [
    ({"filters": "abc"}, "number of filters"),
    ({"epochs": "1e9"}, "number of epochs"),
    ({"digit": "9999"}, "test digit"),
    ({"src": "<b>x</b>"}, "digit source"),
    ({"draw": "1,2;3,4"}, "drawing"),
    ({"draw": "99," * 63 + "99"}, "drawing"),
    ({"epoch": "NaN"}, "epoch shown"),
    ({"epoch": "20"}, "only 12 epochs"),
    ({"look": "maybe"}, "top windows switch"),
])
def test_a_bad_link_falls_back_with_a_warning(params, words):
    assert ui_learn.shared_run(8, 12, 0, False).wait(120)
    at = open_app_page("pages/learn.py", **params)
    no_exceptions(at)
    assert any(words in w.value for w in at.warning), [w.value for w in at.warning]
    assert shapes(at) == "8x8x1 → 8x8x8 → 4x4x8 → 10"  # the default network on the first test digit


def test_the_convolution_link_carries_the_learned_filter_and_the_digit():
    at = finished(open_app_page("pages/learn.py", digit="3"))
    pick = at.pills(key=ui_learn.OPEN_FILTER_KEY)
    assert pick.options == [f"Filter {f}" for f in range(1, 9)]
    pick.set_value(2).run()  # the third filter: the Convolution page opens in the app, with its link
    no_exceptions(at)
    assert at.title[0].value == "Convolution"
    query = {k: [at.query_params[k]] for k in at.query_params}
    digit = digits_split().test_images[3]
    assert grid_from_text(query["input"][0]).tolist() == digit.tolist()
    learned = ui_learn.shared_run(8, 12, 0, False).result.model.filters[:, :, 0, 2]
    np.testing.assert_allclose(grid_from_text(query["filter"][0]), np.round(learned, 2), atol=1e-9)
    at.switch_page("pages/learn.py").run()  # back: the pick was taken once, nothing opens by itself
    no_exceptions(at)
    assert at.title[0].value != "Convolution" and at.pills(key=ui_learn.OPEN_FILTER_KEY).value is None
    # The Convolution page takes the link as it is: no warning, and its map is the network's map, scaled.
    conv = open_app_page("pages/convolution.py", **{k: v[0] for k, v in query.items()})
    no_exceptions(conv)
    assert not conv.warning
    assert link_text(conv, "filter") == query["filter"][0]


def _open_step(at, f: int) -> dict[str, str]:
    """Pick filter ``f`` (from 0) under "its backward step"; the link "How a filter learns" opens with."""
    at.pills(key=ui_learn.OPEN_STEP_KEY).set_value(f).run()
    no_exceptions(at)
    assert at.title[0].value == "How a filter learns"
    return {k: link_text(at, k) for k in at.query_params}


def test_a_learned_filter_opens_the_backward_step_that_moved_it_there():
    at = finished(open_app_page("pages/learn.py", digit="3"))
    at.slider(key="learn_epoch").set_value(5).run()
    pick = at.pills(key=ui_learn.OPEN_STEP_KEY)
    assert pick.options == [f"Filter {f}" for f in range(1, 9)] and "backward step" in pick.label
    query = _open_step(at, 2)  # the third filter, on the step toward epoch 5
    run = ui_learn.shared_run(8, 12, 0, False)
    before = run.history()[4].params  # the step toward epoch 5 starts from epoch 4's parameters
    image, label = digits_split().test_images[3], int(digits_split().test_labels[3])
    assert grid_from_text(query["input"]).tolist() == image.tolist()  # the digit's cells 0..16
    np.testing.assert_allclose(grid_from_text(query["filter"]), np.round(before["w1"][:, :, 0, 2], 4), atol=1e-7)
    assert (query["padding"], query["source"], query["net"]) == ("1", "given", "3,5,3")
    dz = run.result.model.map_gradient(image, label, before)[:, :, 2]
    dmap = grid_from_text(query["dmap"])
    np.testing.assert_allclose(dmap, dz, rtol=5e-4, atol=0)  # 4 significant digits
    assert np.count_nonzero(dmap) <= 16  # one cell of each 2x2 pooling window at most
    # The player's dL/dW, divided by 16, is the network's own gradient of this digit's loss.
    _, g = run.result.model.loss_and_gradients(image[None], [label], before)
    dw = np.array(grid_values(player_data(at)["html"], "out"))
    scale = (np.abs(image).sum() * np.abs(dmap).max()) / 16
    np.testing.assert_allclose(dw / 16, g["w1"][:, :, 0, 2], atol=1e-3 * scale)
    assert not at.warning and not at.error
    said = " ".join(m.value for m in at.markdown)
    assert "filter 3's activation map (before ReLU) for test digit 3, an 8" in said and "/ 16" in said
    # the digit's cells up to 16 curve the loss far more than the lecture's 5x5: the link's rate is below 1/λ,
    # where descent converges (test_descent holds the closed form)
    lam = curvatures(image, (3, 3), padding=1)[-1]
    assert float(query["rate"]) * lam <= 1
    at.switch_page("pages/learn.py").run()  # back: the pick was taken once, nothing opens by itself
    no_exceptions(at)
    assert at.title[0].value != "How a filter learns" and at.pills(key=ui_learn.OPEN_STEP_KEY).value is None


def test_the_backward_step_follows_the_epoch_shown():
    run = ui_learn.shared_run(8, 12, 0, False)
    at = finished(open_app_page("pages/learn.py", digit="10"))  # the last epoch shown: its step
    assert _open_step(at, 0)["net"] == "10,12,1"
    at = finished(open_app_page("pages/learn.py", digit="10", epoch="0"))  # before training: the first step
    query = _open_step(at, 7)
    assert query["net"] == "10,1,8"
    np.testing.assert_allclose(grid_from_text(query["filter"]), np.round(run.history()[0].filters[:, :, 0, 7], 4),
                               atol=1e-7)
    # Each (run, epoch, digit) is computed once, in a bounded cache, only when someone asks.
    assert ui_learn.step_gradient.cache_info().maxsize == ui_learn.DIGIT_VIEWS
    assert ui_learn.step_gradient((8, 12, 0, False), 1, 10) is ui_learn.step_gradient((8, 12, 0, False), 1, 10)


def test_a_drawing_has_no_label_to_learn_from():
    seven = np.zeros((8, 8), np.int64)
    seven[1, 1:7] = 16
    seven[2:7, 5] = 16
    at = finished(open_app_page("pages/learn.py", src="draw", draw=grid_to_text(seven)))
    no_exceptions(at)
    with pytest.raises(KeyError):
        at.pills(key=ui_learn.OPEN_STEP_KEY)
    assert at.pills(key=ui_learn.OPEN_FILTER_KEY) is not None  # the Convolution player still opens
    assert [c.value for c in at.caption if "label to learn from" in c.value] == [
        "Only a test digit has a label to learn from, so only a test digit opens the backward step that moved a "
        "filter."]


def test_a_killed_training_says_so_and_trains_again_on_request():
    import os
    import signal
    import time

    # the longest training the page offers (a second convolution too): time to look at it, then to kill it
    at = open_app_page("pages/learn.py", filters="16", epochs="30", seed="321", conv2="1")
    at.button(key="learn_train").click().run()
    run = ui_learn.shared_run(16, 30, 321, True)
    end = time.monotonic() + 60
    while len(run.history()) < 2 and not run.done and time.monotonic() < end:  # it may wait for another one
        time.sleep(0.05)
    at.run()  # while it trains: progress, the curves so far, the filters of the last epoch recorded
    no_exceptions(at)
    assert "Training… Epoch" in at.get("progress")[0].proto.text and len(at.get("plotly_chart")) == 1
    assert re.search(r'data-grid="e\d+f1"', html_of(at))
    os.kill(run.pid, signal.SIGKILL)
    assert run.wait(10)
    at.run()
    no_exceptions(at)
    assert any("stopped before it finished" in e.value for e in at.error)
    at.button(key="learn_retry").click().run()
    no_exceptions(at)
    assert not at.error and len(at.get("progress")) == 1  # training again, with its progress bar
    again = ui_learn.shared_run(16, 30, 321, True)
    assert again is not run and again.error is None
    if again.pid is not None:
        os.kill(again.pid, signal.SIGKILL)  # seen what matters; free the worker for the other tests


def test_a_shared_figure_is_drawn_as_built_and_follows_the_run():
    """The curves are one cached figure per run and record count, shared by every session: Plotly gets the
    dict made once, the same JSON as the figure itself, and a later record count is a figure of its own."""
    import plotly.io
    import plotly.tools

    from cnnviz.ui import ReadyFigure
    from cnnviz.views.learn import curves_figure

    key = (8, 12, 0, False)
    assert ui_learn.shared_run(*key).wait(120)
    history = ui_learn.shared_run(*key).history()
    early, done = ui_learn.curves(key, 4, 12), ui_learn.curves(key, len(history), 12)
    assert isinstance(early, ReadyFigure) and ui_learn.curves(key, 4, 12) is early
    assert plotly.io.to_json(early, validate=False) == plotly.io.to_json(curves_figure(history[:4], 12), validate=False)
    assert list(early.data[0].x) == [0, 1, 2, 3] and list(done.data[0].x) == list(range(len(history)))
    # What st.plotly_chart does with it: the dict made once, and drawing it twice changes nothing.
    assert plotly.tools.return_figure_from_figure_or_data(early, validate_figure=True) is early.to_dict()
    at = finished(open_app_page("pages/learn.py"))
    spec = at.get("plotly_chart")[0].proto.spec
    # the page's chart is the plain figure's JSON (built now, with the template Streamlit made the default)
    assert spec == plotly.io.to_json(curves_figure(history, 12), validate=False)
    assert finished(at).get("plotly_chart")[0].proto.spec == spec
    assert list(ui_learn.curves(key, 4, 12).data[0].x) == [0, 1, 2, 3]


def test_the_digit_views_are_kept_in_bounded_caches():
    key = (8, 12, 0, False)
    assert ui_learn.shared_run(*key).wait(120)
    for cache in (ui_learn.digit_view, ui_learn.digit_head):
        assert cache.cache_info().maxsize == ui_learn.DIGIT_VIEWS
    assert ui_learn.digit_section.cache_info().maxsize == 2 * ui_learn.DIGIT_VIEWS
    rng = np.random.default_rng(0)
    texts = [grid_to_text(rng.integers(0, 17, (8, 8))) for _ in range(ui_learn.DIGIT_VIEWS + 40)]
    for text in texts:
        ui_learn.digit_section(key, text, "conv")
    assert ui_learn.digit_view.cache_info().currsize == ui_learn.DIGIT_VIEWS  # the oldest went, not the memory
    assert ui_learn.digit_section.cache_info().currsize <= 2 * ui_learn.DIGIT_VIEWS
    # A digit seen again: what the cache holds is what building it anew gives.
    for text in (texts[0], texts[-1]):
        assert ui_learn.digit_section(key, text, "conv") == ui_learn.digit_section.__wrapped__(key, text, "conv")
