"""The one cache of the app (cnnviz.ui.cache.bounded): keyed on every argument, bounded, shared safely by threads."""
import threading

import numpy as np
import pytest

from cnnviz.images import resize_max_side, sample_image
from cnnviz.kernel.conv import conv2d
from cnnviz.lecture.presets import filter_from_spec
from cnnviz.ui.cache import bounded, key_of, token


def counted(max_entries=4, **kw):
    calls = []

    @bounded(max_entries, **kw)
    def f(*args):
        calls.append(args)
        return [a.sum() if isinstance(a, np.ndarray) else a for a in args]

    return f, calls


def test_two_pictures_never_share_a_result_whatever_else_the_call_says():
    """The bug this cache replaces: a cached map keyed on a separate name for the picture returned the first
    picture's map for a second picture given the same name. Here the picture itself is the key."""
    from cnnviz.ui import images as ui_img

    house = resize_max_side(np.asarray(sample_image("House", 512)), 32)
    circles = resize_max_side(np.asarray(sample_image("Circles", 512)), 32)
    for x in (house, circles):
        x.flags.writeable = False
    a = ui_img.filter_map(house, 3, "Vertical edge", 0, False, False)
    b = ui_img.filter_map(circles, 3, "Vertical edge", 0, False, False)
    w = filter_from_spec("Vertical edge", 3, 3).astype(np.float32)
    for x, m in ((house, a), (circles, b)):
        assert np.allclose(m.act, conv2d(x.astype(np.float32), w))
    assert ui_img.filter_map(house, 3, "Vertical edge", 0, False, False) is a  # and each is kept


def test_the_key_is_the_content_of_every_argument():
    f, calls = counted()
    x = np.arange(6).reshape(2, 3)
    f(x)
    y = x.copy()
    y[1, 2] = 9  # one cell differs
    assert f(y) == [y.sum()] and len(calls) == 2
    assert f(x.copy()) == [x.sum()] and len(calls) == 2  # another array, the same cells: the same entry
    f(x.reshape(3, 2)), f(x.astype(np.int32)), f(x.T)  # the same numbers in another shape, dtype or order
    assert len(calls) == 5
    f(1), f(1.0), f(True), f(np.int64(1))  # equal in Python, written differently on a page
    assert len(calls) == 9
    f("1"), f((1, 2)), f([1, 2]), f(b"1")
    assert len(calls) == 13 and f([1, 2]) == [[1, 2]] and len(calls) == 13


def test_a_writeable_array_changed_in_place_is_computed_again():
    f, calls = counted()
    x = np.zeros(4)
    f(x)
    x[0] = 5
    assert f(x) == [5.0] and len(calls) == 2


def test_what_has_no_value_to_key_on_is_refused():
    f, _ = counted()
    with pytest.raises(TypeError, match="has no key"):
        f(lambda: 1)  # a callable standing for its result: a key could disagree with it
    with pytest.raises(TypeError, match="has no key"):
        f({"a": 1})
    with pytest.raises(TypeError, match="pointers"):
        f(np.array([object()]))


def test_the_bound_holds_and_the_least_recently_used_goes_first():
    f, calls = counted(max_entries=3)
    for i in range(10):
        f(np.full(2, i))
    assert f.cache_info().currsize == 3 and f.cache_info().maxsize == 3
    f(np.full(2, 7))  # used again: now the most recent
    f(np.full(2, 10))  # pushes out 8, the least recently used
    n = len(calls)
    f(np.full(2, 7)), f(np.full(2, 9))
    assert len(calls) == n
    f(np.full(2, 8))
    assert len(calls) == n + 1


def test_a_byte_budget_holds_too():
    @bounded(max_entries=10, max_bytes=1000)
    def blob(i: int) -> bytes:
        return bytes(400)

    for i in range(5):
        blob(i)
    assert blob.cache_info().currsize == 2  # 800 bytes; a third would make 1,200


def test_a_hit_is_the_very_object_computed_and_errors_are_not_kept():
    made = []

    @bounded(max_entries=2)
    def figure(n: int) -> dict:
        made.append(n)
        if n < 0:
            raise ValueError("negative")
        return {"n": n}

    assert figure(1) is figure(1) and made == [1]
    for _ in range(2):
        with pytest.raises(ValueError):
            figure(-1)
    assert made == [1, -1, -1]


def test_a_peek_answers_from_the_cache_and_never_computes():
    f, calls = counted(max_entries=2)
    x = np.arange(4)
    assert f.cache_peek(x, 1) is None and calls == []  # not kept: nothing computed
    kept = f(x, 1)
    assert f.cache_peek(x, 1) is kept and f.cache_peek(x.copy(), 1) is kept and len(calls) == 1
    assert f.cache_peek(x, 1.0) is None  # another key, as for a call
    f(x, 2), f(x, 3)  # two newer results push it out
    assert f.cache_peek(x, 1) is None and f.cache_info().currsize == 2


def test_sessions_asking_for_the_same_result_at_once_compute_it_once():
    started = []
    # Each computation waits for the other key's: computed one after the other, the barrier would break.
    both_running = threading.Barrier(2, timeout=30)

    @bounded(max_entries=4)
    def slow(n: int) -> list:
        started.append(n)
        both_running.wait()
        return [n]

    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(slow(i % 2))) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(started) == [0, 1]  # each key once, the two side by side
    assert len(results) == 8 and not both_running.broken
    assert len({id(r) for r in results}) == 2 and slow.cache_info().hits == 6


def test_tokens_name_content():
    x = np.arange(4)
    assert token("map", x) == token("map", x.copy()) != token("map", x + 1) != token("pooled", x + 1)
    assert len(token("map", x)) == 16
    assert key_of((1, "a")) != key_of((1.0, "a"))


def test_read_only_arrays_are_digested_once():
    from cnnviz.ui import cache

    x = np.arange(1_000_000, dtype=np.float64)
    x.flags.writeable = False
    key_of(x)
    assert cache._DIGESTS[id(x)][1] == key_of(x)
    view = x[::2]  # read-only through its base: digested once too
    key_of(view)
    assert id(view) in cache._DIGESTS
    writeable = np.arange(3)
    key_of(writeable)
    assert id(writeable) not in cache._DIGESTS
    i = id(x)
    del x, view
    assert i not in cache._DIGESTS  # forgotten with the array
