"""The image loader against files built here (good, odd and hostile), samples, and per-channel maps."""
import io
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

import cnnviz
from cnnviz import ImageError, conv2d, load_image
from cnnviz.images import (
    SAMPLE_NAMES, channel_maps, load_image_info, resize_max_side, sample_image, to_grayscale,
)
from cnnviz.kernel.notation import format_shape
from cnnviz.lecture.presets import FILTER_PRESETS, preset_for_channels


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height RGB pixels; its data holds only a few rows of zeros."""
    rows = zlib.compress(b"\x00" * (1 + 3 * width) * 4)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


# -- hostile and broken files: refused with a sentence ---------------------------------------------

@pytest.mark.parametrize("size", [(20000, 20000), (8000, 6000)])
def test_decompression_bomb_refused_from_the_header_without_decoding(size, monkeypatch):
    data = bomb_png(*size)
    assert len(data) < 100_000  # tiny file, 400 (or 48) million declared pixels
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(1))
    tracemalloc.start()
    with pytest.raises(ImageError, match="decompression bomb"):
        load_image(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert decoded == []  # refused before a single pixel was decoded
    assert peak < 5_000_000  # decoding 20000x20000 RGB would need 1.2 GB


def test_8000x6000_is_refused_by_our_cap_not_only_pillows():
    assert 8000 * 6000 < Image.MAX_IMAGE_PIXELS  # Pillow alone would decode it
    with pytest.raises(ImageError, match="48000000|more than the 40 million"):
        load_image(bomb_png(8000, 6000))


def test_truncated_png_is_refused():
    data = encode(Image.fromarray(noise(200, 200)), "PNG")
    with pytest.raises(ImageError, match="starts like a PNG image but is truncated"):
        load_image(data[: len(data) // 2])
    with pytest.raises(ImageError, match="starts like a PNG image"):  # cut inside its header
        load_image(data[:40])


# Words of the decoder's own messages that a person uploading a photo should never read.
LIBRARY_WORDS = ("Plugin", "MAX_", "PIL", "Pillow", "decoder", "bytes not processed", "BytesIO", "errno",
                 "Truncated File Read", "cannot identify")


def assert_own_sentence(err: ImageError) -> None:
    """The refusal is the app's sentence: no library word, and not the text of the error behind it."""
    msg = str(err)
    assert not [w for w in LIBRARY_WORDS if w in msg], msg
    cause = str(err.__context__ or "").strip()
    assert not cause or cause not in msg, msg


def png_with_text(before_pixels: bool) -> bytes:
    """A valid 4x4 PNG with a compressed text chunk that unpacks to 2 MB, before or after its pixels."""
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00" * (1 + 3 * 4) * 4))
    ztxt = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"a" * 2_000_000))
    chunks = [ztxt, idat] if before_pixels else [idat, ztxt]
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + b"".join(chunks) + png_chunk(b"IEND", b"")


@pytest.mark.parametrize("before_pixels", [True, False])
def test_png_with_too_much_text_is_refused_without_naming_pillow(before_pixels):
    with pytest.raises(ImageError, match=r"more text \(metadata\)") as err:
        load_image(png_with_text(before_pixels))
    assert_own_sentence(err.value)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "WEBP", "MPO"]), st.floats(0, 1), st.integers(0, 255),
       st.booleans())
def test_a_damaged_file_is_refused_in_the_apps_own_words(fmt, where, byte, cut):
    img = Image.fromarray(noise(24, 32, seed=5))
    data = bytearray(encode(img, fmt, **({"save_all": True, "append_images": [img]} if fmt == "MPO" else {})))
    at = int(where * (len(data) - 1))
    if cut:
        data = data[:at]
    else:
        data[at] = byte  # one byte changed: often harmless, sometimes fatal
    try:
        pixels = load_image(bytes(data))
    except ImageError as err:
        assert_own_sentence(err)
    else:  # a changed byte may also change the size the file declares: still a picture
        assert pixels.ndim == 3 and pixels.shape[2] == 3 and pixels.dtype == np.uint8 and pixels.size > 0


def test_random_bytes_are_refused():
    data = np.random.default_rng(3).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    with pytest.raises(ImageError, match="not an image the app can read"):
        load_image(data)


def test_tiff_renamed_png_is_refused_by_content_and_named():
    data = encode(Image.fromarray(noise(20, 20)), "TIFF")  # the name "photo.png" would not change the bytes
    with pytest.raises(ImageError, match="TIFF") as err:
        load_image(data)
    assert "PNG, JPEG, GIF, BMP or WebP" in str(err.value)


@pytest.mark.parametrize("data, says", [
    (b"", "empty"),
    (b"%PDF-1.7\n...", "PDF"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"),
    ("not bytes", "bytes"),
])
def test_other_bad_inputs_say_what_they_are(data, says):
    with pytest.raises(ImageError, match=says):
        load_image(data)


def test_image_error_is_a_value_error_and_exported():
    assert issubclass(cnnviz.ImageError, ValueError)
    assert cnnviz.load_image is load_image


# -- odd but good files: converted -----------------------------------------------------------------

def test_cmyk_jpeg_becomes_rgb():
    red_in_cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))
    info = load_image_info(encode(red_in_cmyk, "JPEG", quality=95))
    assert info.pixels.shape == (16, 16, 3) and info.format == "JPEG"
    r, g, b = info.pixels[8, 8].astype(int)
    assert r > 200 and g < 60 and b < 60
    assert "CMYK" in info.message


def test_16_bit_png_is_scaled_not_clipped():
    ramp = np.linspace(0, 65535, 64).astype(np.uint16)[None, :].repeat(4, axis=0)  # (4, 64)
    info = load_image_info(encode(Image.fromarray(ramp), "PNG"))
    row = info.pixels[0, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 255
    assert abs(row[32] - 32 * 255 / 63) <= 1  # mid-grey stays mid-grey (clipping would give 255)
    assert np.all(np.diff(row) >= 0)
    assert (info.pixels[..., 0] == info.pixels[..., 2]).all()


def test_palette_png_with_transparency_goes_on_white():
    img = Image.new("P", (8, 8), 0)
    img.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    img.paste(1, (0, 0, 4, 8))  # left half colour 1 (red), right half colour 0 (transparent)
    info = load_image_info(encode(img, "PNG", transparency=0))
    assert info.pixels[0, 0].tolist() == [200, 30, 30]
    assert info.pixels[0, 7].tolist() == [255, 255, 255]  # transparent black shows as white, not black
    assert "white" in info.message


def test_semi_transparent_rgba_and_la_are_composited():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 128))
    assert abs(int(load_image(encode(rgba, "PNG"))[0, 0, 0]) - 127) <= 1
    la = Image.new("LA", (4, 4), (0, 0))
    assert load_image(encode(la, "PNG"))[0, 0].tolist() == [255, 255, 255]


def test_exif_rotated_jpeg_is_turned_upright():
    img = np.zeros((20, 40, 3), np.uint8)  # stored 40 wide, 20 high
    img[:, :20] = (255, 0, 0)  # left half red
    img[:, 20:] = (0, 0, 255)  # right half blue
    pil = Image.fromarray(img)
    exif = pil.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    info = load_image_info(encode(pil, "JPEG", exif=exif, quality=95))
    assert info.pixels.shape == (40, 20, 3)  # now 20 wide, 40 high
    top, bottom = info.pixels[5, 10].astype(int), info.pixels[34, 10].astype(int)
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60
    assert "EXIF" in info.message


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (10, 10), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    info = load_image_info(data)
    assert info.format == "GIF"
    assert info.pixels[5, 5].tolist() == [255, 0, 0]
    assert "first frame" in info.message


def test_multi_picture_jpeg_loads_as_the_jpeg_it_is():
    # Cameras and phones write a JPEG with the multi-picture extension (Pillow opens it as "MPO").
    first, second = Image.new("RGB", (30, 20), (250, 10, 10)), Image.new("RGB", (16, 16), (10, 10, 250))
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert data[:3] == b"\xff\xd8\xff" and Image.open(io.BytesIO(data)).format == "MPO"
    info = load_image_info(data)
    assert info.format == "JPEG" and info.pixels.shape == (20, 30, 3) and not info.resized
    r, g, b = info.pixels[10, 15].tolist()
    assert r > 230 and g < 30 and b < 30  # the first picture, not the second
    assert "2 pictures" in info.message and "first one" in info.message and "animation" not in info.message


def test_large_multi_picture_jpeg_is_shrunk_like_any_photo():
    y, x = np.mgrid[0:1500, 0:2000]
    photo = Image.fromarray(np.stack([x * 255 // 1999, y * 255 // 1499, np.full_like(x, 90)], -1).astype(np.uint8))
    info = load_image_info(encode(photo, "MPO", save_all=True, append_images=[photo.resize((200, 150))]))
    assert info.format == "JPEG" and info.pixels.shape == (384, 512, 3)
    assert info.original_size == (1500, 2000) and "2000x1500" in info.message
    assert info.pixels[192, 500, 0] > 230 and info.pixels[192, 10, 0] < 25


def test_4000x3000_photo_is_shrunk_and_says_so():
    y, x = np.mgrid[0:3000, 0:4000]
    photo = np.stack([(x * 255 // 3999), (y * 255 // 2999), np.full_like(x, 90)], axis=-1).astype(np.uint8)
    info = load_image_info(encode(Image.fromarray(photo), "JPEG", quality=85))
    assert info.pixels.shape == (384, 512, 3) and info.pixels.dtype == np.uint8
    assert info.resized and info.original_size == (3000, 4000)
    assert "4000x3000" in info.message and "512x384" in info.message
    # the picture survives the shrinking: red still grows to the right, green downwards
    assert info.pixels[192, 500, 0] > 230 and info.pixels[192, 10, 0] < 25
    assert info.pixels[375, 256, 1] > 230 and info.pixels[8, 256, 1] < 25


def test_max_side_is_honoured():
    assert load_image(encode(Image.fromarray(noise(300, 100)), "PNG"), max_side=60).shape == (60, 20, 3)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_every_allowed_format_loads_unchanged_in_size(fmt):
    img = np.zeros((24, 32, 3), np.uint8)
    img[:, 16:] = 255
    info = load_image_info(encode(Image.fromarray(img), fmt))
    assert info.format == fmt and info.pixels.shape == (24, 32, 3) and not info.resized
    assert info.pixels[12, 4].max() < 30 and info.pixels[12, 28].min() > 225
    assert info.message == ""


# -- samples ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_are_rgb_pictures_with_edges(name):
    img = sample_image(name, 64)
    assert img.shape == (64, 64, 3) and img.dtype == np.uint8
    gx = conv2d(to_grayscale(img)[..., 0].astype(float), FILTER_PRESETS["Sobel x"].weights)
    assert np.abs(gx).max() > 100  # something for an edge filter to find
    assert sample_image(name, 64) is img  # cached, not redrawn
    assert not img.flags.writeable


def test_rgb_pattern_channels_differ_and_grey_samples_do_not():
    rgb = sample_image("RGB test pattern", 64).astype(int)
    assert (rgb[..., 0] != rgb[..., 1]).mean() > 0.3 and (rgb[..., 1] != rgb[..., 2]).mean() > 0.3
    board = sample_image("Checkerboard", 64)
    assert (board[..., 0] == board[..., 2]).all()


def test_sample_rejects_unknown_names_and_sizes():
    with pytest.raises(ValueError, match="Unknown sample"):
        sample_image("Mona Lisa")
    with pytest.raises(ValueError, match="between"):
        sample_image("House", 5000)


def test_grayscale_and_resize():
    img = sample_image("House", 128)
    g = to_grayscale(img)
    assert g.shape == (128, 128, 1)
    assert resize_max_side(img, 32).shape == (32, 32, 3)
    assert resize_max_side(img, 500) is img
    with pytest.raises(ValueError):
        to_grayscale(g)


# -- a filter spanning all channels: per-channel partial maps add up --------------------------------

def naive_channel_maps(x, w, b):
    H, W, C = x.shape
    kh, kw, _ = w.shape
    partials = np.zeros((H - kh + 1, W - kw + 1, C))
    for c in range(C):
        for r in range(H - kh + 1):
            for q in range(W - kw + 1):
                partials[r, q, c] = sum(x[r + i, q + j, c] * w[i, j, c] for i in range(kh) for j in range(kw))
    return partials, partials.sum(axis=2) + b


def test_activation_is_sum_of_channel_maps_plus_bias_against_loops():
    x = sample_image("RGB test pattern", 24).astype(np.float64)
    w = np.random.default_rng(5).normal(size=(3, 3, 3))
    partials, act = channel_maps(x, w, b=-7.5)
    ref_p, ref_a = naive_channel_maps(x, w, -7.5)
    np.testing.assert_allclose(partials, ref_p, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(act, ref_a, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(act, partials[..., 0] + partials[..., 1] + partials[..., 2] - 7.5, atol=1e-6)
    np.testing.assert_allclose(act, conv2d(x, w, -7.5), rtol=1e-5, atol=1e-3)  # the bank path agrees


@settings(max_examples=25, deadline=None)
@given(h=st.integers(3, 9), w_=st.integers(3, 9), k=st.integers(1, 3), c=st.integers(1, 4),
       seed=st.integers(0, 10_000), b=st.integers(-50, 50))
def test_channel_maps_property(h, w_, k, c, seed, b):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (h, w_, c))
    w = rng.integers(-3, 4, (k, k, c))
    partials, act = channel_maps(x, w, b)
    ref_p, ref_a = naive_channel_maps(x, w, b)
    np.testing.assert_allclose(partials, ref_p, atol=1e-6)
    np.testing.assert_allclose(act, ref_a, atol=1e-6)


def test_grey_image_preset_spread_over_channels_matches_2d_preset():
    grey = np.repeat(sample_image("Circles", 32)[..., :1], 3, axis=2).astype(float)
    for name in ("Sobel x", "Sharpen", "Lecture example"):
        _, act = channel_maps(grey, preset_for_channels(name, 3))
        np.testing.assert_allclose(act, conv2d(grey[..., 0], FILTER_PRESETS[name].weights), atol=1e-9)


def test_channel_mismatch_is_explained():
    with pytest.raises(ValueError, match="full depth"):
        channel_maps(np.zeros((5, 5, 3)), np.zeros((3, 3, 1)))


def test_lecture_volume_shapes():
    x = sample_image("House", 32)
    bank = np.random.default_rng(0).normal(size=(5, 5, 3, 6))
    act = conv2d(x.astype(float), bank)
    pooled = cnnviz.pool2d(act)
    assert " → ".join(format_shape(s.shape) for s in (x, act, pooled)) == "32x32x3 → 28x28x6 → 14x14x6"


# -- filters from text, and what the browser receives ----------------------------------------------

def test_filter_specs_presets_channels_and_typed_grids():
    from cnnviz.lecture.presets import filter_from_spec, preset_specs, spec_from_filter

    assert len(preset_specs()) == 4 * len(FILTER_PRESETS)
    w = filter_from_spec("Sobel x@B", 5, 3)
    assert w.shape == (5, 5, 3) and not w[..., :2].any()
    np.testing.assert_array_equal(w[1:4, 1:4, 2], FILTER_PRESETS["Sobel x"].weights)  # centred in 5x5
    typed = np.arange(27).reshape(3, 3, 3) - 13
    assert np.array_equal(filter_from_spec(spec_from_filter(typed), 3, 3), typed)
    assert filter_from_spec(spec_from_filter(typed), 3, 1)[..., 0].tolist() == typed.sum(axis=2).tolist()
    for bad, says in [("Blur", "neither a preset"), ("Sharpen@X", "not a channel"), ("1,2;3,4|1|1", "not 3x3"),
                      ("a,b,c;1,1,1;1,1,1|0|0", "not a number"), ("", "empty")]:
        with pytest.raises(ValueError, match=says):
            filter_from_spec(bad, 3, 3)
    with pytest.raises(ValueError, match="does not fit"):
        filter_from_spec("Sharpen", 1, 3)


def decode(png_bytes: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"))


def test_maps_travel_as_small_pngs_with_zero_white_and_sign_by_colour():
    from cnnviz.views.images import LUT, MARK, maps_png

    a = np.zeros((510, 510, 2), np.float32)
    a[:, :255, 0], a[:, 255:, 0] = -40, 80  # map 0: negative left, positive right
    pngs = maps_png(a, side=256)
    assert len(pngs) == 2 and all(len(p) < 4000 for p in pngs)  # 260,100 numbers each, a few KB as PNG
    left, right = decode(pngs[0])[100, 20], decode(pngs[0])[100, 240]
    assert decode(pngs[0]).shape == (256, 256, 3)  # 510 cells averaged down to the size shown
    assert left[2] > left[0] and right[0] > right[2]  # blue below 0, red above
    assert right.tolist() == LUT[254].tolist() and decode(pngs[1])[5, 5].tolist() == LUT[127].tolist()
    small = maps_png(np.arange(9, dtype=float).reshape(3, 3, 1) - 4, side=256, box=(1, 1, 1, 1))[0]
    img = decode(small)
    assert img.shape == (256, 256, 3)  # each of the 3x3 cells a block of about 85 pixels
    assert img[85 - 1, 120].tolist() == list(MARK) and img[120, 120].tolist() == LUT[127].tolist()


def test_zoom_html_writes_every_number():
    from cnnviz.views.images import zoom_html

    values = np.array([[[10, 20], [30, 40]], [[50, 60], [70, 80]]], float)  # (2, 2, 2)
    weights = np.array([[[1, -1], [0, 2]], [[0.5, 0], [-2, 1]]], float)
    html = zoom_html(values, weights, ["R", "G"])
    for v in ["10", "30", "50", "70", "0.5", "−2", "25", "−140", "−20", "80"]:  # pixels, weights, products
        assert f">{v}<" in html
    assert "R: products, sum −105" in html and "G: products, sum 140" in html


def test_the_photo_sample_ships_small_with_its_licence():
    from importlib import resources

    from cnnviz.images import PHOTO, PHOTO_CREDIT, SAMPLE_NAMES

    data = resources.files("cnnviz").joinpath("data")
    assert data.joinpath("chelsea.jpg").stat().st_size < 40_000
    licence = data.joinpath("LICENSE").read_text()
    assert "chelsea.jpg" in licence and "CC0" in licence and "Stefan van der Walt" in licence
    assert SAMPLE_NAMES[0] == PHOTO and "CC0" in PHOTO_CREDIT
    cat = sample_image(PHOTO, 512)
    assert cat.shape == (300, 300, 3) and not cat.flags.writeable  # the centre square, never enlarged
    assert sample_image(PHOTO, 32).shape == (32, 32, 3)
    assert cat.std() > 20 and len(np.unique(cat[:, :, 0])) > 100  # a photograph, not a flat drawing
    import tomllib
    from cnnviz.ui import ROOT
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    assert "*.jpg" in shipped and "LICENSE" in shipped


@pytest.mark.parametrize("size, way", [((5000, 20), "250 times as wide as it is tall"),
                                       ((20, 400), "20 times as tall as it is wide")])
def test_a_strip_far_longer_than_wide_is_refused_in_its_own_numbers(size, way):
    with pytest.raises(ImageError) as err:
        load_image(encode(Image.new("RGB", size), "PNG"))
    text = str(err.value)
    assert f"{size[0]}x{size[1]} pixels (width x height), {way}" in text
    assert "crop it" in text and "shrunk" not in text and "padded" not in text
    assert load_image(encode(Image.new("RGB", (1600, 100)), "PNG")).shape == (32, 512, 3)  # 16:1 is accepted
