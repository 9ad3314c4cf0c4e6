"""The one cache of the app: results shared by every session of the server, bounded, keyed on their arguments.

>>> @bounded(max_entries=2)
... def total(x):
...     return int(x.sum())
>>> total(np.ones(3)), total(np.zeros(3)), total.cache_info().currsize
(3, 0, 2)
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numpy as np

__all__ = ["bounded", "key_of", "token", "CacheInfo"]

F = TypeVar("F", bound=Callable[..., Any])


class CacheInfo(NamedTuple):
    """What ``functools.lru_cache``'s ``cache_info()`` says, for a ``bounded`` cache."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


# A read-only array's digest, by the array's identity while it lives: a page passes the same cached
# (read-only) picture to a dozen cached functions on every rerun, and it is digested once.
_DIGESTS: dict[int, tuple[weakref.ref, bytes]] = {}


def _read_only(a: np.ndarray) -> bool:
    """No NumPy array can write into ``a``'s cells: neither ``a`` nor any array it is a view of is writeable."""
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            return False
        a = a.base
    return True


def _forget(i: int, ref: weakref.ref) -> None:
    if _DIGESTS.get(i, (None,))[0] is ref:
        del _DIGESTS[i]


def _digest(a: np.ndarray) -> tuple:
    """``(shape, dtype, SHA-256 of the cells)``: equal exactly when the arrays hold the same values."""
    if a.dtype.hasobject:
        raise TypeError("an array of Python objects has no key: its bytes are pointers, not values")
    seen = _DIGESTS.get(id(a))
    if seen is not None and seen[0]() is a:
        return seen[1]
    # SHA-256 rather than BLAKE2: most x86 processors compute it in hardware, twice as fast here.
    key = (a.shape, a.dtype.str, hashlib.sha256(np.ascontiguousarray(a).data).digest())
    if _read_only(a):
        i = id(a)
        _DIGESTS[i] = (weakref.ref(a, lambda ref, i=i: _forget(i, ref)), key)
    return key


def key_of(value) -> Any:
    """The part of a cache key that stands for ``value``: equal keys, equal values (the type included).

    Numbers carry their type (``1``, ``1.0`` and ``True`` are equal in Python, but a page may write
    them differently); arrays and bytes stand as their shape, dtype and digest; tuples, lists and
    dataclasses as their parts. Anything else (a callable, a dict) raises ``TypeError``.
    """
    t = type(value)
    if t is str or value is None:
        return value
    if t is int or t is float or t is bool:
        return t, value
    if t is tuple or t is list:
        return t, tuple(map(key_of, value))
    if isinstance(value, np.ndarray):
        return _digest(value)
    if isinstance(value, (np.generic, int, float)):
        return t, value.item() if isinstance(value, np.generic) else value
    if t is bytes:
        return t, len(value), hashlib.sha256(value).digest()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return t, tuple(key_of(getattr(value, f.name)) for f in dataclasses.fields(value))
    raise TypeError(f"a cached function's argument of type {t.__name__} has no key: pass numbers, text, bytes, "
                    "arrays, or tuples, lists and dataclasses of them")


def token(*values) -> str:
    """A short text naming ``values`` by their content (``key_of``), for the browser to ask for them by."""
    return hashlib.sha256(repr(key_of(values)).encode()).hexdigest()[:16]


class _Entries:
    """The entries of one cache, least recently used first; one computation per key at a time."""

    def __init__(self, max_entries: int, max_bytes: int | None):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.pending: dict[Any, tuple[int, threading.Event]] = {}  # key -> (thread computing it, set when done)
        self.hits = self.misses = self.bytes = 0

    def get(self, key, compute: Callable[[], Any]):
        while True:
            with self.lock:
                if key in self.items:
                    self.items.move_to_end(key)
                    self.hits += 1
                    return self.items[key]
                owner, done = self.pending.get(key, (None, None))
                if done is None:
                    done = threading.Event()
                    self.pending[key] = (threading.get_ident(), done)
                    break
            if owner == threading.get_ident():
                raise RecursionError("a cached function called itself with the same arguments")
            done.wait()  # another session computes it: take its result (or compute it, if that one failed)
        try:
            value = compute()  # outside the lock: other keys do not wait for this one
            with self.lock:
                self.misses += 1
                self.items[key] = value
                self.bytes += self._size(value)
                while len(self.items) > self.max_entries or (self.max_bytes is not None and self.bytes > self.max_bytes
                                                             and len(self.items) > 1):
                    self.bytes -= self._size(self.items.popitem(last=False)[1])
            return value
        finally:
            with self.lock:
                del self.pending[key]
            done.set()

    def peek(self, key):
        """The value kept for ``key``, or None when none is (nothing is computed, nobody waits)."""
        with self.lock:
            if key not in self.items:
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return self.items[key]

    def _size(self, value) -> int:
        return 0 if self.max_bytes is None else len(value)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.bytes = self.hits = self.misses = 0


def bounded(max_entries: int, *, max_bytes: int | None = None) -> Callable[[F], F]:
    """Cache a function's results for every session of the server, at most ``max_entries`` of them.

    The key is made of all the arguments (``key_of``): arrays by their content, so a key cannot
    disagree with what is computed. A hit returns the very object the function returned, no copy:
    callers treat it as read-only (a result that is an array is best made read-only where it is
    built). Read-only arrays are digested once while they live; a writeable one on every call, so
    pass the read-only arrays other caches return. The least recently used entry goes first; with
    ``max_bytes`` the values (bytes) also stay within that many bytes in all. Sessions run on threads:
    one computes a key while the others asking for it wait for its result. ``fn.cache_info()``,
    ``fn.cache_clear()`` and ``fn.__wrapped__`` work as with ``functools.lru_cache``; ``fn.cache_peek(*args)``
    returns the result kept for these arguments, or None without computing it (an event loop answers from
    the cache at once, and hands a computation to a thread).
    """
    assert max_entries >= 1, f"a cache holds at least one entry, not {max_entries}"

    def decorate(fn: F) -> F:
        entries = _Entries(max_entries, max_bytes)

        def key(args, kwargs) -> tuple:
            k = tuple(map(key_of, args))
            return k + tuple((name, key_of(v)) for name, v in sorted(kwargs.items())) if kwargs else k

        @functools.wraps(fn)
        def cached(*args, **kwargs):
            return entries.get(key(args, kwargs), lambda: fn(*args, **kwargs))

        cached.cache_peek = lambda *args, **kwargs: entries.peek(key(args, kwargs))
        cached.cache_info = lambda: CacheInfo(entries.hits, entries.misses, max_entries, len(entries.items))
        cached.cache_clear = entries.clear
        return cached

    return decorate
