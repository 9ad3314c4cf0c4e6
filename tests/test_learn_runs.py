"""Shared training runs in a worker process: the same network as training here, progress per epoch,
one training at a time, a bounded queue, and a clear message when the worker dies."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from cnnviz.learn.network import TrainConfig, train
from cnnviz.learn.worker import WORKER_ENDED, WORKER_SILENT, Trainer
from cnnviz.ui.learn import parse_drawing

LONG = TrainConfig(filters=16, epochs=30, seed=11)  # several seconds: long enough to watch and to kill


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    return not alive(pid)


@pytest.fixture
def trainer():
    t = Trainer(max_waiting=1)
    yield t
    t.close()


def test_the_worker_trains_the_same_network_as_training_here(trainer):
    config = TrainConfig(filters=3, epochs=2, seed=4, train_size=300)
    run = trainer.run(config)
    assert trainer.run(config) is run  # a second student asking for the same settings shares the run
    assert run.wait(60) and run.error is None
    direct = train(config)
    assert [r.epoch for r in run.history()] == [0, 1, 2] == [r.epoch for r in run.result.history]
    for name, value in direct.model.params.items():
        np.testing.assert_array_equal(run.result.model.params[name], value)
    for mine, theirs in zip(run.history(), direct.history):
        np.testing.assert_array_equal(mine.filters, theirs.filters)
        np.testing.assert_array_equal(mine.biases, theirs.biases)
        assert set(mine.params) == set(theirs.params)  # every parameter of every epoch crosses the pipe
        for name, value in theirs.params.items():
            np.testing.assert_array_equal(mine.params[name], value)
            assert not mine.params[name].flags.writeable
        assert (mine.loss, mine.test_accuracy) == (theirs.loss, theirs.test_accuracy)
    assert run.result.test_accuracy == direct.test_accuracy
    digits = np.arange(64).reshape(1, 8, 8) % 17
    np.testing.assert_array_equal(run.result.model.predict(digits), direct.model.predict(digits))


def test_progress_arrives_while_training_and_a_killed_worker_gives_a_message_and_a_retry(trainer):
    run = trainer.run(LONG)
    end = time.monotonic() + 60
    while len(run.history()) < 2 and time.monotonic() < end:
        time.sleep(0.05)
    assert len(run.history()) >= 2 and not run.done  # epochs reach the server before the end
    pid = run.pid
    os.kill(pid, signal.SIGKILL)
    assert run.wait(10), "a killed worker must not leave the run hanging"
    assert run.result is None and run.error == WORKER_ENDED
    assert trainer.run(LONG) is run  # everyone on these settings sees the same failure ...
    again = trainer.run(LONG, retry=True)  # ... until someone trains again
    assert again is not run and not again.done and again.pid != pid
    assert trainer.run(LONG) is again


def test_a_stuck_worker_is_stopped_and_the_run_fails_with_a_message():
    trainer = Trainer(max_silence=1.0)
    try:
        run = trainer.run(LONG)
        while not run.history() and not run.done:
            time.sleep(0.05)
        pid = run.pid
        os.kill(pid, signal.SIGSTOP)  # alive, but silent
        assert run.wait(15), "a silent worker must not leave the run waiting for ever"
        assert run.error == WORKER_SILENT.format(seconds="1") and gone_within(pid, 5)
    finally:
        trainer.close()


def test_one_training_at_a_time_with_a_bounded_queue(trainer):
    first = trainer.run(LONG)
    second = trainer.run(TrainConfig(filters=2, epochs=1, seed=1, train_size=100))
    assert second.waiting and second.ahead == 0 and second.pid is None  # waits for the first
    third = trainer.run(TrainConfig(filters=2, epochs=1, seed=2, train_size=100))
    assert third.done and third.result is None and "already running or waiting" in third.error
    assert trainer.run(third.config) is not third  # a refusal is not kept: asking later tries again
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(10) and second.wait(60)  # the next one starts when the worker is free
    assert second.error is None and second.result.epochs_run == 1


def test_a_failed_run_says_why_instead_of_raising(trainer):
    run = trainer.run(TrainConfig(filters=2, epochs=1, train_size=10**5))
    assert run.wait(30) and run.result is None
    assert run.error.startswith("Training stopped: There are only 1,442 training digits")


def test_closing_stops_the_worker_and_every_waiting_run(trainer):
    first = trainer.run(LONG)
    second = trainer.run(TrainConfig(filters=2, epochs=1, seed=3, train_size=100))
    pid = first.pid
    trainer.close()
    assert first.wait(10) and second.wait(10) and second.error.startswith("The server is stopping")
    assert gone_within(pid, 5)


def test_a_server_that_dies_leaves_no_worker_behind():
    """However the server ends (here without any clean-up at all), its worker sees the pipe close and exits."""
    code = textwrap.dedent("""
        import os, sys, time
        from cnnviz.learn.network import TrainConfig
        from cnnviz.learn.worker import Trainer
        run = Trainer().run(TrainConfig(filters=16, epochs=30, seed=12))
        while not run.history():
            time.sleep(0.05)
        print(run.pid, flush=True)
        os._exit(0)
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root)
    pid = int(out.stdout.split()[0])
    assert gone_within(pid, 10)


@pytest.mark.parametrize("value, words", [
    ("1,2;3,4", "8x8"), (np.full((8, 8), 17), "16 .ink."), (np.full((8, 8), 2.5), "whole numbers"),
    (np.full((8, 8), np.nan), "numbers 0..16"), ("", "empty"),
])
def test_a_drawing_must_be_8x8_whole_cells_0_to_16(value, words):
    with pytest.raises(ValueError, match=words):
        parse_drawing(value)
