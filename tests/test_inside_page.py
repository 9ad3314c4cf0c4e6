"""The page "Inside the trained network" in AppTest: its numbers are the library's on the same network, its link
round-trips, hostile links fall back with a sentence, it shares its network and digit with "A CNN that learns", the
presenter view, a room follows it."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import grid_values, joined, open_app_page, trace_numbers
from cnnviz.kernel.grids import grid_from_text, grid_to_text
from cnnviz.learn.challenges import accuracy_sweep, apply_challenges
from cnnviz.learn.digits import digits_split
from cnnviz.learn.fields import digits_fields, shifted_maps
from cnnviz.learn.interpret import excite, grad_cam, occlusion, saliency, top_patches
from cnnviz.ui import inside as ui_inside
from cnnviz.ui import learn as ui_learn

KEY = (8, 12, 0, False)  # the default network of "A CNN that learns"


@pytest.fixture(scope="module")
def model():
    """The network both pages open by default: the process's shared run, trained once."""
    run = ui_learn.shared_run(*KEY)
    assert run.wait(120)
    return run.result.model


def opened(**params):
    at = open_app_page("pages/inside.py", **params)
    no_exceptions(at)
    return at


def no_exceptions(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def html_of(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def shown(at, prefix: str) -> np.ndarray:
    """The numbers of grid ``prefix`` as the page writes them."""
    return np.array(grid_values(html_of(at), prefix))


def outlined(at, prefix: str) -> np.ndarray:
    """The cells of grid ``prefix`` marked by an outline (class ``on``)."""
    html = html_of(at)
    cells = re.findall(rf'<div class="([^"]*)" id="{prefix}-(\d+)-(\d+)"', html)
    H, W = max(int(r) for _, r, _ in cells) + 1, max(int(c) for _, _, c in cells) + 1
    out = np.zeros((H, W), bool)
    for classes, r, c in cells:
        out[int(r), int(c)] = "on" in classes.split()
    return out


def link(at) -> dict[str, str]:
    return {k: (v if isinstance(v, str) else v[-1]) for k, v in ((k, at.query_params[k]) for k in at.query_params)}


def test_the_excited_input_is_excite_on_the_same_network(model):
    at = opened()
    assert at.button_group(key="inside_part").value == "excite"
    np.testing.assert_array_equal(shown(at, "ex"), np.round(excite(model, "conv1", 0, **ui_inside.EXCITE), 1))
    # Filter 1's window on the digit (row 4, column 4 of its map) is outlined: its receptive field.
    window = np.zeros((8, 8), bool)
    window[2:5, 2:5] = True
    np.testing.assert_array_equal(outlined(at, "ex"), window)
    # Beside it, the nine training windows that excite filter 1 most, with their activations.
    top = top_patches(model, digits_split().train_images, k=9)
    html = html_of(at)
    assert 'data-grid="p1-9"' in html and 'data-grid="p2-1"' not in html
    assert f'<div class="ttl">{round(float(top.values[0, 0]), 1):g}</div>' in html
    # Another filter at another position, and the penalty.
    at.selectbox(key="inside_filter").set_value(4).run()
    at.selectbox(key="inside_at_row").set_value(1).run()
    at.selectbox(key="inside_at_col").set_value(6).run()
    at.select_slider(key="inside_l2").set_value(0.3).run()
    no_exceptions(at)
    np.testing.assert_array_equal(shown(at, "ex"), np.round(excite(model, "conv1", 4, position=(1, 6), l2=0.3), 1))
    assert {k: link(at)[k] for k in ("f", "at", "l2")} == {"f": "5", "at": "2,7", "l2": "0.3"}
    # A class score: the test digit that excites it most stands beside it.
    at.button_group(key="inside_layer").set_value("scores").run()
    at.selectbox(key="inside_cls").set_value(3).run()
    no_exceptions(at)
    x = excite(model, "scores", 3, l2=0.3)
    np.testing.assert_array_equal(shown(at, "ex"), np.round(x, 1))
    value = model.forward_layers(x)["scores"][3]
    assert f"reaches <b>{round(float(value), 2):g}</b>" in html_of(at).replace("−", "-")
    scores = np.array([model.forward_layers(d)["scores"][3] for d in digits_split().test_images])
    np.testing.assert_array_equal(shown(at, "best"), digits_split().test_images[int(np.argmax(scores))])
    assert link(at)["layer"] == "scores" and link(at)["cls"] == "3"


def test_a_second_convolutions_neuron_on_its_own_network():
    at = opened(filters="4", epochs="2", conv2="1", layer="conv2", f="3", at="1,4")
    at.button(key="learn_train").click().run()  # asked for in this session, as on A CNN that learns
    assert ui_learn.shared_run(4, 2, 0, True).wait(120)
    at.run()
    no_exceptions(at)
    net = ui_learn.shared_run(4, 2, 0, True).result.model
    np.testing.assert_array_equal(shown(at, "ex"), np.round(excite(net, "conv2", 2, position=(0, 3)), 1))
    assert at.button_group(key="inside_layer").options == ["First convolution", "Second convolution",
                                                           "Class scores"]


@pytest.mark.parametrize("kind, prefix", [("saliency", "sal"), ("occlusion", "occ"), ("gradcam", "cam")])
def test_what_it_looks_at_is_the_librarys_map(model, kind, prefix):
    digit = digits_split().test_images[12]
    at = opened(part="looks", map=kind, digit="12")
    np.testing.assert_array_equal(shown(at, "dig"), digit)
    expected = {"saliency": lambda c: np.round(saliency(model, digit, c).map, 2),
                "occlusion": lambda c: np.round((lambda o: (o.map - o.probability) * 100)(
                    occlusion(model, digit, c, size=3)), 0),
                "gradcam": lambda c: np.round(grad_cam(model, digit, c).map, 2)}[kind]
    np.testing.assert_allclose(shown(at, prefix), expected(None), atol=1e-9)
    answer = int(model.predict(digit).argmax())
    assert f"class c = {answer}, the network's answer" in html_of(at)
    other = (answer + 1) % 10
    at.selectbox(key="inside_c").set_value(other).run()
    no_exceptions(at)
    np.testing.assert_allclose(shown(at, prefix), expected(other), atol=1e-9)
    assert link(at)["c"] == str(other)
    if kind == "occlusion":
        at.select_slider(key="inside_k").set_value(5).run()
        o = occlusion(model, digit, other, size=5)
        np.testing.assert_allclose(shown(at, prefix), np.round((o.map - o.probability) * 100, 0), atol=1e-9)
        assert link(at)["k"] == "5"
    formula = ui_inside.FORMULAS[kind][0]
    assert formula.replace("×", "&#215;") in html_of(at) or formula in html_of(at)


def test_the_challenges_change_the_digit_and_the_answer_live(model):
    digit = digits_split().test_images[5]
    at = opened(part="challenges", digit="5")
    no_exceptions(at)
    at.slider(key="inside_dx").set_value(1).run()
    at.slider(key="inside_rot").set_value(15).run()
    at.slider(key="inside_noise").set_value(2.0).run()
    at.toggle(key="inside_box").set_value(True).run()
    at.slider(key="inside_box_rows").set_value((2, 3)).run()
    no_exceptions(at)
    changed = apply_challenges(digit, dx=1, degrees=15, sigma=2.0, box=((1, 3), (2, 5)))
    np.testing.assert_array_equal(shown(at, "chg"), np.round(changed, 1))
    probs = model.predict(changed)[0]
    best = int(probs.argmax())
    assert f'<b class="reading">The network reads a {best}</b>' in html_of(at)
    assert f'<span class="d">{best} ◀</span>' in html_of(at)
    assert {k: link(at)[k] for k in ("dx", "rot", "noise", "box")} == {"dx": "1", "rot": "15", "noise": "2",
                                                                        "box": "2,3,3,5"}
    # The sweep over the whole test set: accuracy in % against the amount, a line with markers.
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    np.testing.assert_allclose(trace_numbers(figure["data"][0]["y"]), accuracy_sweep(model, "shift_x").accuracies * 100)
    assert figure["data"][0]["mode"] == "lines+markers"
    assert figure["layout"]["yaxis"]["title"]["text"] == "test accuracy (%)"
    at.selectbox(key="inside_sweep").set_value("rotate").run()
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    np.testing.assert_allclose(trace_numbers(figure["data"][0]["y"]), accuracy_sweep(model, "rotate").accuracies * 100)
    assert figure["layout"]["xaxis"]["title"]["text"].startswith("rotation (degrees")
    assert link(at)["sweep"] == "rotate"


def test_a_shift_moves_the_map_exactly_where_the_border_does_not_reach(model):
    digit = digits_split().test_images[3]
    at = opened(part="shift", digit="3", sy="1", sx="-2", f="2")
    s = shifted_maps(model, digit, 1, -2)
    np.testing.assert_array_equal(shown(at, "m"), np.round(s.maps[:, :, 1].astype(np.float64), 2))
    np.testing.assert_array_equal(shown(at, "ms"), np.round(s.shifted_maps[:, :, 1].astype(np.float64), 2))
    np.testing.assert_array_equal(outlined(at, "ms"), s.exact)  # the exact cells, outlined
    np.testing.assert_array_equal(outlined(at, "ps"), s.compared)
    assert f"<b>{int(s.exact.sum())} of 64</b>" in html_of(at)
    # A cell of any layer and its receptive field on the digit, its size written.
    fields = digits_fields(model.config)
    for rf, cell, size in (("conv", (0, 0), "3x3"), ("pool", (2, 1), "4x4"), ("scores", None, "10x10")):
        at.button_group(key="inside_rf").set_value(rf).run()
        if cell is not None:
            at.selectbox(key="inside_cell_row").set_value(cell[0]).run()
            at.selectbox(key="inside_cell_col").set_value(cell[1]).run()
        no_exceptions(at)
        region = fields[rf].region(*(cell or (0, 0)))
        np.testing.assert_array_equal(outlined(at, "rf"), region.mask)
        assert f"receptive field of <b>{size}</b>" in html_of(at)
    assert "class scores: r = 4 + (4 − 1)×2 = 10" in html_of(at)  # the dense layer sees the whole 4x4 pooled map
    assert link(at)["rf"] == "scores"


def test_a_drawn_digit_is_the_one_looked_at_and_a_broken_canvas_keeps_it(model):
    at = opened(part="looks", src="draw")
    assert any("Draw a digit" in i.value for i in at.info)
    one = np.zeros((8, 8), np.int64)
    one[1:7, 4] = 16
    at.session_state[ui_learn.CANVAS_KEY] = {"cells": one.ravel().tolist()}
    at.run()
    no_exceptions(at)
    np.testing.assert_allclose(shown(at, "sal"), np.round(saliency(model, one).map, 2), atol=1e-9)
    assert grid_from_text(link(at)["draw"]).tolist() == one.tolist()
    at.session_state[ui_learn.CANVAS_KEY] = {"cells": ["x"] * 64}
    at.run()
    no_exceptions(at)
    assert any("could not be read" in e.value for e in at.error)
    np.testing.assert_allclose(shown(at, "sal"), np.round(saliency(model, one).map, 2), atol=1e-9)


FULL = {"part": "challenges", "digit": "17", "layer": "scores", "f": "3", "cls": "7", "at": "2,3", "l2": "3",
        "map": "occlusion", "c": "4", "k": "2", "dy": "-1", "dx": "2", "rot": "-15", "scale": "1.2",
        "stroke": "-0.5", "light": "0.6", "box": "2,3,3,8", "noise": "2.5", "clutter": "0.1", "sweep": "noise",
        "sy": "2", "sx": "-2", "rf": "conv", "cell": "4,1"}


def test_every_setting_round_trips_through_the_link(model):
    at = opened(**FULL)
    assert not at.warning and link(at) == FULL
    assert at.slider(key="inside_scale").value == 1.2 and at.slider(key="inside_box_rows").value == (2, 3)
    assert at.selectbox(key="inside_sweep").value == "noise"
    at.button_group(key="inside_part").set_value("excite").run()  # another part: its own settings from the link
    no_exceptions(at)
    assert at.selectbox(key="inside_cls").value == 7 and at.select_slider(key="inside_l2").value == 3
    assert link(at) == {k: v for k, v in FULL.items() if k != "part"}  # the first part is the default
    at.button_group(key="inside_part").set_value("shift").run()
    assert (at.selectbox(key="inside_cell_row").value, at.selectbox(key="inside_cell_col").value) == (3, 0)
    assert link(at) == FULL | {"part": "shift"}


@pytest.mark.parametrize("params, words", [
    ({"part": "<script>x</script>"}, "part of the page"),
    ({"f": "99"}, "filter number"),
    ({"f": "12"}, "This network has 8 filters"),
    ({"layer": "conv2"}, "no second convolution"),
    ({"at": "9,9"}, "neuron's position"),
    ({"at": "1"}, "neuron's position"),
    ({"l2": "1e9"}, "penalty on ink"),
    ({"c": "-1"}, "class of the maps"),
    ({"rot": "NaN"}, "rotation"),
    ({"scale": "inf"}, "scale"),
    ({"box": "5,2,1,1"}, "occlusion box"),
    ({"box": "[x](//e.vil)"}, "occlusion box"),
    ({"clutter": "0.9"}, "clutter"),
    ({"sweep": "gravity"}, "challenge swept"),
    ({"rf": "conv2"}, "no second convolution"),
    ({"rf": "pool", "cell": "6,6"}, "outside it"),
    ({"draw": "99," * 63 + "99"}, "drawing"),
])
def test_a_bad_link_falls_back_with_one_sentence(model, params, words):
    part = "shift" if "rf" in params or "cell" in params else "challenges" if "box" in params else "excite"
    at = opened(**({"part": part} | params))
    assert len(at.warning) == 1 and words in at.warning[0].value, [w.value for w in at.warning]
    assert 'class="cnnviz-grids ins-board"' in html_of(at)  # the part is drawn all the same
    assert not at.error


def test_the_network_and_the_digit_are_shared_with_a_cnn_that_learns(model):
    at = open_app_page("pages/learn.py", digit="42")
    no_exceptions(at)
    at.switch_page("pages/inside.py")
    at.query_params.clear()  # the app's navigation opens a page with an empty link
    at.run()
    no_exceptions(at)
    at.button_group(key="inside_part").set_value("looks").run()
    assert at.number_input(key="learn_digit").value == 42  # the digit chosen on A CNN that learns
    np.testing.assert_array_equal(shown(at, "dig"), digits_split().test_images[42])
    at.number_input(key="learn_digit").set_value(43).run()
    at.switch_page("pages/learn.py")
    at.query_params.clear()
    at.run()
    no_exceptions(at)
    assert at.number_input(key="learn_digit").value == 43 and link(at)["digit"] == "43"


def test_another_network_waits_for_its_training_as_on_a_cnn_that_learns():
    at = opened(filters="3", epochs="1", seed="4321")
    assert at.button(key="learn_train") is not None and not at.get("button_group")
    assert "3 filters" in " ".join(m.value for m in at.sidebar.markdown)
    at.button(key="learn_train").click().run()
    no_exceptions(at)
    assert ui_learn.shared_run(3, 1, 4321, False).wait(120)
    at.run()
    no_exceptions(at)
    assert at.button_group(key="inside_part") is not None and shown(at, "ex").shape == (8, 8)


def test_the_presenter_view_hides_the_controls_and_keeps_the_figure(model):
    at = opened(present="1", part="looks")
    assert any('[class*="st-key-present_hide_"]' in h.proto.body for h in at.get("html"))
    np.testing.assert_allclose(shown(at, "sal"), np.round(saliency(model, digits_split().test_images[0]).map, 2),
                               atol=1e-9)
    at.button(key="inside_present__leave").click().run()
    assert "present" not in at.query_params


def test_a_room_follows_every_part_and_setting(model, room):
    presenter, code, store = room
    presenter.switch_page("pages/inside.py").run()
    no_exceptions(presenter)
    presenter.button_group(key="inside_part").set_value("challenges").run()
    presenter.slider(key="inside_dy").set_value(-2).run()
    assert store.view(code).page == "inside"
    assert store.view(code).query["part"] == "challenges" and store.view(code).query["dy"] == "-2"
    student = joined(code)
    no_exceptions(student)
    assert student.slider(key="inside_dy").value == -2
    np.testing.assert_array_equal(shown(student, "chg"), shown(presenter, "chg"))
    presenter.button_group(key="inside_part").set_value("excite").run()
    presenter.select_slider(key="inside_l2").set_value(10).run()
    assert store.view(code).query["l2"] == "10"
    student.run()
    np.testing.assert_array_equal(shown(student, "ex"), shown(presenter, "ex"))


def test_the_views_are_kept_in_bounded_caches(model):
    caches = (ui_inside.excited, ui_inside.looks, ui_inside.challenged, ui_inside.shifted, ui_inside.field_view)
    assert all(c.cache_info().maxsize <= 4 * ui_inside.CACHED for c in caches)
    text = grid_to_text(digits_split().test_images[0])
    assert ui_inside.looks(KEY, text, "saliency", None, 3) is ui_inside.looks(KEY, text, "saliency", None, 3)
    a = ui_inside.challenged(KEY, text, (("dx", 1),))
    assert a is ui_inside.challenged(KEY, text, (("dx", 1),)) and not a[0].flags.writeable
    rng = np.random.default_rng(0)
    for _ in range(ui_inside.CACHED + 5):
        ui_inside.looks(KEY, grid_to_text(rng.integers(0, 17, (8, 8))), "saliency", None, 3)
    assert ui_inside.looks.cache_info().currsize == ui_inside.CACHED  # the oldest went, not the memory
