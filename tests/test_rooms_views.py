"""What a room shows: the join link's QR code and the poll's bars."""
from __future__ import annotations

import io

from PIL import Image

from cnnviz.classroom.figures import join_qr_png, poll_figure, poll_order


def test_the_qr_code_is_black_on_white_with_a_quiet_zone_and_large_modules():
    import segno

    url = "https://cnnviz.example.org/?join=K7M2Q"
    img = Image.open(io.BytesIO(join_qr_png(url, scale=12))).convert("L")
    modules = segno.make(url, error="m").symbol_size(scale=1, border=4)[0]
    assert img.size == (modules * 12, modules * 12)
    assert img.size[0] >= 300  # sharp at the size the present page shows it
    corner = img.crop((0, 0, 4 * 12, 4 * 12))  # the quiet zone
    assert corner.getextrema() == (255, 255)
    assert img.getpixel((4 * 12 + 2, 4 * 12 + 2)) == 0  # the finder pattern's dark corner


def test_bars_are_labelled_with_counts_and_the_answer_marked_only_once_revealed():
    counts = {"760": 12, "756": 3, "28": 1}
    hidden = poll_figure(counts, answer="760")
    bar = hidden.data[0]
    assert list(bar.x) == ["28", "756", "760"] and list(bar.text) == ["1", "3", "12"]
    assert "✓" not in " ".join(bar.x)
    shown = poll_figure(counts, answer="760", revealed=True).data[0]
    assert "760 ✓ right" in shown.x[2] and shown.marker.pattern.shape[2] == "/"
    # Before the reveal no empty bar names an answer nobody gave.
    assert "99" not in poll_figure({"1": 2}, answer="99").data[0].x
    assert "99" in " ".join(poll_figure({"1": 2}, answer="99", revealed=True).data[0].x)


def test_choices_keep_their_order_and_typed_answers_keep_the_most_given():
    assert poll_order({"B": 2}, ("A", "B", "C")) == ["A", "B", "C"]
    many = {str(i): i for i in range(1, 40)}
    assert poll_order(many, most=5) == ["35", "36", "37", "38", "39"]
