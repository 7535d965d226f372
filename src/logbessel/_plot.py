"""The picture of a von Mises-Fisher fit (``logbessel fit FILE --plot OUT.png``).

Under vMF(mu, kappa) on S^{p-1}, w = mu^T x has the density on [-1, 1]

    f(w) = C_p(kappa) |S^{p-2}| e^{kappa w} (1 - w^2)^{(p-3)/2},
    |S^{p-2}| = 2 pi^{(p-1)/2} / Gamma((p-1)/2)   (the area of the unit sphere in R^{p-1})

(the density Wood 1994 samples w from, Commun. Statist. Simul. Comput. 23, 157). It is
taken in log form, e^{kappa w} as e^{kappa} e^{-kappa (1 - w)}, so that nothing overflows
at p = 32768 and kappa = 1e5, where f is a spike of width ~1e-3 and each factor is far
beyond the double range. The picture uses a numerical normaliser (MarginalTable: the
density of the angle t = arccos w, which has no pole at the ends even for p = 2, relative
to its maximum, integrated on a grid refined around the bulk of the mass), which works
for any kappa; the closed form (C_p from ``_vmf_core.log_normalizer``) is
marginal_logpdf, and the tests hold the two together.

The picture: a histogram of w over the rows against f, and a Q-Q panel (quantiles of the
rows' w against those of f). matplotlib is imported inside the plotting function only;
``require_matplotlib`` says clearly when it is missing.
"""
from __future__ import annotations

import math

import numpy as np

from ._vmf_core import log_normalizer

MATPLOTLIB_MISSING = ("--plot needs matplotlib, which is not installed: pip install "
                      "matplotlib (or the plot extra: pip install \"logbessel[plot]\")")
# the grid of the CDF keeps the points where the log density of t is within this of its
# maximum (e^-45 ~ 3e-20 relative: the mass left out is far below the integration error)
_LOG_DROP = 45.0


def require_matplotlib():
    """Import matplotlib (Agg backend) or raise ImportError with MATPLOTLIB_MISSING."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(MATPLOTLIB_MISSING) from None
    matplotlib.use("Agg")
    return matplotlib


def _check(p, kappa):
    if not (p >= 2 and math.isfinite(p)):
        raise ValueError(f"p must be finite and >= 2; got {p!r}")
    if not (kappa >= 0 and math.isfinite(kappa)):
        raise ValueError(f"kappa must be finite and >= 0; got {kappa!r}")


def log_marginal_constant(p, kappa):
    """log(C_p(kappa) |S^{p-2}|) + kappa, the closed-form constant of marginal_logpdf (its
    density is this constant times e^{-kappa (1 - w)} (1 - w^2)^{(p-3)/2}). The sum of the
    two kappa-sized terms is good to ~kappa eps absolute."""
    log_area = math.log(2.0) + 0.5 * (p - 1) * math.log(math.pi) - math.lgamma(0.5 * (p - 1))
    return float(log_normalizer(float(p), float(kappa))) + log_area + kappa


def _log_shape_w(w, p, kappa):
    """-kappa (1 - w) + (p-3)/2 log(1 - w^2) on -1 < w < 1 (the log density up to its
    constant); log(1 - w^2) as log1p(-w) + log1p(w), with no cancellation near w = +-1."""
    return -kappa * (1.0 - w) + 0.5 * (p - 3.0) * (np.log1p(-w) + np.log1p(w))


def _log_shape_t(t, p, kappa):
    """The log density of t = arccos w up to a constant: -kappa (1 - cos t) + (p-2) log sin t,
    with 1 - cos t = 2 sin^2(t/2) (no cancellation for small t, where a large kappa puts
    the mass). sin t is floored at 1e-300 at the ends t = 0, pi: p = 2 has no such factor
    (0 * log 0 would be nan), and for p > 2 the density is 0 there for all purposes."""
    s = np.sin(0.5 * t)
    return -2.0 * kappa * s * s + (p - 2.0) * np.log(np.maximum(np.sin(t), 1e-300))


def marginal_logpdf(w, p, kappa):
    """log f(w), the density of w = mu^T x under vMF(mu, kappa) on S^{p-1}, in closed form
    (log_marginal_constant); -inf outside [-1, 1] (and at w = +-1 for p > 3)."""
    p, kappa = float(p), float(kappa)
    _check(p, kappa)
    w = np.asarray(w, dtype=np.float64)
    inside = (w > -1.0) & (w < 1.0)
    out = log_marginal_constant(p, kappa) + _log_shape_w(np.where(inside, w, 0.0), p, kappa)
    return np.where(inside, out, -np.inf)


def _cumulative_simpson(g, h):
    """Integral of g (on a uniform grid of odd length, step h) from the first point to each
    point: Simpson's rule over each pair of steps, and at the point inside a pair the
    integral of the parabola through the pair's three values (h/12 (5 g0 + 8 g1 - g2))."""
    g0, g1, g2 = g[:-2:2], g[1:-1:2], g[2::2]
    pairs = h / 3 * (g0 + 4 * g1 + g2)
    full = np.concatenate([[0.0], np.cumsum(pairs)])
    out = np.empty_like(g)
    out[::2] = full
    out[1::2] = full[:-1] + h / 12 * (5 * g0 + 8 * g1 - g2)
    return out


class MarginalTable:
    """The marginal density of w and its CDF on a grid of n points (w increasing) covering
    all of its mass but where the density is below e^-45 of its peak, normalised
    numerically: the shape in t = arccos w (whose density has no pole at the ends, even
    for p = 2) is taken relative to its maximum (log-sum-exp style: nothing overflows at
    p = 32768, kappa = 1e5, or any kappa) and integrated by Simpson's rule on a uniform
    grid in t, refined around the bulk. Fields: w, pdf, cdf (P(W <= w), ending at 1),
    log_norm (the log of the integral of the shape e^{_log_shape_w}, so that
    log f(w) = _log_shape_w - log_norm; the tests compare it with the closed form)."""

    def __init__(self, p, kappa, n=4001):
        p, kappa = float(p), float(kappa)
        _check(p, kappa)
        lo, hi = 0.0, math.pi
        for _ in range(60):    # zoom into the (single) interval where the density lives
            t = np.linspace(lo, hi, 2001)
            lg = _log_shape_t(t, p, kappa)
            keep = np.flatnonzero(lg >= np.max(lg) - _LOG_DROP)
            i0, i1 = max(keep[0] - 1, 0), min(keep[-1] + 1, t.size - 1)
            if i1 - i0 >= 1000 or not t[i1] - t[i0] > 1e-300:
                break
            lo, hi = t[i0], t[i1]
        n += 1 - n % 2                                      # odd: pairs of steps
        t = np.linspace(lo, hi, n)
        lg = _log_shape_t(t, p, kappa)
        top = float(np.max(lg))
        cum = _cumulative_simpson(np.exp(lg - top), t[1] - t[0])   # P(T <= t) * total
        total = float(cum[-1])
        self.log_norm = top + math.log(total)
        self.w = np.cos(t)[::-1]
        self.cdf = ((total - cum) / total)[::-1]
        with np.errstate(divide="ignore"):
            self.pdf = np.exp(self.logpdf(self.w, p, kappa))
        self.p, self.kappa = p, kappa

    def logpdf(self, w, p=None, kappa=None):
        """log f(w) with the numerical normaliser; -inf outside (-1, 1)."""
        p = self.p if p is None else p
        kappa = self.kappa if kappa is None else kappa
        w = np.asarray(w, dtype=np.float64)
        inside = (w > -1.0) & (w < 1.0)
        out = _log_shape_w(np.where(inside, w, 0.0), p, kappa) - self.log_norm
        return np.where(inside, out, -np.inf)

    def quantiles(self, q):
        """The marginal's quantiles at the levels q (the inverse of the CDF, linear between
        the grid points)."""
        return np.interp(q, self.cdf, self.w)


def empirical_quantiles(q, w, weights=None):
    """Quantiles at the levels q of the (weighted) sample w: the inverse of its CDF with
    the plotting positions (cumulative weight - weight/2) / total, (i - 1/2)/n unweighted."""
    order = np.argsort(w, kind="stable")
    ws = np.asarray(w, dtype=np.float64)[order]
    if weights is None:
        pos = (np.arange(ws.size) + 0.5) / ws.size
    else:
        wt = np.asarray(weights, dtype=np.float64)[order]
        cum = np.cumsum(wt)
        pos = (cum - 0.5 * wt) / cum[-1]
    return np.interp(q, pos, ws)


def qq_points(w, p, kappa, weights=None, m=500, table=None):
    """(theoretical, empirical) quantiles of w at m levels (i - 1/2)/m (m at most the
    number of rows); both increasing."""
    m = max(1, min(int(m), np.size(w)))
    q = (np.arange(m) + 0.5) / m
    table = MarginalTable(p, kappa) if table is None else table
    return table.quantiles(q), empirical_quantiles(q, w, weights)


def projections(X, mu, block=65536):
    """w = X @ mu row by row, a block of rows at a time (X may be a memory map)."""
    mu = np.asarray(mu, dtype=np.float64)
    n = X.shape[0]
    w = np.empty(n)
    for i in range(0, n, block):
        w[i:i + block] = np.asarray(X[i:i + block], dtype=np.float64) @ mu
    return w


def plot_fit(path, w, p, kappa, weights=None, title=None):
    """Write the picture of a fit to path: the histogram of w = mu^T x over the rows against
    the fitted marginal density f, and the Q-Q panel. Returns a dict of the arrays behind
    it (bins, counts, the density curve, the Q-Q points)."""
    require_matplotlib()
    import matplotlib.pyplot as plt

    # w is a cosine: a row on mu may give 1 + 2^-52 from rounding
    w = np.clip(np.asarray(w, dtype=np.float64), -1.0, 1.0)
    n = w.size
    fig, (ax_h, ax_q) = plt.subplots(1, 2, figsize=(9.0, 3.8), layout="constrained")
    arrays = {}
    finite = math.isfinite(kappa)
    # the range: the bulk of the data and of the fitted marginal
    d_lo, d_hi = np.percentile(w, [0.1, 99.9]) if n > 1 else (w[0], w[0])
    if finite:
        table = MarginalTable(p, kappa)
        m_lo, m_hi = table.quantiles([1e-4, 1 - 1e-4])
        lo, hi = min(d_lo, m_lo), max(d_hi, m_hi)
    else:
        lo, hi = d_lo, d_hi
    if not hi - lo > 1e-12:     # every row (nearly) the same: show them in a range of 0.1
        lo, hi = max(-1.0, lo - 0.05), min(1.0, hi + 0.05)
    pad = 0.03 * (hi - lo)
    lo, hi = max(lo - pad, -1.0), min(hi + pad, 1.0)
    nbins = int(np.clip(2 * math.sqrt(n), 10, 80))
    inside = (w >= lo) & (w <= hi)
    counts, edges = np.histogram(w[inside], bins=nbins, range=(lo, hi),
                                 weights=None if weights is None else
                                 np.asarray(weights, dtype=np.float64)[inside])
    total = float(n if weights is None else np.sum(weights))
    density = counts / (total * np.diff(edges)) if total > 0 else counts * 0.0
    ax_h.stairs(density, edges, fill=True, color="#9ecae1", label="rows (histogram)")
    arrays.update(edges=edges, hist_density=density, outside=int(n - inside.sum()))
    if finite:
        # the open interval (-1, 1): f is finite at w = +-1 for p = 3, infinite for p < 3
        grid = np.clip(np.linspace(lo, hi, 600), np.nextafter(-1.0, 0), np.nextafter(1.0, 0))
        curve = np.exp(table.logpdf(grid))
        ax_h.plot(grid, curve, color="#d62728", lw=1.5, label="fitted density of w")
        if p < 3:   # keep the poles at +-1 from setting the scale
            ax_h.set_ylim(0, 1.2 * max(float(np.max(density, initial=0)),
                                       float(np.max(curve[3:-3]))))
        arrays.update(curve_w=grid, curve_pdf=curve)
    out = arrays["outside"]
    note = f"{out} row{'s' if out > 1 else ''} outside the range shown" if out else None
    ax_h.set_xlabel("w = mu^T x")
    ax_h.set_ylabel("density")
    ax_h.legend(fontsize=8, title=note, title_fontsize=7)
    ax_h.ticklabel_format(axis="x", useOffset=True)
    if finite:
        theo, emp = qq_points(w, p, kappa, weights, table=table)
        ax_q.plot(theo, emp, ".", ms=3, color="#1f77b4")
        both = np.concatenate([theo, emp])
        a, b = float(np.min(both)), float(np.max(both))
        ax_q.plot([a, b], [a, b], color="0.4", lw=0.8, ls="--", label="y = x")
        ax_q.legend(fontsize=8)
        arrays.update(qq_theoretical=theo, qq_empirical=emp)
        ax_q.set_xlabel("quantiles of the fitted density of w")
    else:
        ax_q.text(0.5, 0.5, "kappa = inf: every row is mu;\nno density to compare with",
                  ha="center", va="center", transform=ax_q.transAxes)
        ax_q.set_xlabel("(no fitted density)")
    ax_q.set_ylabel("quantiles of w over the rows")
    ax_q.set_title("Q-Q", fontsize=9)
    ax_h.set_title(title or f"vMF fit: n = {n}, p = {p:g}, kappa = {kappa:.6g}", fontsize=9)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return arrays
