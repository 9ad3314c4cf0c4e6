"""The Architectures page: its link, the lecture's table and links into the network builder."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cnnviz.views import shapes as fig_shapes
from cnnviz.architectures import ARCHITECTURES
from cnnviz.layers import format_shape, table_records
from cnnviz.ui.state import UrlState, bool_field, choice_field


@dataclass(frozen=True)
class ArchState:
    """What the Architectures page's link holds: ``?arch=googlenet&open=True``."""

    arch: str  # a key of ARCHITECTURES
    open: bool  # show the layers inside each block (Inception modules, residual blocks)


URL = UrlState("architectures", ArchState, [
    choice_field("arch", "lenet5", list(ARCHITECTURES), "network"),
    bool_field("open", False, "switch for the layers inside blocks", encode=str),
], widgets={"arch": "sa_arch", "open": "sa_open"})


@st.cache_resource(max_entries=1)
def architecture_table_figure():
    """The lecture's table as a plot, with the sizes computed from the presets."""
    keys = [k for k, a in ARCHITECTURES.items() if a.lecture]
    a = [ARCHITECTURES[k] for k in keys]
    return fig_shapes.architecture_table_figure([x.name for x in a], [x.lecture.size_mb for x in a],
                                          [round(x.size_mb, 1) for x in a], [x.lecture.depth for x in a],
                                          [x.lecture.top1 for x in a], [x.lecture.top5 for x in a])


@st.cache_data(max_entries=32)
def architecture_records(key: str, expand: bool) -> list[dict]:
    """A preset's table as records (blocks opened when ``expand``), computed once per preset."""
    return table_records(ARCHITECTURES[key].network, expand)


def builder_link(arch) -> str | None:
    """A relative link that opens ``arch`` in the Shapes page's network builder (sequential presets only)."""
    from urllib.parse import urlencode

    if not arch.builder_spec:
        return None
    return "shapes?" + urlencode({"tab": "builder", "in": format_shape(arch.input_shape),
                                  "net": arch.builder_spec})


@st.cache_data(max_entries=1)
def lecture_table_records() -> list[dict]:
    """The lecture's table beside the numbers computed from the presets."""
    return [{"model": a.name, "size in the lecture (MB)": a.lecture.size_mb,
             "4 bytes × parameters (MB)": round(a.size_mb, 1), "parameters": a.total_params,
             "top-1 / top-5 error (%)": f"{a.lecture.top1:.2f} / {a.lecture.top5:.2f}",
             "layers": a.lecture.depth, "description": a.lecture.description}
            for a in ARCHITECTURES.values() if a.lecture]
