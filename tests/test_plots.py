"""The pictures: the marginal density of mu^T x behind `logbessel fit --plot` (its closed
form integrates to 1, the numerical normaliser agrees with it, the quantiles match closed
forms), the plotting functions on small inputs (the file is written, the arrays behind it
are checked; no image comparisons), the command line's --plot, and the error function and
the certified cache of tools/plot_accuracy.py. Tests that draw skip without matplotlib."""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import logbessel as lb
from logbessel import _plot, vmf
from logbessel.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
EPS = float(np.finfo(np.float64).eps)
PNG = b"\x89PNG\r\n\x1a\n"

# (p, kappa): the uniform sphere, small and moderate kappa, the circle (poles of f at +-1),
# and the high-dimensional spike of the README's example
CASES = [(3, 0.0), (3, 5.0), (10, 1.0), (2, 3.0), (2, 0.0), (1000, 500.0), (32768, 0.0),
         (32768, 1e5)]


def _tool(name, path):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def accuracy_tool():
    return _tool("plot_accuracy", "tools/plot_accuracy.py")


# -- the marginal density of w = mu^T x --------------------------------------------------

@pytest.mark.parametrize("p,kappa", CASES)
def test_marginal_density_integrates_to_one(p, kappa):
    quad = pytest.importorskip("scipy.integrate").quad
    table = _plot.MarginalTable(p, kappa)
    lo, hi = float(table.w[0]), float(table.w[-1])

    def f(w):
        return float(np.exp(_plot.marginal_logpdf(w, p, kappa)))
    # the closed form (log C_p from log_normalizer) over the table's range, by adaptive
    # quadrature (a rule independent of the table's), and what lies outside that range
    inside = quad(f, lo, hi, limit=200, epsabs=0, epsrel=1e-11)[0]
    outside = sum(quad(f, a, b, limit=200)[0] for a, b in ((-1.0, lo), (hi, 1.0)) if b > a)
    assert abs(inside + outside - 1) < 1e-9 and outside < 1e-12
    # the numerical normaliser of the picture agrees with the closed form
    assert abs(math.expm1(_plot.log_marginal_constant(p, kappa) + table.log_norm)) < 1e-9
    assert table.cdf[0] == 0 and table.cdf[-1] == 1 and np.all(np.diff(table.cdf) >= 0)
    assert np.all(np.diff(table.w) >= 0) and np.all(np.isfinite(table.pdf[1:-1]))


def test_marginal_spike_in_high_dimension():
    # p = 32768, kappa = 1e5: every factor of f overflows; the mass sits at the mode
    # w* = (sqrt((p-3)^2 + 4 kappa^2) - (p-3)) / (2 kappa) with a width ~1e-3
    p, kappa = 32768, 1e5
    table = _plot.MarginalTable(p, kappa)
    mode = (math.sqrt((p - 3) ** 2 + 4 * kappa ** 2) - (p - 3)) / (2 * kappa)
    assert table.w[np.argmax(table.pdf)] == pytest.approx(mode, abs=1e-5)
    q1, q99 = table.quantiles([0.01, 0.99])
    assert q1 < mode < q99 and 1e-3 < q99 - q1 < 1e-2


@pytest.mark.parametrize("kappa", [0.5, 2.5, 50.0])
def test_marginal_quantiles_p3_closed_form(kappa):
    # on S^2, w is truncated exponential: F(w) = (e^{kappa w} - e^{-kappa}) / (2 sinh kappa)
    q = np.linspace(0.01, 0.99, 25)
    exact = 1 + np.log(q + (1 - q) * math.exp(-2 * kappa)) / kappa
    assert np.max(np.abs(_plot.MarginalTable(3, kappa).quantiles(q) - exact)) < 2e-6


def test_marginal_quantiles_circle_uniform():
    # p = 2, kappa = 0: w = cos(theta), theta uniform: F(w) = 1 - arccos(w) / pi
    q = np.linspace(0.01, 0.99, 25)
    got = _plot.MarginalTable(2, 0.0).quantiles(q)
    assert np.max(np.abs(got - np.cos(np.pi * (1 - q)))) < 1e-6


def test_marginal_rejects_bad_parameters():
    with pytest.raises(ValueError, match="p must be finite and >= 2; got 1.5"):
        _plot.MarginalTable(1.5, 1.0)
    with pytest.raises(ValueError, match="kappa must be finite and >= 0; got inf"):
        _plot.marginal_logpdf(0.5, 3, math.inf)
    assert _plot.marginal_logpdf(np.array([-1.5, 1.0]), 10, 2.0).tolist() == [-np.inf, -np.inf]


def test_qq_points_are_monotone_and_follow_the_fit():
    mu = np.eye(50)[0]
    X = vmf.VonMisesFisher(mu, 30.0).rvs(2000, random_state=7)
    mu_hat, kappa = vmf.fit(X)
    w = _plot.projections(X, mu_hat, block=300)          # blocks of rows
    assert np.array_equal(w, X @ mu_hat)
    theo, emp = _plot.qq_points(w, 50, kappa)
    assert theo.shape == emp.shape == (500,)
    assert np.all(np.diff(theo) > 0) and np.all(np.diff(emp) >= 0)
    # 2000 draws: the middle quantiles agree with the fitted ones to a few standard errors
    mid = slice(50, 450)
    assert np.max(np.abs(theo[mid] - emp[mid])) < 0.03
    # equal weights are no weights; the levels (i - 1/2)/n
    assert np.array_equal(_plot.empirical_quantiles([0.3], w, np.full(w.size, 2.0)),
                          _plot.empirical_quantiles([0.3], w))
    assert _plot.empirical_quantiles([0.25, 0.75], [3.0, 1.0]).tolist() == [1.0, 3.0]


# -- the picture of a fit ----------------------------------------------------------------

def test_plot_fit_writes_the_file(tmp_path, matplotlib):
    X = vmf.VonMisesFisher(np.eye(5)[1], 8.0).rvs(400, random_state=2)
    mu, kappa = vmf.fit(X)
    w = X @ mu
    path = tmp_path / "fit.png"
    arrays = _plot.plot_fit(path, w, 5, kappa)
    assert path.read_bytes()[:8] == PNG
    # the histogram is a density of the rows shown; the curve is the fitted one
    shown = w.size - arrays["outside"]
    assert np.sum(arrays["hist_density"] * np.diff(arrays["edges"])) == pytest.approx(
        shown / w.size, rel=1e-12)
    assert arrays["outside"] <= 2
    np.testing.assert_allclose(arrays["curve_pdf"][1:-1], np.exp(_plot.marginal_logpdf(
        arrays["curve_w"][1:-1], 5, kappa)), rtol=1e-9)
    assert np.all(np.diff(arrays["qq_theoretical"]) > 0)
    # the degenerate fit (every row is mu: kappa = inf), with weights
    arrays = _plot.plot_fit(tmp_path / "inf.png", np.ones(4), 3, math.inf,
                            weights=np.array([1.0, 2.0, 3.0, 4.0]))
    assert (tmp_path / "inf.png").read_bytes()[:8] == PNG and "qq_empirical" not in arrays


def test_cli_fit_plot_writes_png(tmp_path, capsys, matplotlib):
    X = vmf.VonMisesFisher(np.eye(6)[0], 12.0).rvs(300, random_state=4)
    data, png = tmp_path / "x.npy", tmp_path / "fit.png"
    np.save(data, X)
    code = main(["fit", str(data), "--plot", str(png), "--quiet", "--no-scipy"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert f"plot:   {png} (histogram of mu^T x against the fitted density, and Q-Q" in out
    assert png.read_bytes()[:8] == PNG


def test_cli_plot_without_matplotlib(tmp_path, capsys, monkeypatch):
    # a None entry in sys.modules makes `import matplotlib` raise ImportError
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    data = tmp_path / "x.csv"
    data.write_text("0.6,0.8\n0.8,0.6\n")
    png = tmp_path / "fit.png"
    code = main(["fit", str(data), "--plot", str(png), "--quiet", "--no-scipy"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and not png.exists()
    assert err == f"logbessel: error: {_plot.MATPLOTLIB_MISSING}\n"
    assert "pip install matplotlib" in err


def test_cli_plot_folder_must_exist(tmp_path, capsys):
    data = tmp_path / "x.csv"
    data.write_text("0.6,0.8\n0.8,0.6\n")
    missing = tmp_path / "nowhere" / "fit.png"
    code = main(["fit", str(data), "--plot", str(missing), "--quiet", "--no-scipy"])
    _, err = capsys.readouterr()
    assert code == 2 and f"--plot {missing}: the folder {missing.parent} does not exist" in err


# -- the accuracy maps (tools/plot_accuracy.py) ------------------------------------------

def test_err_eps(accuracy_tool):
    err = accuracy_tool.err_eps
    ref = np.array([3.0, -7.5, 0.25, 1e300])
    assert err(ref, ref).tolist() == [0.0, 0.0, 0.0, 0.0]
    # two units in the last place of 3 is 2 * 2^-51 / 3 relative: 4/3 eps
    assert err(3.0 + 2 * np.spacing(3.0), 3.0) == pytest.approx(4 / 3, rel=1e-15)
    # |ref| < 1: absolute; one ulp of 0.25 is eps/4
    assert err(np.nextafter(0.25, 1), 0.25) == pytest.approx(0.25, rel=1e-15)
    # the low part of a double-double reference counts
    assert err(0.5, 0.5, 1e-17) == pytest.approx(1e-17 / EPS, rel=1e-12)
    assert err(1e300, 1e300, -np.spacing(1e300) / 4) == pytest.approx(
        np.spacing(1e300) / 4 / 1e300 / EPS, rel=1e-12)
    out = err(np.array([np.inf, -np.inf, np.nan, 1.0]), np.array([1.0, 1.0, 1.0, np.nan]))
    assert out[:3].tolist() == [np.inf] * 3 and np.isnan(out[3])


def test_accuracy_cache_is_certified_and_decoded(accuracy_tool):
    flint = pytest.importorskip("flint")
    grids = accuracy_tool.load_references(accuracy_tool.CACHE)
    assert grids["wide"]["v"].shape == (56, 241) and grids["turning"]["x"].shape == (61, 61)
    for g in ("wide", "turning"):
        for fn in ("log_iv", "log_kv"):
            assert np.all(np.isfinite(grids[g][fn][0])), (g, fn)   # every point certified
    # a few points against arb here: the reference hi + lo to ~2^-70
    flint.ctx.prec = 256
    for g, i, j in [("wide", 20, 150), ("wide", 25, 0), ("turning", 40, 17)]:
        v, x = float(grids[g]["v"][i, j]), float(grids[g]["x"][i, j])
        for fn, method in (("log_iv", "bessel_i"), ("log_kv", "bessel_k")):
            ball = getattr(flint.arb(x), method)(flint.arb(v)).log()
            hi, lo = grids[g][fn][0][i, j], grids[g][fn][1][i, j]
            assert abs(float((ball - hi - lo).mid())) <= 2.0 ** -68 * max(1.0, abs(hi)), \
                (g, fn, v, x)


def test_reference_generators_never_import_logbessel():
    # the references must not depend on the code they test: no import of the package in
    # any generator (generate_accuracy_map.py imports only generate.py's helpers)
    import ast
    for path in sorted((ROOT / "tests" / "reference").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "logbessel" for n in names), path.name


def test_accuracy_map_picture(tmp_path, accuracy_tool, matplotlib):
    v = np.array([1.0, 10.0, 100.0])
    x = np.array([0.5, 2.0, 8.0, 30.0])
    V, X = np.meshgrid(v, x, indexing="ij")
    grid = {"v": V, "x": X, "rows": np.log10(v), "cols": np.log10(x), "col_label": "log10 x",
            "log_iv": (np.asarray(lb.log_iv(V, X)), 0.0), "log_kv": (np.asarray(lb.log_kv(V, X)), 0.0)}
    impls = {"exact": {"log_iv": lb.log_iv, "log_kv": lb.log_kv},
             "off": {"log_iv": lambda v, x: lb.log_iv(v, x) * (1 + 8 * EPS),
                     "log_kv": lambda v, x: np.where(v > 50, np.nan, lb.log_kv(v, x))}}
    maps = accuracy_tool.error_maps(grid, impls)
    assert np.all(maps["exact", "log_iv"] == 0)
    assert np.isinf(maps["off", "log_kv"][2]).all() and np.isfinite(maps["off", "log_kv"][:2]).all()
    s = accuracy_tool.summary(maps["off", "log_kv"])
    assert s["nonfinite"] == pytest.approx(1 / 3) and s["max"] == 0
    path = accuracy_tool.plot_maps(grid, maps, tmp_path / "map.png", "test")
    assert path.read_bytes()[:8] == PNG


def test_accuracy_tool_takes_tfp_when_installed(accuracy_tool, monkeypatch):
    # TFP is optional and not installed here: a stand-in module takes its place
    import types
    fake = types.ModuleType("tensorflow_probability.substrates.numpy")
    fake.math = types.SimpleNamespace(log_bessel_ive=lambda v, x: lb.log_iv(v, x) - x,
                                      log_bessel_kve=lambda v, x: lb.log_kv(v, x) + x)
    parent = types.ModuleType("tensorflow_probability")
    parent.substrates = types.ModuleType("tensorflow_probability.substrates")
    parent.substrates.numpy = fake
    for name, mod in (("tensorflow_probability", parent),
                      ("tensorflow_probability.substrates", parent.substrates),
                      ("tensorflow_probability.substrates.numpy", fake)):
        monkeypatch.setitem(sys.modules, name, mod)
    impls = accuracy_tool.implementations()
    tfp = [label for label in impls if label.startswith("TFP")]
    assert len(tfp) == 1 and "logbessel" in impls
    v, x = np.array([2.0, 300.0]), np.array([1.5, 200.0])
    np.testing.assert_allclose(impls[tfp[0]]["log_iv"](v, x), lb.log_iv(v, x), rtol=1e-13)
    np.testing.assert_allclose(impls[tfp[0]]["log_kv"](v, x), lb.log_kv(v, x), rtol=1e-13)
    assert not any(label.startswith("TFP") for label in
                   accuracy_tool.implementations(use_tfp=False))
