"""The UCI handwritten digits (8x8, integers 0..16) shipped in the package, and their fixed split.

The file ``cnnviz/data/digits.npz`` is the copy scikit-learn ships as ``load_digits`` (CC BY 4.0;
E. Alpaydin, C. Kaynak; UCI Machine Learning Repository; see ``cnnviz/data/LICENSE``).
"""
from __future__ import annotations

import functools
from importlib import resources
from typing import NamedTuple

import numpy as np

__all__ = ["DIGITS_TEST_EVERY", "DigitsSplit", "digits_split", "load_digits"]

# Every DIGITS_TEST_EVERY-th image of each digit, in the file's order, is a test image.
DIGITS_TEST_EVERY = 5


@functools.cache
def _arrays() -> tuple[np.ndarray, np.ndarray]:
    """Read the file once per process; the arrays are read-only so that every caller can share them."""
    path = resources.files("cnnviz").joinpath("data/digits.npz")
    with path.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        images = npz["images"].astype(np.int64)  # (N, 8, 8)
        labels = npz["labels"].astype(np.int64)  # (N,)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 handwritten digits and their labels, in scikit-learn's order.

    Each image is 8x8 cells; a cell counts the inked pixels in a 4x4 block of a 32x32 scan.

    Returns
    -------
    images : ndarray of int64, shape (1797, 8, 8)
        Integers 0..16 (0 is paper, 16 a fully inked block), row 0 at the top. Read-only.
    labels : ndarray of int64, shape (1797,)
        The digit each image shows, 0..9. Read-only.

    Examples
    --------
    >>> images, labels = load_digits()
    >>> images.shape, labels[:10].tolist()
    ((1797, 8, 8), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    return _arrays()


class DigitsSplit(NamedTuple):
    """The digits split into training and test images (arrays read-only)."""

    train_images: np.ndarray  # (N_train, 8, 8) integers 0..16
    train_labels: np.ndarray  # (N_train,)
    test_images: np.ndarray  # (N_test, 8, 8)
    test_labels: np.ndarray  # (N_test,)
    train_index: np.ndarray  # (N_train,) row of each training image in load_digits()
    test_index: np.ndarray  # (N_test,) row of each test image in load_digits()


@functools.cache
def digits_split() -> DigitsSplit:
    """The fixed train/test split: every 5th image of each digit is held out for testing.

    Going through the images in ``load_digits()`` order, the 5th, 10th, 15th, ... image of each
    digit is a test image and the others are training images. No random numbers are involved, so
    the split is the same on every machine, and each digit keeps a fifth of its images for testing:
    1,442 training images and 355 test images, 34 to 36 of each digit. Both parts keep the
    file's order. The same 13 people wrote both parts, so the test accuracy says how well a network
    reads these writers' digits, not a stranger's.

    Returns
    -------
    DigitsSplit
        ``train_images`` (1442, 8, 8), ``train_labels`` (1442,), ``test_images`` (355, 8, 8),
        ``test_labels`` (355,), and ``train_index`` / ``test_index``, the rows in ``load_digits()``.

    Examples
    --------
    >>> split = digits_split()
    >>> split.train_images.shape, split.test_images.shape
    ((1442, 8, 8), (355, 8, 8))
    >>> split.test_index[:3].tolist(), split.test_labels[:3].tolist()  # the 5th 5, the 5th 0, the 5th 9
    ([33, 36, 37], [5, 0, 9])
    """
    images, labels = _arrays()
    rank = np.empty(len(labels), dtype=np.int64)  # how many earlier images show the same digit
    for digit in range(10):
        where = labels == digit
        rank[where] = np.arange(np.count_nonzero(where))
    is_test = rank % DIGITS_TEST_EVERY == DIGITS_TEST_EVERY - 1
    train_index, test_index = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    parts = [images[train_index], labels[train_index], images[test_index], labels[test_index],
             train_index, test_index]
    for part in parts:
        part.flags.writeable = False
    return DigitsSplit(*parts)
