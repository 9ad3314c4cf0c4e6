"""Figures for shapes: the edges a reader counts, the styles that tell weights apart, the table's points."""
import pytest

from cnnviz.lecture.architectures import ARCHITECTURES
from cnnviz.views.shapes import architecture_table_figure, conv_vs_dense_figure


def _segments(trace):
    return sum(1 for x in trace.x if x is None)


@pytest.mark.parametrize("n_in,k", [(7, 3), (5, 1), (10, 4), (4, 4)])
def test_conv_edges_few_and_shared_dense_edges_all_there(n_in, k):
    fig = conv_vs_dense_figure(n_in, k)
    n_out = n_in - k + 1
    weights = [t for t in fig.data if t.name and t.name.startswith("w")]
    assert len(weights) == k
    assert all(_segments(t) == n_out for t in weights)  # each weight drawn once per output
    assert len({(t.line.color, t.line.dash) for t in weights}) == k  # colour and dash both differ
    dense = next(t for t in fig.data if t.name and t.name.startswith("dense"))
    assert _segments(dense) == n_in * n_out
    labels = [a.text for a in fig.layout.annotations]
    dense_title = f"Fully connected: {n_in}×{n_out} + {n_out} = {n_in * n_out + n_out} parameters, {n_in * n_out} edges"
    assert dense_title in labels
    assert [f"<b>w{j + 1}</b>" for j in range(k)] == [a for a in labels if a.startswith("<b>w")]


def test_conv_vs_dense_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="no wider than the input"):
        conv_vs_dense_figure(3, 4)


def test_table_figure_points_match_the_lecture_and_the_presets():
    archs = [a for a in ARCHITECTURES.values() if a.lecture]
    fig = architecture_table_figure([a.name for a in archs], [a.lecture.size_mb for a in archs],
                                    [a.size_mb for a in archs], [a.lecture.depth for a in archs],
                                    [a.lecture.top1 for a in archs], [a.lecture.top5 for a in archs])
    top1 = [t for t in fig.data if t.name == "top-1 error"]
    assert list(top1[0].x) == [238, 540, 560, 40, 100, 235] and list(top1[1].x) == [8, 16, 19, 22, 50, 152]
    computed = next(t for t in fig.data if t.name.startswith("size computed"))
    assert computed.x[1] == pytest.approx(553.43, abs=0.01)  # VGG-16: 4 bytes × 138,357,544
    assert fig.layout.xaxis2.type == "log"
    with pytest.raises(ValueError, match="one value per network"):
        architecture_table_figure(["A"], [1, 2], [1], [1], [1], [1])
