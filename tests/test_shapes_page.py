"""The Shapes & parameters and Architectures pages: AppTest runs, bad input, links; one browser check."""
import json
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.lecture.architectures import ARCHITECTURES
from conftest import open_app_page, wait_for_app

SHAPES, ARCH = "../pages/shapes.py", "../pages/architectures.py"


def run(path, **params):
    if path == ARCH:  # through app.py: its links name the other pages of the navigation
        return open_app_page("pages/architectures.py", **params)
    at = AppTest.from_file(path, default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def texts(at):
    return "\n".join(m.value for m in at.markdown)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def chart_texts(at, i=0) -> str:
    """Every label and hover text of the i-th Plotly chart, one per line."""
    spec = json.loads(at.get("plotly_chart")[i].proto.spec)
    found = []
    for trace in spec["data"]:
        for key in ("text", "hovertext", "name"):
            value = trace.get(key)
            found += value if isinstance(value, list) else [value] if value else []
    return "\n".join(map(str, found))


def errors(at):
    return "\n".join(e.value for e in at.error)


def test_shapes_defaults_show_the_lecture_numbers():
    at = run(SHAPES)
    assert not at.exception and not at.error and not at.warning
    md = texts(at)
    assert "`(5×5×3 + 1)×10 = 760`" in md
    assert "Output shape: **28x28x10**" in md
    # The pooling layer pools what the convolution made, as the lecture does: 28x28x10 -> 14x14x10.
    assert "`(28 − 2) / 2 + 1 = 14`" in md and "Output shape: **14x14x10**" in md and "Parameters: `0`" in md
    assert "(32 − 2) / 2" not in md
    assert "`400×120 + 120 = 48,120`" in md
    assert not at.metric and not at.get("plotly_chart")  # hidden tabs are not drawn
    assert dict(at.query_params) == {}  # defaults keep the link clean
    at = run(SHAPES, tab="compare")
    md = texts(at)
    assert "`(5×5×3 + 1)×6 = 456`" in md and "`3072×4704 + 4704 = 14,455,392`" in md
    assert "Convolution: 3 weights + 1 bias = 4 parameters, 15 edges" in at.get("plotly_chart")[0].proto.spec
    at = run(SHAPES, tab="builder")
    # The builder's example: LeNet-5's sizes with ReLU and max pooling: 156 + 2,416 + 48,120 + 10,164 + 850.
    assert metric(at, "Parameters") == f"{156 + 2416 + 48120 + 10164 + 850:,}"
    assert metric(at, "Final output") == "10"
    assert dict(at.query_params) == {"tab": "builder"}


def test_switching_tabs_is_in_the_link_and_keeps_every_tab_s_settings():
    at = run(SHAPES)
    at.number_input(key="sc_f").set_value(6).run()
    at.session_state["st_tabs"] = "Network builder"
    at.run()
    assert at.query_params["tab"] == "builder" and metric(at, "Final output") == "10"
    at.session_state["sb_editor_0"] = {"edited_rows": {0: {"filters / units": 8}}, "added_rows": [],
                                       "deleted_rows": []}
    at.run()
    assert at.dataframe[-1].value["output shape"].tolist()[0] == "28x28x8"
    at.session_state["st_tabs"] = "Layer calculator"
    at.run()
    assert "`(5×5×3 + 1)×6 = 456`" in texts(at)  # hidden widgets' values come back
    at.session_state["st_tabs"] = "Network builder"
    at.run()
    assert at.dataframe[-1].value["output shape"].tolist()[0] == "28x28x8"  # and the builder's edits
    assert at.query_params["f"] == "6" and at.query_params["net"].startswith("conv:8:5")


def test_builder_with_every_row_deleted_asks_for_a_layer():
    at = run(SHAPES, tab="builder")
    at.session_state["sb_editor_0"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": list(range(12))}
    at.run()
    assert not at.exception and "Add a layer" in at.info[0].value
    assert at.query_params["net"] == ""


def test_calculator_inputs_change_formula_and_link():
    at = run(SHAPES)
    at.number_input(key="sc_f").set_value(6)
    at.number_input(key="sc_c").set_value(1)
    at.number_input(key="sc_s").set_value(2)
    at.number_input(key="sc_p").set_value(1)
    at.run()
    md = texts(at)
    assert "`(5×5×1 + 1)×6 = 156`" in md
    assert "`⌊(32 + 2×1 − 5) / 2⌋ + 1 = 15`" in md and "**15x15x6**" in md
    assert at.query_params["f"] == "6" and at.query_params["s"] == "2"


def test_a_link_reopens_the_same_calculator():
    at = run(SHAPES, h="28", w="28", c="1", k="5", f="6", vf="10")
    md = texts(at)
    assert not at.warning
    assert "`(5×5×1 + 1)×6 = 156`" in md and "**24x24x6**" in md
    at = run(SHAPES, h="28", w="28", c="1", k="5", f="6", vf="10", tab="compare")
    assert "`(5×5×3 + 1)×10 = 760`" in texts(at)  # the comparison keeps its own 32x32x3 input


def test_comparison_that_does_not_fit_or_cannot_be_drawn():
    at = run(SHAPES, tab="compare", vk="40", gn="3", gk="4")
    assert not at.exception and not at.get("plotly_chart")
    err = errors(at)
    assert "This convolution does not fit" in err and "The filter is wider than the input" in err


def test_filter_larger_than_input_says_why_without_traceback():
    at = run(SHAPES)
    at.number_input(key="sc_k").set_value(40)
    at.number_input(key="sc_pk").set_value(50)
    at.run()
    assert not at.exception
    err = errors(at)
    assert "This convolution does not fit its input: the filter (40) is larger than the padded input (32)" in err
    assert "make the convolution fit first" in at.info[0].value  # pooling pools the convolution's output
    at.number_input(key="sc_k").set_value(5).run()
    assert "This pooling layer does not fit its input (28x28x10): the pooling window (50) is larger" in errors(at)


def test_padding_past_the_filter_is_refused_with_a_sentence():
    at = run(SHAPES, p="500")
    assert not at.exception
    assert ("This convolution does not fit its input: the padding (500) must be smaller than the filter size (5)"
            in errors(at))
    assert "1028x1028" not in texts(at)


@pytest.mark.parametrize("params,bad", [
    ({"h": "abc"}, "h=abc"), ({"f": "-3"}, "f=-3"), ({"k": "9" * 10_000}, "k=9999"),
    ({"s": "nan"}, "s=nan"), ({"p": "1.5"}, "p=1.5"), ({"in": "32xfoo"}, "in=32xfoo"),
    ({"net": "conv:6:5,bogus"}, "net=conv:6:5,bogus"), ({"in": "0x0x0"}, "in=0x0x0"),
    ({"tab": "<script>"}, "tab=<script>"),
])
def test_bad_links_fall_back_with_a_warning(params, bad):
    for tab in ("calc", "builder"):
        at = run(SHAPES, **({"tab": tab} | params))
        assert not at.exception
        warning = "\n".join(w.value for w in at.warning)
        assert bad[:12] in warning and "could not be used" in warning
        if tab == "calc" or "tab" in params:  # defaults back in place
            assert "`(5×5×3 + 1)×10 = 760`" in texts(at)
        else:
            assert metric(at, "Parameters") == f"{156 + 2416 + 48120 + 10164 + 850:,}"  # the builder's example


def test_builder_names_the_layer_that_does_not_fit_and_keeps_the_layers_before():
    at = run(SHAPES, tab="builder", net="conv:6:5,relu,maxpool:2,conv:16:20,flatten,dense:10")
    assert not at.exception
    err = errors(at)
    assert "Layer 4 (conv 20x20, 16 filters, stride 1, padding 0) does not fit its input 14x14x6" in err
    assert "larger than the padded input (14)" in err
    assert at.dataframe[-1].value["output shape"].tolist() == ["28x28x6", "28x28x6", "14x14x6"]
    assert metric(at, "Parameters") == "156"  # (5×5×1 + 1)×6 on the default 32x32x1 input


def test_builder_dense_before_flatten_is_explained():
    at = run(SHAPES, tab="builder", net="conv:6:5,dense:10")
    assert "Layer 2 (dense, 10 units)" in errors(at) and "put a flatten" in errors(at)


def test_builder_cell_edit_updates_table_and_link():
    at = run(SHAPES, tab="builder")
    at.session_state["sb_editor_0"] = {"edited_rows": {0: {"filters / units": 8}}, "added_rows": [],
                                       "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert table["output shape"].tolist()[0] == "28x28x8"
    assert table["parameters"].tolist()[0] == (5 * 5 * 1 + 1) * 8
    assert at.query_params["net"].startswith("conv:8:5:1:0,relu")


def test_builder_unreadable_row_keeps_the_last_valid_network():
    at = run(SHAPES, tab="builder")
    at.session_state["sb_editor_0"] = {"edited_rows": {}, "added_rows": [{"layer": "dense"}], "deleted_rows": []}
    at.run()
    assert "Row 13: a dense (fully connected) layer needs its number of filters or units" in errors(at)
    assert metric(at, "Parameters") == f"{156 + 2416 + 48120 + 10164 + 850:,}"
    assert "net" not in at.query_params


def test_builder_bad_input_shape_text():
    at = run(SHAPES, tab="builder")
    at.text_input(key="sb_in_text").input("32 by 32").run()
    assert "Input shape: '32by32' is not a shape like 32x32x3 or 784" in errors(at)
    at.text_input(key="sb_in_text").input("28x28x1").run()
    assert not at.error and at.query_params["in"] == "28x28x1"
    assert at.dataframe[-1].value["output shape"].tolist()[0] == "24x24x6"


def test_builder_absurd_sizes_are_refused_by_name():
    at = run(SHAPES, tab="builder", **{"in": "100000x100000x100000", "net": "flatten,dense:100000"})
    assert not at.exception and not at.warning
    assert "Layer 2 (dense, 100000 units) does not fit" in errors(at) and "1e20 parameters" in errors(at)
    assert "The table shows the layer before it." in errors(at)
    at = run(SHAPES, tab="builder")
    at.session_state["sb_editor_0"] = {"edited_rows": {0: {"filters / units": 10**12}}, "added_rows": [],
                                       "deleted_rows": []}
    at.run()
    assert not at.exception
    assert "Row 1: the number of filters or units (1,000,000,000,000) is absurdly large" in errors(at)


def test_the_builder_s_table_wraps_its_words_whole():
    at = run(SHAPES, tab="builder")
    assert_words_wrap_whole(at.dataframe[-1])
    assert metric(at, "Layer outputs, one image")


def test_builder_loads_a_preset():
    at = run(SHAPES, tab="builder")
    at.selectbox(key="sb_start").set_value("VGG-16")
    at.button(key="sb_load").click().run()
    assert not at.exception
    assert metric(at, "Parameters") == "138,357,544"
    assert at.query_params["in"] == "224x224x3"


@pytest.mark.parametrize("key", list(ARCHITECTURES))
def test_architectures_page_every_preset(key):
    at = run(ARCH, arch=key)
    assert not at.exception and not at.warning
    arch = ARCHITECTURES[key]
    assert metric(at, "Parameters") == f"{arch.total_params:,}"
    assert at.dataframe[0].value["parameters"].sum() == arch.total_params
    if arch.lecture:
        assert metric(at, "The lecture's size") == f"{arch.lecture.size_mb:g} MB"
    assert_words_wrap_whole(at.dataframe[0])


def assert_words_wrap_whole(table) -> None:
    """A layer table's "what it does" and "worked out" wrap in columns of a fixed width, in rows tall enough for
    the longest (they were once cut: "conv 5x5, 6 filters, stric")."""
    from cnnviz.ui.shapes import LINE, WRAPPED_COLUMNS, wrapped_lines

    config = json.loads(table.proto.columns)
    records = table.value
    for name, width in WRAPPED_COLUMNS.items():
        if name in records:
            assert config[name]["width"] == width
            lines = max(wrapped_lines(text, width) for text in records[name])
            assert table.proto.row_height >= lines * LINE + 14 and (lines == 1 or table.proto.row_height > 64), name


def test_architectures_blocks_open_and_link_round_trips():
    at = run(ARCH)
    at.selectbox(key="sa_arch").set_value("googlenet")
    at.toggle(key="sa_open").set_value(True)
    at.run()
    assert at.query_params["arch"] == "googlenet" and at.query_params["open"] == "True"
    names = at.dataframe[0].value["layer"].tolist()
    assert "  └ concatenate" in names and any("\"5x5\" (3x3)" in n for n in names)
    again = run(ARCH, arch="googlenet", open="True")
    assert again.dataframe[0].value.shape == at.dataframe[0].value.shape
    spec = at.get("plotly_chart")[-1].proto.spec  # the lecture's table, under the drawing
    assert "top-1 error" in spec and "size computed" in spec


def test_architectures_bad_link_and_builder_link():
    at = run(ARCH, arch="resnet9000", open="maybe")
    assert not at.exception
    warning = at.warning[0].value
    assert "arch=resnet9000" in warning and "open=maybe" in warning
    assert metric(at, "Parameters") == "61,706"
    link = next(p.proto for p in at.get("page_link") if "Open this network in the builder" in p.proto.label)
    assert link.page == "shapes" and not link.external  # the same tab, inside the app
    query = parse_qs(link.query_string)
    shapes = run(SHAPES, **{k: v[0] for k, v in query.items()})
    assert not shapes.warning and metric(shapes, "Parameters") == "61,706"


@pytest.mark.browser
def test_shapes_page_in_browser_shows_the_760_formula(page, server_url):
    page.set_default_timeout(60_000)  # other work shares the CPU: wait on the app's signals, generously
    page.goto(server_url + "/shapes")
    wait_for_app(page)
    page.get_by_text("(5×5×3 + 1)×10 = 760").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    filters = page.get_by_label("Number of filters")
    filters.fill("6")
    filters.press("Enter")
    calculator = page.locator('[role="tabpanel"]').first  # the comparison tab shows 456 too: look here only
    calculator.locator("code", has_text="(5×5×3 + 1)×6 = 456").wait_for()
    page.wait_for_function("() => location.search.includes('f=6')")
    page.get_by_role("tab", name="Network builder").click()
    page.get_by_text("Final output").wait_for()
    page.wait_for_function("() => location.search.includes('tab=builder')")
    page.get_by_role("tab", name="Layer calculator").click()  # back: the calculator kept its values
    page.locator('[role="tabpanel"]').first.locator("code", has_text="(5×5×3 + 1)×6 = 456").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_architectures_draws_the_network_above_the_tables():
    at = run(ARCH)
    spec = chart_texts(at)
    for shape in ("32x32x1", "28x28x6", "14x14x6", "10x10x16", "5x5x16", "120", "84", "10"):
        assert f"<b>{shape}</b>" in spec
    assert "(5×5×1 + 1)×6 = 156" in spec  # the hover works the parameters out
    at = run(ARCH, arch="resnet50")
    assert "shortcut, added at ⊕" in chart_texts(at)
    assert not at.exception


def test_lenet_is_dated_by_both_its_versions():
    # The lecture dates LeNet 1989; the network modelled is LeNet-5, 1998.
    assert "**LeNet-5** (LeNet 1989, LeNet-5 1998), input 32x32x1." in texts(run(ARCH))
    assert "**AlexNet** (2012), input 224x224x3." in texts(run(ARCH, arch="alexnet"))


def test_architectures_metrics_write_the_lecture_s_numbers():
    at = run(ARCH, arch="vgg16")
    assert metric(at, "Top-1 / top-5 error (%)") == "28.07 / 9.33"
    # a quarter of a laptop's column at 150 % holds about 28 characters of a metric's label
    lenet = run(ARCH)
    assert metric(lenet, "Layer outputs, one image") == "60.0 KB"
    assert max(len(m.label) for m in [*at.metric, *lenet.metric]) <= 28


def test_each_drawn_layer_links_to_the_page_that_explains_it():
    at = run(ARCH)
    links = {p.proto.label: p.proto for p in at.get("page_link")}
    c1 = links["C1: 5x5 conv on 32x32x1 in the Shapes calculator"]
    s2 = links["S2: avg pool 2x2, stride 2 in the Pooling page"]
    f6 = links["F6: dense 120 → 84 in the Shapes calculator"]
    assert (c1.page, s2.page, f6.page) == ("shapes", "pooling", "shapes")
    query = {k: v[0] for k, v in parse_qs(c1.query_string).items()}
    assert query == {"tab": "calc", "h": "32", "w": "32", "c": "1", "k": "5", "f": "6", "s": "1", "p": "0"}
    calc = run(SHAPES, **query)
    assert not calc.warning and "Output shape: **28x28x6**" in texts(calc) and "`(5×5×1 + 1)×6 = 156`" in texts(calc)
    assert parse_qs(s2.query_string) == {"mode": ["avg"], "size": ["2"], "stride": ["2"]}
    dense = run(SHAPES, **{k: v[0] for k, v in parse_qs(f6.query_string).items()})
    assert "`120×84 + 84 = 10,164`" in texts(dense)


def test_builder_cells_read_cleanly_and_the_built_network_is_drawn():
    at = run(SHAPES, tab="builder")
    editor = at.dataframe[0].proto
    assert editor.HasField("placeholder") and editor.placeholder == ""  # unused cells empty, not "None"
    spec = chart_texts(at)
    assert "<b>28x28x6</b>" in spec and "<b>5x5x16</b>" in spec
    at = run(SHAPES, tab="builder", **{"in": "4x4x1"})
    assert ("Layer 1 (conv 5x5, 6 filters, stride 1, padding 0) does not fit its input 4x4x1: the filter (5)"
            in errors(at))


# -- Convolution's relatives ------------------------------------------------------------------------

def test_relatives_count_the_lecture_s_mobilenet_example():
    at = run(SHAPES, tab="relatives")
    assert not at.exception and not at.error and not at.warning
    md = texts(at)
    # 32 -> 64 channels, 3x3: grouped in 4, depthwise-separable against the standard one, 1x1, transposed, 1-D
    assert "`(3×3×8 + 1)×64 = 4,672`" in md
    assert "`(3×3×1 + 1)×32 = 320`" in md and "`(1×1×32 + 1)×64 = 2,112`" in md
    assert "#### Parameters: `320 + 2,112 = 2,432`" in md
    assert "against `(3×3×32 + 1)×64 = 18,496` for the standard 3x3 convolution" in md and "**7.6 times**" in md
    assert "`(32 − 1)×2 − 2×1 + 3 + 1 = 64` on both axes → **64x64x64**" in md
    assert "Output length: `(100 + 2×1 − 3) / 1 + 1 = 100` → **100x64**" in md and "`(3×32 + 1)×64 = 6,208`" in md
    # the same numbers by plain arithmetic: weights per filter times filters, plus a bias each
    assert (3 * 3 * 32 // 4 + 1) * 64 == 4672 and (3 * 3 + 1) * 32 + (32 + 1) * 64 == 2432
    assert (3 * 32 + 1) * 64 == 6208
    assert dict(at.query_params) == {"tab": "relatives"}


def test_relatives_counts_equal_pytorch_s_layers():
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def numel(*layers):
        return sum(p.numel() for layer in layers for p in layer.parameters())

    md = texts(run(SHAPES, tab="relatives"))
    assert f"= {numel(nn.Conv2d(32, 64, 3, groups=4)):,}`" in md
    assert f"= {numel(nn.Conv2d(32, 32, 3, groups=32), nn.Conv2d(32, 64, 1)):,}`" in md
    assert f"= {numel(nn.Conv2d(32, 64, 3)):,}`" in md
    assert f"`(3×3×32 + 1)×64 = {numel(nn.ConvTranspose2d(32, 64, 3)):,}`" in md
    assert f"= {numel(nn.Conv1d(32, 64, 3)):,}`" in md
    up = nn.ConvTranspose2d(32, 64, 3, stride=2, padding=1, output_padding=1)(torch.zeros(1, 32, 32, 32))
    assert tuple(up.shape) == (1, 64, 64, 64)


def test_relatives_from_the_link_say_what_does_not_fit():
    at = run(SHAPES, tab="relatives", rc="16", rf="16", rg="16", rk="5", rp="2", ts="1", tp="0", op="0", rl="50")
    assert not at.exception and not at.warning and not at.error
    md = texts(at) + "\n".join(c.value for c in at.caption)
    assert "`(5×5×1 + 1)×16 = 416`" in md and "It is depthwise: one group per channel." in md
    assert "`(32 − 1)×1 − 2×0 + 5 + 0 = 36`" in md and "**50x16**" in md
    at.number_input(key="sc_rg").set_value(3).run()
    assert "This grouped convolution (3 groups) does not fit: the 16 input channel(s) do not split" in errors(at)
    assert "`416 + 272 = 688`" in texts(at)  # the rest stands
    at.number_input(key="sc_op").set_value(2).run()
    assert "This transposed convolution does not fit: the output padding (2) must be smaller" in errors(at)
    assert at.query_params["rg"] == "3" and at.query_params["op"] == "2"


@pytest.mark.parametrize("params, bad", [({"rg": "abc"}, "rg=abc"), ({"rl": "0"}, "rl=0"), ({"op": "-1"}, "op=-1")])
def test_relatives_bad_links_fall_back_with_a_warning(params, bad):
    at = run(SHAPES, tab="relatives", **params)
    assert not at.exception and bad in "\n".join(w.value for w in at.warning)
    assert "#### Parameters: `320 + 2,112 = 2,432`" in texts(at)


def test_relatives_presenter_view_writes_the_numbers_above_the_formulas():
    at = run(SHAPES, tab="relatives", present="1")
    assert "Input **32x32x32** · **64** filters · filter size **3** · stride **1** · padding **1**" in texts(at)
    assert "#### Parameters: `320 + 2,112 = 2,432`" in texts(at)
