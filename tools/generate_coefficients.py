#!/usr/bin/env python3
"""Generate the coefficient headers of logbessel from exact or high-precision arithmetic.

Writes:
  csrc/logbessel/debye.h        Debye polynomials u_k(p) of DLMF 10.41.10, in exact rational
                                arithmetic, rewritten for the (1/r, q = (v/r)^2) form used by
                                the uniform expansion, plus the table of how many terms each
                                range of r = sqrt(v^2 + x^2) needs.
  csrc/logbessel/eta_coeffs.h   eta(z) = sqrt(1+z^2) - asinh(1/z) (the Debye exponent, F = v eta(x/v))
                                as (z - z0) Q(z) on [1/4, 5/4], Q by piecewise Chebyshev
                                interpolation at 50 digits (mpmath).
  csrc/logbessel/log_table.h    log(j/256), j = 192..384, as double-double pairs (mpmath, 50
                                digits), for the table-driven double-double logarithm.
  csrc/logbessel/gamma_coeffs.h Taylor coefficients of 1/Gamma(1+z) at z = 0 (DLMF 5.7.1) and
                                the Stirling (Binet) series coefficients B_2k / (2k (2k-1))
                                (DLMF 5.11.1).

Run from the project root:  python tools/generate_coefficients.py
Needs only the standard library and mpmath (for the 1/Gamma Taylor coefficients, computed at
80 significant digits; the Debye and Bernoulli coefficients are exact rationals).
"""
from fractions import Fraction as Fr
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "csrc" / "logbessel"

KMAX = 20          # highest Debye term generated
TERM_TOL = 1e-17   # a term is dropped once max_q |P_k(q)| / r^k < TERM_TOL
# numbers of terms of the classes of r in debye_log_sums (the last: all DEBYE_R_MIN needs)
DEBYE_CLASSES = tuple(int(k) for k in __import__("os").environ.get("DEBYE_CLASSES", "5,8,12,19").split(","))


def debye_polynomials(kmax):
    """u_k(p) as {power: Fraction}; u_{k+1} = p^2 (1-p^2) u_k'/2 + (1/8) int_0^p (1-5t^2) u_k."""
    u = [{0: Fr(1)}]
    for _ in range(kmax):
        uk = u[-1]
        new = {}
        for e, c in uk.items():
            if e:
                d = c * e
                new[e + 1] = new.get(e + 1, 0) + d / 2
                new[e + 3] = new.get(e + 3, 0) - d / 2
            new[e + 1] = new.get(e + 1, 0) + c / (8 * (e + 1))
            new[e + 3] = new.get(e + 3, 0) - 5 * c / (8 * (e + 3))
        u.append({e: c for e, c in new.items() if c != 0})
    return u


def _poly_mul(a, b):
    out = [Fr(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] += x * y
    return out


def _poly_add(a, b):
    out = [Fr(0)] * max(len(a), len(b))
    for i, x in enumerate(a):
        out[i] += x
    for i, x in enumerate(b):
        out[i] += x
    return out


def log_debye_polynomials(P):
    """L_k(q) with log(1 + sum_k P_k(q) w^k) = sum_k L_k(q) w^k, exactly, for k = 1..len(P):
    log(1 + S) = sum_n (-1)^(n+1) S^n / n, with S^n truncated at w^len(P)."""
    kmax = len(P)
    S = {k + 1: P[k] for k in range(kmax)}
    L = {k: [Fr(0)] for k in S}
    Sn = dict(S)
    for n in range(1, kmax + 1):
        for k, pk in Sn.items():
            L[k] = _poly_add(L[k], [c * Fr((-1) ** (n + 1), n) for c in pk])
        nxt = {}
        for k1, p1 in Sn.items():
            for k2, p2 in S.items():
                if k1 + k2 <= kmax:
                    nxt[k1 + k2] = _poly_add(nxt.get(k1 + k2, [Fr(0)]), _poly_mul(p1, p2))
        Sn = nxt
    return [L[k] for k in range(1, kmax + 1)]


def fmt(x):
    s = repr(float(x))
    if "e" not in s and "." not in s and "inf" not in s:
        s += ".0"
    return s


def horner(coeffs, var):
    """coeffs[j] multiplies var^j; returns a nested fma expression."""
    expr = fmt(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        expr = f"fma({expr}, {var}, {fmt(c)})"
    return expr


def max_abs_on_unit(coeffs, n=4001):
    best = 0.0
    for i in range(n):
        q = Fr(i, n - 1)
        val = sum(Fr(c) * q**j for j, c in enumerate(coeffs))
        best = max(best, abs(float(val)))
    return best


def gen_debye():
    import math
    u = debye_polynomials(KMAX)
    P = []  # P_k(q): u_k(p) = p^k P_k(p^2)
    for k in range(1, KMAX + 1):
        coeffs = [Fr(0)] * (k + 1)
        for e, c in u[k].items():
            j = (e - k) // 2
            assert (e - k) % 2 == 0 and 0 <= j <= k
            coeffs[j] = c
        P.append(coeffs)
    # tiers: for each K, the smallest r at which term K+1 (the first one dropped) is < TERM_TOL
    maxes = [max_abs_on_unit([float(c) for c in co], 1001) for co in P]
    tiers = []  # (r_min, K): use K terms for r >= r_min
    for K in range(0, KMAX):
        m = maxes[K]  # max of P_{K+1}
        rmin = (m / TERM_TOL) ** (1.0 / (K + 1))
        tiers.append((rmin, K))
    # keep only tiers whose r_min decreases (more terms -> smaller radius)
    useful = []
    best = float("inf")
    for rmin, K in tiers:
        if rmin < best:
            useful.append((rmin, K))
            best = rmin
    lines = []
    w = lines.append
    w("// GENERATED by tools/generate_coefficients.py -- do not edit by hand.")
    w("// Debye polynomials of the uniform asymptotic expansions of I_v and K_v for large")
    w("// r = sqrt(v^2 + x^2) (DLMF 10.41.3, 10.41.4, 10.41.10), in the form")
    w("//   u_k(p) / v^k = P_k(q) / r^k,   p = v / r,   q = p^2,")
    w("// which stays finite as v -> 0 (it then reduces to the Hankel expansion, DLMF 10.40).")
    w("// Coefficients are exact rationals rounded once to double.")
    w("#pragma once")
    w('#include "config.h"')
    w("")
    w("namespace logbessel {")
    w("namespace detail {")
    w("")
    w(f"// Number of Debye terms needed for a relative truncation error below {TERM_TOL:g}:")
    w("// use debye_terms(r) terms; below DEBYE_R_MIN the expansion is not used.")
    rmin_all = useful[-1][0]
    import math
    rmin_rounded = math.ceil(rmin_all * 4) / 4
    w(f"constexpr double DEBYE_R_MIN = {fmt(rmin_rounded)};  // needs {useful[-1][1]} terms")
    w("LOGBESSEL_INLINE int debye_terms(double r) {")
    for rmin, K in useful:
        if K == useful[-1][1]:
            w(f"    return {K};")
        else:
            w(f"    if (r >= {fmt(math.ceil(rmin * 100) / 100)}) return {K};")
    w("}")
    w("")
    w(f"constexpr int DEBYE_KMAX = {useful[-1][1]};")
    w("")
    w("// P_k(q) for k = 1 .. DEBYE_KMAX (Horner in q).")
    w("LOGBESSEL_INLINE double debye_P(int k, double q) {")
    w("    switch (k) {")
    for k in range(1, useful[-1][1] + 1):
        w(f"    case {k}: return {horner(P[k-1], 'q')};")
    w("    default: return 0.0;")
    w("    }")
    w("}")
    w("")
    # log form: the expansions enter as log(1 + sum_k P_k w^k) = sum_k L_k w^k, summed
    # directly (no log1p), with a fixed number of terms per class of r (few, predictable
    # branches instead of one exit per term count)
    L = log_debye_polynomials(P)
    lmax = [max_abs_on_unit([float(c) for c in co], 1001) for co in L]
    kmax_used = useful[-1][1]
    w("// log(1 + sum_k P_k(q) w^k) = sum_k L_k(q) w^k (the cumulants of the Debye series, exact")
    w("// rationals from the P_k), split into even and odd parts in w = 1/r:")
    w("//   E = sum_{k even} L_k(q) w^k,  O = sum_{k odd} L_k(q) w^k,")
    w("// so that log(1 + sum_k u_k(p)/v^k) = E + O (for I) and log(1 + sum_k (-1)^k u_k(p)/v^k)")
    w("// = E - O (for K). Terms are summed in classes of r, each with the number of terms")
    w(f"// its smallest r needs for a truncation error below {TERM_TOL:g} (extra terms at larger")
    w("// r are harmless: the series is still decreasing there).")
    classes = list(DEBYE_CLASSES)
    assert classes[-1] == kmax_used
    w(f"constexpr int DEBYE_NCLASSES = {len(classes)};")
    w("// The class of r >= DEBYE_R_MIN (0 needs the fewest terms): the number of class")
    w("// thresholds above r, counted without branches (r is random from input to input).")
    w("LOGBESSEL_INLINE int debye_class(double r) {")
    parts = []
    for i, K in enumerate(classes[:-1]):
        rmin = (lmax[K] / TERM_TOL) ** (1.0 / (K + 1))
        parts.append(f"int(r < {fmt(math.ceil(rmin * 100) / 100)})")
    w(f"    return {' + '.join(parts)};  // " + ", ".join(f"class {i}: {K} terms" for i, K in enumerate(classes)))
    w("}")
    w("")
    w("// The same from r^2 (thresholds squared, rounded): for grouping inputs by their work")
    w("// only; the terms a lane gets come from debye_class(r).")
    w("LOGBESSEL_INLINE int debye_class_r2(double r2) {")
    parts2 = []
    for i, K in enumerate(classes[:-1]):
        rmin = math.ceil((lmax[K] / TERM_TOL) ** (1.0 / (K + 1)) * 100) / 100
        parts2.append(f"int(r2 < {fmt(rmin * rmin)})")
    w(f"    return {' + '.join(parts2)};")
    w("}")
    w("")
    # term k is needed below the threshold of the largest class with fewer than k terms
    thresholds = []  # (K of class i, its r_min) for all classes but the last
    for K in classes[:-1]:
        rmin = (lmax[K] / TERM_TOL) ** (1.0 / (K + 1))
        thresholds.append((K, math.ceil(rmin * 100) / 100))

    def needed_below(k):
        best = None
        for K, rmin in thresholds:
            if K < k:
                best = rmin
        return best

    w("// N lanes in lockstep (see lanes in config.h): cls is the largest debye_class among the")
    w("// lanes, r their r; each lane gets exactly the terms its own class has (a term beyond")
    w("// them leaves its Horner accumulator at 0), so every lane's result is the one it gets alone.")
    w("template <int N>")
    w("LOGBESSEL_INLINE void debye_log_sums_n(int cls, const double* r, const double* q, const double* w, double* E, double* O) {")
    for i, K in enumerate(classes):
        head = "if" if i == 0 else "} else if"
        if i < len(classes) - 1:
            w(f"    {head} (cls == {i}) {{  // up to {K} terms")
        else:
            w(f"    }} else {{  // up to {K} terms")
        ke = K if K % 2 == 0 else K - 1
        ko = K if K % 2 == 1 else K - 1
        w("        LOGBESSEL_LANES")
        w("        for (int l = 0; l < N; ++l) {")
        w("            const double ql = q[l], w2 = w[l] * w[l];")
        w("            double e = 0.0, o = 0.0;")
        for k in range(K, 0, -1):
            var = "o" if k % 2 else "e"
            step = f"fma({var}, w2, {horner(L[k - 1], 'ql')})"
            lim = needed_below(k)
            if lim is None:
                w(f"            {var} = {step};")
            else:
                w(f"            {var} = r[l] < {fmt(lim)} ? {step} : {var};")
        w("            E[l] = e * w2;")
        w("            O[l] = o * w[l];")
        w("        }")
    w("    }")
    w("}")
    w("")
    w("}  // namespace detail")
    w("}  // namespace logbessel")
    (OUT / "debye.h").write_text("\n".join(lines) + "\n")
    return useful


def gen_gamma():
    import mpmath as mp
    mp.mp.dps = 80
    n = 30
    coeffs = mp.taylor(lambda z: mp.rgamma(1 + z), 0, n)
    # keep terms until |c_k| 0.5^k < 1e-20 (|z| <= 1/2)
    keep = 0
    for k, c in enumerate(coeffs):
        if abs(c) * mp.mpf(0.5) ** k > mp.mpf("1e-20"):
            keep = k
    coeffs = coeffs[: keep + 1]
    # Bernoulli numbers (exact) for the Binet series
    B = [Fr(1)]
    from math import comb
    for m in range(1, 40):
        B.append(-sum(comb(m + 1, j) * B[j] for j in range(m)) / Fr(m + 1))
    binet = [B[2 * k] / (2 * k * (2 * k - 1)) for k in range(1, 14)]
    lines = []
    w = lines.append
    w("// GENERATED by tools/generate_coefficients.py -- do not edit by hand.")
    w("#pragma once")
    w('#include "config.h"')
    w("")
    w("namespace logbessel {")
    w("namespace detail {")
    w("")
    w("// 1/Gamma(1+z) = sum_k g_k z^k (DLMF 5.7.1 shifted), |z| <= 1/2; coefficients computed")
    w("// with mpmath at 80 digits and rounded once.")
    w(f"constexpr int RGAMMA_NCOEF = {len(coeffs)};")
    w("LOGBESSEL_INLINE double rgamma1p_series(double z) {")
    w(f"    return {horner([float(c) for c in coeffs], 'z')};")
    w("}")
    ev = [float(c) for c in coeffs[0::2]]
    od = [float(c) for c in coeffs[1::2]]
    w("// Gamma2(mu) = (1/Gamma(1-mu) + 1/Gamma(1+mu))/2 = sum_j g_{2j} mu^{2j}")
    w("LOGBESSEL_INLINE double temme_gamma2(double mu2) {")
    w(f"    return {horner(ev, 'mu2')};")
    w("}")
    w("// Gamma1(mu) = (1/Gamma(1-mu) - 1/Gamma(1+mu))/(2 mu) = -sum_j g_{2j+1} mu^{2j}")
    w("LOGBESSEL_INLINE double temme_gamma1(double mu2) {")
    w(f"    return -({horner(od, 'mu2')});")
    w("}")
    w("")
    w("// Binet's function B(v) = lgamma(v) - ((v-1/2) log v - v + log(2 pi)/2)")
    w("//   ~ sum_k B_2k / (2k (2k-1) v^(2k-1))  (DLMF 5.11.1), exact Bernoulli numbers.")
    w("// Used for v >= BINET_V_MIN, where the 13 terms give an absolute error below 1e-18.")
    w("constexpr double BINET_V_MIN = 8.0;")
    w("LOGBESSEL_INLINE double binet(double v) {")
    w("    const double t = 1.0 / v;")
    w("    const double t2 = t * t;")
    w(f"    return t * {horner([float(c) for c in binet], 't2')};")
    w("}")
    w("")
    w("}  // namespace detail")
    w("}  // namespace logbessel")
    (OUT / "gamma_coeffs.h").write_text("\n".join(lines) + "\n")


ETA_Z_MIN, ETA_Z_MAX, ETA_PIECES = 0.25, 1.25, 8  # z = x/v range of the band, equal pieces
ETA_TRUNC_TOL = 5e-19  # relative truncation error of each piece (rounding to double adds ~1 ulp)


def gen_eta():
    """eta(z) = sqrt(1 + z^2) - asinh(1/z) = (z - z0) Q(z) around its zero z0 = 0.6627...;
    Q(z) > 0 is analytic on [ETA_Z_MIN, ETA_Z_MAX] (nearest singularity: z = 0), so each
    piece is a polynomial in t = (z - center) / half_width of modest degree, and
    F = v (z - z0) Q(z) keeps full relative accuracy where F = r - v asinh(v/x) cancels."""
    import mpmath as mp
    mp.mp.dps = 50
    eta = lambda z: mp.sqrt(1 + z * z) - mp.asinh(1 / z)
    z0 = mp.findroot(eta, mp.mpf("0.66"))
    dq0 = mp.sqrt(1 + z0 * z0) / z0  # eta'(z0)

    def Q(z):
        return dq0 if abs(z - z0) < mp.mpf("1e-40") else eta(z) / (z - z0)

    def fit(a, b, deg):  # interpolation at Chebyshev nodes, monomial coefficients in t
        n = deg + 1
        nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
        A = mp.matrix([[t ** j for j in range(n)] for t in nodes])
        vals = mp.matrix([Q((a + b) / 2 + (b - a) / 2 * t) for t in nodes])
        c = mp.lu_solve(A, vals)
        return [c[j] for j in range(n)]

    def trunc_err(a, b, c, m=60):
        worst = 0
        for i in range(m + 1):
            t = -1 + 2 * mp.mpf(i) / m
            z = (a + b) / 2 + (b - a) / 2 * t
            worst = max(worst, abs(sum(cj * t ** j for j, cj in enumerate(c)) / Q(z) - 1))
        return worst

    width = mp.mpf(ETA_Z_MAX - ETA_Z_MIN) / ETA_PIECES
    pieces = []
    for i in range(ETA_PIECES):
        a = ETA_Z_MIN + i * width
        b = a + width
        for deg in range(4, 40):
            c = fit(a, b, deg)
            if trunc_err(a, b, c) < ETA_TRUNC_TOL:
                break
        pieces.append((a, b, c))
    z0_hi = float(z0)
    z0_lo = float(z0 - mp.mpf(z0_hi))
    lines = []
    w = lines.append
    w("// GENERATED by tools/generate_coefficients.py -- do not edit by hand.")
    w("// The Debye exponent eta(z) = sqrt(1 + z^2) - asinh(1/z) (DLMF 10.41.7 with z = x/v;")
    w("// F = v eta(x/v)) near its zero z0, as eta(z) = (z - z0) Q(z) with Q > 0 analytic on")
    w(f"// [{ETA_Z_MIN}, {ETA_Z_MAX}]: {ETA_PIECES} equal pieces, each a polynomial in t = (z - center)/half_width")
    w(f"// (Chebyshev interpolation at 50 digits, truncation below {ETA_TRUNC_TOL:g} relative, coefficients")
    w("// rounded once to double).")
    w("#pragma once")
    w('#include "config.h"')
    w("")
    w("namespace logbessel {")
    w("namespace detail {")
    w("")
    w(f"constexpr double ETA_Z0 = {fmt(z0_hi)};  // zero of eta, double-double")
    w(f"constexpr double ETA_Z0_LO = {fmt(z0_lo)};")
    w(f"constexpr double ETA_Z_MIN = {fmt(ETA_Z_MIN)};")
    w(f"constexpr double ETA_Z_MAX = {fmt(ETA_Z_MAX)};")
    w("")
    w("// Q(z) = eta(z) / (z - z0) = hi + lo for ETA_Z_MIN <= z < ETA_Z_MAX, to ~1e-18 relative:")
    w("// the constant term in double-double, the rest (below 8% of it) in double.")
    w("LOGBESSEL_INLINE double eta_ratio(double z, double& lo) {")
    inv_w = 1 / width
    w(f"    const int piece = int((z - ETA_Z_MIN) * {fmt(float(inv_w))});")
    w("    switch (piece) {")
    for i, (a, b, c) in enumerate(pieces):
        center = float((a + b) / 2)
        half = float((b - a) / 2)
        w(f"    case {i}: {{  // [{float(a)}, {float(b)}), degree {len(c) - 1}")
        w(f"        const double t = (z - {fmt(center)}) * {fmt(1 / half)};  // exact")
        c0_hi = float(c[0])
        c0_lo = float(c[0] - mp.mpf(c0_hi))
        assert max(abs(x) for x in c[1:]) < mp.mpf("0.1") * abs(c[0])
        w(f"        const double s = fma(t, {horner([float(x) for x in c[1:]], 't')}, {fmt(c0_lo)});")
        w(f"        const double hi = {fmt(c0_hi)} + s;")
        w(f"        lo = ({fmt(c0_hi)} - hi) + s;")
        w("        return hi;")
        w("    }")
    w("    default: lo = 0.0; return 0.0;")
    w("    }")
    w("}")
    w("")
    w("}  // namespace detail")
    w("}  // namespace logbessel")
    (OUT / "eta_coeffs.h").write_text("\n".join(lines) + "\n")


LOG_TABLE_N = 256  # table spacing 1/N over [0.75, 1.5]


def gen_log_table():
    import mpmath as mp
    mp.mp.dps = 50
    j0, j1 = 3 * LOG_TABLE_N // 4, 3 * LOG_TABLE_N // 2
    his, los = [], []
    for j in range(j0, j1 + 1):
        val = mp.log(mp.mpf(j) / LOG_TABLE_N)
        hi = float(val)
        lo = float(val - mp.mpf(hi))
        his.append(fmt(hi))
        los.append(fmt(lo))
    lines = []
    w = lines.append
    w("// GENERATED by tools/generate_coefficients.py -- do not edit by hand.")
    w(f"// log(j/{LOG_TABLE_N}) for j = {j0} .. {j1} (the points c = j/{LOG_TABLE_N} of [0.75, 1.5]) as")
    w("// double-double pairs hi + lo, computed with mpmath at 50 digits: the table of dd_log.")
    w("// The data exist twice in the object code, never in the source: once for the host and,")
    w("// under CUDA, once in device memory (a host constant cannot be read by device code).")
    w("#pragma once")
    w('#include "config.h"')
    w("")
    w("namespace logbessel {")
    w("namespace detail {")
    w("")
    w(f"constexpr int LOG_TABLE_N = {LOG_TABLE_N};")
    w(f"constexpr int LOG_TABLE_J0 = {j0};")
    w("")
    w("#define LOGBESSEL_LOG_TABLE_HI \\")
    w("    {" + ", ".join(his) + "}")
    w("#define LOGBESSEL_LOG_TABLE_LO \\")
    w("    {" + ", ".join(los) + "}")
    w("#if defined(__CUDACC__) || defined(__CUDACC_RTC__)")
    w("__device__ const double LOG_TABLE_HI_DEV[] = LOGBESSEL_LOG_TABLE_HI;")
    w("__device__ const double LOG_TABLE_LO_DEV[] = LOGBESSEL_LOG_TABLE_LO;")
    w("#endif")
    w("#if !defined(__CUDACC_RTC__)")
    w("constexpr double LOG_TABLE_HI_HOST[] = LOGBESSEL_LOG_TABLE_HI;")
    w("constexpr double LOG_TABLE_LO_HOST[] = LOGBESSEL_LOG_TABLE_LO;")
    w("#endif")
    w("#undef LOGBESSEL_LOG_TABLE_HI")
    w("#undef LOGBESSEL_LOG_TABLE_LO")
    w("")
    w(f"// log(j/{LOG_TABLE_N}) = hi + lo for LOG_TABLE_J0 <= j <= 2 LOG_TABLE_J0.")
    w("LOGBESSEL_INLINE void log_table(int j, double& hi, double& lo) {")
    w("#if defined(__CUDA_ARCH__)")
    w("    hi = LOG_TABLE_HI_DEV[j - LOG_TABLE_J0];")
    w("    lo = LOG_TABLE_LO_DEV[j - LOG_TABLE_J0];")
    w("#else")
    w("    hi = LOG_TABLE_HI_HOST[j - LOG_TABLE_J0];")
    w("    lo = LOG_TABLE_LO_HOST[j - LOG_TABLE_J0];")
    w("#endif")
    w("}")
    w("")
    w("}  // namespace detail")
    w("}  // namespace logbessel")
    (OUT / "log_table.h").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    tiers = gen_debye()
    gen_gamma()
    gen_log_table()
    gen_eta()
    for rmin, K in tiers:
        print(f"K={K:2d} terms for r >= {rmin:.4g}")
