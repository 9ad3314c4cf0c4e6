"""Write cnnviz/data/chelsea.jpg, the photograph sample of the Real images page.

    python scripts/make_photo.py SOURCE.png [OUT]

SOURCE is scikit-image's ``skimage/data/chelsea.png`` (451x300 RGB, CC0, Stefan van der Walt). The
pixels are kept at their size and re-encoded as a baseline JPEG of quality 85 (about 27 KB) without
the sRGB profile the PNG carries (the page treats every picture as sRGB).
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

OUT = Path(__file__).resolve().parents[1] / "cnnviz" / "data" / "chelsea.jpg"


def write_photo(source: Path, out: Path = OUT) -> int:
    """Re-encode ``source`` as the shipped JPEG; return its size in bytes."""
    with Image.open(source) as img:
        img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return out.stat().st_size


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else OUT
    print(f"{out}: {write_photo(Path(sys.argv[1]), out)} bytes")
