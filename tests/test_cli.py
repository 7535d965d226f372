"""The command line: `python -m logbessel` (table) and `logbessel fit [FILE]`."""
from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import logbessel as lb
from logbessel import vmf
from logbessel.__main__ import EXAMPLE_N, EXAMPLE_P, TABLE_POINTS, main

try:
    import scipy  # noqa: F401
    HAVE_SCIPY = True
except ImportError:
    HAVE_SCIPY = False


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _kappa_of(out):
    return float(re.search(r"^kappa:\s+(\S+)", out, re.M).group(1))


@pytest.fixture(scope="module")
def sample():
    mu = np.zeros(40)
    mu[3] = 1.0
    return vmf.VonMisesFisher(mu, 25.0).rvs(300, random_state=3)


# -- the table ---------------------------------------------------------------------------

def test_table_default(capsys):
    code, out, _ = _run(capsys, [])
    assert code == 0
    rows = [ln.split() for ln in out.splitlines() if re.match(r"^\s+[0-9.e+]+\s+[0-9.e+-]+\s", ln)]
    assert len(rows) == len(TABLE_POINTS)
    for (v, x), row in zip(TABLE_POINTS, rows):
        assert float(row[0]) == pytest.approx(v) and float(row[1]) == pytest.approx(x)
        li = float(row[2])
        lk = float(row[4] if HAVE_SCIPY else row[3])
        assert math.isfinite(li) and math.isfinite(lk)
        assert li == pytest.approx(float(lb.log_iv(v, x)), rel=1e-15)
        assert lk == pytest.approx(float(lb.log_kv(v, x)), rel=1e-15)
    if HAVE_SCIPY:
        scipy_i = [row[3] for row in rows]
        assert "-inf" in scipy_i and "nan" in scipy_i     # the point of the table
        assert "SciPy" in out
    assert "python -m logbessel fit" in out


def test_table_without_scipy_column(capsys):
    code, out, _ = _run(capsys, ["table", "--no-scipy"])
    assert code == 0 and "log(ive)" not in out


def test_module_entry_point():
    res = subprocess.run([sys.executable, "-m", "logbessel"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and "log I_v(x)" in res.stdout


def test_console_script():
    exe = shutil.which("logbessel")
    if exe is None:
        pytest.skip("the console script is not installed (pip install -e .)")
    res = subprocess.run([exe, "table", "--no-scipy"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and "log K_v(x)" in res.stdout


# -- fit on files ------------------------------------------------------------------------

def test_fit_npy(tmp_path, capsys, sample):
    path = tmp_path / "x.npy"
    np.save(path, sample)
    code, out, err = _run(capsys, ["fit", str(path)])
    assert code == 0
    mu, kappa = vmf.fit(sample)
    assert _kappa_of(out) == pytest.approx(kappa, rel=1e-14)
    assert "n = 300 rows, p = 40" in out
    assert "log-likelihood:" in out
    assert f"index {int(np.argmax(np.abs(mu)))}" in out
    assert "reading" in err and "done" in err       # progress on stderr
    if HAVE_SCIPY:
        assert "SciPy:  kappa =" in out


def test_fit_csv_with_header_and_txt(tmp_path, capsys, sample):
    csv = tmp_path / "x.csv"
    header = ",".join(f"c{i}" for i in range(sample.shape[1]))
    np.savetxt(csv, sample, delimiter=",", header=header, comments="", fmt="%.17g")
    txt = tmp_path / "x.txt"
    np.savetxt(txt, sample, fmt="%.17g")
    k = vmf.fit(sample)[1]
    for path in (csv, txt):
        code, out, _ = _run(capsys, ["fit", str(path), "--no-scipy", "--quiet"])
        assert code == 0 and _kappa_of(out) == pytest.approx(k, rel=1e-14)


def test_fit_normalize_and_error_without_it(tmp_path, capsys, sample):
    scaled = sample * np.linspace(0.5, 3.0, sample.shape[0])[:, None]
    path = tmp_path / "raw.npy"
    np.save(path, scaled)
    code, out, err = _run(capsys, ["fit", str(path), "--no-scipy"])
    assert code == 2
    assert "rows of X must be unit vectors" in err and "--normalize" in err
    code, out, _ = _run(capsys, ["fit", str(path), "--normalize", "--no-scipy", "--quiet"])
    assert code == 0
    assert _kappa_of(out) == pytest.approx(vmf.fit(sample)[1], rel=1e-10)


def test_fit_method_and_weights(tmp_path, capsys, sample):
    path = tmp_path / "x.npy"
    np.save(path, sample)
    wpath = tmp_path / "w.txt"
    w = np.arange(sample.shape[0]) % 4
    np.savetxt(wpath, w)
    code, out, _ = _run(capsys, ["fit", str(path), "--method", "banerjee", "--weights",
                                 str(wpath), "--quiet"])
    assert code == 0
    assert _kappa_of(out) == pytest.approx(
        vmf.fit(sample, weights=w.astype(float), method="banerjee")[1], rel=1e-12)
    assert "takes no weights" in out or not HAVE_SCIPY


def test_fit_degenerate_file_reports_infinite_kappa(tmp_path, capsys):
    path = tmp_path / "same.csv"
    np.savetxt(path, np.tile([0.6, 0.8, 0.0], (4, 1)), delimiter=",")
    code, out, _ = _run(capsys, ["fit", str(path), "--quiet", "--no-scipy"])
    assert code == 0 and "kappa:  inf" in out and "warning:" in out


def test_fit_bad_inputs(tmp_path, capsys):
    code, _, err = _run(capsys, ["fit", str(tmp_path / "missing.npy")])
    assert code == 2 and "error" in err
    bad = tmp_path / "x.json"
    bad.write_text("[]")
    code, _, err = _run(capsys, ["fit", str(bad)])
    assert code == 2 and "unsupported file type '.json'" in err
    zero = tmp_path / "z.csv"
    np.savetxt(zero, np.array([[1.0, 0.0], [0.0, 0.0]]), delimiter=",")
    code, _, err = _run(capsys, ["fit", str(zero), "--normalize"])
    assert code == 2 and "row 1 is all zeros" in err


# -- the built-in example ----------------------------------------------------------------

def test_fit_builtin_example(capsys):
    code, out, err = _run(capsys, ["fit"])
    assert code == 0
    assert f"{EXAMPLE_N} samples" in out and f"p = {EXAMPLE_P}" in out
    k = _kappa_of(out)
    assert abs(k / 5000.0 - 1) < 0.02
    assert "drawing" in err and "done" in err
    if HAVE_SCIPY:
        ks = float(re.search(r"SciPy:\s+kappa = (\S+)", out).group(1))
        assert ks == pytest.approx(1e-8)       # SciPy's failure, shown next to ours
        assert "lower end of its bracket" in out


def test_fit_small_example_options(capsys):
    code, out, _ = _run(capsys, ["fit", "--p", "5", "--n", "2000", "--kappa", "3",
                                 "--seed", "1", "--quiet"])
    assert code == 0 and "p = 5" in out and abs(_kappa_of(out) / 3 - 1) < 0.1
