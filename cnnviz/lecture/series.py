"""Two real time series shipped in the package, for a 1-D convolution: the Nile's yearly flow and the sunspots.

Both are public domain, in the copies statsmodels ships (``cnnviz/data/LICENSE`` says where each came from;
``scripts/make_series.py`` writes the files): one value a year, read once per process, read-only.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = ["Series", "SERIES", "load_series"]


@dataclass(frozen=True)
class Series:
    """One yearly series: what it measures, its years and its values."""

    key: str  # its name in a link: "nile"
    title: str  # "The Nile's yearly flow at Aswan, 1871-1970"
    short: str  # "Nile flow"
    what: str  # the value's name and unit, for an axis: "flow (10⁸ m³)"
    credit: str  # where it comes from and its licence, in one line
    years: np.ndarray  # (L,) int64, one a year, in order
    values: np.ndarray  # (L,) int64 when every value is whole (exact sums), else float64


# key -> (file in cnnviz/data, title, short title, what, credit)
SERIES = {
    "nile": ("nile.csv", "The Nile's yearly flow at Aswan, 1871-1970", "Nile flow", "flow (10⁸ m³)",
             "Annual flow of the Nile at Aswan (Cobb 1978), public domain, as statsmodels ships it."),
    "sunspots": ("sunspots.csv", "Yearly sunspot numbers, 1900-2008", "Sunspots", "sunspot number",
                 "Yearly sunspot numbers of NOAA's National Geophysical Data Center (the years from 1900 on), "
                 "public domain, as statsmodels ships them."),
}


@functools.cache
def load_series(key: str) -> Series:
    """The series ``key`` (one of ``SERIES``), read from its file once per process.

    Examples
    --------
    >>> nile = load_series("nile")
    >>> len(nile.values), nile.years[0].item(), nile.values[:3].tolist(), nile.values.dtype.name
    (100, 1871, [1120, 1160, 963], 'int64')
    >>> load_series("sunspots").values[:2].tolist()  # 1900 and 1901
    [9.5, 2.7]
    """
    if key not in SERIES:
        raise ValueError(f"There is no series '{key}': pick one of {', '.join(SERIES)}.")
    name, title, short, what, credit = SERIES[key]
    with resources.files("cnnviz").joinpath("data", name).open("r", encoding="utf-8") as f:
        table = np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2)  # (L, 2): year, value
    years = table[:, 0].astype(np.int64)
    values = table[:, 1]
    if np.array_equal(values, np.round(values)):
        values = values.astype(np.int64)  # whole numbers: sums and differences stay exact
    for arr in (years, values):
        arr.flags.writeable = False  # shared by every session
    return Series(key, title, short, what, credit, years, values)
