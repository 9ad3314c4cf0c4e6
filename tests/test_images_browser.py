"""The Real images page in Chromium: an upload through the real file input, and a shared link."""
import io

import numpy as np
import pytest
from PIL import Image

from browser_support import TIMEOUT_MS, rendered, wait_for_app

pytestmark = pytest.mark.browser


def shape_heading(page):
    return page.locator("h3", has_text="→")


def test_upload_shows_the_activation_volume_shape(page, server_url):
    page.goto(server_url + "/images?src=upload")
    wait_for_app(page)
    photo = np.zeros((30, 40, 3), np.uint8)
    photo[:, :20] = (240, 60, 20)  # an orange left half: a bright-to-dark vertical edge
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "mine.png", "mimeType": "image/png", "buffer": buf.getvalue()}])
    shape_heading(page).filter(has_text="30x40x3 → 28x38x6 → 14x19x6").wait_for()
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    # The maps arrived as pictures the browser decoded (not as numbers in JSON).
    images = page.locator('[data-testid="stImage"] img')
    assert images.count() >= 20
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    # The strongest value of the vertical-edge map is on the edge, and the zoom says so in numbers.
    assert page.get_by_text("At row", exact=False).first.inner_text().startswith("At row")
    assert ", column 19:" in page.get_by_text("At row", exact=False).first.inner_text()  # from 1


def test_shared_link_reopens_the_same_view(page, server_url):
    link = server_url + "/images?sample=Circles&size=32&k=5&f=Sobel+x%40R&f=Sharpen&relu=0&sel=2&at=3,4"
    page.goto(link)
    wait_for_app(page)
    shape_heading(page).filter(has_text="32x32x3 → 28x28x2 → 14x14x2").wait_for()
    zoom = page.get_by_text("At row 3, column 4:", exact=False).first
    first = zoom.inner_text()
    assert "after ReLU" not in first
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0
    # Another browser opening the same link sees the same numbers.
    other = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    try:
        phone = other.new_page()
        phone.set_default_timeout(TIMEOUT_MS)
        phone.goto(page.url)
        wait_for_app(phone)
        phone.get_by_text("At row 3, column 4:", exact=False).first.wait_for()
        assert phone.get_by_text("At row 3, column 4:", exact=False).first.inner_text() == first
        # the lecture's example: its button's label wraps whole on a phone, no "…six 5x5x3 filters →…"
        label = phone.locator('[data-testid="stButton"] button', has_text="The lecture's example").locator(
            '[data-testid="stMarkdownContainer"]')
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth")
    finally:
        other.close()


def test_at_150_percent_the_photo_is_above_the_fold_and_maps_are_large_and_crisp(browser, server_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server_url + "/images")
        wait_for_app(page)
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
                               ".filter(i => i.complete && i.naturalWidth > 0).length >= 20")
        picture = page.locator('[data-testid="stImage"]', has_text="The input,").locator("img")
        picture.wait_for()
        box = picture.bounding_box()
        assert box["y"] + box["height"] / 2 < 720 and box["width"] >= 280  # the picture, above the fold
        assert page.get_by_text("Chelsea the cat", exact=False).count() >= 1
        for label in ("Camera", "Grayscale (one channel)"):  # labels whole, not cut
            cut = page.get_by_text(label, exact=True).first.evaluate("e => e.scrollWidth > e.clientWidth + 1")
            assert not cut, label
        # the picture's source control fits its column: "Camera" whole, not clipped at its right edge
        camera = page.locator('.st-key-img_src button', has_text="Camera").bounding_box()
        column = page.locator('[data-testid="stColumn"]:has(.st-key-img_src)').last.bounding_box()
        assert camera["x"] + camera["width"] <= column["x"] + column["width"], (camera, column)
        sizes = page.evaluate("() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
                              ".map(i => [i.naturalWidth, getComputedStyle(i).imageRendering])")
        assert sorted(w for w, _ in sizes)[1] >= 256  # every map (not the 256-px colour bar) at least 256 px
        assert all(r == "pixelated" for _, r in sizes)
    finally:
        context.close()


def point_at(page, picture, row: int, col: int, rows: int, cols: int) -> None:
    """Scroll ``picture`` (``rows`` x ``cols`` cells) into view and move the pointer to the middle of a cell.

    The page hides the value on a scroll, and the browser delivers the scroll event with its next frame:
    wait for the frames first, or the late scroll hides the value the pointer has just asked for.
    """
    picture.scroll_into_view_if_needed()
    rendered(page)
    box = picture.bounding_box()  # in the viewport, where the mouse can reach it
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / cols, box["y"] + (row + 0.5) * box["height"] / rows)


def test_the_pointer_over_a_map_shows_its_value_there(page, server_url):
    from playwright.sync_api import expect

    from cnnviz import conv2d
    from cnnviz.images import PHOTO, resize_max_side, sample_image
    from cnnviz.lecture.presets import filter_from_spec
    from cnnviz.kernel.notation import format_number

    sent = []  # what the page sends the server
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(server_url + "/images?size=32&f=Sharpen&f=Sobel+x%40R&relu=0&pool=0")
    wait_for_app(page)
    shape_heading(page).filter(has_text="32x32x3 → 30x30x2").wait_for()
    page.wait_for_function("() => window.__cnnvizCellsOn")  # the page's pointer listeners are on
    img = page.locator(".st-key-img_px_volume img").nth(1)  # map 2: Sobel x on the red channel
    img.evaluate("i => i.decode()")
    tip = page.locator("#cnnviz-cell-value")
    x = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32).astype(np.float32)
    ref = conv2d(x, filter_from_spec("Sobel x@R", 3, 3).astype(np.float32))  # (30, 30)
    r, c = 6, 21  # from 0; the page writes them from 1
    point_at(page, img, r, c, 30, 30)
    expected = f"Row 7, column 22: {format_number(float(ref[r, c]))}"
    tip.filter(has_text=expected).wait_for(timeout=TIMEOUT_MS)
    assert tip.inner_text() == expected
    # The next cell needs nothing from the server: its text is already in the browser.
    wait_for_app(page)
    asked = len(sent)
    point_at(page, img, r, c + 1, 30, 30)
    expect(tip).to_have_text(f"Row 7, column 23: {format_number(float(ref[r, c + 1]))}")
    assert len(sent) == asked
    # The picture tells R, G and B at the pointer.
    photo = page.locator(".st-key-img_px_input img")
    point_at(page, photo, 0, 3, 32, 32)
    u = resize_max_side(np.asarray(sample_image(PHOTO, 512)), 32)
    tip.filter(has_text=f"Row 1, column 4: R {u[0, 3, 0]}, G {u[0, 3, 1]}, B {u[0, 3, 2]}").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
