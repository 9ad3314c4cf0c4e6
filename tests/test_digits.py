"""The shipped UCI digits: what scikit-learn ships, in its order, and the fixed train/test split."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import cnnviz

ROOT = Path(__file__).resolve().parent.parent


def test_digits_are_8x8_integers_0_to_16_with_a_label_each():
    images, labels = cnnviz.load_digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.dtype.kind == "i" and labels.dtype.kind == "i"
    assert images.min() == 0 and images.max() == 16
    assert set(np.unique(labels).tolist()) == set(range(10))
    # every image has ink, and no digit is a rare class
    assert (images.reshape(1797, -1).max(axis=1) > 0).all()
    assert np.bincount(labels).min() > 150


def test_digits_are_shared_read_only():
    images, labels = cnnviz.load_digits()
    with pytest.raises(ValueError):
        images[0, 0, 0] = 1
    with pytest.raises(ValueError):
        labels[0] = 1
    assert cnnviz.load_digits()[0] is images  # read once per process


def test_digits_equal_scikit_learns_copy_exactly():
    datasets = pytest.importorskip("sklearn.datasets")
    ref = datasets.load_digits()
    images, labels = cnnviz.load_digits()
    np.testing.assert_array_equal(images, ref.images)
    np.testing.assert_array_equal(labels, ref.target)


def test_make_digits_script_writes_the_shipped_file(tmp_path):
    pytest.importorskip("sklearn.datasets")
    spec = importlib.util.spec_from_file_location("make_digits", ROOT / "scripts" / "make_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "digits.npz"
    assert module.write_digits(out) == 1797
    with np.load(out) as new, np.load(ROOT / "cnnviz" / "data" / "digits.npz") as shipped:
        assert sorted(new.files) == sorted(shipped.files) == ["images", "labels"]
        for name in new.files:
            assert new[name].dtype == shipped[name].dtype == np.uint8
            np.testing.assert_array_equal(new[name], shipped[name])


def test_data_file_and_licence_sit_inside_the_package():
    data = ROOT / "cnnviz" / "data"
    assert (data / "digits.npz").stat().st_size < 100_000
    licence = (data / "LICENSE").read_text()
    for words in ("CC BY 4.0", "Alpaydin", "Kaynak", "UCI"):
        assert words in licence


def test_split_is_every_fifth_image_of_each_digit():
    images, labels = cnnviz.load_digits()
    split = cnnviz.digits_split()
    train, test = split.train_index, split.test_index
    # a partition of all rows, each part in the file's order
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(1797))
    assert (np.diff(train) > 0).all() and (np.diff(test) > 0).all()
    np.testing.assert_array_equal(split.train_images, images[train])
    np.testing.assert_array_equal(split.test_labels, labels[test])
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)  # this digit's rows, in order
        np.testing.assert_array_equal(test[split.test_labels == digit], rows[4::5])
    assert len(test) == sum(np.count_nonzero(labels == d) // 5 for d in range(10))


def test_split_is_the_same_every_call():
    a, b = cnnviz.digits_split(), cnnviz.digits_split()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError):
        a.train_images[0, 0, 0] = 3
