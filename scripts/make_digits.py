"""Regenerate cnnviz/data/digits.npz from the copy of the UCI digits that scikit-learn ships.

    python scripts/make_digits.py [OUT]

scikit-learn is needed only to run this script (it is not a dependency of cnnviz). The file holds
two uint8 arrays in scikit-learn's order: ``images`` (1797, 8, 8), integers 0..16, and ``labels``
(1797,), digits 0..9. It is written with fixed zip timestamps, so the same data gives the same bytes.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "cnnviz" / "data" / "digits.npz"
# The zip entries' date: the data set's own (July 1998), not the day the file was made.
STAMP = (1998, 7, 1, 0, 0, 0)


def write_digits(out: Path = OUT) -> int:
    """Write the digits file to ``out``; return the number of images."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("This script reads scikit-learn's copy of the digits: pip install scikit-learn")
    digits = load_digits()
    images = digits.images
    labels = digits.target
    # The pixels are whole numbers 0..16 stored as floats: check before narrowing to uint8.
    if not (np.array_equal(images, np.round(images)) and images.min() >= 0 and images.max() <= 16):
        sys.exit("scikit-learn's digits are not whole numbers 0..16: not writing the file")
    if not (labels.min() >= 0 and labels.max() <= 9):
        sys.exit("scikit-learn's digit labels are not 0..9: not writing the file")
    arrays = {"images": images.astype(np.uint8), "labels": labels.astype(np.uint8)}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue(), compresslevel=9)
    return len(labels)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    n = write_digits(out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes): {n} images")
