"""Widgets shared by pages: the step player (one ``st.components.v2`` component) and the grids typed into it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from cnnviz.kernel.grids import grid_to_text, parse_cells, tidy
from cnnviz.ui import html, is_phone, seam
from cnnviz.ui.state import LastValid, UrlField
from cnnviz.kernel.notation import exact_number
from cnnviz.views.assets import script, style
from cnnviz.views.player import COMPONENT_HTML, GridTools, component_css, component_data, component_js, tools_html

# Registered once per process; every page mounts this one component (its HTML, CSS and JS are the files in
# cnnviz/views). Each mount gets the page's data; the browser plays every step itself.
_PLAYER = st.components.v2.component("cnnviz.player", html=COMPONENT_HTML, css=component_css(),
                                     js=component_js())
_SCROLL = st.components.v2.component("cnnviz.keyboard_scroll", html="", js=script("scroll.js"))


def show_player(data: str, *, key: str, step: int | None = None, present: bool = False, ack: str | None = None,
                tools: Mapping[str, GridSlot] | None = None):
    """Mount the step player on ``data`` (``cnnviz.views.player.player_json``); returns its ``ComponentResult``.

    ``step`` is where a first mount opens (None: the last step); afterwards the browser keeps the step,
    playing and speed per ``key`` across reruns. ``present`` switches the presenter view (cells fill the
    screen; never for a page that follows another's, whose screen may be a phone). What surrounds the page
    (``seam.current()``) may tell the player a step (``command``: token, step, playing; applied once per new
    token), or have it report ``{step, playing, speed}`` as the state ``view`` on each thing the student
    does (never while it plays), which it publishes. ``ack`` names the last edit the page applied, so the
    component redraws after every edit, accepted or not. Edits arrive as the state ``edit``
    (``apply_edit``); a click on a map of the output volume as the state ``pick`` (``{f, seq}``).
    ``tools`` (the same grids as ``apply_edit``'s ``slots``) draws each grid's tools under the player.
    """
    around = seam.current()
    command, report = around.player_command(), around.reports_player()
    present = bool(present) and not around.following()  # a follower's player is sized for their own screen
    full = component_data(data, key=key, initial=step, present=present, report=report,
                          command=list(command) if command else None, ack=ack,
                          tools=tools_html(tuple(_tools(grid, slot) for grid, slot in (tools or {}).items())))
    result = _PLAYER(key=key, data=full, on_edit_change=_nothing, on_view_change=_nothing,
                     on_pick_change=_nothing)
    if report:
        around.publish_player_view(getattr(result, "view", None), full)
    return result


def _nothing() -> None:
    """Edits are read where the page is drawn (``apply_edit``), so that a test can send one as state too."""


@dataclass(frozen=True)
class GridSlot:
    """A grid of the player that students type into: where its last valid value lives and what to call it."""

    key: str  # the name of its last valid value and of why a typed text was refused (``LastValid(key)``)
    label: str  # as the messages name it: "Input", "Filter", "Activation map"
    decimals: bool = True  # False: whole numbers only
    sides: tuple[int, int] = (1, 16)  # the fewest and the most rows (and columns) the tools allow
    random_range: tuple[int, int] = (0, 5)  # Randomise draws whole numbers in this range
    # name -> an object with ``.weights`` and ``.explains`` (``FILTER_PRESETS``): the tools load one
    presets: Mapping[str, object] | None = field(default=None, compare=False)


def _tools(grid: str, slot: GridSlot) -> GridTools:
    """The tools bar's part for ``slot``, as the grid is now (the preset it holds named, if any)."""
    value = LastValid(slot.key).get()
    presets = slot.presets or {}
    holds = next((f"**{p.name}**: {p.explains}" for p in presets.values() if p.weights.shape == value.shape
                  and np.allclose(p.weights, value, atol=1e-9)), "")
    return GridTools(grid, slot.label, tuple(value.shape), tuple(slot.sides), tuple(presets), holds)


def _texts(arr) -> list[list[str]]:
    return [[exact_number(v) if isinstance(v, float) and abs(v) < 1e5 and round(v, 4) == v
             else (format(v, ".10g") if isinstance(v, float) else str(v)) for v in row]
            for row in tidy(arr).tolist()]


def grid_value(key: str, default=None, reset_to=None) -> np.ndarray | None:
    """The last valid value of grid ``key`` in this session: ``default`` at first, ``reset_to`` (a link's) if given."""
    last = LastValid(key)
    if reset_to is not None:
        return last.put(tidy(reset_to))
    if last.get() is None and default is not None:
        last.put(tidy(default))
    return last.get()


def grid_text_input(key: str, label: str, field: UrlField, value: np.ndarray, fresh: bool, *,
                    shown: bool = True) -> np.ndarray:
    """A grid typed as text (``3,3,2;0,0,1;…``, parsed by ``field``, a ``grid_field``) in a text input ``{key}_text``;
    returns the grid in use, the last valid one (``LastValid(key)``) when the text is refused, which it says why.

    ``value`` is the page's state's grid, taken when ``fresh`` (new in the link) or when this session has none yet.
    Not ``shown``: the input is not drawn and the last valid grid is returned.
    """
    text_key, last = f"{key}_text", LastValid(key)
    if fresh or text_key not in st.session_state or last.get() is None:
        st.session_state[text_key] = grid_to_text(value)
        last.put(value)
    if not shown:
        return last.get()
    text = st.text_input(label, key=text_key, help="Rows separated by ';', numbers by ','. Example: 1,2;3,4")
    try:
        last.put(field.parse(text))
    except ValueError as exc:
        st.error(f"{label}: {exc}. The last valid {label.lower()} is still used.", icon=":material/edit_off:")
    return last.get()


def apply_edit(player_key: str, slots: Mapping[str, GridSlot]) -> None:
    """Apply the cell the student last typed into the player ``player_key`` (its state ``edit``), once.

    ``slots`` maps the player's grid names (``"in"``, ``"flt"``) to their grids. The typed text is parsed
    with ``cnnviz.kernel.grids.parse_cells``: a number replaces the cell in the grid's last valid value; anything
    else leaves the grid as it was and ``grid_errors`` says why, row and column counted from 1. An edit
    with an ``op`` comes from the tools under the player (``show_player(tools=...)``): ``rows``/``cols``
    (``value``: the new count, kept within the slot's ``sides``; the cells that stay are kept, new ones
    are 0), ``random``, ``clear``, ``preset`` (``value``: its name). Whatever else arrives is ignored.
    """
    edit = (st.session_state.get(player_key) or {}).get("edit")
    if not isinstance(edit, Mapping) or edit.get("seq") == st.session_state.get(f"{player_key}__ack"):
        return
    st.session_state[f"{player_key}__ack"] = edit.get("seq")
    slot = slots.get(edit.get("grid"))
    last = None if slot is None else LastValid(slot.key).get()
    if last is None:
        return
    seam.current().own_change()  # a following student who types into the player or uses its tools is on their own now
    if "op" in edit:
        _tool(slot, last, edit.get("op"), edit.get("value"))
        return
    try:
        r, c = int(edit["row"]), int(edit["col"])
    except (KeyError, TypeError, ValueError):
        return
    if not (0 <= r < last.shape[0] and 0 <= c < last.shape[1]):
        return  # a cell of a grid that has changed shape since: nothing to apply it to
    cells = _texts(last)
    cells[r][c] = str(edit.get("text", ""))[:100]
    arr, errors = parse_cells(cells, name=slot.label.lower())
    if arr is not None and not slot.decimals and not np.issubdtype(arr.dtype, np.integer):
        arr, errors = None, [f"The {slot.label.lower()} takes whole numbers only."]
    if errors:
        LastValid(slot.key).refuse(errors)
    else:
        LastValid(slot.key).put(arr)


def edit_ack(player_key: str) -> str | None:
    """The last edit applied to the player ``player_key`` (for ``show_player(ack=...)``)."""
    return st.session_state.get(f"{player_key}__ack")


def grid_errors(key: str) -> list[str]:
    """Why the last text typed into grid ``key`` was refused (empty once a number is typed)."""
    return list(LastValid(key).errors)


def _put(key: str, arr) -> None:
    LastValid(key).put(tidy(arr))


def _tool(slot: GridSlot, last: np.ndarray, op, value) -> None:
    """What a tool under the player asked of ``slot``'s grid (see ``apply_edit``)."""
    lo, hi = slot.sides
    if op in ("rows", "cols"):
        try:
            n = min(hi, max(lo, int(value)))
        except (TypeError, ValueError, OverflowError):
            return
        H, W = (n, last.shape[1]) if op == "rows" else (last.shape[0], n)
        new = np.zeros((H, W), dtype=last.dtype)
        h, w = min(H, last.shape[0]), min(W, last.shape[1])
        new[:h, :w] = last[:h, :w]
        _put(slot.key, new)
    elif op == "random":  # whole numbers: what people can add up in their heads while the window slides
        _put(slot.key, np.random.default_rng().integers(int(slot.random_range[0]), int(slot.random_range[1]) + 1,
                                                        last.shape))
    elif op == "clear":
        _put(slot.key, np.zeros(last.shape, dtype=np.int64))
    elif op == "preset" and isinstance(value, str) and value in (slot.presets or {}):
        _put(slot.key, slot.presets[value].weights)


def numbered_frame(rows, dtype=None):
    """A grid as a table whose rows and columns are numbered from 1, as every grid of the app counts."""
    import pandas as pd  # streamlit depends on pandas already

    rows = np.asarray(rows, dtype=dtype)
    H, W = rows.shape
    return pd.DataFrame(rows, columns=[str(c + 1) for c in range(W)], index=[str(r + 1) for r in range(H)])


def page_intro(title: str, caption: str) -> None:
    """A player page's title and caption, in the container ``page_intro`` (hidden in the presenter view); on a
    phone the caption is folded (``folded_on_phone``)."""
    with st.container(key="page_intro"):
        st.title(title)
        with folded_on_phone("What this page shows"):
            st.caption(caption)


def folded_on_phone(label: str):
    """A container that a phone shows folded, as an expander named ``label`` (its screen is for the player)."""
    return st.expander(label) if is_phone() else st.container()


def presenter_toggle(key: str) -> bool:
    """The presenter view switch (toggle ``key``, in the sidebar, kept in the link as ``present=1``)."""
    return st.toggle("Presenter view", key=key,
                     help="For a projector: what the page shows fills the screen in large type; the controls "
                          "are hidden.")


def presenter_hidden(name: str):
    """A container for controls and notes that the presenter view hides (key ``present_hide_<name>``).

    Its widgets still run there: the page keeps their values while it is projected.
    """
    return st.container(key=f"present_hide_{name}")


def presenter_style() -> None:
    """The presenter view's stylesheet (``present.css``): the sidebar and the controls hidden, the type grown
    with the screen. ``presenter_view`` applies it; so does a page that is itself projected (a room's poll)."""
    html(f"<style>{style('present.css', 'cnnviz.ui')}</style>")


def projecting(present: bool) -> bool:
    """Whether the presenter view ``present`` is on a large screen, where figures are drawn in a projector's type;
    a phone (a student following a room) keeps every figure's own size."""
    return present and not is_phone()


def presenter_view(on: bool, key: str, *, follow: bool = True) -> bool:
    """In the presenter view, hide the sidebar and the controls (containers ``page_intro``, ``player_tools``,
    ``page_numbers``, ``player_notes`` and every ``presenter_hidden`` one), grow the type with the screen
    (``present.css``), and offer a way back; the toggle ``key`` (in the sidebar) switches it.

    With ``follow`` (a player page), a page that follows another's (``seam.current().following()``, a student
    in a room) shows the presenter view too, without the way back (the follow bar's *Break away* is the way
    out): all the page shows is then the player, which takes the presenter's changes without a run of the
    page. Without it, a following page shows the presenter view only when the presenter's link asks for it.
    Returns True when the presenter view is shown.
    """
    follows = seam.current().following()
    shown = on or (follow and follows)
    if shown:
        presenter_style()
    if on and not follows:
        st.button("Leave the presenter view", key=f"{key}__leave", icon=":material/close_fullscreen:",
                  on_click=st.session_state.__setitem__, args=(key, False), type="tertiary")
    return shown


def keyboard_scroll(key: str, label: str) -> None:
    """Let the keyboard reach and scroll the element keyed ``key`` when it scrolls sideways (a drawing wider
    than a narrow screen): it takes focus as a region named ``label``."""
    _SCROLL(key=f"{key}_keys", data={"key": key, "label": label})
