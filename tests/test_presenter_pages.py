"""The presenter view of every page in AppTest: in the link, its stylesheet on, its projected lines written, a way
back; what it looks like in a hall is measured in Chromium (``test_presenter_browser.py``)."""
import pytest

from conftest import open_app_page

PAGES = {  # page file -> (its presenter view switch, a line only the presenter view writes)
    "pages/convolution.py": ("conv_present", "Stride **1** · padding **0** · dilation **1** · output size "
                                             "`(5 + 2×0 − 3) / 1 + 1 = 3` → **3x3**"),
    "pages/shapes.py": ("st_present", "Input **32x32x3** · **10** filters of **5x5x3** · stride **1** · padding **0**"),
    "pages/architectures.py": ("sa_present", None),
    "pages/images.py": ("img_present", None),
    "pages/learn.py": ("learn_present", None),
    "pages/inside.py": ("inside_present", None),
}


def presenting(at) -> bool:
    """The presenter view's stylesheet is on the page (the sidebar and the controls hidden, the type grown)."""
    return any('[class*="st-key-present_hide_"]' in h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("page_file", sorted(PAGES))
def test_the_presenter_view_is_in_the_link_and_has_a_way_back(page_file):
    key, line = PAGES[page_file]
    at = open_app_page(page_file, present="1")
    assert not at.exception and not at.warning and presenting(at)
    if line:
        assert line in [m.value for m in at.markdown]
    at.button(key=f"{key}__leave").click().run()
    assert not at.exception and "present" not in at.query_params and not presenting(at)
    assert at.toggle(key=key).value is False


def test_real_images_projects_the_picture_the_filter_and_the_maps_in_one_element():
    at = open_app_page("pages/images.py", present="1")
    board = [h.proto.body for h in at.get("html") if 'class="img-present"' in h.proto.body]
    assert len(board) == 1 and board[0].count("<img ") == 2 + 6  # the picture, its map, the six maps
    assert not at.get("image")  # the normal view's pictures are not sent


def test_shapes_and_architectures_write_their_tables_in_the_page_s_type():
    builder = open_app_page("pages/shapes.py", present="1", tab="builder")
    arch = open_app_page("pages/architectures.py", present="1")
    for at in (builder, arch):
        # a canvas table's type cannot grow on a projector (the builder's editor is there, hidden, for its values)
        assert not at.exception and not [d for d in at.dataframe if not (d.key or "").startswith("sb_editor")]
        assert any('class="cnnviz-table"' in h.proto.body for h in at.get("html"))
