"""The digits CNN: its gradients against finite differences, its layers against the naive kernels,
seeded determinism, predictions that are probabilities, and a short run that learns."""
from __future__ import annotations

import numpy as np
import pytest

import cnnviz
from cnnviz.learn.network import DigitsCNN, TrainConfig, init_parameters

SPLIT = cnnviz.digits_split()


def _random_params(config: TrainConfig, seed: int) -> dict[str, np.ndarray]:
    """Random parameters with positive biases: no ReLU input sits exactly on its kink at 0 (a patch
    of blank paper gives the bias alone), and most units pass a gradient."""
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(0.1, 0.5, v.shape) if k.startswith("b") else rng.normal(0, 0.5, v.shape)
            for k, v in init_parameters(config).items()}


@pytest.mark.parametrize(
    "options",
    [dict(filters=2), dict(filters=2, conv2_filters=2), dict(filters=3, padding=0, conv2_filters=2)],
    ids=["one conv", "two convs", "no padding"],
)
def test_gradients_match_finite_differences_of_the_loss(options):
    config = TrainConfig(dtype="float64", **options)
    params = _random_params(config, seed=1)
    model = DigitsCNN(config, params)
    images, labels = SPLIT.train_images[:6], SPLIT.train_labels[:6]
    loss, grads = model.loss_and_gradients(images, labels)
    assert set(grads) == set(params)
    h = 1e-6
    rng = np.random.default_rng(0)
    for name, value in params.items():
        assert grads[name].shape == value.shape
        numeric = np.full(value.shape, np.nan)
        cells = list(np.ndindex(value.shape))
        if len(cells) > 60:  # the dense weights: a random sample of them
            cells = [cells[i] for i in rng.choice(len(cells), 60, replace=False)]
        for idx in cells:
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[name][idx] += h
            up, _ = model.loss_and_gradients(images, labels, shifted)
            shifted[name][idx] -= 2 * h
            down, _ = model.loss_and_gradients(images, labels, shifted)
            numeric[idx] = (up - down) / (2 * h)
        checked = ~np.isnan(numeric)
        scale = np.abs(numeric[checked]).max() + np.abs(grads[name][checked]).max()
        assert scale > 0, f"{name}: no gradient at all"
        np.testing.assert_allclose(grads[name][checked], numeric[checked], atol=1e-7 * scale + 1e-9, err_msg=name)
    assert loss == pytest.approx(model.loss_and_gradients(images, labels)[0])


@pytest.mark.parametrize("padding", [1, 0])
def test_gradients_match_pytorch_autograd(padding):
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    config = TrainConfig(filters=3, conv2_filters=2, padding=padding, dtype="float64")
    params = _random_params(config, seed=3)
    images, labels = SPLIT.train_images[:8], SPLIT.train_labels[:8]
    loss, grads = DigitsCNN(config, params).loss_and_gradients(images, labels)
    # PyTorch's own layers on NCHW tensors, flattened in cnnviz's (H, W, C) order for the dense layer
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    x = torch.tensor(images[:, None] / 16)  # (N, 1, 8, 8)
    h = TF.max_pool2d(TF.relu(TF.conv2d(x, t["w1"].permute(3, 2, 0, 1), t["b1"], padding=padding)), 2)
    h = TF.relu(TF.conv2d(h, t["w2"].permute(3, 2, 0, 1), t["b2"], padding=padding))
    scores = h.permute(0, 2, 3, 1).flatten(1) @ t["wd"] + t["bd"]
    theirs = TF.cross_entropy(scores, torch.tensor(labels))
    theirs.backward()
    assert loss == pytest.approx(theirs.item(), rel=1e-12)
    for name, value in t.items():
        np.testing.assert_allclose(grads[name], value.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_layers_match_the_naive_kernels_written_out():
    config = TrainConfig(filters=4, conv2_filters=3, dtype="float64")
    model = DigitsCNN(config, _random_params(config, seed=2))
    image = SPLIT.test_images[7]
    layers = model.forward_layers(image)
    p = model.params
    x = image[:, :, None] / 16
    conv = cnnviz.conv2d_naive(x, p["w1"], p["b1"], padding=1)
    pool = cnnviz.pool2d_naive(np.maximum(conv, 0), 2)
    conv2 = cnnviz.conv2d_naive(pool, p["w2"], p["b2"], padding=1)
    scores = np.maximum(conv2, 0).reshape(-1) @ p["wd"] + p["bd"]
    expected = {"input": x, "conv": conv, "relu": np.maximum(conv, 0), "pool": pool, "conv2": conv2,
                "relu2": np.maximum(conv2, 0), "scores": scores,
                "probabilities": np.exp(scores) / np.exp(scores).sum()}
    assert list(layers) == list(expected) == list(config.shapes())
    for name, value in expected.items():
        assert layers[name].shape == config.shapes()[name], name
        np.testing.assert_allclose(layers[name], value, rtol=1e-12, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(model.predict(image)[0], layers["probabilities"], rtol=1e-12)


def test_predict_gives_ten_probabilities_per_digit():
    model = DigitsCNN(TrainConfig(), init_parameters(TrainConfig()))
    probs = model.predict(SPLIT.test_images[:50])
    assert probs.shape == (50, 10)
    assert (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    assert model.predict(SPLIT.test_images[0]).shape == (1, 10)  # one (8, 8) digit
    drawn = np.zeros((8, 8))
    drawn[1:7, 3:5] = 15.5  # a drawn stroke: fractions are fine
    np.testing.assert_allclose(model.predict(drawn).sum(), 1, rtol=1e-5)


def test_same_seed_gives_the_same_network_bit_for_bit():
    runs = [cnnviz.train_digits(filters=4, epochs=2, seed=s, train_size=150) for s in (3, 3, 4)]
    a, b, c = (r.model.params for r in runs)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert [r.loss for r in runs[0].history] == [r.loss for r in runs[1].history]
    assert not np.array_equal(a["w1"], c["w1"])  # another seed, another network


def test_a_short_run_lowers_the_loss_and_beats_chance():
    seen = []
    result = cnnviz.train_digits(epochs=2, train_size=400, on_epoch=lambda e, rec: seen.append(e))
    losses = [rec.loss for rec in result.history]
    assert seen == [0, 1, 2] and [rec.epoch for rec in result.history] == [0, 1, 2]
    assert losses[2] < losses[1] < losses[0]
    assert result.test_accuracy > 0.5  # chance is 0.1
    assert result.test_accuracy == result.history[-1].test_accuracy
    assert result.model.accuracy(SPLIT.test_images, SPLIT.test_labels) == pytest.approx(result.test_accuracy)
    # each record keeps its own copy of the filters, as they were then
    assert not np.array_equal(result.history[0].filters, result.history[2].filters)
    np.testing.assert_array_equal(result.history[2].filters, result.model.filters)
    assert result.history[0].filters.shape == (3, 3, 1, 8)


def test_on_epoch_returning_false_stops_training():
    result = cnnviz.train_digits(filters=4, epochs=5, train_size=100, on_epoch=lambda e, rec: e < 2)
    assert [rec.epoch for rec in result.history] == [0, 1, 2]
    assert result.stopped_early and result.epochs_run == 2
    full = cnnviz.train_digits(filters=4, epochs=2, train_size=100)
    assert not full.stopped_early
    np.testing.assert_array_equal(full.model.filters, result.model.filters)  # same first two epochs


def test_a_trained_network_cannot_be_changed_by_accident():
    result = cnnviz.train_digits(filters=4, epochs=1, train_size=50)
    with pytest.raises(ValueError):
        result.model.params["w1"][0, 0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        result.history[0].filters[0, 0, 0, 0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(filters=0), "number of filters must be between 1 and 16"),
        (dict(filters=17), "number of filters must be between 1 and 16"),
        (dict(filters=2.5), "number of filters must be a whole number"),
        (dict(epochs=0), "number of epochs must be between 1"),
        (dict(seed=-1), "seed must be between 0"),
        (dict(padding=2), "padding must be between 0 and 1"),
        (dict(learning_rate=0), "learning rate must be in (0, 10]"),
        (dict(momentum=1.0), "momentum must be in [0, 1)"),
        (dict(learning_rate=float("nan")), "learning rate must be a number"),
        (dict(train_size=5000), "only 1,442 training digits"),
        (dict(dtype="float16"), "'float32' or 'float64'"),
        (dict(speed=3), "Unknown training option(s) speed"),
        (dict(on_epoch=5), "on_epoch must be a function"),
    ],
)
def test_bad_settings_are_explained(kwargs, words):
    with pytest.raises(ValueError) as info:
        cnnviz.train_digits(**{"epochs": 1, "train_size": 10, **kwargs})
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("images", "words"),
    [
        (np.zeros((3, 7, 8)), "must be 8x8 digits"),
        (np.zeros((0, 8, 8)), "at least one 8x8 digit"),
        (np.full((8, 8), 17), "between 0 (paper) and 16 (ink)"),
        (np.full((8, 8), -1.0), "between 0 (paper) and 16 (ink)"),
        (np.full((8, 8), np.nan), "missing (NaN)"),
        ([["a"] * 8] * 8, "only numbers"),
    ],
)
def test_bad_images_are_explained(images, words):
    model = DigitsCNN(TrainConfig(), init_parameters(TrainConfig()))
    with pytest.raises(ValueError) as info:
        model.predict(images)
    assert words in str(info.value)


def test_forward_layers_takes_one_digit():
    model = DigitsCNN(TrainConfig(), init_parameters(TrainConfig()))
    with pytest.raises(ValueError, match="one digit"):
        model.forward_layers(SPLIT.test_images[:2])


@pytest.mark.slow
def test_default_training_reads_at_least_95_percent_of_the_test_digits():
    result = cnnviz.train_digits()
    assert result.test_accuracy >= 0.95
    assert len(result.history) == TrainConfig().epochs + 1


def test_a_network_keeps_its_own_copy_of_checked_parameters():
    config = TrainConfig(filters=4)
    params = init_parameters(config)
    model = DigitsCNN(config, params)
    params["w1"][...] = 0  # the caller's arrays stay the caller's
    assert np.abs(model.filters).max() > 0
    wrong = dict(params, w1=np.zeros((3, 3, 1, 5)))
    with pytest.raises(ValueError, match=r"w1 must have shape \(3, 3, 1, 4\)"):
        DigitsCNN(config, wrong)
    with pytest.raises(ValueError, match="parameters are w1, b1, wd, bd"):
        DigitsCNN(config, {k: v for k, v in params.items() if k != "bd"})


def test_each_epoch_keeps_every_parameter_read_only():
    result = cnnviz.train_digits(filters=3, epochs=2, train_size=150, conv2_filters=2)
    for rec in result.history:
        assert set(rec.params) == set(result.model.params)
        assert rec.filters is rec.params["w1"] and rec.biases is rec.params["b1"]  # one copy, not two
        with pytest.raises(ValueError):
            rec.params["wd"][0, 0] = 1.0
    for name, value in result.model.params.items():  # the last record is the trained network
        np.testing.assert_array_equal(result.history[-1].params[name], value)
    assert not np.array_equal(result.history[1].params["wd"], result.history[2].params["wd"])


def _input_gradient(model: DigitsCNN, image: np.ndarray, label: int, params: dict, h: float = 1e-6) -> np.ndarray:
    """dL/d(cell) of one digit's loss by central differences (cells kept inside 0..16)."""
    out = np.zeros(image.shape)
    for idx in np.ndindex(image.shape):
        moved = image.astype(np.float64)
        moved[idx] += h
        up = model.loss_and_gradients(moved, [label], params)[0]
        moved[idx] -= 2 * h
        out[idx] = (up - model.loss_and_gradients(moved, [label], params)[0]) / (2 * h)
    return out


def _backward_of_each_filter(image, params, dz, padding):
    """The backward pass of each first-layer filter as the page plays it: the digit's cells, the filter, the map's
    gradient given. Returns [(dx, dw, db)] per filter."""
    from cnnviz.kernel.backward import conv2d_backward
    from cnnviz.kernel.conv import conv2d
    from cnnviz.kernel.gradients import map_gradient

    out = []
    for f in range(dz.shape[2]):
        w = params["w1"][:, :, 0, f]
        dmap = map_gradient(conv2d(image, w, padding=padding), given=dz[:, :, f])
        out.append(conv2d_backward(image, w, dmap, padding=padding))
    return out


@pytest.mark.parametrize("padding", [1, 0])
def test_a_given_map_gradient_gives_the_networks_own_gradient_for_one_digit(padding):
    """The backward step of one filter as the page plays it (the digit's cells 0..16, the filter of epoch e − 1,
    the map's gradient given): its dL/dW / 16 and dL/db are the network's own for that digit; its dL/dX, summed
    over the filters and divided by 16, is the loss's gradient with respect to the digit's cells."""
    result = cnnviz.train_digits(filters=4, epochs=2, train_size=200, padding=padding, dtype="float64")
    model, before = result.model, result.history[1].params  # the step toward epoch 2 starts from epoch 1's
    image, label = SPLIT.test_images[11], int(SPLIT.test_labels[11])
    dz = model.map_gradient(image, label, before)  # (H1, W1, F)
    assert dz.shape == result.config.shapes()["conv"] and np.abs(dz).max() > 0
    _, g = model.loss_and_gradients(image[None], [label], before)
    for f, (_, dw, db) in enumerate(_backward_of_each_filter(image, before, dz, padding)):
        np.testing.assert_allclose(dw / 16, g["w1"][:, :, 0, f], rtol=1e-10, atol=1e-14)
        assert db[0] == pytest.approx(g["b1"][f], rel=1e-10, abs=1e-14)
    # dL/dX against finite differences, on the digit with every cell moved off 0 and 16 by a random amount:
    # blank paper makes ties in max pooling, where the loss has no derivative to compare with
    jittered = np.clip(image * 0.75 + np.random.default_rng(5).uniform(1, 3, image.shape), 0, 16)
    dz = model.map_gradient(jittered, label, before)
    dx = sum(dx for dx, _, _ in _backward_of_each_filter(jittered, before, dz, padding))
    numeric = _input_gradient(model, jittered, label, before)
    scale = np.abs(numeric).max()
    assert scale > 0
    np.testing.assert_allclose(dx / 16, numeric, atol=1e-6 * scale)
    # A batch's gradient is the mean of its digits' terms: the page's sentence about one term.
    images, labels = SPLIT.test_images[11:14], SPLIT.test_labels[11:14]
    _, batch = model.loss_and_gradients(images, labels, before)
    terms = [model.loss_and_gradients(i[None], [y], before)[1]["w1"] for i, y in zip(images, labels)]
    np.testing.assert_allclose(batch["w1"], np.mean(terms, axis=0), rtol=1e-10, atol=1e-14)


def test_map_gradient_takes_one_digit_and_its_label():
    model = DigitsCNN(TrainConfig(), init_parameters(TrainConfig()))
    with pytest.raises(ValueError, match="one digit"):
        model.map_gradient(SPLIT.test_images[:2], 3)
    with pytest.raises(ValueError, match="whole numbers 0..9"):
        model.map_gradient(SPLIT.test_images[0], 10)
    np.testing.assert_array_equal(model.map_gradient(SPLIT.test_images[0], 3),
                                  model.map_gradient(SPLIT.test_images[0], 3, model.params))
