"""The docstrings of the public elementwise functions, by the registry's names
(csrc/logbessel/registry.h; tests/test_binding.py checks that every registry function has
one and that none is left over). The ufuncs' own one-line docstrings are the registry's
summaries."""

DOCS = {}

_ACCURACY = """
    Accuracy (float64, against certified arb references; error = |f - ref| / max(1, |ref|)):
    see the README's accuracy table. float32 inputs are computed in double and rounded once.
"""

_DTYPE = """dtype: there are two loops, float32 (computed in double, rounded once) and float64;
    NumPy takes the first that the inputs cast to safely, as it does for scipy.special:
    float32, float16, bool and 8- and 16-bit integers (signed or not) -> float32; float64,
    32- and 64-bit integers -> float64; float32 with float64 -> float64. Python numbers
    follow the array they meet (float32 array with 2.5 -> float32) and alone give float64
    (Python bools alone: float32). complex -> TypeError. Array objects whose dtype NumPy
    does not know (e.g. CPU torch tensors) are converted with numpy.asarray and give NumPy
    arrays; logbessel.torch keeps tensors and gradients."""

DOCS["log_iv"] = ("""log_iv(v, x, /, out=None, **ufunc_kwargs)

    Natural logarithm of the modified Bessel function of the first kind, log I_v(x).

    Domain: every real v, x >= 0. Computed in log space, so it never overflows or
    underflows: log_iv(1e8, 1e300) and log_iv(1e8, 1e-300) are finite.

    Special values: x = 0 -> 0 for v = 0 and -inf for v > 0; x = inf -> inf; v = inf
    (finite x) -> -inf; a value beyond the float64 range -> -inf or inf (e.g. v = 1e308,
    x = 1e-300). Negative integer v: I_{-n} = I_n. Negative non-integer v:
    I_{-a} = I_a + (2/pi) sin(a pi) K_a can be negative; the result is NaN where it is.
    NaN exactly for: NaN in, x < 0, v = -inf, v = x = inf, and those I_v(x) <= 0 (which
    needs sin(-v pi) < 0, i.e. floor(-v) odd); every other input gives a number or +-inf.

    """ + _DTYPE + "\n" + _ACCURACY)

DOCS["log_kv"] = ("""log_kv(v, x, /, out=None, **ufunc_kwargs)

    Natural logarithm of the modified Bessel function of the second kind, log K_v(x).

    Domain: every real v (K_{-v} = K_v), x >= 0, in log space (no overflow or underflow).
    Special values: x = 0 -> inf; x = inf -> -inf; |v| = inf with finite x > 0 -> inf; a
    value beyond the float64 range -> inf or -inf (e.g. v = 1e308, x = 1e-300).
    NaN exactly for: NaN in, x < 0, and |v| = inf with x = inf.

    """ + _DTYPE + "\n" + _ACCURACY)

DOCS["log_ive"] = ("""log_ive(v, x, /, out=None, **ufunc_kwargs)

    log(I_v(x) exp(-x)), the logarithm of the exponentially scaled I (TensorFlow
    Probability's log_bessel_ive; SciPy's log(ive(v, x)) without its overflow and underflow).

    Computed directly, never as log_iv(v, x) - x: at x = 1e10 log I is ~1e10 while this is
    ~-12.4, and the difference would keep about 7 digits. The uniform expansion uses the
    exponent (r - x) - v asinh(v/x) with r - x = v^2/(r + x), r = hypot(v, x); the power
    series (r < 24) subtracts x from its double-double logarithm before the one rounding.

    Domain: every real v, x >= 0. Special values: x = 0 -> as log_iv (0 for v = 0, -inf
    for v > 0); x = inf -> -inf (I_v(x) e^{-x} ~ 1/sqrt(2 pi x) -> 0); v = inf (finite x)
    -> -inf. Negative integer v: I_{-n} = I_n. Negative non-integer v: I_{-a} = I_a +
    (2/pi) sin(a pi) K_a (DLMF 10.27.2), both terms scaled by e^{-x}; NaN where I_v(x) <= 0.
    NaN exactly where log_iv is NaN: NaN in, x < 0, v = -inf, v = x = inf, and those
    I_v(x) <= 0 (which needs sin(-v pi) < 0, i.e. floor(-v) odd).
    Accuracy (float64, certified arb references, error |f - ref| / max(1, |ref|)): within
    3.1 eps (median 0.33) over v in [0, 1e8], x in [1e-300, 1e300] (the largest for r < 24,
    from the relative error of the series' sums), 3.4 eps for negative orders, 1.6 eps at
    the edges of the range (x down to 5e-324, v or x up to DBL_MAX); float32 within
    0.49 eps32.

    """ + _DTYPE + "\n")

DOCS["log_kve"] = ("""log_kve(v, x, /, out=None, **ufunc_kwargs)

    log(K_v(x) exp(x)), the logarithm of the exponentially scaled K (TensorFlow
    Probability's log_bessel_kve; SciPy's log(kve(v, x)) without its overflow).

    Computed directly, never as log_kv(v, x) + x (see log_ive): the uniform expansion with
    the exponent x - F = v asinh(v/x) - v^2/(r + x), and in double-double where K e^x is
    near 1 (v ~ sqrt(x log(2x/pi))), where that exponent and log(r)/2 cancel; CF2 with the
    Wronskian (0.5 < x, r < 24) adds x inside its double-double sum.

    Domain: every real v (K_{-v} = K_v), x >= 0. Special values: x = 0 -> inf; x = inf ->
    -inf (K_v(x) e^x ~ sqrt(pi/(2x)) -> 0); |v| = inf with finite x > 0 -> inf.
    NaN exactly for: NaN in, x < 0, and |v| = inf with x = inf (as log_kv).
    Accuracy (float64, certified arb references, error |f - ref| / max(1, |ref|)): within
    3.0 eps (median 0.23) for r = hypot(v, x) >= 24 and 6.1 eps for r < 24, 0.5 < x (CF2
    with the Wronskian: the relative error of the series' sums, which log_kv ~ -x hides);
    1.8 eps at the edges of the range; float32 within 0.49 eps32.

    """ + _DTYPE + "\n")

DOCS["iv_ratio"] = ("""iv_ratio(v, x, /, out=None, **ufunc_kwargs)

    The ratio I_v(x) / I_{v-1}(x), in (0, 1) for v >= 1/2 and x > 0.

    Computed directly (continued fraction, or the difference of uniform expansions), never
    as exp(log_iv(v, x) - log_iv(v - 1, x)), so it keeps full relative accuracy at
    v = 1e6, x = 1e-5 or x = 1e8. For 0 < v < 1/2, where I_{v-1} has negative order (and is
    positive), the same methods apply (the series of I_{v-1} with the order v - 1 never
    rounded): within 1 eps of the certified values. For integer v <= 0 it is
    1 / iv_ratio(1 - v, x) (I_{-n} = I_n). For other v < 0 it comes from the reflection
    formula I_{-a} = I_a + (2/pi) sin(a pi) K_a (DLMF 10.27.2) divided through by I_a, with
    ratios at positive orders: finite, and negative where one of I_v, I_{v-1} is negative
    (not NaN); near a zero of I_v or I_{v-1} it is as ill-conditioned as the ratio itself.
    x = 0 -> 0 (v > 0), +inf (integer v <= 0), -0 (other v < 0: the limit); x = inf -> 1;
    +inf at integer v <= 0 where I_n/I_{n+1} ~ 2(n+1)/x exceeds the float64 range; a true
    value below 2^-1022 is returned as a subnormal (not 0).
    NaN exactly for: NaN in, x < 0, v = -inf, and v = x = inf.

    """ + _DTYPE + "\n" + _ACCURACY)


_DERIV_DOC = """{name}(v, x, /, out=None, **ufunc_kwargs)

    {what}, elementwise, with the ufunc semantics of log_iv.

    {how}
    Special values: {special}
    Accuracy (float64, against arb references): {acc}

    """ + _DTYPE + "\n"

DOCS["iv_ratio_complement"] = ("""iv_ratio_complement(v, x, /, out=None, **ufunc_kwargs)

    1 - I_v(x) / I_{v-1}(x), with full relative accuracy where the ratio is close to 1.

    For large x the ratio tends to 1 (1 - ratio ~ (v - 1/2)/x), so 1 - iv_ratio(v, x) loses
    the digits that matter; this function takes -expm1 of the log ratio of the uniform
    expansions there instead (Hankel's for 0 < v < 1, with the factor 2v - 1 taken out), and
    for small r the continued fraction in double-double: a few eps relative for every real v
    (for negative non-integer v as conditioned near the zeros of I_v, I_{v-1}). x = 0 -> 1
    minus the ratio's limit, x = inf -> 0; -inf where the ratio is +inf.
    NaN exactly for: NaN in, x < 0, v = -inf, and v = x = inf. The von Mises-Fisher layer
    uses it for 1 - A_p(kappa) at large kappa.

    """ + _DTYPE + "\n")

_DERIV_NAN = ("NaN exactly where {rule}; every other input gives a number or a signed "
              "infinity (the true value beyond the float64 range, or a limit).")
_NAN_I = _DERIV_NAN.format(rule="log_iv(v, x) is NaN (NaN in, x < 0, v = -inf, v = x = inf, and "
                                "negative non-integer v with I_v(x) <= 0, x = 0 included)")
_NAN_K = _DERIV_NAN.format(rule="an input is NaN, x < 0, or v = +-inf with x = inf")

DOCS["log_iv_dx"] = (_DERIV_DOC.format(
    name="log_iv_dx", what="d/dx log I_v(x) = I_v'(x) / I_v(x)",
    how="Computed as iv_ratio(v+1, x) + v/x (DLMF 10.29.2) or from the uniform expansion; for "
        "negative non-integer v from I_v = I_a + (2/pi) sin(a pi) K_a (a = -v, DLMF 10.27.2). "
        + _NAN_I,
    special="x = 0 -> 0 (v = 0), inf (v > 0 or negative integer v), -inf (negative "
            "non-integer v with sin(-v pi) > 0); x = inf -> 1; v = inf -> inf.",
    acc="a few eps relative; for negative non-integer v as conditioned near the zeros of I_v."))
DOCS["log_kv_dx"] = (_DERIV_DOC.format(
    name="log_kv_dx", what="d/dx log K_v(x) = K_v'(x) / K_v(x) = -K_{v+1}(x)/K_v(x) + v/x",
    how="K_{v+1}/K_v comes from a continued fraction, Temme's series or the uniform expansion; "
        "never from a difference of logarithms. " + _NAN_K,
    special="x = 0 -> -inf; x = inf -> -1; |v| = inf -> -inf; even in v.",
    acc="a few eps relative."))
DOCS["log_iv_dv"] = (_DERIV_DOC.format(
    name="log_iv_dv", what="d/dv log I_v(x), the derivative with respect to the order",
    how="The power series, or the uniform expansion, differentiated term by term; negative "
        "orders from DLMF 10.27.2 differentiated. At a negative integer v = -n, "
        "d/dv log I_v = -(d/dn log I_n + 2 (-1)^n K_n/I_n), which exceeds the float64 range "
        "for small x (x < ~n/e at large n): the result is then -inf for even n and +inf for "
        "odd n, the sign of the true value. " + _NAN_I,
    special="x = 0 -> -inf (v >= 0, and negative non-integer v with sin(-v pi) > 0), -inf "
            "(even negative integer v), +inf (odd); x = inf -> 0; v = inf -> -inf.",
    acc="error / max(1, |ref|) below 1e-13; at negative integer v with a large value, a "
        "relative error up to ~eps |log(K_n/I_n)| (it comes from exp of a log)."))
DOCS["log_kv_dv"] = (_DERIV_DOC.format(
    name="log_kv_dv", what="d/dv log K_v(x), the derivative with respect to the order",
    how="Temme's series with the order recurrence, or the continued fraction and the Wronskian, "
        "or the uniform expansion, each differentiated exactly (dual numbers). " + _NAN_K,
    special="odd in v (0 at v = 0); x = 0 -> sign(v) inf; x = inf -> 0; v = +-inf -> +-inf.",
    acc="error / max(1, |ref|) below 1e-13 (so absolute for |v| < 1, where the value is "
        "about v times a constant: at v = 1e-300 only the absolute error is small)."))

DOCS["log_ive_dx"] = (_DERIV_DOC.format(
    name="log_ive_dx", what="d/dx log(I_v(x) e^{-x}) = log_iv_dx(v, x) - 1",
    how="Computed without the cancellation of log_iv_dx against 1 where it is close to 1 "
        "(large x): from the uniform expansion with r/x - 1 = v^2/(x (r + x)), and for "
        "r < 24 as v/x - iv_ratio_complement(v + 1, x). For negative non-integer v it is "
        "log_iv_dx(v, x) - 1 (there the metric is absolute where the value is small). "
        "Its derivative in v is log_iv_dv. " + _NAN_I,
    special="x = 0 -> -1 (v = 0), inf (v > 0 or negative integer v), -inf (negative "
            "non-integer v with sin(-v pi) > 0); x = inf -> 0; v = inf -> inf.",
    acc="within 1.4 eps of error / max(1, |ref|) for v >= 0, and within 2 eps relative "
        "where x > 100 max(1, v^2) (the value ~ -1/(2x))."))
DOCS["log_kve_dx"] = (_DERIV_DOC.format(
    name="log_kve_dx", what="d/dx log(K_v(x) e^{x}) = log_kv_dx(v, x) + 1",
    how="Computed without the cancellation of log_kv_dx against -1: the uniform expansion "
        "with 1 - r/x = -v^2/(x (r + x)), the continued fraction's x K_{v+1}/K_v - v - x "
        "formed without x (x > 0.2), Temme's series below. Its derivative in v is log_kv_dv. "
        + _NAN_K,
    special="x = 0 -> -inf; x = inf -> 0; |v| = inf -> -inf; even in v.",
    acc="within 1.5 eps of error / max(1, |ref|) for r = hypot(v, x) >= 24 and 4.1 eps "
        "below (Temme's series); within 2 eps relative where x > 100 max(1, v^2)."))

DOCS["vmf_log_normalizer"] = (
    "vmf_log_normalizer(p, kappa): log C_p(kappa), elementwise (see log_normalizer).")
