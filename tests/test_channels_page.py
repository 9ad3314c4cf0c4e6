"""The RGB filters page in AppTest: the small example, the lecture's bank one button away, pickers, link, downloads."""
import re

import numpy as np

from cnnviz.kernel.conv import conv2d
from cnnviz.ui.channels import EXAMPLES
from cnnviz.views.sums import html_to_text
from conftest import open_app_page, player_data, player_explains, player_html


def open_page(**params):
    return open_app_page("pages/channels.py", **params)


def shown_grid(at, prefix: str, channel: int | None = None) -> np.ndarray:
    """The player's ``in`` (channel ``channel``) or ``out`` grid as its cells write it."""
    suffix = "" if channel is None else f"-{channel}"
    cells = re.findall(rf'id="{prefix}-(\d+)-(\d+){suffix}"[^>]*data-value="([^"]*)"', player_html(at))
    H, W = max(int(r) for r, _, _ in cells) + 1, max(int(c) for _, c, _ in cells) + 1
    grid = np.zeros((H, W), dtype=int)
    for r, c, v in cells:
        grid[int(r), int(c)] = int(v)
    return grid


def shown_map(at) -> np.ndarray:
    return shown_grid(at, "out")


def shown_input(at, channel: int) -> np.ndarray:
    return shown_grid(at, "in", channel)


def bank_map(example: str, f: int, **kw) -> np.ndarray:
    ex = EXAMPLES[example]
    return conv2d(ex.input, ex.filters[f], ex.biases[f], **kw)


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_small_example_opens_with_every_channel_summed():
    at = open_page()
    assert not at.exception
    assert "5x5x3 → 3x3x2" in text(at) and "(3×3×3 + 1)×2 = 56" in text(at)
    assert np.array_equal(shown_map(at), bank_map("small", 0))
    first = html_to_text(player_explains(at)[0]).splitlines()
    assert player_data(at)["n"] == 9 and first[1].startswith("R: ") and first[1].count("×") == 9  # every product
    assert first[-1].startswith("R + G + B + bias = ")
    for c in range(3):  # every channel drawn
        assert np.array_equal(shown_input(at, c), EXAMPLES["small"].input[:, :, c])
    assert not at.get("download_button") and not at.code  # the slides box is closed: nothing made, nothing sent
    at.session_state["chan_slides"] = True  # open it
    at.run()
    assert [b.label for b in at.get("download_button")] == ["GIF of all 9 steps", "PNG of step 9", "Grids as CSV"]
    assert len(at.code) == 3 and "conv2d(x, w, [1, -2]" in at.code[0].value


def test_the_lecture_bank_is_one_button_away():
    at = open_page()
    at.session_state["chan_slides"] = True
    at.button(key="chan_example").click().run()
    assert not at.exception
    assert "32x32x3 → 28x28x6" in text(at) and "(5×5×3 + 1)×6 = 456" in text(at)
    assert at.query_params["example"] == "lecture"
    assert player_data(at)["n"] == 784
    assert np.array_equal(shown_map(at), bank_map("lecture", 0))
    assert at.get("download_button")[0].label == "PNG of step 784"  # 784 steps: no GIF, a sentence instead
    assert any("too many for a GIF" in c.value for c in at.caption)
    assert "back to the small example" in at.button(key="chan_example").label.lower()


def test_the_filter_picker_and_the_link():
    at = open_page(example="lecture")
    at.button_group(key="chan_pick_lecture").set_value(3).run()
    assert not at.exception
    assert at.query_params["filter"] == "4"
    assert np.array_equal(shown_map(at), bank_map("lecture", 3))
    assert np.array_equal(shown_input(at, 2), EXAMPLES["lecture"].input[:, :, 2])
    assert "Activation map 4" in player_html(at) and "Map 4 ◀ shown" in html_to_text(player_html(at))
    again = open_page(example="lecture", filter="4", stride="2", padding="1")
    assert np.array_equal(shown_map(again), bank_map("lecture", 3, stride=2, padding=1))
    assert "Filter 4 of 6" in player_html(again)


def test_the_output_volume_is_drawn_once_and_a_click_on_a_map_picks_its_filter():
    at = open_page(example="lecture")
    html = player_html(at)
    assert html.count(' data-f="') == 6 and html.count('aria-current="true"') == 1
    assert "Output volume 28x28x6" in html
    assert not any('data-grid="map' in h.proto.body for h in at.get("html"))  # no second drawing under the player
    at.session_state["chan_player"] = {"pick": {"f": 2, "seq": "test-pick-1"}}  # what a click on map 3 sends
    at.run()
    assert not at.exception and at.query_params["filter"] == "3"
    assert np.array_equal(shown_map(at), bank_map("lecture", 2))
    assert at.button_group(key="chan_pick_lecture").value == 2
    at.button_group(key="chan_pick_lecture").set_value(0).run()  # the same click, read once: the picker still works
    assert "filter" not in at.query_params and np.array_equal(shown_map(at), bank_map("lecture", 0))


def test_the_presenter_view_is_in_the_link():
    at = open_page(present="1")
    assert not at.exception and player_data(at)["present"] is True
    assert any(".st-key-player_tools" in h.proto.body for h in at.get("html"))  # the controls are hidden
    at.button(key="chan_present__leave").click().run()
    assert "present" not in at.query_params and player_data(at)["present"] is False


def test_a_bad_link_falls_back_with_a_warning():
    at = open_page(filter="6")  # the small example has two filters
    assert not at.exception and "has 2 filters, not 6" in at.warning[0].value
    assert np.array_equal(shown_map(at), bank_map("small", 0))
    odd = open_page(example="huge", stride="9")
    assert not odd.exception and len(odd.warning[0].value.splitlines()) == 2
    assert "5x5x3 → 3x3x2" in text(odd)


def test_every_link_the_page_takes_has_filters_that_fit_their_input():
    # The page's examples are fixed: no stride or padding its link accepts makes a filter larger than the
    # padded input, so a link never leaves the page without its player.
    from cnnviz.ui.channels import URL, ChannelsState, view

    def taken(name: str) -> list[int]:
        out = []
        for v in range(-1, 10):
            try:
                out.append(URL.fields[name].parse(str(v)))
            except ValueError:
                pass
        return out

    for example in EXAMPLES:
        for stride in taken("stride"):
            for padding in taken("padding"):
                assert view(ChannelsState(example, 0, stride, padding, None, False)).data


def test_home_links_the_page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=30).run()
    assert any("RGB filters and filter banks" in str(p.proto.label) for p in at.get("page_link"))
