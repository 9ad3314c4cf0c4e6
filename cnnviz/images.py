"""Real images for the filters: a safe loader for uploaded bytes, built-in samples, per-channel maps.

Pixels are ``uint8`` arrays ``(H, W, 3)`` with values 0 to 255, channels last (R, G, B), so the
arithmetic on the page uses the same whole numbers a student sees in the window.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
from PIL import Image, ImageOps

from cnnviz.kernel.conv import conv2d
from cnnviz.kernel.notation import format_fixed, format_shape

__all__ = [
    "ALLOWED_FORMATS",
    "MAX_PIXELS",
    "MAX_BYTES",
    "MAX_ASPECT",
    "ImageError",
    "LoadedImage",
    "load_image",
    "load_image_info",
    "SAMPLE_NAMES",
    "PHOTO",
    "PHOTO_CREDIT",
    "sample_image",
    "to_grayscale",
    "resize_max_side",
    "channel_maps",
]

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # identified by content, never by file name
MAX_PIXELS = 40_000_000  # declared width x height; Pillow's own bomb limit is about 179 million
MAX_BYTES = 20 * 1024 * 1024  # more than the server's upload cap, so the cap speaks first
# Longest side over shortest: at the largest working size (512 px) a 16:1 picture is still 32 pixels
# across, room for a 7x7 filter; a 5000x20 strip would be 2.
MAX_ASPECT = 16

# Formats people commonly try, named by their first bytes so the refusal can say what the file is.
_OTHER_FORMATS = [
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF", "a PDF document"),
    (b"8BPS", "a Photoshop (PSD) file"),
    (b"\x00\x00\x01\x00", "an icon (ICO) file"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"<svg", "an SVG drawing"),
    (b"<?xml", "an XML (perhaps SVG) file"),
]


class ImageError(ValueError):
    """An uploaded file that the app will not use, with a sentence saying why."""


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image and what was done to it on the way in."""

    pixels: np.ndarray  # (H, W, 3) uint8, 0 to 255
    format: str  # one of ALLOWED_FORMATS, as found in the content
    original_size: tuple[int, int]  # (H, W) as stored in the file
    resized: bool  # True when the image was shrunk to fit max_side
    notes: tuple[str, ...] = field(default=())  # one sentence per change made (frame, alpha, rotation, size)

    @property
    def message(self) -> str:
        """All notes in one line, empty when the image was used as it is."""
        return " ".join(self.notes)


# The allowed formats by their first bytes: a file that starts like one but does not open is damaged.
_ALLOWED_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
]


def _looks_like(data: bytes) -> str | None:
    """The allowed format whose signature the file starts with, if any."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in _ALLOWED_MAGIC if data.startswith(magic)), None)


def _damage_message(exc: Exception, data: bytes) -> str:
    """A sentence for a file that starts like an image but cannot be decoded.

    The decoder's own text is used to choose the sentence, never shown: it names library internals.
    """
    kind = _looks_like(data)
    text = str(exc)
    if "MAX_TEXT" in text or "text chunk" in text:
        return ("The PNG file carries more text (metadata) than an image may: save the picture again "
                "without its metadata, or as a JPEG, and upload that copy.")
    what = f"The file starts like a {kind} image but" if kind else "The file looks like an image but it"
    if isinstance(exc, EOFError) or "truncated" in text.lower():
        return f"{what} is truncated: it ends before the picture does. Upload the whole file again."
    return (f"{what} is damaged (corrupt) and cannot be decoded: save it again from an image editor "
            "and upload that copy.")


def _what_is(data: bytes) -> str | None:
    head = data[:16].lstrip()
    for magic, name in _OTHER_FORMATS:
        if head.startswith(magic):
            return name
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "a HEIC photo (iPhone): export it as JPEG first"
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "a video or MP4-family file"
    return None


def _flatten(img: Image.Image, notes: list[str]) -> Image.Image:
    """Any Pillow mode -> RGB; alpha is composited on white, 16-bit values scaled to 8 bits."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # Pillow's own convert clips these at 255 instead of scaling: do it here.
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or (mode == "I" and a.max(initial=0) > 255) else 255.0
        if mode == "F":
            top = max(float(a.max(initial=0)), 1.0)
        g = np.clip(np.round(a * (255.0 / top)), 0, 255).astype(np.uint8)
        if top == 65535.0:
            notes.append("Its 16-bit values were scaled to 0-255.")
        return Image.fromarray(np.repeat(g[:, :, None], 3, axis=2), "RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        rgba = img.convert("RGBA")
        if rgba.getextrema()[3][0] < 255:
            notes.append("Transparent parts were put on a white background.")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode == "CMYK":
        notes.append("Its CMYK colours were converted to RGB.")
    return img.convert("RGB") if mode != "RGB" else img


def load_image_info(
    data: bytes, *, max_side: int = 512, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES
) -> LoadedImage:
    """Decode an uploaded file safely into RGB pixels; say what was changed.

    Parameters
    ----------
    data : bytes
        The file's content. The format is found from the content, not from a file name.
    max_side : int
        Longest side of the result; larger images are shrunk (aspect kept) and ``resized`` is True.
    max_pixels : int
        Refuse files that declare more pixels than this, before decoding anything.
    max_bytes : int
        Refuse larger files outright.

    Returns
    -------
    LoadedImage
        ``pixels`` is ``(H, W, 3)`` uint8, the first frame of an animation (or the first picture of a
        multi-picture JPEG, whose ``format`` is "JPEG"), EXIF orientation applied.

    Raises
    ------
    ImageError
        Empty, too large, more than ``MAX_ASPECT`` times as long as it is wide, not PNG/JPEG/GIF/BMP/WebP,
        truncated or corrupt, or a decompression bomb;
        the message is a sentence for the person who uploaded it, never the decoder's own text.

    Examples
    --------
    >>> import io; from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (4, 2), (255, 0, 0)).save(buf, "PNG")
    >>> info = load_image_info(buf.getvalue())
    >>> info.pixels.shape, info.pixels[0, 0].tolist(), info.format, info.resized
    ((2, 4, 3), [255, 0, 0], 'PNG', False)
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError("Expected the bytes of an image file.")
    data = bytes(data)
    if not data:
        raise ImageError("The file is empty.")
    if len(data) > max_bytes:
        raise ImageError(f"The file is {format_fixed(len(data) / 2**20, 1)} MB; "
                         f"the limit is {format_fixed(max_bytes / 2**20, 0)} MB.")
    if not isinstance(max_side, (int, np.integer)) or max_side < 1:
        raise ValueError("max_side must be a whole number of pixels, at least 1.")
    allowed = ", ".join(ALLOWED_FORMATS[:-1]) + " or " + ALLOWED_FORMATS[-1].replace("WEBP", "WebP")
    notes: list[str] = []
    with warnings.catch_warnings():
        # Pillow warns (not raises) between its limit and twice its limit; our cap below is far lower.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
        except Image.DecompressionBombError:
            raise ImageError(_bomb_message(None, max_pixels)) from None
        except Image.UnidentifiedImageError as exc:
            if _looks_like(data):
                raise ImageError(_damage_message(exc, data)) from None
            what = _what_is(data)
            raise ImageError(
                (f"This file is {what}; " if what else "This file is not an image the app can read; ")
                + f"upload a {allowed} image."
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError(_damage_message(exc, data)) from None
        with img:
            fmt = img.format
            if fmt == "MPO":
                # A JPEG with the multi-picture extension (cameras and phones write it): its first
                # picture is an ordinary JPEG.
                fmt = "JPEG"
                img.seek(0)
                notes.append(f"It holds {img.n_frames} pictures (a multi-picture JPEG): the first one is used.")
            elif getattr(img, "is_animated", False):
                img.seek(0)
                notes.append("It is an animation: its first frame is used.")
            if fmt not in ALLOWED_FORMATS:  # belt and braces: open() was told the allow-list
                raise ImageError(f"This kind of image is not accepted; upload a {allowed} image.")
            W, H = img.size  # from the header: nothing decoded yet
            if W < 1 or H < 1:
                raise ImageError("The image declares no pixels.")
            if W * H > max_pixels:
                raise ImageError(_bomb_message((H, W), max_pixels))
            if max(W, H) > MAX_ASPECT * min(W, H):
                raise ImageError(_aspect_message(H, W))
            try:
                if fmt == "JPEG":
                    # Decode big JPEGs at a reduced scale straight away (powers of 2, never below max_side).
                    img.draft("RGB", (max_side, max_side))
                img.load()
                turned = _rotated(img)
                oriented = ImageOps.exif_transpose(img) if turned else img
                if turned:
                    notes.append("It was turned upright as its camera (EXIF) orientation says.")
                rgb = _flatten(oriented, notes)
            except Image.DecompressionBombError:
                raise ImageError(_bomb_message((H, W), max_pixels)) from None
            except MemoryError:
                raise ImageError("The image is too large to decode here: shrink it first.") from None
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise ImageError(_damage_message(exc, data)) from None
    w, h = rgb.size
    resized = max(h, w) > max_side
    if resized:
        scale = max_side / max(h, w)
        new = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = rgb.resize(new, Image.Resampling.LANCZOS, reducing_gap=3.0)
        notes.append(f"It was {format_shape((W, H))} pixels (width x height) and was shrunk to {format_shape(new)}.")
    pixels = np.asarray(rgb, dtype=np.uint8).copy()  # (H, W, 3)
    return LoadedImage(pixels, fmt, (H, W), resized, tuple(notes))


def load_image(data: bytes, *, max_side: int = 512, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an uploaded image file into ``(H, W, 3)`` uint8 RGB pixels (0 to 255).

    The same checks and conversions as ``load_image_info``; use that to learn what was changed.

    Examples
    --------
    >>> import io; from PIL import Image
    >>> buf = io.BytesIO(); Image.new("L", (3, 3), 128).save(buf, "BMP")
    >>> load_image(buf.getvalue())[1, 1].tolist()
    [128, 128, 128]
    """
    return load_image_info(data, max_side=max_side, max_pixels=max_pixels).pixels


def _rotated(img: Image.Image) -> bool:
    try:
        return img.getexif().get(0x0112, 1) not in (1, None)
    except Exception:  # a broken EXIF block is not worth refusing the picture for
        return False


def _aspect_message(H: int, W: int) -> str:
    """Why a picture far longer than it is wide is refused, in its own numbers."""
    long, short, way = (W, H, "wide as it is tall") if W > H else (H, W, "tall as it is wide")
    # Across at the smallest and the largest working size (the long side shrunk to 32 or 512, never enlarged).
    thin, thick = (max(1, round(short * min(side, long) / long)) for side in (32, 512))
    return (f"The picture is {format_shape((W, H))} pixels (width x height), {format_fixed(long / short, 0)} times "
            f"as {way}: at the page's "
            f"working sizes (32 to 512 pixels on the long side) it would be {thin} to {thick} pixels across, "
            f"too thin to show what a filter does. Pictures up to {MAX_ASPECT} times as long as they are wide "
            "are accepted: crop it and upload that part.")


def _bomb_message(size, max_pixels: int) -> str:
    declared = f"declares {format_shape((size[1], size[0]))} pixels" if size else "declares an enormous size"
    return (f"The image {declared}, more than the {format_fixed(max_pixels / 1e6, 0)} million allowed: "
            "it could be a decompression bomb. Shrink it first.")


# --- built-in samples ------------------------------------------------------------------------------

PHOTO = "Chelsea the cat (photo)"
SAMPLE_NAMES = (PHOTO, "House", "Checkerboard", "Circles", "Strokes on a gradient", "RGB test pattern")
PHOTO_CREDIT = ('"Chelsea the cat" by Stefan van der Walt, CC0 (no copyright restrictions); '
                "from scikit-image's sample data (skimage/data/chelsea.png)")


def sample_image(name: str, size: int = 256) -> np.ndarray:
    """A built-in picture, ``(H, W, 3)`` uint8; read-only and cached.

    Every sample is square, ``(size, size, 3)``, as the lecture's 32x32x3 input is. The photograph
    (``PHOTO``, stored 451x300) is its centre square, 300x300, shrunk to ``size`` and never blown up
    beyond the pixels it has: ``size=512`` gives ``(300, 300, 3)``.

    Examples
    --------
    >>> img = sample_image("Checkerboard", 32)
    >>> img.shape, img.dtype.name, sorted(set(img[:, :, 0].ravel().tolist()))
    ((32, 32, 3), 'uint8', [30, 225])
    >>> sample_image(PHOTO, 128).shape, sample_image(PHOTO, 512).shape
    ((128, 128, 3), (300, 300, 3))
    """
    if name not in SAMPLE_NAMES:
        raise ValueError(f"Unknown sample image {name!r}: choose one of {', '.join(SAMPLE_NAMES)}.")
    if not isinstance(size, (int, np.integer)) or not 8 <= size <= 1024:
        raise ValueError("A sample image is between 8 and 1024 pixels wide.")
    if name == PHOTO:
        return _photo(int(size))
    return _sample(name, int(size))


@lru_cache(maxsize=8)
def _photo(side: int) -> np.ndarray:
    path = resources.files("cnnviz").joinpath("data/chelsea.jpg")
    with Image.open(io.BytesIO(path.read_bytes())) as img:
        pixels = np.asarray(img.convert("RGB"), dtype=np.uint8)  # (300, 451, 3)
    H, W, _ = pixels.shape
    left = (W - H) // 2
    out = resize_max_side(np.ascontiguousarray(pixels[:, left:left + H]), side)  # (side, side, 3), side <= 300
    out.flags.writeable = False  # shared by every caller through the cache
    return out


@lru_cache(maxsize=32)
def _sample(name: str, n: int) -> np.ndarray:
    y, x = np.mgrid[0:n, 0:n] / n  # (n, n) coordinates in [0, 1)
    if name == "Checkerboard":
        cells = 8
        on = ((np.floor(y * cells) + np.floor(x * cells)) % 2).astype(bool)
        g = np.where(on, 225, 30)
        img = np.stack([g, g, g], axis=-1)
    elif name == "Circles":
        r = np.hypot(x - 0.5, y - 0.5)
        g = np.where(np.floor(r * 16) % 2 == 0, 235, 25)
        img = np.stack([g, g, g], axis=-1)
    elif name == "Strokes on a gradient":
        g = 40 + 180 * x  # dark on the left, bright on the right
        for k, (angle, offset) in enumerate([(0, 0.2), (90, 0.7), (45, 0.0), (-30, 0.9)]):
            t = np.deg2rad(angle)
            d = np.abs((x - 0.5) * np.sin(t) - (y - 0.5) * np.cos(t) - (offset - 0.5) * 0.8)
            stroke = d < 0.012 + 0.006 * k  # thin lines in several orientations
            g = np.where(stroke, 255 if k % 2 else 0, g)
        img = np.stack([g, g, g], axis=-1)
    elif name == "RGB test pattern":
        img = np.zeros((n, n, 3))
        img[..., 0] = np.where(x < 0.5, 230, 20)  # red on the left half
        img[..., 1] = np.where(y < 0.5, 220, 30)  # green on the top half
        img[..., 2] = np.where(np.hypot(x - 0.5, y - 0.5) < 0.3, 240, 15)  # a blue disc
        # Thin diagonal stripes in red only: a red-channel filter finds them, the others do not.
        img[..., 0] = np.where(((x + y) * 5) % 1 < 0.25, 255 - img[..., 0], img[..., 0])
    else:  # House: a scene with edges in several orientations
        sky = np.stack([120 + 80 * y, 170 + 60 * y, np.full_like(y, 235)], axis=-1)
        img = sky
        ground = y > 0.78
        img = np.where(ground[..., None], np.array([70, 140, 60]), img)
        wall = (x > 0.22) & (x < 0.78) & (y > 0.45) & (y <= 0.78)
        img = np.where(wall[..., None], np.array([225, 200, 150]), img)
        roof = (y > 0.18) & (y <= 0.45) & (np.abs(x - 0.5) < (y - 0.18) * 1.3 + 0.02)
        img = np.where(roof[..., None], np.array([170, 50, 40]), img)
        door = (x > 0.44) & (x < 0.56) & (y > 0.58) & (y <= 0.78)
        img = np.where(door[..., None], np.array([90, 55, 30]), img)
        for x0 in (0.28, 0.62):  # two windows with cross bars
            win = (x > x0) & (x < x0 + 0.1) & (y > 0.52) & (y < 0.64)
            bars = win & ((np.abs(x - (x0 + 0.05)) < 0.006) | (np.abs(y - 0.58) < 0.006))
            img = np.where(win[..., None], np.array([150, 200, 240]), img)
            img = np.where(bars[..., None], np.array([255, 255, 255]), img)
        sun = np.hypot(x - 0.85, y - 0.15) < 0.07
        img = np.where(sun[..., None], np.array([255, 215, 0]), img)
    out = np.clip(np.round(img), 0, 255).astype(np.uint8)
    out.flags.writeable = False  # shared by every caller through the cache
    return out


# --- pixels to filter input ------------------------------------------------------------------------

def to_grayscale(pixels: np.ndarray) -> np.ndarray:
    """RGB ``(H, W, 3)`` uint8 -> one channel ``(H, W, 1)`` uint8, luma 0.299 R + 0.587 G + 0.114 B.

    Examples
    --------
    >>> to_grayscale(np.array([[[255, 0, 0], [255, 255, 255]]], dtype=np.uint8))[..., 0].tolist()
    [[76, 255]]
    """
    p = np.asarray(pixels)
    if p.ndim != 3 or p.shape[2] != 3:
        raise ValueError(f"Grayscale needs an RGB image (H, W, 3), not shape {p.shape}.")
    g = p[..., 0] * 0.299 + p[..., 1] * 0.587 + p[..., 2] * 0.114
    return np.clip(np.round(g), 0, 255).astype(np.uint8)[:, :, None]


def resize_max_side(pixels: np.ndarray, side: int) -> np.ndarray:
    """Shrink ``(H, W, C)`` uint8 pixels so the longest side is at most ``side``; smaller ones are kept.

    Examples
    --------
    >>> resize_max_side(np.zeros((100, 50, 3), np.uint8), 32).shape
    (32, 16, 3)
    """
    p = np.asarray(pixels)
    if p.ndim != 3 or p.dtype != np.uint8:
        raise ValueError("resize_max_side takes (H, W, C) uint8 pixels.")
    if side < 1:
        raise ValueError("The working size must be at least 1 pixel.")
    H, W, C = p.shape
    if max(H, W) <= side:
        return p
    scale = side / max(H, W)
    new = (max(1, round(W * scale)), max(1, round(H * scale)))
    chans = [np.asarray(Image.fromarray(np.ascontiguousarray(p[:, :, c])).resize(new, Image.Resampling.LANCZOS))
             for c in range(C)]
    return np.stack(chans, axis=-1)


def channel_maps(x: np.ndarray, w: np.ndarray, b: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """One filter spanning every channel, split into its per-channel partial maps.

    ``activation = partials.sum(axis=-1) + b``: a filter ``(kh, kw, C)`` is C ordinary 2-D
    filters whose activation maps are added, plus one bias.

    Parameters
    ----------
    x : array_like, shape (H, W, C)
    w : array_like, shape (kh, kw, C)
    b : float

    Returns
    -------
    partials : ndarray, shape (H_out, W_out, C)
        ``partials[..., c]`` is channel c of the input filtered by slice c of the filter.
    activation : ndarray, shape (H_out, W_out)

    Examples
    --------
    >>> x = np.arange(18).reshape(3, 3, 2); w = np.ones((2, 2, 2))
    >>> partials, act = channel_maps(x, w, b=1)
    >>> partials.shape, act.tolist() == (partials.sum(axis=-1) + 1).tolist()
    ((2, 2, 2), True)
    """
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != 3 or w.ndim != 3:
        raise ValueError("channel_maps takes an input (H, W, C) and one filter (kh, kw, C).")
    if x.shape[2] != w.shape[2]:
        raise ValueError(
            f"The filter has {w.shape[2]} channel(s) but the input has {x.shape[2]}: "
            "a filter always extends the full depth of the input."
        )
    # Each channel against its own slice: a (kh, kw, C, C) bank with the slices on the diagonal.
    kh, kw, C = w.shape
    bank = np.zeros((kh, kw, C, C), dtype=np.result_type(w, np.float32))
    for c in range(C):
        bank[:, :, c, c] = w[:, :, c]
    partials = conv2d(x, bank)  # (H_out, W_out, C)
    act = partials[:, :, 0] + b  # slice by slice: a sum over a short last axis is several times slower
    for c in range(1, C):
        act += partials[:, :, c]
    return partials, act
