"""Regenerate cnnviz/data/nile.csv and cnnviz/data/sunspots.csv from the copies that statsmodels ships.

    python scripts/make_series.py [STATSMODELS_WHEEL]

Reads ``statsmodels/datasets/nile/nile.csv`` and ``statsmodels/datasets/sunspots/sunspots.csv`` from the
installed statsmodels, or from a statsmodels wheel given as the argument (a zip file: nothing is installed
or imported). statsmodels is needed only for this script; cnnviz never imports it. Both series are public
domain (``cnnviz/data/LICENSE``). The values are written unchanged: the Nile's as whole numbers, the
sunspot numbers with their one decimal. Of the sunspots only the years from 1900 on are kept: the step
player draws one cell a year, and about a hundred years fit a phone's screen (the Nile has 100).
"""
from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "cnnviz" / "data"
# name -> (statsmodels' file, its year and value columns, the columns written, the first year kept)
SERIES = {
    "nile": ("statsmodels/datasets/nile/nile.csv", ("year", "volume"), ("year", "flow"), 1871),
    "sunspots": ("statsmodels/datasets/sunspots/sunspots.csv", ("YEAR", "SUNACTIVITY"), ("year", "sunspots"), 1900),
}


def _read(path: str, wheel: Path | None) -> str:
    if wheel is not None:
        with zipfile.ZipFile(wheel) as zf:
            return zf.read(path).decode("utf-8")
    try:
        from importlib.util import find_spec

        spec = find_spec("statsmodels")
    except ImportError:
        spec = None
    if spec is None or spec.origin is None:
        sys.exit("This script reads statsmodels' copy of the series: pip install statsmodels, or give its wheel")
    return (Path(spec.origin).parent.parent / path).read_text(encoding="utf-8")


def _number(text: str) -> str:
    """A value as statsmodels writes it, whole numbers without a decimal point (``1120``, ``80.9``)."""
    v = float(text)
    return str(int(v)) if v.is_integer() else repr(v)


def write_series(out: Path = OUT, wheel: Path | None = None) -> dict[str, int]:
    """Write each series to ``out/NAME.csv``; return the number of values of each."""
    counts = {}
    for name, (path, (year_col, value_col), header, first) in SERIES.items():
        rows = [r for r in csv.DictReader(io.StringIO(_read(path, wheel))) if int(float(r[year_col])) >= first]
        years = [int(float(r[year_col])) for r in rows]
        if years != list(range(years[0], years[0] + len(years))):
            sys.exit(f"{path} is not one value a year, in order: not writing {name}.csv")
        with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows((y, _number(r[value_col])) for y, r in zip(years, rows))
        counts[name] = len(rows)
    return counts


if __name__ == "__main__":
    wheel = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    for name, n in write_series(OUT, wheel).items():
        print(f"wrote {OUT / (name + '.csv')}: {n} values")
