"""Loading the certified reference tables of tests/reference/ (written by generate.py with
arb; see tests/reference/README.md). Values are double-doubles ref_hi + ref_lo."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

REF_DIR = Path(__file__).resolve().parent / "reference"
EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


def load(name: str):
    """Return (a, b, ref_hi, ref_lo, method) arrays of table `name` (float.hex columns)."""
    with open(REF_DIR / f"{name}.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    body = rows[1:]
    cols = [np.array([float.fromhex(r[i]) for r in body]) for i in range(4)]
    return (*cols, np.array([r[4] for r in body]))


def log_error(f, hi, lo):
    """The project's metric |f - ref| / max(1, |ref|), in float64 arithmetic that keeps the
    reference's low part (f - hi is exact when f is close to hi)."""
    f = np.asarray(f, dtype=np.float64)
    return np.abs((f - hi) - lo) / np.maximum(1.0, np.abs(hi))


def rel_error(f, hi, lo):
    f = np.asarray(f, dtype=np.float64)
    return np.abs((f - hi) - lo) / np.abs(hi)
