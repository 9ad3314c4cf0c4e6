"""Shared training runs: a worker thread, the history so far, the same network as training directly."""
from __future__ import annotations

import numpy as np
import pytest

from cnnviz.learn import TrainConfig, train
from cnnviz.ui.learn import TrainingRun, parse_drawing


def test_a_run_trains_in_its_thread_to_the_same_network():
    config = TrainConfig(filters=3, epochs=2, seed=4, train_size=300)
    run = TrainingRun(config)
    assert run.wait(60)
    direct = train(config)
    assert [r.epoch for r in run.history()] == [0, 1, 2]
    for name, value in direct.model.params.items():
        np.testing.assert_array_equal(run.result.model.params[name], value)
    np.testing.assert_array_equal(run.history()[1].biases, direct.history[1].biases)


def test_a_failed_run_says_why_instead_of_raising():
    run = TrainingRun(TrainConfig(filters=2, epochs=1, train_size=10**5))
    assert run.wait(30) and run.result is None
    assert run.error.startswith("Training stopped: There are only 1,442 training digits")


@pytest.mark.parametrize("value, words", [
    ("1,2;3,4", "8x8"), (np.full((8, 8), 17), "16 .ink."), (np.full((8, 8), 2.5), "whole numbers"),
    (np.full((8, 8), np.nan), "numbers 0..16"), ("", "empty"),
])
def test_a_drawing_must_be_8x8_whole_cells_0_to_16(value, words):
    with pytest.raises(ValueError, match=words):
        parse_drawing(value)
