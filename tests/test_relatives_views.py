"""Convolution's relatives in the step player: grouped channels and 1-D sequences against the kernel, the series."""
import os
import re
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from cnnviz.kernel.conv import conv1d, conv2d
from cnnviz.lecture.series import SERIES, load_series
from cnnviz.views.channels import bank_player_spec, channel_player_spec
from cnnviz.views.player import GROUP_COLOURS, PlayerSpec, player_data
from cnnviz.views.sequence import sequence_player_spec, window_centres, window_span
from cnnviz.views.sums import html_to_text

NAMES = ("C1", "C2", "C3", "C4", "C5", "C6")


def read_number(text: str):
    text = text.strip().strip("()").replace("−", "-")
    return float(text) if "." in text or "e" in text else int(text)


@pytest.mark.parametrize("seed", range(10))
def test_a_grouped_bank_is_conv2d_with_groups_and_each_sum_adds_its_group_only(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 2, 3]))
    Cg, Fg, k = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(1, 4))
    C, F = Cg * groups, Fg * groups
    x, bank = rng.integers(-4, 5, (6, 5, C)), rng.integers(-2, 3, (F, k, k, Cg))
    b = rng.integers(-3, 4, F)
    ref = conv2d(x, bank.transpose(1, 2, 3, 0), b, groups=groups, padding=1)  # (H_out, W_out, F)
    for f in range(F):
        spec = bank_player_spec(x, bank, b, f, names=NAMES[:C], groups=groups, padding=1)
        g = f // Fg
        assert spec.groups == groups and spec.group == g and spec.filter.shape == (Cg, k, k)
        assert np.array_equal(spec.output, ref[:, :, f]) and all(np.array_equal(m, ref[:, :, i])
                                                                 for i, m in enumerate(spec.bank))
        seen = NAMES[g * Cg:(g + 1) * Cg]
        for step in spec.steps:
            assert step.value == ref[step.out + (f,)]
            window = spec.input[g * Cg:(g + 1) * Cg][:, step.rows][:, :, step.cols]  # (Cg, kh, kw)
            assert (window * spec.filter).sum() + b[f] == step.value
            last = html_to_text(step.explain).splitlines()[-1]
            if Cg > 1:  # "C3 + C4 + bias = …": the group's channels, none of the others
                names = last.split(" = ")[0].split(" + ")
                assert [n for n in names if n != "bias"] == list(seen)
            assert read_number(last.rsplit("= ", 1)[1]) == step.value
        data = player_data(spec)
        assert data["sees"] == (None if groups == 1 else list(range(g * Cg, (g + 1) * Cg)))
        if groups > 1:
            partials = data["partials"][0]
            assert [p is None for p in partials] == [c // Cg != g for c in range(C)]


def test_a_depthwise_player_shows_every_channel_its_group_and_the_filter_s_slice_only():
    rng = np.random.default_rng(4)
    x, bank = rng.integers(0, 4, (5, 5, 4)), rng.integers(-1, 2, (4, 3, 3, 1))
    data = player_data(bank_player_spec(x, bank, 0, 2, names=NAMES[:4], groups=4))
    html = data["html"]
    assert all(f'id="in-0-0-{c}"' in html for c in range(4))  # every channel drawn
    assert re.findall(r'id="flt-0-0-(\d)"', html) == ["2"]  # one slice: channel 3's
    for c in range(4):
        assert f"C{c + 1} · group {c + 1}" in html and f'--gc:{GROUP_COLOURS[c]}' in html
    assert html.count('data-away="1"') == 3 and html.count("not in filter\u00a03's group") == 3
    assert data["sees"] == [2] and len(data["weights"]) == 1
    legend = html_to_text(data["legend"])
    assert "group 3: C3 (the filter's)" in legend and "group 1: C1" in legend
    assert "Map 3group 3" in html_to_text(html).replace("\n", "")  # the maps named by group too


def test_a_grouped_spec_refuses_what_does_not_split():
    x = np.zeros((4, 3, 3), dtype=int)  # (C, Hp, Wp)
    out, steps = np.zeros((1, 1)), []
    with pytest.raises(ValueError, match="do not split into 3 groups"):
        PlayerSpec(x, out, steps, filter=np.zeros((1, 3, 3)), channel_names=NAMES[:4], groups=3)
    with pytest.raises(ValueError, match="sees the 2 channel"):
        PlayerSpec(x, out, steps, filter=np.zeros((4, 3, 3)), channel_names=NAMES[:4], groups=2)
    with pytest.raises(ValueError, match="one of 1 to 2"):
        PlayerSpec(x, out, steps, filter=np.zeros((2, 3, 3)), channel_names=NAMES[:4], groups=2, group=2)
    with pytest.raises(ValueError, match="full depth of its group"):
        channel_player_spec(np.zeros((3, 3, 4)), np.zeros((2, 2, 1)), groups=2)


@pytest.mark.parametrize("seed", range(12))
def test_every_step_of_a_sequence_is_conv1d(seed):
    rng = np.random.default_rng(seed)
    L, k = int(rng.integers(4, 40)), int(rng.integers(1, 6))
    s, p, d = int(rng.integers(1, 4)), int(rng.integers(0, 3)), int(rng.integers(1, 3))
    x, w = rng.integers(-50, 51, L), rng.integers(-3, 4, k)
    try:
        ref = conv1d(x, w, stride=s, padding=p, dilation=d)
    except ValueError:
        return
    years = list(range(1900, 1900 + L))
    spec = sequence_player_spec(x, w, stride=s, padding=p, dilation=d, labels=years)
    assert spec.input.shape == (1, L + 2 * p) and spec.filter.shape == (1, k)
    assert np.array_equal(spec.output[0], ref) and len(spec.steps) == ref.size
    centres = window_centres(ref.size, k, stride=s, padding=p, dilation=d)
    for i, step in enumerate(spec.steps):
        assert step.out == (0, i) and step.value == ref[i] and step.cols == tuple(i * s + j * d for j in range(k))
        assert (spec.input[0, list(step.cols)] * w).sum() == step.value  # the window the player lights
        assert np.mean(step.cols) - p == centres[i]  # the figure puts the output under its window's centre
        lines = html_to_text(step.explain).splitlines()
        first, last = window_span(i, k, L, stride=s, padding=p, dilation=d)
        place = "on padding only" if first < 0 else (f"on {years[first]}" if first == last
                                                     else f"on {years[first]} to {years[last]}")
        assert lines[0].startswith(f"Output {i + 1}, window {place}")
        assert read_number(lines[-1].rsplit("= ", 1)[1]) == ref[i]


def test_a_difference_of_whole_numbers_is_exact_and_names_its_years():
    nile = load_series("nile")
    spec = sequence_player_spec(nile.values, [-1, 1], labels=nile.years.tolist())
    assert spec.output.dtype == np.int64 and spec.output[0, :3].tolist() == [40, -197, 247]  # 1160 − 1120, …
    assert html_to_text(spec.steps[0].explain).splitlines() == [
        "Output 1, window on 1871 to 1872:", "1120₋₁ 1160₁", "= 1120×(−1) + 1160×1", "= −1120 + 1160 = 40"]


def test_the_series_ship_inside_the_package_with_their_licence():
    data = resources.files("cnnviz").joinpath("data")
    licence = data.joinpath("LICENSE").read_text()
    for name, *_ in SERIES.values():
        assert data.joinpath(name).is_file() and name in licence
    assert licence.count("Licence: public domain.") == 2 and "statsmodels 0.15.0" in licence
    nile, spots = load_series("nile"), load_series("sunspots")
    assert nile.years.tolist() == list(range(1871, 1971)) and nile.values.dtype == np.int64
    assert spots.years.tolist() == list(range(1900, 2009)) and spots.values.dtype == np.float64
    assert not nile.values.flags.writeable and load_series("nile") is nile  # read once, shared
    with pytest.raises(ValueError, match="pick one of nile, sunspots"):
        load_series("../etc/passwd")


def test_make_series_writes_the_shipped_files(tmp_path):
    # statsmodels' copy: installed, or its wheel named by STATSMODELS_WHEEL (read as a zip file, nothing installed)
    wheel = Path(os.environ["STATSMODELS_WHEEL"]) if os.environ.get("STATSMODELS_WHEEL") else None
    if wheel is None:
        pytest.importorskip("statsmodels", reason="statsmodels (or STATSMODELS_WHEEL) is needed to compare with")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    try:
        from make_series import write_series
    finally:
        sys.path.pop(0)
    assert write_series(tmp_path, wheel) == {"nile": 100, "sunspots": 109}
    data = resources.files("cnnviz").joinpath("data")
    for name in ("nile.csv", "sunspots.csv"):
        assert (tmp_path / name).read_text() == data.joinpath(name).read_text()
    if wheel is not None:  # the values as statsmodels ships them
        with zipfile.ZipFile(wheel) as zf:
            source = zf.read("statsmodels/datasets/nile/nile.csv").decode().split("\n", 1)[1]
        assert source.strip() == (tmp_path / "nile.csv").read_text().split("\n", 1)[1].strip()
