"""Trainings in a worker process, one at a time, shared by everyone who asks for the same settings.

A training is many small NumPy steps; in a thread of the server each step would take the interpreter
lock from the reruns of every student. A ``Trainer`` trains in a child process instead (``python -m
cnnviz.learn.worker``) while a thread of the server waits on the child's pipe.
"""
from __future__ import annotations

import atexit
import collections
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

from cnnviz.kernel.notation import format_number
from cnnviz.learn.network import DigitsCNN, EpochRecord, TrainConfig, TrainResult

__all__ = ["Trainer", "TrainingRun", "WORKER_ENDED", "WORKER_SILENT"]

WORKER_ENDED = "The training stopped before it finished (its worker process ended)."
WORKER_SILENT = "The training stopped: its worker process sent no news for {seconds} s and was stopped."
_ROOT = Path(__file__).resolve().parents[2]  # the directory that holds the cnnviz package


class TrainingRun:
    """One training: waiting, then running in the worker, then done or failed.

    ``history()``, ``result``, ``error``, ``done`` and ``waiting`` can be read from any thread.
    """

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._history: list[EpochRecord] = []
        self._finished = threading.Event()
        self.result: TrainResult | None = None
        self.error: str | None = None
        self.started: float | None = None  # time.monotonic() when its worker started
        self.pid: int | None = None  # the worker's process id while it runs
        self.ahead = 0  # runs waiting before this one (set by the trainer while it waits)
        self._heard = 0.0  # time.monotonic() of the worker's last message (or its start)
        self._silenced = False  # its worker was stopped for sending nothing for too long

    def history(self) -> tuple[EpochRecord, ...]:
        """The epochs recorded so far (epoch 0 first)."""
        with self._lock:
            return tuple(self._history)

    @property
    def done(self) -> bool:
        """The run has finished (or failed)."""
        return self._finished.is_set()

    @property
    def waiting(self) -> bool:
        """The run waits for an earlier one to finish."""
        return self.started is None and not self.done

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run is done; True when it is."""
        return self._finished.wait(timeout)

    def _add(self, record: EpochRecord) -> None:
        self._heard = time.monotonic()
        for arr in (record.filters, record.biases, *(record.params or {}).values()):
            if arr is not None:
                arr.flags.writeable = False  # shared by every page that shows it
        with self._lock:
            self._history.append(record)

    def _finish(self, result: TrainResult | None, error: str | None) -> None:
        self.result, self.error, self.pid = result, error, None
        self._finished.set()


class Trainer:
    """Runs trainings in a worker process, one at a time, and keeps them by their config.

    The child (a lower priority, one BLAS thread) sends one ``EpochRecord`` per epoch, with every parameter
    of the network then (the page draws progress, curves and filters from them, and takes an epoch's step
    again from the one before), then that it is done; the server rebuilds the same ``TrainResult`` that
    ``train`` returns in process, the network from the last record.

    - **One at a time, bounded queue**: one child trains; at most ``max_waiting`` more runs wait; a run
      asked for when the queue is full fails at once with a message saying so.
    - **Shared by settings**: ``run(config)`` gives the same ``TrainingRun`` to everyone who asks for the
      same config while it is kept (at most ``max_runs`` runs; the oldest finished one goes first).
    - **Failures are messages**: a child that exits without a result (killed, crashed, out of memory)
      makes the run fail with a sentence to show; asking again with ``retry=True`` starts a new run.
    - **Nothing left running**: the child exits when its pipe from the server closes (the server stopped,
      however it stopped), and ``close()`` (also called at exit) kills what still runs.
    """

    def __init__(self, *, max_runs: int = 12, max_waiting: int = 8, max_silence: float = 120.0,
                 python: str = sys.executable) -> None:
        # max_silence: seconds a worker may go without sending an epoch before it is stopped (an epoch
        # takes well under a second; a stopped or stuck worker must not leave a page waiting for ever)
        self.max_runs, self.max_waiting, self.max_silence, self.python = max_runs, max_waiting, max_silence, python
        self._lock = threading.Lock()
        self._runs: collections.OrderedDict[TrainConfig, TrainingRun] = collections.OrderedDict()
        self._queue: collections.deque[TrainingRun] = collections.deque()
        self._current: TrainingRun | None = None
        self._proc: subprocess.Popen | None = None
        self._closed = False
        atexit.register(self.close)

    def run(self, config: TrainConfig, *, retry: bool = False) -> TrainingRun:
        """The run of ``config``: the one kept if there is one (a failed one replaced when ``retry``),
        else a new one, started now or queued behind the one that trains."""
        with self._lock:
            run = self._runs.get(config)
            if run is not None and not (retry and run.error is not None):
                self._runs.move_to_end(config)
                return run
            run = TrainingRun(config)
            if self._closed:
                run._finish(None, "The server is stopping: training is not possible now.")
                return run
            if self._current is not None and len(self._queue) >= self.max_waiting:
                run._finish(None, f"{len(self._queue) + 1} trainings are already running or waiting on this "
                                  "server. Try again in a minute, or pick settings someone has trained.")
                return run  # not kept: asking again later tries again
            self._runs[config] = run
            self._evict()
            if self._current is None:
                self._start(run)
            else:
                self._queue.append(run)
                run.ahead = len(self._queue) - 1
            return run

    def _evict(self) -> None:
        """Forget the oldest finished runs beyond ``max_runs`` (waiting and running ones stay)."""
        extra = len(self._runs) - self.max_runs
        for config in [c for c, r in self._runs.items() if r.done][:max(0, extra)]:
            del self._runs[config]

    def _start(self, run: TrainingRun) -> None:
        """Start ``run``'s worker (the lock is held)."""
        self._current = run
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join([str(_ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        try:
            proc = subprocess.Popen([self.python, "-m", "cnnviz.learn.worker"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=_ROOT,
                                    start_new_session=True)  # a Ctrl-C to the server's terminal is the server's
            proc.stdin.write(pickle.dumps(run.config))
            proc.stdin.flush()  # the pipe stays open: the worker stops when it closes
        except OSError as exc:
            self._current = None
            run._finish(None, f"The training could not start: {exc.strerror or exc}.")
            self._runs.pop(run.config, None)
            self._next()
            return
        self._proc, run.pid, run.started = proc, proc.pid, time.monotonic()
        run._heard = run.started
        threading.Thread(target=self._watch, args=(run, proc), name="cnnviz-train-watch", daemon=True).start()
        threading.Thread(target=self._guard, args=(run, proc), name="cnnviz-train-guard", daemon=True).start()

    def _guard(self, run: TrainingRun, proc: subprocess.Popen) -> None:
        """Stop a worker that has sent nothing for ``max_silence`` seconds (its pipe then ends the run)."""
        while proc.poll() is None and not run.done:
            if time.monotonic() - run._heard > self.max_silence:
                run._silenced = True
                proc.kill()
                return
            time.sleep(min(1.0, self.max_silence / 4))

    def _next(self) -> None:
        """Start the first waiting run (the lock is held)."""
        if self._queue and not self._closed:
            self._start(self._queue.popleft())
            for i, waiting in enumerate(self._queue):
                waiting.ahead = i

    def _watch(self, run: TrainingRun, proc: subprocess.Popen) -> None:
        """Read the worker's messages (blocking reads release the interpreter lock) until it ends."""
        result, error = None, None
        try:
            while True:
                kind, value = pickle.load(proc.stdout)
                if kind == "epoch":
                    run._add(value)
                elif kind == "done":  # the trained network is the last epoch's record
                    history = list(run.history())
                    result = TrainResult(DigitsCNN(run.config, history[-1].params), history, run.config, value)
                    break
                else:  # "error": the training refused its settings
                    error = f"Training stopped: {value}"
                    break
        except (EOFError, pickle.UnpicklingError, OSError, ValueError):
            error = WORKER_SILENT.format(seconds=format_number(self.max_silence)) if run._silenced else WORKER_ENDED
        finally:
            for pipe in (proc.stdin, proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with self._lock:
            run._finish(result, error)
            self._current, self._proc = None, None
            self._evict()
            self._next()

    def close(self) -> None:
        """Stop the worker and fail every waiting run; nothing keeps running."""
        with self._lock:
            self._closed = True
            waiting, self._queue = list(self._queue), collections.deque()
            proc = self._proc
        for run in waiting:
            run._finish(None, "The server is stopping: training is not possible now.")
        if proc is not None and proc.poll() is None:
            proc.kill()


def _worker() -> None:
    """The child: read a config from stdin, train, write pickled messages to stdout."""
    from cnnviz.learn.network import train

    os.nice(10)  # the server's reruns come first on a shared core
    stdin = sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")  # the messages' own pipe: a stray print cannot break the stream
    os.dup2(2, 1)
    config = pickle.load(stdin)

    def watch_parent() -> None:
        stdin.read()  # returns when the server closes the pipe, or when the server is gone
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()

    def send(kind: str, value) -> None:
        out.write(pickle.dumps((kind, value)))
        out.flush()

    try:
        result = train(config, on_epoch=lambda epoch, record: send("epoch", record))
    except ValueError as exc:
        send("error", str(exc))
        return
    send("done", result.stopped_early)


if __name__ == "__main__":
    try:
        _worker()
    except BrokenPipeError:  # the server went away mid-training
        os._exit(0)
