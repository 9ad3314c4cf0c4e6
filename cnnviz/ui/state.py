"""A page's state kept in the link (``?stride=2&input=1,2;3,4``), validated both ways, and its last valid result.

Every page describes its settings as one frozen dataclass and one ``UrlState`` that reads it from
the link and writes it back; what a page computed last without an error is kept by ``LastValid``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import streamlit as st

from cnnviz.kernel.grids import grid_from_text, grid_to_text, parse_number, tidy
from cnnviz.kernel.notation import format_number, format_shape


@dataclass(frozen=True)
class UrlField:
    """One setting of a page that lives in the link as ``?name=text`` (or ``?name=a&name=b`` when ``many``)."""

    name: str  # the query parameter
    default: Any
    parse: Callable[[str], Any]  # text -> value; raises ValueError with a sentence saying why not
    encode: Callable[[Any], str] = str  # value -> text; the default value is left out of the link
    what: str = ""  # how to name it in a warning ("the stride")
    fallback: str = ""  # what the page does instead of a refused value; "Using <default> instead." if empty
    many: bool = False  # repeated in the link: parse takes, and encode returns, a list of texts
    attr: str = ""  # the state's attribute that holds it, when it is not ``name``
    omit: Callable[[Any], bool] | None = None  # values left out of the link besides the default (all-zero biases)

    @property
    def key(self) -> str:
        """The state's attribute name."""
        return self.attr or self.name


def int_field(name: str, default: int | None, lo: int, hi: int, what: str) -> UrlField:
    """A whole number in ``lo..hi``; 10,000-digit numbers, decimals and text are refused."""
    def parse(text: str) -> int:
        v = parse_number(text, limit=10 ** 9)
        if not float(v).is_integer():
            raise ValueError(f"{v} is not a whole number")
        if not lo <= v <= hi:
            raise ValueError(f"{int(v)} is outside {lo} to {hi}")
        return int(v)
    return UrlField(name, default, parse, str, what)


def float_field(name: str, default: float, lo: float, hi: float, what: str) -> UrlField:
    """A finite number in ``lo..hi``, a float (what a float number input holds), written ``-15`` or ``0.5``."""
    def parse(text: str) -> float:
        v = parse_number(text, limit=10 ** 9)
        if not lo <= v <= hi:
            raise ValueError(f"{format_number(v)} is outside {format_number(lo)} to {format_number(hi)}")
        return float(v)
    return UrlField(name, float(default), parse, lambda v: format(v, ".10g") if isinstance(v, float) else str(v),
                    what)


def index_field(name: str, count: int, what: str) -> UrlField:
    """A position counted from 1 in the link (``sel=2``) and from 0 in the state, below ``count``."""
    whole = int_field(name, 1, 1, count, what)
    return UrlField(name, 0, lambda text: whole.parse(text) - 1, lambda i: str(i + 1), what, "Using 1 instead.")


def bool_field(name: str, default: bool, what: str, encode: Callable[[bool], str] | None = None) -> UrlField:
    """``1``/``0`` (``true``/``false`` also read); ``encode=str`` writes ``True``/``False``."""
    def parse(text: str) -> bool:
        value = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}.get(
            str(text).strip().lower())
        if value is None:
            raise ValueError(f"'{str(text)[:16]}' is not 1 or 0")
        return value
    return UrlField(name, default, parse, encode or (lambda v: "1" if v else "0"), what)


def grid_field(name: str, default, min_side: int, max_side: int, what: str, fallback: str = "") -> UrlField:
    """A grid written ``1,2;3,4`` with each side in ``min_side..max_side``; ``default`` None: no grid."""
    def parse(text: str) -> np.ndarray:
        arr = grid_from_text(text, max_side=max_side, name=what)
        if min(arr.shape) < min_side:
            raise ValueError(f"the {what} must be at least {format_shape((min_side, min_side))}")
        return arr
    if default is not None:
        default = tidy(default)
        default.flags.writeable = False  # one object handed to every session that falls back to it
    return UrlField(name, default, parse, grid_to_text, what, fallback)


def choice_field(name: str, default, options, what: str, fallback: str = "") -> UrlField:
    """One of ``options`` (compared as text, case-insensitive)."""
    def parse(text: str):
        for o in options:
            if str(o).lower() == str(text).strip().lower():
                return o
        shown = str(text) if len(str(text)) <= 12 else str(text)[:12] + "…"
        names = list(map(str, options))
        choices = " or ".join(names) if len(names) == 2 else "one of " + ", ".join(names)
        raise ValueError(f"'{shown}' is not {choices}")
    return UrlField(name, default, parse, str, what, fallback)


def numbers_field(name: str, default: tuple | None, what: str, *, lo: float, hi: float, count: int | None = None,
                  most: int | None = None, whole: bool = False, fallback: str = "") -> UrlField:
    """Numbers written ``1.5,-2,0``, each in ``lo..hi``: exactly ``count`` of them, or at most ``most``."""
    def parse(text: str) -> tuple:
        parts = str(text).split(",")
        if count is not None and len(parts) != count:
            raise ValueError(f"it should be {count} numbers separated by commas")
        if most is not None and len(parts) > most:
            raise ValueError(f"it has more than {most} numbers")
        out = []
        for part in parts:
            v = parse_number(part, limit=max(abs(lo), abs(hi)))
            if whole and not float(v).is_integer():
                raise ValueError(f"{v} is not a whole number")
            if not lo <= v <= hi:
                raise ValueError(f"{format_number(v)} is outside {format_number(lo)} to {format_number(hi)}")
            out.append(int(v) if float(v).is_integer() else float(v))
        return tuple(out)
    return UrlField(name, default, parse, lambda vs: ",".join(format(v, ".6g") for v in vs), what, fallback)


def texts_field(name: str, default: tuple[str, ...], what: str, max_chars: int = 4000) -> UrlField:
    """Texts repeated in the link (``?f=Sharpen&f=Emboss``), each cut at ``max_chars``; the page checks them."""
    return UrlField(name, tuple(default), lambda texts: tuple(str(t)[:max_chars] for t in texts), list, what,
                    many=True)


def text_field(name: str, default: str, parse: Callable[[str], str], what: str) -> UrlField:
    """Text checked and written back tidy by ``parse`` (e.g. a shape ``32x32x3``); ``parse`` raises ValueError."""
    return UrlField(name, default, parse, str, what)


S = TypeVar("S")  # a page's state: a frozen dataclass
T = TypeVar("T")  # a result a page keeps


class UrlState(Generic[S]):
    """A page's state, a frozen dataclass, kept in the link and validated both ways.

    ``load()`` once at the top of the page returns ``(state, fresh, warnings)``: the state (each
    field from the link, or its default with a warning when the link's text is refused), and the
    names of the fields whose link text is new since the page last wrote the link (the first visit,
    a pasted link, a link from another page). ``seed(state, fresh)`` then puts those into the
    page's widgets (``widgets``: field -> session key). ``save(state)`` at the end writes the link
    back, leaving defaults out. The state also survives a visit to another page (which empties the
    link). ``check`` (field values, the names of the fields whose link text was refused -> field values,
    warnings) applies rules between fields, such as one bias per filter, before the state is built; a field
    that stands in for a refused one has said why already. ``shared`` names fields that pages hold as one
    setting in a session (the network and the digit of the two digits pages): where the link is silent on one,
    a page takes the value another page saved after it last did, as new (``fresh``).

    >>> # URL = UrlState("conv", ConvState, [int_field("stride", 1, 1, 4, "stride"), ...])
    """

    _keys: set[str] = set()  # every page's key: what ``forget_links`` forgets
    _SHARED = "url__shared"  # session key: a shared field's name -> (its value, the key of the page that saved it)

    def __init__(self, key: str, state: type[S], fields: list[UrlField], *,
                 widgets: Mapping[str, str] | None = None, defaults_in_link: bool = False,
                 check: Callable[[dict, set[str]], tuple[dict, list[str]]] | None = None,
                 shared: Sequence[str] = ()):
        names = [f.name for f in dataclasses.fields(state)]
        assert state.__dataclass_params__.frozen, f"{state.__name__} should be a frozen dataclass"
        assert sorted(names) == sorted(f.key for f in fields), (
            f"{state.__name__} has fields {names}; the link has {[f.key for f in fields]}")
        assert set(widgets or {}) <= set(names), f"widgets {sorted(widgets or {})} are not all fields of {names}"
        assert set(shared) <= set(names), f"shared fields {sorted(shared)} are not all fields of {names}"
        self.key = key
        UrlState._keys.add(key)
        self.state = state
        self.fields = {f.key: f for f in fields}
        self.widgets = dict(widgets or {})
        self.defaults_in_link = defaults_in_link  # write every field, so that the link always says it all
        self.check = check
        self.shared = tuple(shared)

    @staticmethod
    def _same(a, b) -> bool:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and bool(
                np.array_equal(a, b))
        return a == b and type(a) is type(b) if isinstance(a, bool) or isinstance(b, bool) else a == b

    @staticmethod
    def _text(f: UrlField, texts: list[str]):
        """A field's text in the link: the last value, all values when ``many``, None when absent."""
        return None if not texts else list(texts) if f.many else texts[-1]

    def _parse(self, f: UrlField, text) -> tuple[Any, str | None]:
        """``(value, None)``, or ``(default, warning)`` when the link's text is refused."""
        try:
            return f.parse(text), None
        except ValueError as exc:
            shown = ", ".join(text) if f.many else text
            shown = shown if len(shown) <= 24 else shown[:24] + "…"
            default = ("the default" if isinstance(f.default, np.ndarray) or f.default is None
                       else format(f.default, "g") if isinstance(f.default, float) else str(f.default))
            reason = str(exc) if str(exc).endswith((".", "?", "!")) else f"{exc}."
            return f.default, (f"The link's {f.what or f.name} (`{f.name}={shown}`) could not be used: {reason} "
                               + (f.fallback or f"Using {default} instead."))

    def _build(self, values: dict, warnings: list[str], refused: set[str] | None = None) -> tuple[S, list[str]]:
        if self.check is not None:
            values, more = self.check(values, refused or set())
            warnings = warnings + more
        return self.state(**values), warnings

    @property
    def default(self) -> S:
        """The state a link without parameters opens."""
        return self._build({k: f.default for k, f in self.fields.items()}, [])[0]

    def from_query(self, params: Mapping[str, str | list[str]]) -> tuple[S, list[str]]:
        """Read plain query parameters (name -> its text or texts) as a link opened fresh: ``(state, warnings)``."""
        values, warnings, refused = {}, [], set()
        for key, f in self.fields.items():
            texts = params.get(f.name) or []
            text = self._text(f, [texts] if isinstance(texts, str) else list(texts))
            values[key], warning = (f.default, None) if text is None else self._parse(f, text)
            if warning:
                warnings.append(warning)
                refused.add(key)
        return self._build(values, warnings, refused)

    def load(self) -> tuple[S, set[str], list[str]]:
        """``(state, fresh, warnings)`` from the link, and from what this session saw last where the link is silent."""
        written = st.session_state.get(f"{self.key}__written")  # link texts as the page last wrote them
        kept = st.session_state.get(f"{self.key}__state")  # the state the page last saved
        first = written is None or kept is None
        written = written or {}
        shared = st.session_state.get(UrlState._SHARED, {})
        values, fresh, warnings, refused = {}, set(), [], set()
        for key, f in self.fields.items():
            text = self._text(f, st.query_params.get_all(f.name))
            theirs = shared.get(key) if key in self.shared else None
            if text is None and theirs is not None and theirs[1] != self.key:  # another page set it since
                values[key] = theirs[0]
                fresh.add(key)
                continue
            if text is None or (not first and text == written.get(f.name)):
                values[key] = f.default if first else getattr(kept, key)
                if first:
                    fresh.add(key)
                continue
            fresh.add(key)
            values[key], warning = self._parse(f, text)
            if warning:
                warnings.append(warning)
                refused.add(key)
        state, warnings = self._build(values, warnings, refused)
        return state, fresh, warnings

    def seed(self, state: S, fresh: set[str]) -> None:
        """Put the state into the widgets (``widgets``: field -> session key) before they are drawn.

        A field new in the link replaces what its widget holds; a widget whose state was dropped
        (the user visited another page) gets its last value back; every other widget is given the value
        it holds again. Given, a widget's value travels with the run's element, so the browser shows the
        server's value even when it has not kept one itself: a page's first run can reach the browser
        before its widgets have put their values in the browser's keeping, and a rerun asked for then
        (a quick click) would come back drawing those widgets at their defaults.
        """
        for name, key in self.widgets.items():
            fresh_value = name in fresh or key not in st.session_state
            st.session_state[key] = getattr(state, name) if fresh_value else st.session_state[key]

    def to_query(self, state: S) -> dict[str, str | list[str]]:
        """The link's texts for ``state`` (name -> text, a list when ``many``), defaults left out."""
        assert isinstance(state, self.state), f"takes a {self.state.__name__}, not {type(state).__name__}"
        texts = {}
        for key, f in self.fields.items():
            value = getattr(state, key)
            left_out = self._same(value, f.default) or (f.omit is not None and f.omit(value))
            if value is not None and (self.defaults_in_link or not left_out):
                texts[f.name] = f.encode(value)
        return texts

    @staticmethod
    def forget_links() -> None:
        """Forget what every page last wrote into the link and kept for this session, shared settings too: the
        next link a page reads counts as opened fresh (a setting it leaves out is that setting's default)."""
        for key in UrlState._keys:
            st.session_state.pop(f"{key}__written", None)
            st.session_state.pop(f"{key}__state", None)
        st.session_state.pop(UrlState._SHARED, None)

    def save(self, state: S) -> None:
        """Write ``state`` into the link (defaults left out) and remember it for this session."""
        texts = self.to_query(state)
        for f in self.fields.values():
            if f.name not in texts:
                if f.name in st.query_params:
                    del st.query_params[f.name]
            elif self._text(f, st.query_params.get_all(f.name)) != texts[f.name]:
                st.query_params[f.name] = texts[f.name]
        st.session_state[f"{self.key}__written"] = texts
        st.session_state[f"{self.key}__state"] = state
        if self.shared:
            shared = st.session_state.setdefault(UrlState._SHARED, {})
            shared.update((key, (getattr(state, key), self.key)) for key in self.shared)


@dataclass(frozen=True)
class Kept(Generic[T]):
    """A result that may be the last valid one: what ``LastValid.compute`` returns."""

    value: T | None  # the new result, or the last valid one when it could not be computed (None: never one)
    errors: tuple[str, ...] = ()  # why the new result could not be computed; empty when ``value`` is new
    stand_in: bool = False  # ``value`` is the page's opening example: nothing of this session's has worked yet

    @property
    def ok(self) -> bool:
        """True when ``value`` is the new result."""
        return not self.errors


class LastValid(Generic[T]):
    """The last valid result of one computation of a page, kept for this browser session, and why the
    newest input could not replace it.

    ``compute(fn)`` calls ``fn``; a ``ValueError`` (the student's input does not fit) leaves the
    last valid result in place and returns the error's sentence with it. ``put``, ``refuse`` and
    ``get`` keep a value checked some other way (a cell typed into a grid); ``errors`` says why the
    newest input was refused, until a valid one is put.

    >>> # kept = LastValid("conv").compute(lambda: convolve(x, w))
    """

    def __init__(self, name: str):
        self.key = f"{name}__last_valid"
        self.errors_key = f"{name}__refused"

    def get(self) -> T | None:
        """The last valid value, or None before the first one."""
        return st.session_state.get(self.key)

    def put(self, value: T) -> T:
        """Remember ``value`` as the last valid one (the input is no longer refused); returns it."""
        st.session_state[self.key] = value
        st.session_state.pop(self.errors_key, None)
        return value

    def refuse(self, errors: Sequence[str]) -> None:
        """Keep the last valid value: the newest input could not replace it, for ``errors``."""
        st.session_state[self.errors_key] = tuple(errors)

    @property
    def errors(self) -> tuple[str, ...]:
        """Why the newest input was refused; empty once a valid value is put."""
        return st.session_state.get(self.errors_key, ())

    def compute(self, fn: Callable[[], T], stand_in: Callable[[], T] | None = None) -> Kept[T]:
        """``fn()`` kept as the last valid result, or the last valid result and why ``fn`` failed.

        Before a first valid result (a link whose settings never worked together), ``stand_in()``, the
        page's opening example, takes its place, so that the page still has its player and the tools that
        put the settings right; it is never kept as this session's own.
        """
        try:
            value = fn()
        except ValueError as exc:
            self.refuse((str(exc),))
            if self.get() is None and stand_in is not None:
                return Kept(stand_in(), self.errors, stand_in=True)
            return Kept(self.get(), self.errors)
        return Kept(self.put(value))


def last_valid(name: str, fn: Callable[[], T], stand_in: Callable[[], T] | None = None) -> Kept[T]:
    """``LastValid(name).compute(fn, stand_in)``: the new result of ``fn``, or the last valid one (else
    ``stand_in()``) and the error."""
    return LastValid(name).compute(fn, stand_in)

