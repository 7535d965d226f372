// log I_v(x) for every real order v and x >= 0.
//
// Regions for v >= 0, x > 0, r = sqrt(v^2 + x^2):
//   1. r >= DEBYE_R_MIN: uniform expansion (uniform.h; DLMF 10.41.3, 10.40.1 as v -> 0).
//   2. r <  DEBYE_R_MIN: power series (series.h; DLMF 10.25.2).
// Negative order: I_{-n} = I_n for integer n (DLMF 10.27.1); otherwise
// I_{-a}(x) = I_a(x) + (2/pi) sin(a pi) K_a(x) (DLMF 10.27.2), which can be negative:
// the log is returned where it is positive and NaN where it is not.
#pragma once
#include "config.h"
#include "log_kv.h"
#include "series.h"
#include "tools.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

// The regions of log I for v >= 0, 0 < x < inf, v < inf (REGION_* in config.h).
LOGBESSEL_INLINE int log_iv_region(double v, double x) {
    return in_uniform_region(v, x) ? REGION_UNIFORM : REGION_SERIES;
}

// log I for N lanes of one region other than the uniform one (the CPU loops run those
// with more lanes), and of any region (v >= 0, 0 < x < inf, v < inf).
template <int N>
LOGBESSEL_INLINE void log_iv_loops_n(int, const double* v, const double* x, double* out) {
    log_iv_series_n<N>(v, x, out);
}

template <int N>
LOGBESSEL_INLINE void log_iv_region_n(int region, const double* v, const double* x, double* out) {
    if (region == REGION_UNIFORM) log_iv_uniform_n<N>(v, x, out);
    else log_iv_loops_n<N>(region, v, x, out);
}

// log I_v(x) for v >= 0 finite, 0 < x < inf.
LOGBESSEL_INLINE double log_iv_pos(double v, double x) {
    double out;
    log_iv_region_n<1>(log_iv_region(v, x), &v, &x, &out);
    return out;
}

// The two terms of DLMF 10.27.2 in log form: log(e^li + e^lc) for s > 0, log(e^li - e^lc)
// for s < 0 (NaN where that is not positive); li = log I_a (times a common factor), lc =
// log((2/pi) |sin(pi a)| K_a) (times the same factor), s = sin(pi a).
LOGBESSEL_INLINE double log_reflection_sum(double li, double lc, double s) {
    if (s > 0.0) {  // log(e^li + e^lc)
        const double hi = li > lc ? li : lc;
        const double lo = li > lc ? lc : li;
        return hi + log1p(exp(lo - hi));
    }
    const double d = lc - li;  // log(e^li - e^lc) = li + log(1 - e^d)
    if (d >= 0.0) return nan_value();
    return li + (d > -LN2 ? log(-expm1(d)) : log1p(-exp(d)));
}

// log I_{-a}(x) for a > 0 non-integer, 0 <= x <= inf, given s = sin(pi a) (which a caller
// may know more accurately than sin(pi a) of the rounded a: iv_ratio's order v - 1).
LOGBESSEL_INLINE double log_iv_neg_sin(double a, double x, double s) {
    if (x == 0.0) return s > 0.0 ? inf_value() : nan_value();  // the K_a term dominates
    if (x == inf_value()) return inf_value();
    const double li = log_iv_pos(a, x);
    const double lk = log_kv(a, x);
    return log_reflection_sum(li, log(2.0 / PI * fabs(s)) + lk, s);
}

// log I_v(x) for negative non-integer v, 0 <= x <= inf.
LOGBESSEL_INLINE double log_iv_neg(double v, double x) { return log_iv_neg_sin(-v, x, sinpi(-v)); }

// Lanes of the public log_iv (any input): region * REGION_BUCKETS + bucket (config.h), with
// a negative integer order folded to -v, or REGION_SCALAR where the scalar function answers
// directly (special values, negative non-integer orders).
LOGBESSEL_INLINE int log_iv_classify(double& v, double x) {
    if (is_nan(v) || is_nan(x) || x <= 0.0 || x == inf_value() || is_inf(v)) return REGION_SCALAR;
    if (v < 0.0) {
        if (!is_integer(v)) return REGION_SCALAR;
        v = -v;
    }
    if (in_uniform_region(v, x)) return uniform_bucket(v, x);
    // terms ~ x (x < 24: buckets 0 .. 14), then the form of the prefactor (series.h)
    return REGION_SERIES * REGION_BUCKETS + int(x * 0.625) + (v < BINET_V_MIN ? 0 : 16);
}

// GPU key of log I and of the functions with its regions (config.h): the classification
// (v by value: a folded order is not passed on). Phases: the uniform expansion (with the
// special values), its band of F, the power series.
struct log_iv_key {
    static constexpr bool sorted = true;
    static constexpr int phases[] = {0, UNIFORM_BAND_KEY, REGION_SERIES * REGION_BUCKETS, KEY_COUNT};
    LOGBESSEL_INLINE static int of(double v, double x) { return log_iv_classify(v, x); }
};

}  // namespace detail

// log I_v(x): every real v, x >= 0. NaN in -> NaN; x < 0 -> NaN; x = 0 -> 0 (v = 0) or
// -inf (v > 0 or negative integer v); x = +inf -> +inf; v = +inf with finite x -> -inf.
LOGBESSEL_INLINE double log_iv(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    if (v < 0.0) {
        if (v == -inf_value()) return nan_value();
        if (detail::is_integer(v)) v = -v;
        else return detail::log_iv_neg(v, x);
    }
    if (x == 0.0) return v == 0.0 ? 0.0 : -inf_value();
    if (x == inf_value()) return v == inf_value() ? nan_value() : inf_value();
    if (v == inf_value()) return -inf_value();
    return detail::log_iv_pos(v, x);
}

LOGBESSEL_INLINE float log_iv(float v, float x) { return float(log_iv(double(v), double(x))); }

}  // namespace logbessel
