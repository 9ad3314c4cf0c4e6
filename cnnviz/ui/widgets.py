"""Widgets shared by pages: the step player (one ``st.components.v2`` component) and the grids typed into it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz.grids import parse_cells, tidy
from cnnviz.ui import rooms
from cnnviz.ui.state import LastValid
from cnnviz.views.numbers import exact_number
from cnnviz.views.player import COMPONENT_HTML, component_css, component_js

# Registered once per process; every page mounts this one component (its HTML, CSS and JS are the files in
# cnnviz/views). Each mount gets the page's data; the browser plays every step itself.
_PLAYER = st.components.v2.component("cnnviz.player", html=COMPONENT_HTML, css=component_css(),
                                     js=component_js())


def show_player(data: dict, *, key: str, step: int | None = None, present: bool = False, ack: str | None = None):
    """Mount the step player on ``data`` (``cnnviz.views.player.player_data``); returns its ``ComponentResult``.

    ``step`` is where a first mount opens (None: the last step); afterwards the browser keeps the step,
    playing and speed per ``key`` across reruns. ``present`` switches the presenter view (cells fill the
    screen; never for a student following a room, whose screen may be a phone). In a room (``ui.rooms``) a
    following student's player is told the presenter's step
    (``command``: token, step, playing; applied once per new token), and the presenter's player reports
    ``{step, playing, speed}`` as the state ``view`` on each thing the presenter does (never while it
    plays), which the room publishes. ``ack`` names the last edit the page applied, so the
    component redraws after every edit, accepted or not. Edits arrive as the state ``edit``
    (``apply_edit``); a click on a map of the output volume as the state ``pick`` (``{f, seq}``).
    """
    command, report = rooms.player_command(), rooms.is_presenter()
    present = bool(present) and not rooms.following()  # a follower's player is sized for their own screen
    full = {**data, "key": key, "initial": step, "present": present, "report": report,
            "command": list(command) if command else None, "ack": ack}
    result = _PLAYER(key=key, data=full, on_edit_change=_nothing, on_view_change=_nothing,
                     on_pick_change=_nothing)
    if report:
        rooms.publish_player_view(getattr(result, "view", None), full)
    return result


def _nothing() -> None:
    """Edits are read where the page is drawn (``apply_edit``), so that a test can send one as state too."""


@dataclass(frozen=True)
class GridSlot:
    """A grid of the player that students type into: where its last valid value lives and what to call it."""

    key: str  # the session key of its last valid value (``LastValid(key)``) and its controls
    label: str  # as the messages name it: "Input", "Filter", "Activation map"
    decimals: bool = True  # False: whole numbers only


def _texts(arr) -> list[list[str]]:
    return [[exact_number(v) if isinstance(v, float) and abs(v) < 1e5 and round(v, 4) == v
             else (format(v, ".10g") if isinstance(v, float) else str(v)) for v in row]
            for row in tidy(arr).tolist()]


def grid_value(key: str, default=None, reset_to=None) -> np.ndarray | None:
    """The last valid value of grid ``key`` in this session: ``default`` at first, ``reset_to`` (a link's) if given."""
    last = LastValid(key)
    if reset_to is not None:
        st.session_state.pop(f"{key}__errors", None)
        return last.put(tidy(reset_to))
    if last.get() is None and default is not None:
        last.put(tidy(default))
    return last.get()


def apply_edit(player_key: str, slots: Mapping[str, GridSlot]) -> None:
    """Apply the cell the student last typed into the player ``player_key`` (its state ``edit``), once.

    ``slots`` maps the player's grid names (``"in"``, ``"flt"``) to their grids. The typed text is parsed
    with ``cnnviz.grids.parse_cells``: a number replaces the cell in the grid's last valid value; anything
    else leaves the grid as it was and ``grid_errors`` says why, row and column counted from 1.
    """
    edit = (st.session_state.get(player_key) or {}).get("edit")
    if not isinstance(edit, Mapping) or edit.get("seq") == st.session_state.get(f"{player_key}__ack"):
        return
    st.session_state[f"{player_key}__ack"] = edit.get("seq")
    slot = slots.get(edit.get("grid"))
    last = None if slot is None else LastValid(slot.key).get()
    try:
        r, c = int(edit["row"]), int(edit["col"])
    except (KeyError, TypeError, ValueError):
        return
    if last is None or not (0 <= r < last.shape[0] and 0 <= c < last.shape[1]):
        return  # a cell of a grid that has changed shape since: nothing to apply it to
    cells = _texts(last)
    cells[r][c] = str(edit.get("text", ""))[:100]
    arr, errors = parse_cells(cells, name=slot.label.lower())
    if arr is not None and not slot.decimals and not np.issubdtype(arr.dtype, np.integer):
        arr, errors = None, [f"The {slot.label.lower()} takes whole numbers only."]
    rooms.own_change()  # a following student who types into the player is on their own from here
    if errors:
        st.session_state[f"{slot.key}__errors"] = errors
    else:
        st.session_state.pop(f"{slot.key}__errors", None)
        LastValid(slot.key).put(arr)


def edit_ack(player_key: str) -> str | None:
    """The last edit applied to the player ``player_key`` (for ``show_player(ack=...)``)."""
    return st.session_state.get(f"{player_key}__ack")


def grid_errors(key: str) -> list[str]:
    """Why the last text typed into grid ``key`` was refused (empty once a number is typed)."""
    return list(st.session_state.get(f"{key}__errors") or [])


def _put(key: str, arr) -> None:
    st.session_state.pop(f"{key}__errors", None)
    LastValid(key).put(tidy(arr))


def _resize(key: str) -> None:
    old = LastValid(key).get()
    H, W = int(st.session_state[f"{key}__rows"]), int(st.session_state[f"{key}__cols"])
    new = np.zeros((H, W), dtype=old.dtype)
    h, w = min(H, old.shape[0]), min(W, old.shape[1])
    new[:h, :w] = old[:h, :w]
    _put(key, new)


def _random(key: str, lo: float, hi: float) -> None:
    # whole numbers: they are what people can add up in their heads while the window slides
    _put(key, np.random.default_rng().integers(int(lo), int(hi) + 1, LastValid(key).get().shape))


def _clear(key: str) -> None:
    _put(key, np.zeros(LastValid(key).get().shape, dtype=np.int64))


def _preset(key: str, presets: dict) -> None:
    name = st.session_state.get(f"{key}__preset")
    if name in presets:
        _put(key, presets[name].weights)


def grid_controls(label: str, key: str, *, sides: tuple[int, int] = (1, 16), random_range: tuple[float, float] = (0, 5),
                  presets: dict | None = None) -> None:
    """Compact controls of grid ``key`` (typed into in the player): rows, columns, Randomise, Clear, presets.

    Rows and columns keep the cells that stay and add zeros; Randomise draws whole numbers in
    ``random_range``; with ``presets`` (name -> object with ``.weights`` and ``.explains``, e.g.
    ``FILTER_PRESETS``) a select box loads one and the matching preset's one-line explanation is shown.
    The grid's refused text, if any, is listed under them.
    """
    value = LastValid(key).get()
    st.session_state[f"{key}__rows"], st.session_state[f"{key}__cols"] = value.shape
    lo, hi = sides
    st.markdown(f"**{label}** · {value.shape[0]}×{value.shape[1]}")
    c1, c2 = st.columns(2)
    c1.number_input("rows", lo, hi, step=1, key=f"{key}__rows", on_change=_resize, args=(key,))
    c2.number_input("columns", lo, hi, step=1, key=f"{key}__cols", on_change=_resize, args=(key,))
    b1, b2 = st.columns(2)
    b1.button("Randomise", key=f"{key}__rand", on_click=_random, args=(key, *random_range),
              icon=":material/casino:", width="stretch")
    b2.button("Clear", key=f"{key}__clear", on_click=_clear, args=(key,), icon=":material/ink_eraser:",
              width="stretch")
    if presets:
        st.selectbox("Load a preset", list(presets), index=None, placeholder="Load a preset…", key=f"{key}__preset",
                     on_change=_preset, args=(key, presets), label_visibility="collapsed")
        match = next((p for p in presets.values() if p.weights.shape == value.shape
                      and np.allclose(p.weights, value, atol=1e-9)), None)
        if match is not None:
            st.caption(f"**{match.name}**: {match.explains}")


# The presenter view: the page's chrome and the controls beside the player hidden, the main column full width.
_PRESENT_CSS = """<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stHeader"],
[data-testid="stExpandSidebarButton"],.st-key-player_tools,.st-key-page_intro,.st-key-page_numbers,
.st-key-player_notes{display:none !important}
[data-testid="stMainBlockContainer"]{padding:0.5rem 1rem 1rem !important;max-width:none !important}
</style>"""


def numbered_frame(rows, dtype=None):
    """A grid as a table whose rows and columns are numbered from 1, as every grid of the app counts."""
    import pandas as pd  # streamlit depends on pandas already

    rows = np.asarray(rows, dtype=dtype)
    H, W = rows.shape
    return pd.DataFrame(rows, columns=[str(c + 1) for c in range(W)], index=[str(r + 1) for r in range(H)])


def presenter_view(on: bool, key: str) -> bool:
    """In the presenter view, hide the sidebar and the controls (containers ``page_intro``, ``player_tools``,
    ``page_numbers`` and ``player_notes``) and offer a way back; the toggle ``key`` (in the sidebar) switches it.

    A student following a room sees the presenter view too (the follow bar's *Break away* is the way out):
    all the page shows is then the player, which follows the presenter's changes without a run of the page.
    Returns True when the presenter view is shown.
    """
    follows = rooms.following()
    if on or follows:
        st.html(_PRESENT_CSS)
    if on and not follows:
        st.button("Leave the presenter view", key=f"{key}__leave", icon=":material/close_fullscreen:",
                  on_click=st.session_state.__setitem__, args=(key, False), type="tertiary")
    return on or follows
