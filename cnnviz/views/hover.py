"""The values under the pointer: every cell's text of a picture or map, packed small for the browser.

A 126x126 activation map has about 16,000 cells but, from integer pixels and integer filters, only a
few hundred distinct values. Each distinct value is written once by the shared formatter; the cells
hold its index. The pack is compressed and sent once, the first time the pointer enters that picture
(``cells.js`` asks for it): moving the pointer then costs no rerun and no bytes.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from cnnviz.kernel.notation import format_number

__all__ = ["cell_texts", "pixel_texts", "pack_cells", "unpack_cells"]


def cell_texts(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """A map ``(H, W)`` -> (distinct texts, index of each cell's text ``(H, W)``), by ``format_number``.

    Examples
    --------
    >>> texts, idx = cell_texts(np.array([[1.0, -2.5], [1.0, 0.0]]))
    >>> [texts[i] for i in idx.ravel()]
    ['1', '−2.5', '1', '0']
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"A map has rows and columns; this one has {values.ndim} dimension(s).")
    uniques, inverse = np.unique(values, return_inverse=True)
    if np.issubdtype(uniques.dtype, np.integer):
        texts = [format_number(int(v)) for v in uniques]
    else:
        texts = [format_number(float(v)) for v in uniques]
    return texts, inverse.reshape(values.shape)


def pixel_texts(pixels: np.ndarray) -> tuple[list[str], np.ndarray]:
    """A picture ``(H, W, 3)`` or ``(H, W, 1)`` of 0-255 values -> texts ``"R 120, G 80, B 40"`` (or ``"120"``).

    Examples
    --------
    >>> texts, idx = pixel_texts(np.array([[[255, 0, 7]]], np.uint8))
    >>> texts[idx[0, 0]]
    'R 255, G 0, B 7'
    """
    pixels = np.asarray(pixels)
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 3):
        raise ValueError(f"A picture is H x W x 3 (or x 1 for grey); this one is {pixels.shape}.")
    if pixels.shape[2] == 1:
        return cell_texts(pixels[:, :, 0].astype(np.int64))
    p = pixels.astype(np.int64)
    code = (p[:, :, 0] << 16) | (p[:, :, 1] << 8) | p[:, :, 2]  # (H, W) one number per colour
    uniques, inverse = np.unique(code, return_inverse=True)
    byte = [format_number(v) for v in range(256)]
    texts = [f"R {byte[v >> 16]}, G {byte[(v >> 8) & 255]}, B {byte[v & 255]}" for v in uniques.tolist()]
    return texts, inverse.reshape(code.shape)


def pack_cells(texts: list[str], index: np.ndarray) -> bytes:
    """Texts and the ``(H, W)`` index into them as one zlib-compressed little-endian blob.

    Layout before compression: uint32 H, W, bytes per index (1, 2 or 4), length of the texts; the
    texts in UTF-8 joined by newlines, zero bytes up to a multiple of 4; then ``H * W`` indices in
    reading order (row 1 first). ``cells.js`` reads it back.
    """
    index = np.asarray(index)
    H, W = index.shape
    width = 1 if len(texts) <= 1 << 8 else 2 if len(texts) <= 1 << 16 else 4
    joined = "\n".join(texts).encode("utf-8")
    pad = b"\0" * (-len(joined) % 4)
    cells = index.astype(f"<u{width}").tobytes()
    return zlib.compress(struct.pack("<4I", H, W, width, len(joined)) + joined + pad + cells, 6)


def unpack_cells(blob: bytes) -> list[list[str]]:
    """The texts of every cell, row by row, from ``pack_cells`` (what the browser shows)."""
    raw = zlib.decompress(blob)
    H, W, width, n = struct.unpack_from("<4I", raw)
    texts = raw[16:16 + n].decode("utf-8").split("\n")
    start = 16 + n + (-n % 4)
    index = np.frombuffer(raw, f"<u{width}", H * W, start).reshape(H, W)
    return [[texts[i] for i in row] for row in index.tolist()]

