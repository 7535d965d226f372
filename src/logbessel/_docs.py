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

    Special values: NaN in -> NaN; x < 0 -> NaN; x = 0 -> 0 for v = 0 and -inf for v > 0;
    x = inf -> inf; v = inf -> -inf. Negative integer v: I_{-n} = I_n. Negative non-integer v:
    I_{-a} = I_a + (2/pi) sin(a pi) K_a can be negative; the result is NaN where it is.

    """ + _DTYPE + "\n" + _ACCURACY)

DOCS["log_kv"] = ("""log_kv(v, x, /, out=None, **ufunc_kwargs)

    Natural logarithm of the modified Bessel function of the second kind, log K_v(x).

    Domain: every real v (K_{-v} = K_v), x >= 0, in log space (no overflow or underflow).
    Special values: NaN in -> NaN; x < 0 -> NaN; x = 0 -> inf; x = inf -> -inf;
    |v| = inf with finite x > 0 -> inf.

    """ + _DTYPE + "\n" + _ACCURACY)

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
    NaN for NaN input, x < 0 or v = -inf.

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
    expansions there instead. A few eps relative for v >= 1 (for 1/2 <= v < 1 and x up to
    about 24 it is 1 - iv_ratio). x = 0 -> 1, x = inf -> 0. The von Mises-Fisher layer uses it
    for 1 - A_p(kappa) at large kappa.

    """ + _DTYPE + "\n")

DOCS["log_iv_dx"] = (_DERIV_DOC.format(
    name="log_iv_dx", what="d/dx log I_v(x) = I_v'(x) / I_v(x)",
    how="Computed as iv_ratio(v+1, x) + v/x (DLMF 10.29.2) or from the uniform expansion.",
    special="x = 0 -> 0 (v = 0) or inf (v > 0); x = inf -> 1; NaN for negative non-integer "
            "v where I_v(x) <= 0.",
    acc="a few eps relative."))
DOCS["log_kv_dx"] = (_DERIV_DOC.format(
    name="log_kv_dx", what="d/dx log K_v(x) = K_v'(x) / K_v(x) = -K_{v+1}(x)/K_v(x) + v/x",
    how="K_{v+1}/K_v comes from a continued fraction, Temme's series or the uniform expansion; "
        "never from a difference of logarithms.",
    special="x = 0 -> -inf; x = inf -> -1; even in v.",
    acc="a few eps relative."))
DOCS["log_iv_dv"] = (_DERIV_DOC.format(
    name="log_iv_dv", what="d/dv log I_v(x), the derivative with respect to the order",
    how="The power series, or the uniform expansion, differentiated term by term.",
    special="x = 0 -> -inf (v >= 0); x = inf -> 0; NaN where log_iv is NaN.",
    acc="error / max(1, |ref|) below 1e-13."))
DOCS["log_kv_dv"] = (_DERIV_DOC.format(
    name="log_kv_dv", what="d/dv log K_v(x), the derivative with respect to the order",
    how="Temme's series with the order recurrence, or the continued fraction and the Wronskian, "
        "or the uniform expansion, each differentiated exactly (dual numbers).",
    special="odd in v (0 at v = 0); x = 0 -> sign(v) inf; x = inf -> 0.",
    acc="error / max(1, |ref|) below 1e-13."))

DOCS["vmf_log_normalizer"] = (
    "vmf_log_normalizer(p, kappa): log C_p(kappa), elementwise (see log_normalizer).")
