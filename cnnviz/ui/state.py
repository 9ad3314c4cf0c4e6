"""A page's settings kept in the link (``?stride=2&input=1,2;3,4``), validated both ways."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from cnnviz.grids import grid_from_text, grid_to_text, parse_number, tidy


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
    """A finite number in ``lo..hi`` (whole numbers stay ints, so ``0`` is written ``0``)."""
    def parse(text: str):
        v = parse_number(text, limit=10 ** 9)
        if not lo <= v <= hi:
            raise ValueError(f"{v:g} is outside {lo:g} to {hi:g}")
        return int(v) if float(v).is_integer() else float(v)
    return UrlField(name, default, parse, lambda v: format(v, ".10g") if isinstance(v, float) else str(v), what)


def bool_field(name: str, default: bool, what: str, encode: Callable[[bool], str] | None = None) -> UrlField:
    """``1``/``0`` (``true``/``false`` also read); ``encode=str`` writes ``True``/``False``."""
    def parse(text: str) -> bool:
        value = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}.get(
            str(text).strip().lower())
        if value is None:
            raise ValueError(f"'{str(text)[:16]}' is not 1 or 0")
        return value
    return UrlField(name, default, parse, encode or (lambda v: "1" if v else "0"), what)


def grid_field(name: str, default, min_side: int, max_side: int, what: str) -> UrlField:
    """A grid written ``1,2;3,4`` with each side in ``min_side..max_side``."""
    def parse(text: str) -> np.ndarray:
        arr = grid_from_text(text, max_side=max_side, name=what)
        if min(arr.shape) < min_side:
            raise ValueError(f"the {what} must be at least {min_side}x{min_side}")
        return arr
    default = tidy(default)
    default.flags.writeable = False  # one object handed to every session that falls back to it
    return UrlField(name, default, parse, grid_to_text, what)


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
                raise ValueError(f"{v:g} is outside {lo:g} to {hi:g}")
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


class UrlState:
    """A page's settings kept in the link, validated both ways.

    ``load()`` once at the top of the page returns ``(values, fresh, warnings)``: every field's value
    (from the link, or the default with a warning when the link's text is refused), and the names
    whose link text is new since the page last wrote the link (the first visit, a pasted link, a
    link from another page): push those into the widgets. ``save(values)`` at the end writes the
    link back, leaving defaults out. Values also survive a visit to another page (which empties
    the link). ``check`` (values -> values, warnings) applies rules between fields, such as one
    bias per filter.

    >>> # state = UrlState("conv", [int_field("stride", 1, 1, 4, "stride"), ...])
    """

    def __init__(self, key: str, fields: list[UrlField], *, defaults_in_link: bool = False,
                 check: Callable[[dict], tuple[dict, list[str]]] | None = None):
        self.key = key
        self.fields = {f.name: f for f in fields}
        self.defaults_in_link = defaults_in_link  # write every field, so that the link always says it all
        self.check = check

    def _same(self, a, b) -> bool:
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
            default = "the default" if isinstance(f.default, np.ndarray) or f.default is None else f"{f.default}"
            reason = str(exc) if str(exc).endswith((".", "?", "!")) else f"{exc}."
            return f.default, (f"The link's {f.what or f.name} (`{f.name}={shown}`) could not be used: {reason} "
                               + (f.fallback or f"Using {default} instead."))

    def _checked(self, values: dict, warnings: list[str]) -> tuple[dict, list[str]]:
        if self.check is None:
            return values, warnings
        values, more = self.check(values)
        return values, warnings + more

    def from_query(self, params: Mapping[str, list[str]]) -> tuple[dict, list[str]]:
        """Read plain query parameters (name -> its values) as a link opened fresh: ``(values, warnings)``."""
        values, warnings = {}, []
        for name, f in self.fields.items():
            text = self._text(f, params.get(name) or [])
            values[name], warning = (f.default, None) if text is None else self._parse(f, text)
            warnings += [warning] if warning else []
        return self._checked(values, warnings)

    def load(self) -> tuple[dict, set[str], list[str]]:
        written = st.session_state.get(f"{self.key}__written")  # link texts as the page last wrote them
        kept = st.session_state.get(f"{self.key}__values", {})
        first = written is None
        written = written or {}
        values, fresh, warnings = {}, set(), []
        for name, f in self.fields.items():
            text = self._text(f, st.query_params.get_all(name))
            if text is None or (not first and text == written.get(name)):
                values[name] = kept.get(name, f.default) if not first else f.default
                if first:
                    fresh.add(name)
                continue
            fresh.add(name)
            values[name], warning = self._parse(f, text)
            warnings += [warning] if warning else []
        values, warnings = self._checked(values, warnings)
        return values, fresh, warnings

    def seed(self, values: dict, fresh: set[str], widget_keys: dict[str, str]) -> None:
        """Put link values into widgets (``{field: session key}``) before they are drawn.

        A widget whose state was dropped (the user visited another page) gets its last value back.
        """
        for name, key in widget_keys.items():
            if name in fresh or key not in st.session_state:
                st.session_state[key] = values[name]

    def save(self, values: dict) -> None:
        written = {}
        for name, f in self.fields.items():
            value = values.get(name, f.default)
            if value is None or (self._same(value, f.default) and not self.defaults_in_link):
                if name in st.query_params:
                    del st.query_params[name]
                continue
            text = f.encode(value)
            written[name] = text
            if self._text(f, st.query_params.get_all(name)) != text:
                st.query_params[name] = text
        st.session_state[f"{self.key}__written"] = written
        st.session_state[f"{self.key}__values"] = dict(values)

    def load_widgets(self, prefix: str) -> list[str]:
        """``load()`` for a page whose widgets are keyed ``prefix + name``: fills them, returns the warnings."""
        values, fresh, warnings = self.load()
        self.seed(values, fresh, {name: prefix + name for name in self.fields})
        return warnings

    def save_widgets(self, prefix: str) -> None:
        """``save()`` the values of the widgets keyed ``prefix + name``."""
        self.save({name: st.session_state.get(prefix + name, f.default) for name, f in self.fields.items()})
