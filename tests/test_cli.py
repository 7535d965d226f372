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
    assert code == 2 and f"row 1 (line 2 of {zero}) is all zeros" in err


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


# -- reading text and .npy files: no silent loss, the file's own line numbers ------------

def _fit_file(capsys, path, *extra):
    return _run(capsys, ["fit", str(path), "--no-scipy", "--quiet", *extra])


def test_first_line_with_another_column_count_is_an_error(tmp_path, capsys):
    # it was skipped as if it were a header: one row lost, kappa inf, exit 0
    f = tmp_path / "f.csv"
    f.write_text("0.6,0.8\n1,0,0\n")
    code, out, err = _fit_file(capsys, f)
    assert code == 2 and out == ""
    assert err == f"logbessel: error: {f}, line 2: 3 values, but line 1 (the first data " \
                  f"line) has 2\n"


def test_header_is_skipped_only_when_not_numeric_and_said(tmp_path, capsys):
    f = tmp_path / "h.csv"
    f.write_text("x,y\n0.6,0.8\n1,0\n")
    code, out, _ = _fit_file(capsys, f)
    assert code == 0 and "n = 2 rows, p = 2" in out
    assert "note:   line 1 is not numeric ('x,y'): read as a header and skipped" in out
    assert _kappa_of(out) == pytest.approx(vmf.fit(np.array([[0.6, 0.8], [1, 0]]))[1],
                                           rel=1e-14)
    # no note without a header; a partly numeric first line is bad data, not a header
    f.write_text("0.6,0.8\n1,0\n")
    code, out, _ = _fit_file(capsys, f)
    assert code == 0 and "note:" not in out and "n = 2 rows" in out
    f.write_text("0.6,abc\n1,0\n")
    code, _, err = _fit_file(capsys, f)
    assert code == 2 and f"{f}, line 1: column 2: 'abc' is not a number" in err
    # --skiprows skips lines before the header check
    f.write_text("a title\nx,y\n0.6,0.8\n1,0\n")
    code, out, _ = _fit_file(capsys, f, "--skiprows", "1")
    assert code == 0 and "note:   line 2 is not numeric" in out and "n = 2 rows" in out


@pytest.mark.parametrize("text,msg", [
    ("0.6,0.8\n\n# comment\n1,\n", "line 4: column 2: an empty value"),
    ("0.6,0.8\n0.6,nan\n", "line 2: column 2: 'nan' is not a finite number"),
    ("0.6,0.8\n1,0\n0,1,\n", "line 3: column 3: an empty value"),
    ("0.6,0.8\n1\n", "line 2: 1 values, but line 1 (the first data line) has 2"),
    ("x,y\n0.6,0.8\nz,1\n", "line 3: column 1: 'z' is not a number"),
    ("0.6,0.8\n1_0,0\n", "line 2: column 1: '1_0' is not a number"),
    ("# only a comment\n\n", "no data rows"),
    ("x,y\n", "no data rows"),
])
def test_bad_text_reports_the_files_line(tmp_path, capsys, text, msg):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    code, out, err = _fit_file(capsys, f)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert msg in err and str(f) in err


def test_line_numbers_across_read_blocks(tmp_path, capsys, monkeypatch, sample):
    import logbessel.__main__ as cli
    monkeypatch.setattr(cli, "_TEXT_BLOCK_BYTES", 37)     # lines split across blocks
    f = tmp_path / "x.txt"
    lines = ["# made by hand", "c0 c1 c2"] + [" ".join(f"{v:.17g}" for v in r)
                                             for r in sample[:60, :3]]
    lines.insert(20, "")
    lines.insert(31, "   # indented comment")
    f.write_text("\n".join(lines) + "\n")
    X, rows, notes = cli._read_text(str(f), None, 0)
    assert np.array_equal(X, sample[:60, :3])
    assert notes == ["line 2 is not numeric ('c0 c1 c2'): read as a header and skipped"]
    assert rows[0] == 3 and rows[17] == 20 and rows[18] == 22 and rows[-1] == len(lines)
    # a non-unit row is reported with its row index and its line
    code, _, err = _fit_file(capsys, f)
    assert code == 2 and "row 0 (line 3 of" in err
    lines[40] = "1 2 x"
    f.write_text("\n".join(lines) + "\n")
    code, _, err = _fit_file(capsys, f)
    assert code == 2 and "line 41: column 3: 'x' is not a number" in err


def test_npy_errors_are_one_line(tmp_path, capsys):
    z = tmp_path / "z.npy"
    z.write_bytes(b"")
    code, _, err = _fit_file(capsys, z)
    assert code == 2 and err == f"logbessel: error: {z}: empty or truncated .npy file\n"
    t = tmp_path / "t.npy"
    np.save(t, np.eye(40))
    t.write_bytes(t.read_bytes()[:200])                    # header, then too little data
    code, _, err = _fit_file(capsys, t)
    assert code == 2 and err.startswith(f"logbessel: error: {t}: not a readable .npy file")
    assert err.count("\n") == 1


def test_nul_file_is_rejected_at_once_in_bounded_memory(tmp_path, capsys, monkeypatch):
    import tracemalloc

    import logbessel.__main__ as cli
    monkeypatch.setattr(cli, "_TEXT_BLOCK_BYTES", 1 << 20)
    f = tmp_path / "nul.csv"
    with open(f, "wb") as fh:
        fh.truncate(8 << 20)                               # 8 MB of NUL bytes
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"nul.csv, line 1: contains a NUL byte; this "
                                             r"is not a text table"):
            cli._read_text(str(f), ",", 0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 << 20          # one block, not the file (np.loadtxt: ~9x the file)
    code, _, err = _fit_file(capsys, f)
    assert code == 2 and "contains a NUL byte" in err and err.count("\n") == 1
    f.write_bytes(b"0.6,0.8\n1,0\n0,1\x00\n")
    code, _, err = _fit_file(capsys, f)
    assert code == 2 and "nul.csv, line 3: contains a NUL byte" in err


def test_text_memory_is_a_small_multiple_of_the_data(tmp_path, monkeypatch):
    import tracemalloc

    import logbessel.__main__ as cli
    monkeypatch.setattr(cli, "_TEXT_BLOCK_BYTES", 1 << 18)
    X = np.random.default_rng(0).standard_normal((10000, 8))
    f = tmp_path / "big.csv"
    np.savetxt(f, X, delimiter=",", fmt="%.17g")
    tracemalloc.start()
    try:
        Y, _, _ = cli._read_text(str(f), ",", 0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(X, Y)
    # the values (8 bytes each, grown in place), the row-to-line map and a few blocks
    assert peak < 2.5 * X.nbytes + 8 * (1 << 18), (peak, X.nbytes)


def test_out_of_memory_is_a_clear_error(tmp_path, capsys, monkeypatch):
    import logbessel.__main__ as cli

    def no_memory(*args):
        raise MemoryError
    monkeypatch.setattr(cli, "_read_text", no_memory)
    f = tmp_path / "x.csv"
    f.write_text("0.6,0.8\n")
    code, out, err = _fit_file(capsys, f)
    assert code == 2 and out == ""
    assert err.startswith("logbessel: error: out of memory") and err.count("\n") == 1


def test_weights_file_with_header_and_overflowing_sum(tmp_path, capsys, sample):
    path = tmp_path / "x.npy"
    np.save(path, sample)
    wpath = tmp_path / "w.csv"
    wpath.write_text("weight\n" + "1e308\n" * sample.shape[0])
    code, out, _ = _fit_file(capsys, path, "--weights", str(wpath))
    assert code == 0 and "note:   weights: line 1 is not numeric" in out
    assert _kappa_of(out) == pytest.approx(vmf.fit(sample)[1], rel=1e-13)
    assert "total weight inf" in out
    wpath.write_text("1\n" * (sample.shape[0] - 1) + "-1\n")
    code, _, err = _fit_file(capsys, path, "--weights", str(wpath))
    assert code == 2 and "weights must be finite and >= 0; weights[299] = -1" in err


# -- --version, --output, options that do not apply, like-with-like comparison ------------

def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"logbessel {lb.__version__}\n"


def _strict_json(path):
    import json

    def no_constant(name):
        raise AssertionError(f"not strict JSON: {name}")
    return json.loads(path.read_text(), parse_constant=no_constant)


def test_fit_output_json_has_all_of_mu(tmp_path, capsys, sample):
    path = tmp_path / "x.npy"
    np.save(path, sample)
    out_path = tmp_path / "fit.json"
    code, out, _ = _run(capsys, ["fit", str(path), "--output", str(out_path), "--quiet",
                                 "--no-scipy"])
    assert code == 0 and f"saved:  {out_path}" in out
    res = _strict_json(out_path)
    mu, kappa = vmf.fit(sample)
    assert np.array_equal(np.array(res["mu"]), mu)            # every component, every bit
    assert res["kappa"] == kappa and res["n"] == 300 and res["p"] == 40
    assert res["method"] == "mle" and res["logbessel_version"] == lb.__version__
    assert res["rbar"] == pytest.approx(np.linalg.norm(sample.sum(axis=0)) / 300, rel=1e-14)
    # the log-likelihood is the sum of logpdf over all rows (computed another way here)
    ll = float(np.sum(vmf.VonMisesFisher(mu, kappa).logpdf(sample)))
    assert res["log_likelihood"] == pytest.approx(ll, rel=1e-12)
    assert res["warnings"] == [] and res["data"] == str(path)
    assert "uniformity_test" in res and "se_kappa" in res["fit"]
    # the terminal keeps a 5-component summary of mu
    assert re.search(r"^mu:\s+\[([^\]]*)\]", out, re.M).group(1).count(",") == 5


def test_fit_output_writes_inf_as_a_string(tmp_path, capsys):
    path = tmp_path / "same.csv"
    np.savetxt(path, np.tile([0.6, 0.8, 0.0], (4, 1)), delimiter=",")
    out_path = tmp_path / "r.json"
    code, out, _ = _run(capsys, ["fit", str(path), "--quiet", "--no-scipy", "--output",
                                 str(out_path)])
    assert code == 0
    res = _strict_json(out_path)
    assert res["kappa"] == "inf" and res["log_likelihood"] == "inf"
    assert res["mu"] == [0.6, 0.8, 0.0] and len(res["warnings"]) == 1


def test_fit_output_includes_the_statistics(tmp_path, capsys, sample, monkeypatch):
    # standard errors and the Rayleigh test (vmf.fit(..., return_result=True)) go into the
    # JSON and the summary
    path = tmp_path / "x.npy"
    np.save(path, sample)
    out_path = tmp_path / "fit.json"
    code, out, _ = _run(capsys, ["fit", str(path), "--output", str(out_path), "--quiet",
                                 "--no-scipy"])
    assert code == 0
    res = _strict_json(out_path)
    ref = vmf.fit(sample, return_result=True)
    assert res["fit"]["se_kappa"] == ref.se_kappa and res["fit"]["se_mu"] == ref.se_mu
    assert "rayleigh" not in res["fit"]
    assert res["uniformity_test"]["test"] == "Rayleigh"
    assert res["uniformity_test"]["statistic"] == ref.rayleigh.statistic
    assert res["uniformity_test"]["pvalue"] == ref.rayleigh.pvalue
    assert f"se_kappa = {ref.se_kappa:g}" in out
    assert "uniformity (Rayleigh test): statistic = " in out

    real_fit = vmf.fit

    def broken(X, *args, return_result=False, **kw):
        if return_result:
            raise ValueError("needs n >= 2")
        return real_fit(X, *args, **kw)
    monkeypatch.setattr(vmf, "fit", broken)
    code, out, _ = _run(capsys, ["fit", str(path), "--quiet", "--no-scipy"])
    assert code == 0 and _kappa_of(out) == real_fit(sample)[1]
    assert "warning: standard errors / uniformity test not computed: needs n >= 2" in out


@pytest.mark.parametrize("args,msg", [
    (["@F", "--p", "5"], "--p applies only to the built-in example (without FILE), not to @F"),
    (["@F", "--n", "10", "--kappa", "3"], "--n and --kappa apply only to the built-in example"),
    (["@F", "--seed", "0"], "--seed applies only to the built-in example"),
    (["@F", "--delimiter", ","], "--delimiter applies only to a text FILE (.csv, .txt), not "
                                 "to @F"),
    (["--skiprows", "1"], "--skiprows applies only to a text FILE (.csv, .txt); without FILE"),
    (["@F", "--output", "@D/r.json"], "--output @D/r.json: the folder"),
])
def test_options_that_do_not_apply_are_errors(tmp_path, capsys, sample, args, msg):
    # `--p 5` with a FILE was silently ignored
    path = tmp_path / "x.npy"
    np.save(path, sample)

    def fill(text):
        return text.replace("@F", str(path)).replace("@D", str(tmp_path / "missing"))
    code, out, err = _run(capsys, ["fit"] + [fill(a) for a in args])
    assert code == 2 and out == ""
    assert err.startswith("logbessel: error: ") and err.count("\n") == 1
    assert fill(msg) in err


def test_text_options_still_work_with_a_text_file(tmp_path, capsys, sample):
    f = tmp_path / "x.txt"
    np.savetxt(f, sample, delimiter=";", header="title line", fmt="%.17g")
    code, out, _ = _run(capsys, ["fit", str(f), "--delimiter", ";", "--skiprows", "1",
                                 "--quiet", "--no-scipy"])
    assert code == 0 and _kappa_of(out) == pytest.approx(vmf.fit(sample)[1], rel=1e-14)


@pytest.mark.skipif(not HAVE_SCIPY, reason="needs SciPy (the comparison with it)")
def test_scipy_loglik_is_over_the_same_rows(tmp_path, capsys):
    # SciPy's logpdf was summed over the first 1000 rows beside our sum over all rows
    # (digits: 73277.29 beside 40779.16); both are over all rows now and agree
    X = vmf.VonMisesFisher(np.eye(12)[0], 30.0).rvs(1500, random_state=5)
    path = tmp_path / "x.npy"
    np.save(path, X)
    code, out, _ = _run(capsys, ["fit", str(path), "--quiet"])
    assert code == 0
    ours = float(re.search(r"^log-likelihood: (\S+)  \(sum of log f\(x_i\) over all 1500 "
                           r"rows at this mu, kappa\)$", out, re.M).group(1))
    assert "over the same 1500 rows as ours" in out
    by_lb = float(re.search(r"computed by logbessel:\s+(\S+)", out).group(1))
    by_scipy = float(re.search(r"SciPy's own logpdf, summed:\s+(\S+)", out).group(1))
    ll = float(np.sum(vmf.VonMisesFisher(*vmf.fit(X)).logpdf(X)))
    assert ours == pytest.approx(ll, rel=1e-9)
    assert by_scipy == pytest.approx(by_lb, rel=1e-9) and by_lb == pytest.approx(ours, rel=1e-9)
