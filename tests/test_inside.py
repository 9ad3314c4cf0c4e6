"""Inside the trained network: the backward pass from any unit against finite differences, the input that excites
a first-layer filter against its closed-form optimum, and excite, saliency, occlusion and Grad-CAM against an
independent PyTorch copy of the network."""
from __future__ import annotations

import numpy as np
import pytest
from numerical import numerical_gradient

import cnnviz
from cnnviz.learn.interpret import excite, grad_cam, occlusion, saliency
from cnnviz.learn.network import DigitsCNN, TrainConfig, init_parameters

SPLIT = cnnviz.digits_split()
DIGITS = SPLIT.test_images[:3].astype(float)  # (3, 8, 8) cells 0..16
# Finite differences need inputs away from 0 and 16 and from max pooling's ties, which a digit's blank paper makes
INSIDE = np.random.default_rng(5).uniform(1, 15, (3, 8, 8))
CONFIGS = {
    "one conv": dict(filters=3),
    "two convs": dict(filters=3, conv2_filters=4),
    "no padding": dict(filters=3, padding=0),
    "two convs, no padding": dict(filters=3, conv2_filters=4, padding=0),
}


def _model(options: dict, seed: int = 0) -> DigitsCNN:
    """Random float64 parameters with positive biases: no ReLU input sits on its kink at 0 (a patch of
    blank paper gives the bias alone), and most units pass a gradient."""
    config = TrainConfig(dtype="float64", **options)
    rng = np.random.default_rng(seed)
    return DigitsCNN(config, {k: rng.uniform(0.1, 0.5, v.shape) if k.startswith("b") else rng.normal(0, 0.5, v.shape)
                              for k, v in init_parameters(config).items()})


@pytest.fixture(scope="module")
def trained():
    """A small trained network, float32 as the page has it."""
    return cnnviz.train_digits(filters=4, epochs=3, train_size=400).model


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is optional: an independent copy of the network")


# -- the backward pass from any unit --------------------------------------------------------------------------

@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_input_gradient_from_every_layer_matches_finite_differences(options):
    model = _model(options)
    rng = np.random.default_rng(1)
    x = INSIDE[0].copy()
    for layer, shape in model.config.shapes().items():
        if layer in ("input", "probabilities"):
            continue
        grad = rng.normal(size=shape)  # E = Σ grad · the layer's output
        ours = model.input_gradient(x, layer, grad)
        numeric = numerical_gradient(lambda g=grad, a=layer: float((g * model.forward_layers(x)[a]).sum()), x,
                                     eps=1e-5)
        assert ours.shape == (8, 8)
        assert np.abs(numeric).max() > 0, layer
        np.testing.assert_allclose(ours, numeric, atol=1e-7 * np.abs(numeric).max(), err_msg=layer)


def test_input_gradient_of_one_first_layer_unit_is_its_filter_over_16():
    model = _model(CONFIGS["one conv"])
    one = np.zeros((8, 8, 3))
    one[4, 2, 1] = 1
    grad = model.input_gradient(DIGITS[1], "conv", one)
    expected = np.zeros((8, 8))
    expected[3:6, 1:4] = model.filters[:, :, 0, 1] / 16
    np.testing.assert_allclose(grad, expected, rtol=1e-15)


def test_training_takes_its_gradients_from_the_same_backward_pass():
    # dL/dscores sent down from the scores by input_gradient is the digit's loss gradient at the input: check
    # it against the loss's own finite differences, so that training and interpretation share one chain rule.
    model = _model(CONFIGS["two convs"])
    x, label = INSIDE[2].copy(), int(SPLIT.test_labels[2])
    probs = model.forward_layers(x)["probabilities"]
    dscores = probs - np.eye(10)[label]  # d(cross-entropy)/d(scores)
    ours = model.input_gradient(x, "scores", dscores)
    numeric = numerical_gradient(lambda: model.loss_and_gradients(x, [label])[0], x, eps=1e-5)
    np.testing.assert_allclose(ours, numeric, atol=1e-7 * np.abs(numeric).max())


@pytest.mark.parametrize(("layer", "grad", "message"), [
    ("probabilities", np.zeros(10), "starts at one of this network's layers"),
    ("conv2", np.zeros((4, 4, 2)), "starts at one of this network's layers"),
    ("conv", np.zeros((8, 8, 2)), r"has shape \(8, 8, 3\)"),
    ("scores", [np.nan] * 10, "NaN"),
])
def test_input_gradient_rejects_bad_arguments_with_a_sentence(layer, grad, message):
    with pytest.raises(ValueError, match=message):
        _model(CONFIGS["one conv"]).input_gradient(DIGITS[0], layer, grad)


# -- the input that excites a neuron ---------------------------------------------------------------------------

def test_a_first_layer_filter_reaches_its_closed_form_optimum(trained):
    seed = 7
    start = np.random.default_rng(seed).uniform(0, 16, (8, 8))
    for f in range(trained.config.filters):
        w = trained.filters[:, :, 0, f]  # (3, 3)
        assert (w != 0).all()
        for r, c in [(1, 1), (3, 3), (6, 2), (6, 6)]:
            x = excite(trained, "conv1", f, position=(r, c), seed=seed)
            window = np.zeros((8, 8), bool)
            window[r - 1 : r + 2, c - 1 : c + 2] = True  # padding 1: map cell (r, c) sees rows r-1..r+1
            assert x[window].tolist() == np.where(w > 0, 16.0, 0.0).ravel().tolist()  # exactly
            assert x[~window].tolist() == start[~window].tolist()  # no gradient there: the seeded start
    # the default position is the map's centre
    np.testing.assert_array_equal(excite(trained, "conv1", 2), excite(trained, "conv1", 2, position=(3, 3)))


def test_the_penalty_clears_the_cells_a_neuron_does_not_see(trained):
    x = excite(trained, "conv1", 0, position=(2, 5), l2=0.5)
    window = np.zeros((8, 8), bool)
    window[1:4, 4:7] = True
    assert (x[~window] == 0).all()
    w = trained.filters[:, :, 0, 0]
    assert (x[window][w.ravel() < 0] == 0).all()  # still the optimum's side of each cell
    assert (x[window][w.ravel() > 0] > 0).all()


def test_without_padding_every_position_is_inside_the_digit():
    model = _model(CONFIGS["no padding"])
    x = excite(model, "conv1", 1, position=(0, 5))  # map cell (0, 5) sees rows 0..2, columns 5..7
    np.testing.assert_array_equal(x[0:3, 5:8], np.where(model.filters[:, :, 0, 1] > 0, 16, 0))


@pytest.mark.parametrize(("layer", "unit"), [("conv2", 1), ("scores", 4)])
def test_excite_raises_its_neuron_and_stays_in_range(trained, layer, unit):
    model = _model(CONFIGS["two convs"]) if layer == "conv2" else trained
    name = {"conv2": "conv2", "scores": "scores"}[layer]
    index = (1, 1, unit) if layer == "conv2" else (unit,)
    start = np.random.default_rng(0).uniform(0, 16, (8, 8))
    x = excite(model, layer, unit)
    assert x.shape == (8, 8) and x.dtype == np.float64
    assert 0 <= x.min() and x.max() <= 16
    assert model.forward_layers(x)[name][index] > model.forward_layers(start)[name][index] + 1
    if layer == "scores":
        assert model.predict(x)[0].argmax() == unit
    np.testing.assert_array_equal(x, excite(model, layer, unit))  # seeded


def test_excite_is_exported_from_cnnviz():
    from cnnviz.learn import interpret

    assert cnnviz.excite is interpret.excite


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(layer="conv3", unit=0), "'conv1', 'conv2' or 'scores'"),
    (dict(layer="conv2", unit=0), "no second convolution"),
    (dict(layer="conv1", unit=3), "conv1 filter must be between 0 and 2, not 3"),
    (dict(layer="conv1", unit=1.5), "conv1 filter must be a whole number"),
    (dict(layer="scores", unit=10), "class must be between 0 and 9"),
    (dict(layer="scores", unit=1, position=(0, 0)), "no position"),
    (dict(layer="conv1", unit=0, position=(8, 0)), r"outside the conv1 activation map: it has 8x8 cells"),
    (dict(layer="conv1", unit=0, position=(1,)), r"\(row, col\) pair"),
    (dict(layer="conv1", unit=0, position="ab"), r"\(row, col\) pair"),
    (dict(layer="conv1", unit=0, steps=0), "number of steps must be between 1 and 10,000"),
    (dict(layer="conv1", unit=0, lr=0), r"step size lr must be in \(0, 16\]"),
    (dict(layer="conv1", unit=0, lr=float("nan")), "step size lr must be a number"),
    (dict(layer="conv1", unit=0, l2=-1), "penalty l2"),
    (dict(layer="conv1", unit=0, seed=-1), "seed"),
])
def test_excite_rejects_bad_arguments_with_a_sentence(kwargs, message):
    with pytest.raises(ValueError, match=message):
        excite(_model(CONFIGS["one conv"]), **kwargs)


def test_excite_asks_for_the_network():
    with pytest.raises(ValueError, match="must be a DigitsCNN"):
        excite("a network", "conv1", 0)


# -- what the network looks at, for one digit ------------------------------------------------------------------

def test_occlusion_by_a_cell_of_its_own_value_changes_nothing(trained):
    digit = DIGITS[0]
    result = occlusion(trained, digit, size=1, fill=digit[4, 4])
    assert result.map[4, 4] == pytest.approx(result.probability, rel=1e-6)
    assert result.label == trained.predict(digit)[0].argmax()
    assert (result.size, result.fill) == (1, digit[4, 4])
    assert occlusion(trained, digit).fill == 8  # grey, the digits' middle value


def test_grad_cam_with_padding_keeps_the_first_convolutions_grid():
    model = _model(CONFIGS["one conv"])
    result = grad_cam(model, DIGITS[0], label=2)
    assert result.layer == "conv1" and result.cam.shape == (8, 8)
    np.testing.assert_array_equal(result.map, result.cam)


@pytest.mark.parametrize(("call", "message"), [
    (lambda m: saliency(m, DIGITS[0], label=10), "class must be between 0 and 9"),
    (lambda m: grad_cam(m, DIGITS[0], label=-1), "class must be between 0 and 9"),
    (lambda m: occlusion(m, DIGITS[0], size=0), "patch size must be between 1 and 8"),
    (lambda m: occlusion(m, DIGITS[0], fill=17), r"fill value must be in \[0, 16\]"),
    (lambda m: saliency(m, DIGITS[:2]), "one digit"),
    (lambda m: occlusion(m, np.full((8, 8), 20)), "between 0 .paper. and 16"),
    (lambda m: grad_cam(m, np.zeros((7, 8))), "8x8"),
    (lambda m: saliency("a network", DIGITS[0]), "must be a DigitsCNN"),
])
def test_the_maps_reject_bad_arguments_with_a_sentence(call, message):
    with pytest.raises(ValueError, match=message):
        call(_model(CONFIGS["one conv"]))


# -- against an independent PyTorch copy ------------------------------------------------------------------------

class TorchDigits:
    """The network in PyTorch's own modules, NCHW: ``layers(x)`` for digits ``(N, 8, 8)`` with cells 0..16."""

    def __init__(self, torch, model: DigitsCNN) -> None:
        self.torch = torch
        p = {k: torch.tensor(v) for k, v in model.params.items()}  # float64
        pad = model.config.padding

        def conv(w, b):  # cnnviz's (kh, kw, C, F) filters -> a module's (F, C, kh, kw)
            module = torch.nn.Conv2d(w.shape[2], w.shape[3], 3, padding=pad, dtype=torch.float64)
            module.weight.data, module.bias.data = w.permute(3, 2, 0, 1).contiguous(), b
            return module

        self.conv1 = conv(p["w1"], p["b1"])
        self.conv2 = conv(p["w2"], p["b2"]) if "w2" in p else None
        # cnnviz flattens (H, W, C) before the dense layer; PyTorch's maps are (C, H, W): reorder the rows once
        H, W, C = model.config.shapes()["relu2" if self.conv2 else "pool"]
        wd = p["wd"].reshape(H, W, C, 10).permute(2, 0, 1, 3).reshape(-1, 10)
        self.dense = torch.nn.Linear(H * W * C, 10, dtype=torch.float64)
        self.dense.weight.data, self.dense.bias.data = wd.T.contiguous(), p["bd"]

    def layers(self, x) -> dict:
        TF = self.torch.nn.functional
        out = {"conv": self.conv1(x[:, None] / 16)}  # (N, F, H1, W1)
        out["relu"] = TF.relu(out["conv"])
        out["pool"] = h = TF.max_pool2d(out["relu"], 2)
        if self.conv2 is not None:
            out["conv2"] = self.conv2(h)
            out["relu2"] = h = TF.relu(out["conv2"])
        out["scores"] = self.dense(h.flatten(1))  # (N, 10)
        return out


@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_saliency_matches_torch(torch, options):
    model = _model(options)
    net = TorchDigits(torch, model)
    for digit in DIGITS:
        result = saliency(model, digit)
        x = torch.tensor(digit[None], requires_grad=True)
        score = net.layers(x)["scores"][0, result.label]
        score.backward()
        assert result.label == int(model.predict(digit)[0].argmax())
        assert result.score == pytest.approx(score.item(), rel=1e-12)
        np.testing.assert_allclose(result.map, x.grad[0].numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("size", "fill"), [(3, 8.0), (2, 0.0), (5, 16.0)])
@pytest.mark.parametrize("options", [CONFIGS["one conv"], CONFIGS["two convs, no padding"]], ids=["one", "two"])
def test_occlusion_matches_torch(torch, options, size, fill):
    model = _model(options)
    net = TorchDigits(torch, model)
    digit, label = DIGITS[1], int(SPLIT.test_labels[1])
    result = occlusion(model, digit, label, size=size, fill=fill)
    before = (size - 1) // 2  # the patch at (i, j) starts this many cells up and left
    expected = np.zeros((8, 8))
    with torch.no_grad():
        for i in range(8):
            for j in range(8):
                x = torch.tensor(digit)
                x[max(i - before, 0) : i - before + size, max(j - before, 0) : j - before + size] = fill
                expected[i, j] = torch.softmax(net.layers(x[None])["scores"], 1)[0, label].item()
        whole = torch.softmax(net.layers(torch.tensor(digit[None]))["scores"], 1)[0, label].item()
    assert result.label == label and result.probability == pytest.approx(whole, rel=1e-12)
    np.testing.assert_allclose(result.map, expected, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_grad_cam_matches_torch(torch, options):
    TF = torch.nn.functional
    model = _model(options)
    net = TorchDigits(torch, model)
    for digit in DIGITS:
        result = grad_cam(model, digit)
        out = net.layers(torch.tensor(digit[None]))
        A = out["relu2" if "conv2" in out else "relu"]  # (1, K, H, W)
        A.retain_grad()
        out["scores"][0, result.label].backward()
        weights = A.grad.mean(dim=(2, 3))  # (1, K)
        cam = TF.relu((weights[:, :, None, None] * A).sum(dim=1, keepdim=True))  # (1, 1, H, W)
        if model.config.padding == 1 or cam.shape[-1] == 1:
            up = TF.interpolate(cam, size=(8, 8), mode="bilinear", align_corners=False)
        else:  # 6x6 windows' centres are one cell in: the border repeats the outer cells
            up = TF.pad(cam, (1, 1, 1, 1), mode="replicate")
        assert result.layer == ("conv2" if "conv2" in out else "conv1")
        np.testing.assert_allclose(result.weights, weights[0].detach().numpy(), rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(result.activations, A[0].detach().permute(1, 2, 0).numpy(), rtol=1e-12)
        np.testing.assert_allclose(result.cam, cam[0, 0].detach().numpy(), rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(result.map, up[0, 0].detach().numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(("layer", "unit", "position", "l2"), [
    ("conv1", 2, (1, 6), 0.0), ("conv2", 3, (0, 2), 0.3), ("scores", 7, None, 0.0), ("scores", 1, None, 2.0),
])
def test_excite_matches_the_same_ascent_in_torch(torch, layer, unit, position, l2):
    model = _model(CONFIGS["two convs"])
    net = TorchDigits(torch, model)
    steps, lr, seed = 40, 0.7, 3
    ours = excite(model, layer, unit, position=position, steps=steps, lr=lr, l2=l2, seed=seed)
    x = torch.tensor(np.random.default_rng(seed).uniform(0, 16, (8, 8)))
    name = {"conv1": "conv", "conv2": "conv2", "scores": "scores"}[layer]
    for t in range(steps):
        x.requires_grad_(True)
        a = net.layers(x[None])[name][0]
        a = a[unit] if layer == "scores" else a[unit, position[0], position[1]]
        (a - l2 * ((x / 16) ** 2).sum()).backward()
        with torch.no_grad():
            x = (x + lr * (1 - t / steps) * torch.sign(x.grad)).clamp(0, 16)
    np.testing.assert_allclose(ours, x.numpy(), rtol=0, atol=1e-12)
