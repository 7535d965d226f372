// The ratio I_v(x) / I_{v-1}(x), the mean resultant length of the von Mises-Fisher layer.
//
// Never formed as exp(log I_v - log I_{v-1}) where those logs are large. For v >= 1/2:
//   1. x <= v or x < RATIO_DEBYE_X_MIN: the continued fraction (DLMF 10.33.1 / Perron)
//        I_v/I_{v-1} = x / (2v + x^2 / (2(v+1) + x^2 / (2(v+2) + ...))),
//      evaluated forwards by the modified Lentz method; it converges in a few terms for
//      x << v and in about x terms otherwise.
//   2. otherwise (x > v, x >= RATIO_DEBYE_X_MIN): the difference of the two uniform
//      expansions (uniform.h), with the large terms of F(v) - F(v-1) and
//      log(r_v / r_{v-1}) rewritten so that nothing cancels:
//        r_v - r_{v-1} = (2v-1)/(r_v + r_{v-1}),
//        v A_v - (v-1) A_{v-1} = A_{v-1} + v (A_v - A_{v-1}),  A_w = asinh(w/x),
//        A_v - A_{v-1} = asinh((2v-1) / (v r_{v-1} + (v-1) r_v))       (v >= 1).
//      Here |log ratio| < 1, so exp adds no error of its own.
// For v < 1/2 (where I_{v-1} has negative order) the logs are used directly, and the
// result is NaN where I_v or I_{v-1} is not positive.
#pragma once
#include "config.h"
#include "log_iv.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

constexpr double RATIO_DEBYE_X_MIN = 25.0;  // >= DEBYE_R_MIN, so both orders qualify

LOGBESSEL_INLINE double iv_ratio_cf(double v, double x) {
    // f = a_1/(b_1 + a_2/(b_2 + ...)) with, scaled by 1/x for x >= 1 (no overflow of x^2)
    // or kept as is for x < 1 (no overflow of 2v/x):
    //   x >= 1: a_j = 1,            b_j = 2(v + j - 1)/x
    //   x <  1: a_1 = x, a_j = x^2, b_j = 2(v + j - 1)
    const bool scaled = x >= 1.0;
    const double xi = 1.0 / x;
    const double a = scaled ? 1.0 : x * x;
    const double tiny = 1e-300;
    double b = scaled ? 2.0 * v * xi : 2.0 * v;
    double g = b, C = b, D = 0.0;  // g = b_1 + a_2/(b_2 + ...)
    for (int j = 2; j < 100000; ++j) {
        b = scaled ? 2.0 * (v + j - 1) * xi : 2.0 * (v + j - 1);
        D = b + a * D;
        if (D == 0.0) D = tiny;
        C = b + a / C;
        if (C == 0.0) C = tiny;
        D = 1.0 / D;
        const double delta = C * D;
        g *= delta;
        if (fabs(delta - 1.0) < 0.5 * DBL_EPS) break;
    }
    return (scaled ? 1.0 : x) / g;
}

LOGBESSEL_INLINE double iv_ratio_uniform(double v, double x) {
    const double w = v - 1.0;
    const double rv = hypot_pos(v, x);
    const double rw = hypot_pos(fabs(w), x);
    const double dr = (2.0 * v - 1.0) / (rv + rw);  // r_v - r_w
    const double aw = w >= 0.0 ? asinh_ratio(w, x, rw) : -asinh_ratio(-w, x, rw);
    double dA;  // A_v - A_w
    if (w > 0.0) dA = asinh((2.0 * v - 1.0) / (v * rw + w * rv));
    else dA = asinh_ratio(v, x, rv) - aw;  // opposite signs: no cancellation
    const double dF = dr - aw - v * dA;
    // -0.5 log(r_v / r_w) = -0.25 log1p((r_v^2 - r_w^2) / r_w^2)
    const double dlogr = -0.25 * log1p((2.0 * v - 1.0) / (rw * rw));
    double sIv, sKv, sIw, sKw;
    debye_corrections(v, rv, sIv, sKv);
    debye_corrections(fabs(w), rw, sIw, sKw);
    const double dS = log1p((sIv - sIw) / (1.0 + sIw));
    return exp(dF + dlogr + dS);
}

}  // namespace detail

// I_v(x)/I_{v-1}(x) for x >= 0. Accurate to a few eps for v >= 1/2; NaN for NaN input or
// x < 0; x = 0 -> 0 for v > 0; x = +inf -> 1.
LOGBESSEL_INLINE double iv_ratio(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    if (v >= 0.5) {
        if (x == 0.0) return 0.0;
        if (x == inf_value()) return v == inf_value() ? nan_value() : 1.0;
        if (v == inf_value()) return 0.0;
        if (x > v && x >= detail::RATIO_DEBYE_X_MIN) return detail::iv_ratio_uniform(v, x);
        return detail::iv_ratio_cf(v, x);
    }
    // v < 1/2: from the logarithms (NaN where either function is not positive).
    return exp(log_iv(v, x) - log_iv(v - 1.0, x));
}

LOGBESSEL_INLINE float iv_ratio(float v, float x) { return float(iv_ratio(double(v), double(x))); }

}  // namespace logbessel
