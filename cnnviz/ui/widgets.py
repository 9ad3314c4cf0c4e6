"""Widgets shared by pages: the editable grid of numbers and the step-by-step player."""
from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz.grids import parse_cells, tidy
from cnnviz.ui import show_errors
from cnnviz.ui.state import LastValid
from cnnviz.views.numbers import exact_number

def _grid_texts(arr) -> list[list[str]]:
    return [[exact_number(v) if isinstance(v, float) and abs(v) < 1e5 and round(v, 4) == v
             else (format(v, ".10g") if isinstance(v, float) else str(v)) for v in row]
            for row in tidy(arr).tolist()]


def grid_editor_key(key: str) -> str:
    """The session key of the grid editor's current data editor (tests set its edits there)."""
    return f"{key}__cells{st.session_state.get(f'{key}__v', 0)}"


def _ge_set(key: str, texts: list[list[str]]) -> None:
    """Replace the editor's cells (a new data editor, so old edits are dropped)."""
    st.session_state[f"{key}__base"] = texts
    st.session_state[f"{key}__texts"] = texts
    st.session_state[f"{key}__v"] = st.session_state.get(f"{key}__v", 0) + 1
    st.session_state[f"{key}__rows"], st.session_state[f"{key}__cols"] = len(texts), len(texts[0])


def _ge_resize(key: str) -> None:
    old = st.session_state.get(f"{key}__texts") or st.session_state[f"{key}__base"]
    H, W = int(st.session_state[f"{key}__rows"]), int(st.session_state[f"{key}__cols"])
    _ge_set(key, [[old[r][c] if r < len(old) and c < len(old[0]) else "0" for c in range(W)] for r in range(H)])


def _ge_random(key: str, lo: float, hi: float) -> None:
    H, W = int(st.session_state[f"{key}__rows"]), int(st.session_state[f"{key}__cols"])
    # whole numbers: they are what people can add up in their heads while the window slides
    arr = np.random.default_rng().integers(int(lo), int(hi) + 1, (H, W))
    _ge_set(key, _grid_texts(arr))


def _ge_clear(key: str) -> None:
    H, W = int(st.session_state[f"{key}__rows"]), int(st.session_state[f"{key}__cols"])
    _ge_set(key, [["0"] * W for _ in range(H)])


def _ge_preset(key: str, presets: dict) -> None:
    name = st.session_state.get(f"{key}__preset")
    if name in presets:
        _ge_set(key, _grid_texts(presets[name].weights))


def grid_editor(label: str, key: str, default, *, sides: tuple[int, int] = (1, 16), decimals: bool = True,
                random_range: tuple[float, float] = (0, 5), presets: dict | None = None,
                reset_to=None) -> tuple[np.ndarray, bool]:
    """An editable grid of numbers: returns ``(grid, ok)``, the last valid grid and whether the cells are valid.

    Cells are text, so students can type anything: each is parsed with ``cnnviz.grids.parse_cells``;
    bad cells are listed under the grid and the last valid grid is returned (``ok`` False). Rows and
    columns are set by two number inputs (``sides`` = min and max per side, rectangular allowed);
    "Randomise" (whole numbers in ``random_range``) and "Clear" buttons; ``decimals=False`` refuses
    decimals; with
    ``presets`` (name -> object with ``.weights`` and ``.explains``, e.g. ``FILTER_PRESETS``) a
    select box loads one and the matching preset's one-line explanation is shown. ``reset_to``
    replaces the cells (a value from the link). State lives under ``st.session_state[key + "__…"]``;
    ``grid_editor_value(key)`` reads the last valid grid while the editor is not drawn.
    """
    lo_side, hi_side = sides
    last = LastValid(key)
    if f"{key}__base" not in st.session_state:
        _ge_set(key, _grid_texts(default))
        last.put(tidy(default))
    if reset_to is not None:
        _ge_set(key, _grid_texts(reset_to))
        last.put(tidy(reset_to))
    ed_key = grid_editor_key(key)
    texts = st.session_state[f"{key}__texts"]
    if ed_key not in st.session_state and texts != st.session_state[f"{key}__base"]:
        _ge_set(key, texts)  # the editor's edits were dropped (a visit to another page): keep them
        ed_key = grid_editor_key(key)
    for side, n in (("rows", len(texts)), ("cols", len(texts[0]))):
        st.session_state.setdefault(f"{key}__{side}", n)

    st.markdown(f"**{label}**")
    c1, c2 = st.columns(2)
    c1.number_input("rows", lo_side, hi_side, step=1, key=f"{key}__rows", on_change=_ge_resize, args=(key,))
    c2.number_input("columns", lo_side, hi_side, step=1, key=f"{key}__cols", on_change=_ge_resize, args=(key,))
    base = st.session_state[f"{key}__base"]
    frame = numbered_frame(base, dtype=object)
    columns = list(frame.columns)
    edited = st.data_editor(
        frame, key=ed_key, hide_index=False, num_rows="fixed", width="content", row_height=38,
        column_config={c: st.column_config.TextColumn(c, width=46, max_chars=40) for c in columns},
    )
    cells = [[("" if v is None else str(v)) for v in row] for row in edited[columns].to_numpy(dtype=object).tolist()]
    st.session_state[f"{key}__texts"] = cells
    arr, errors = parse_cells(cells, name=label.lower())
    if arr is not None and not decimals and not np.issubdtype(arr.dtype, np.integer):
        arr, errors = None, [f"The {label.lower()} takes whole numbers only."]
    if errors:
        show_errors(errors, kept=f"The last valid {label.lower()} is still used.")
    else:
        last.put(arr)
    b1, b2 = st.columns(2)
    b1.button("Randomise", key=f"{key}__rand", on_click=_ge_random, args=(key, *random_range),
              icon=":material/casino:", width="stretch")
    b2.button("Clear", key=f"{key}__clear", on_click=_ge_clear, args=(key,), icon=":material/ink_eraser:",
              width="stretch")
    valid = last.get()
    if presets:
        st.selectbox("Load a preset", list(presets), index=None, placeholder="Load a preset…", key=f"{key}__preset",
                     on_change=_ge_preset, args=(key, presets), label_visibility="collapsed")
        match = next((p for p in presets.values() if p.weights.shape == valid.shape
                      and np.allclose(p.weights, valid, atol=1e-9)), None)
        if match is not None:
            st.caption(f"**{match.name}**: {match.explains}")
    return valid, not errors


def grid_editor_value(key: str) -> np.ndarray | None:
    """The last valid grid of the grid editor ``key`` in this session (None before it was first drawn)."""
    return LastValid(key).get()


def numbered_frame(rows, dtype=None):
    """A grid as a table whose rows and columns are numbered from 1, as every grid of the app counts."""
    import pandas as pd  # streamlit depends on pandas already

    rows = np.asarray(rows, dtype=dtype)
    H, W = rows.shape
    return pd.DataFrame(rows, columns=[str(c + 1) for c in range(W)], index=[str(r + 1) for r in range(H)])


def show_player(html: str, height: int | None = None) -> None:
    """Render a step player built by ``cnnviz.views.player.player_html``.

    ``st.iframe`` (the successor of ``components.v1.html``: same sandbox, same origin) sizes the frame to
    the player, so a phone gets a taller frame instead of a scrolling one; ``height`` fixes it instead.
    """
    st.iframe(html, height="content" if height is None else height, alt="Step-by-step animation of the sliding window")

