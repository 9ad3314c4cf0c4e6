"""Gradient descent on the lecture's example: the loss falls fast, the filter comes slowly, a large rate diverges."""
import warnings

import numpy as np
import pytest

from cnnviz.kernel import conv2d, conv2d_backward
from cnnviz.learn.descent import DEFAULT_STEPS, curvature, default_rate, descend, descent_after
from cnnviz.lecture.presets import LECTURE_FILTER, LECTURE_INPUT


def window_matrix(x, k):
    """Every k x k window of x as a row, by plain loops."""
    H, W = x.shape
    return np.array([[x[r + i, c + j] for i in range(k) for j in range(k)]
                     for r in range(H - k + 1) for c in range(W - k + 1)], dtype=float)


def test_the_lecture_run_at_the_default_rate():
    run = descend(LECTURE_INPUT, LECTURE_FILTER)
    L = np.linalg.eigvalsh(window_matrix(LECTURE_INPUT, 3).T @ window_matrix(LECTURE_INPUT, 3)).max()
    assert run.curvature == pytest.approx(L) and run.curvature == pytest.approx(167.39, abs=0.01)
    assert run.rate == 0.005 <= 1 / L  # a round number at or below 1/L
    assert not run.diverged and len(run.steps) == DEFAULT_STEPS + 1
    assert run.target.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    # The loss falls under 1 % of its start within the steps a run takes, and keeps falling.
    assert run.steps_to(0.01) <= DEFAULT_STEPS
    losses = [s.loss for s in run.steps]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    assert run.steps[0].loss == 820.0 and run.steps[0].filter.tolist() == np.zeros((3, 3)).tolist()


def test_loss_under_one_percent_in_ten_to_twenty_steps_at_one_over_l():
    run = descend(LECTURE_INPUT, LECTURE_FILTER, rate=1 / curvature(LECTURE_INPUT, (3, 3)))
    assert 10 <= run.steps_to(0.01) <= 20


def test_a_weight_stays_about_four_tenths_off_after_two_thousand_steps():
    run = descend(LECTURE_INPUT, LECTURE_FILTER, steps=2000)
    last = run.steps[-1]
    assert last.loss < 1e-3 * run.steps[0].loss  # the map is all but learned...
    assert 0.3 < last.farthest < 0.5  # ...the filter is not: the input pins some directions far less
    assert last.distance == pytest.approx(np.linalg.norm(last.filter - LECTURE_FILTER))


def test_each_step_is_w_minus_rate_times_the_gradient():
    run = descend(LECTURE_INPUT, LECTURE_FILTER, steps=5, start="random", seed=3, learn_bias=True)
    for now, nxt in zip(run.steps, run.steps[1:]):
        amap = conv2d(LECTURE_INPUT, now.filter, now.bias)
        _, dw, db = conv2d_backward(LECTURE_INPUT, now.filter, amap - run.target)
        np.testing.assert_allclose(now.dw, dw)
        assert now.db == pytest.approx(db[0])
        np.testing.assert_allclose(nxt.filter, now.filter - run.rate * now.dw)
        assert nxt.bias == pytest.approx(now.bias - run.rate * now.db)
        assert now.loss == pytest.approx(0.5 * ((amap - run.target) ** 2).sum())


def test_a_random_start_is_seeded_whole_numbers():
    a = descend(LECTURE_INPUT, LECTURE_FILTER, steps=3, start="random", seed=7)
    b = descend(LECTURE_INPUT, LECTURE_FILTER, steps=3, start="random", seed=7)
    start = a.steps[0].filter
    assert np.array_equal(start, b.steps[0].filter) and np.array_equal(start, np.round(start))
    assert start.min() >= -2 and start.max() <= 2
    assert all(np.array_equal(s.filter, t.filter) for s, t in zip(a.steps, b.steps))
    assert a.steps[0].bias == 0 and a.steps[-1].bias == 0  # the bias is learned only when asked


@pytest.mark.parametrize("times", [2.2, 3, 50])
def test_a_rate_well_above_two_over_l_diverges_and_says_so(times):
    L = curvature(LECTURE_INPUT, (3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning: the run stops before
        run = descend(LECTURE_INPUT, LECTURE_FILTER, steps=2000, rate=times / L)
    assert run.diverged and len(run.steps) < 2001
    assert all(np.isfinite(s.loss) and np.isfinite(s.filter).all() for s in run.steps)
    assert run.steps[-1].loss > 1e6 * run.steps[0].loss


def test_a_rate_just_below_two_over_l_converges():
    L = curvature(LECTURE_INPUT, (3, 3))
    run = descend(LECTURE_INPUT, LECTURE_FILTER, steps=400, rate=1.9 / L)
    assert not run.diverged and run.steps[-1].loss < 0.01 * run.steps[0].loss


def test_stride_padding_and_dilation_reach_the_windows():
    x = np.arange(36).reshape(6, 6) % 5
    run = descend(x, LECTURE_FILTER, steps=3, stride=2, padding=1, dilation=1)
    assert run.target.shape == conv2d(x, LECTURE_FILTER, stride=2, padding=1).shape
    assert run.steps[1].loss < run.steps[0].loss


def test_default_rate_is_a_round_number_at_or_below_one_over_l():
    assert [default_rate(v) for v in (167.4, 4.0, 0.3, 1.0)] == [0.005, 0.2, 3.0, 1.0]


@pytest.mark.parametrize("kwargs, message", [
    ({"rate": 0}, "positive"), ({"rate": float("nan")}, "positive"), ({"steps": 0}, "number of steps"),
    ({"start": "ones"}, "zero' or 'random"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        descend(LECTURE_INPUT, LECTURE_FILTER, **kwargs)


@pytest.mark.parametrize("seed", range(12))
def test_the_closed_form_lands_where_the_steps_do(seed):
    """descent_after's (1 − ηλ)ᵗ along each eigenvector equals taking every step with the kernel's backward pass."""
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(4, 8)), int(rng.integers(1, 4))
    x = rng.integers(-3, 4, size=(n, n))
    w = rng.integers(-2, 3, size=(k, k))
    conv = {"stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2)), "dilation": 1}
    L = curvature(x, (k, k), **conv)
    rate = float(rng.choice([0.5, 1.0, 1.9, 2.2])) / max(L, 1e-9)  # stable, and (2.2/L) diverging
    start, steps = str(rng.choice(["zero", "random"])), int(rng.integers(1, 400))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        run = descend(x, w, steps=steps, rate=rate, start=start, **conv)
    after = descent_after(x, w, steps, rate=rate, start=start, **conv)
    if run.diverged:
        assert after is None
    else:
        last = run.steps[-1]
        assert after is not None and after[0] == pytest.approx(last.loss, rel=1e-6, abs=1e-9)
        assert after[1] == pytest.approx(last.farthest, rel=1e-6, abs=1e-9)
