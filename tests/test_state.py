"""Each page's typed state in the link, and the last valid result a page keeps."""
from dataclasses import dataclass, fields, replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.ui import architectures as ui_arch
from cnnviz.ui import backward as ui_bw
from cnnviz.ui import channels as ui_chan
from cnnviz.ui import convolution as ui_conv
from cnnviz.ui import images as ui_img
from cnnviz.ui import inside as ui_inside
from cnnviz.ui import learn as ui_learn
from cnnviz.ui import pooling as ui_pool
from cnnviz.ui import quiz as ui_quiz
from cnnviz.ui import relatives as ui_rel
from cnnviz.ui import shapes as ui_shapes
from cnnviz.ui import transposed as ui_tr
from cnnviz.ui.state import UrlState, int_field

URLS = {"convolution": ui_conv.URL, "channels": ui_chan.URL, "pooling": ui_pool.URL, "images": ui_img.URL,
        "quiz": ui_quiz.URL, "architectures": ui_arch.URL, "learn": ui_learn.URL, "inside": ui_inside.URL,
        "backward": ui_bw.URL, "relatives": ui_rel.URL, "transposed": ui_tr.URL,
        **{url.key: url for url in ui_shapes.URLS}}


def same(a, b) -> bool:
    """Two states hold the same values (grids compared cell by cell)."""
    return type(a) is type(b) and all(
        np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y and type(x) is type(y)
        for x, y in ((getattr(a, f.name), getattr(b, f.name)) for f in fields(a)))


# One state per page that differs from the default in every field the link can carry.
CHANGED = {
    "convolution": lambda s: replace(s, input=np.arange(12).reshape(3, 4) - 5, filter=np.array([[0.5, -1], [2, 0]]),
                                     bias=-1.5, relu=True, stride=2, padding=1, dilation=2, step=3,
                                     present=True),
    "channels": lambda s: replace(s, example="lecture", pick=3, stride=2, padding=1, step=7, present=True),
    "pooling": lambda s: replace(s, src="stack", input=np.array([[1.5, 2], [3, 4]]), mode="avg", size=3, stride=1,
                                 side=28, maps=4, pick=2, step=5, origin="example", present=True),
    "images": lambda s: replace(s, source="Camera", sample="RGB test pattern", size=64, gray=True, k=5,
                                filters=("Sobel x@R", "|".join([";".join(["0,0,0,0,0"] * 2 + ["0,0,2.5,0,0"]
                                                                        + ["0,0,0,0,0"] * 2)] * 3)),
                                bias=(1.5, -2), relu=False, pool=False, sel=1, at=(3, 4), present=True),
    "quiz": lambda s: replace(s, seed=4821, n=10),
    "learn": lambda s: replace(s, filters=4, epochs=6, seed=3, conv2=True, src="draw", digit=17, epoch=2,
                               draw=np.eye(8, dtype=np.int64) * 16, look=True, wrong=True, present=True),
    "inside": lambda s: replace(s, filters=4, epochs=6, seed=3, conv2=True, src="draw", digit=17,
                                draw=np.eye(8, dtype=np.int64) * 16, part="shift", layer="conv2", filter=2, cls=7,
                                at=(1, 2), l2=0.3, map="gradcam", c=4, k=2, dy=-1, dx=2, rot=-15, scale=1.2,
                                stroke=-0.5, light=0.6, box=((1, 3), (2, 8)), noise=2.5, clutter=0.1, sweep="rotate",
                                sy=2, sx=-2, rf="conv2", cell=(3, 0), present=True),
    "architectures": lambda s: replace(s, arch="googlenet", open=True, present=True, layer=12, row=3, col=20),
    "backward": lambda s: replace(s, input=np.arange(12).reshape(3, 4) - 5, filter=np.array([[0.5, -1], [2, 0]]),
                                  stride=2, padding=1, dilation=2, source="given", target=np.array([[1, -2]]),
                                  dmap=np.array([[0.5, -1.25e-5]]), net=(3, 5, 2), part="x", step=4, rate=0.02,
                                  gd=100, start="random", present=True, descent=True),
    "relatives": lambda s: replace(s, part="1d", pick=2, w1=np.array([[0.5, 1, -1]]), b1=(2,), groups=4,
                                   series="sunspots", kernel="typed", taps=(1, 0.25, -1), stride=2, padding=1,
                                   dilation=3, step=6, present=True),
    "transposed": lambda s: replace(s, input=np.array([[1, -2.5]]), filter=np.array([[0.5, -1], [2, 0]]), stride=3,
                                    padding=1, output_padding=2, step=2, present=True),
    "shapes_tab": lambda s: replace(s, tab="builder", present=True),
    "shapes_calc": lambda s: replace(s, h=28, w=30, c=1, k=3, f=6, s=2, p=1, pk=3, ps=1, dn=84, do=10),
    "shapes_compare": lambda s: replace(s, vh=28, vw=28, vc=1, vk=3, vf=16, gn=5, gk=2),
    "shapes_relatives": lambda s: replace(s, rh=28, rw=30, rc=16, rf=8, rk=5, rs=2, rp=0, rg=8, ts=3, tp=0, op=2,
                                          rl=50),
    "shapes_builder": lambda s: replace(s, shape="224x224x3", net="conv:8:3:1:1,relu,flatten,dense:10"),
}


def test_every_page_has_one_typed_state_in_the_link():
    assert set(URLS) == set(CHANGED)
    for name, url in URLS.items():
        assert isinstance(url, UrlState), name
        assert url.state.__dataclass_params__.frozen, name


@pytest.mark.parametrize("name", sorted(URLS))
def test_a_link_without_parameters_opens_the_default(name):
    url = URLS[name]
    state, warnings = url.from_query({})
    assert not warnings and same(state, url.default)
    texts = url.to_query(url.default)
    assert texts == ({"seed": "1", "n": "5"} if name == "quiz" else {})  # the quiz's link always names it


@pytest.mark.parametrize("name", sorted(URLS))
def test_every_field_round_trips_through_the_link(name):
    url = URLS[name]
    state = CHANGED[name](url.default)
    changed = [f.name for f in fields(state) if not same(replace(url.default, **{f.name: getattr(state, f.name)}),
                                                          url.default)]
    assert changed == [f.name for f in fields(state)]  # the example changes every field
    texts = url.to_query(state)
    again, warnings = url.from_query(texts)
    assert not warnings and same(again, state), texts


def test_images_link_writes_the_filter_from_1_and_leaves_zero_biases_out():
    state = replace(ui_img.URL.default, sel=2)
    assert ui_img.URL.to_query(state) == {"sel": "3"}
    assert ui_img.URL.default.bias == (0,) * len(ui_img.URL.default.filters)


def test_a_state_that_does_not_match_its_link_is_refused():
    @dataclass(frozen=True)
    class Two:
        a: int
        b: int

    with pytest.raises(AssertionError, match="has fields"):
        UrlState("two", Two, [int_field("a", 1, 0, 9, "a")])
    with pytest.raises(AssertionError, match="frozen"):
        UrlState("two", dataclass(type("Loose", (), {"__annotations__": {"a": int}})), [int_field("a", 1, 0, 9, "a")])


def _half_page():
    import streamlit as st

    from cnnviz.ui.state import last_valid

    def half(n: int) -> int:
        if n % 2:
            raise ValueError(f"{n} is odd")
        return n // 2

    n = int(st.number_input("n", value=st.session_state.get("start", 4), key="n"))
    kept = last_valid("half", lambda: half(n))
    st.markdown(f"value={kept.value} ok={kept.ok} errors={list(kept.errors)}")


def test_last_valid_keeps_the_last_result_and_says_why_the_new_one_failed():
    at = AppTest.from_function(_half_page).run()
    assert at.markdown[0].value == "value=2 ok=True errors=[]"
    at.number_input(key="n").set_value(5).run()
    assert at.markdown[0].value == "value=2 ok=False errors=['5 is odd']"
    at.number_input(key="n").set_value(8).run()
    assert at.markdown[0].value == "value=4 ok=True errors=[]"
    fresh = AppTest.from_function(_half_page)
    fresh.session_state["start"] = 7
    fresh.run()
    assert fresh.markdown[0].value == "value=None ok=False errors=['7 is odd']"  # nothing valid yet


def _typed_page():
    import streamlit as st

    from cnnviz.ui.state import LastValid

    last = LastValid("typed")
    text = st.text_input("t", value="3", key="t")
    if st.session_state.get("t_read") != text:  # each new text is read once, as a typed cell is
        st.session_state["t_read"] = text
        if text.isdigit():
            last.put(int(text))
        else:
            last.refuse([f"'{text}' is not a number"])
    st.markdown(f"value={last.get()} errors={list(last.errors)}")


def test_a_refused_input_keeps_the_last_valid_value_and_says_why_until_a_valid_one_comes():
    at = AppTest.from_function(_typed_page).run()
    assert at.markdown[0].value == "value=3 errors=[]"
    at.text_input(key="t").input("x").run()
    assert at.markdown[0].value == "value=3 errors=[\"'x' is not a number\"]"
    at.run()  # nothing new typed: still refused
    assert at.markdown[0].value == "value=3 errors=[\"'x' is not a number\"]"
    at.text_input(key="t").input("5").run()
    assert at.markdown[0].value == "value=5 errors=[]"


def _seeded_page():
    from dataclasses import dataclass

    import streamlit as st

    from cnnviz.ui.state import UrlState, int_field

    @dataclass(frozen=True)
    class S:
        n: int = 3

    url = UrlState("seeded", S, [int_field("n", 3, 1, 9, "n")], widgets={"n": "seeded_n"})
    state, fresh, _ = url.load()
    url.seed(state, fresh)
    n = int(st.number_input("n", 1, 9, key="seeded_n"))  # no value=: its default is 1
    url.save(S(n=n))


def test_every_run_gives_a_seeded_widget_its_value_so_a_browser_that_kept_none_shows_it():
    at = AppTest.from_function(_seeded_page)
    at.query_params["n"] = "7"
    at.run()
    for _ in range(3):  # a later run, not fresh: the value still travels with the element
        proto = at.number_input(key="seeded_n").proto
        assert proto.set_value and proto.value == 7 and proto.default == 1
        at.run()
    at.number_input(key="seeded_n").set_value(5).run()  # the student's own change stays theirs
    assert at.number_input(key="seeded_n").value == 5 and at.query_params["n"] == "5"
