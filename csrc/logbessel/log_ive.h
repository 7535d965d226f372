// The exponentially scaled logarithms (TensorFlow Probability's names)
//
//   log_ive(v, x) = log(I_v(x) e^{-x}) = log I_v(x) - x
//   log_kve(v, x) = log(K_v(x) e^{x})  = log K_v(x) + x
//
// and their derivatives in x, log_ive_dx = d/dx log I - 1 and log_kve_dx = d/dx log K + 1
// (their derivatives in v are log_iv_dv and log_kv_dv). Every real v, x >= 0.
//
// x is never subtracted from a rounded log I (or added to a rounded log K) where that
// would cost digits: at x = 1e10 log I is ~1e10 while log_ive is ~-12.4, so log_iv - x
// would keep ~7 digits. Regions as for log I and log K (v >= 0, r = hypot(v, x)):
//   1. r >= DEBYE_R_MIN, the uniform expansion (uniform.h, DLMF 10.41.3-4) with the
//      scaled exponent G = F - x in place of F:
//        G = (r - x) - v asinh(v/x),   r - x = v (v/(r + x)),
//      so G = -v h(v/x), h(a) = asinh(a) - a/(1 + sqrt(1 + a^2)) = int_0^a dt/(1 +
//      sqrt(1 + t^2)): G <= 0, and its two terms cancel by at most a factor 2 (h(a) lies
//      between asinh(a)/2 and asinh(a)). F itself is never formed, so the band where F
//      cancels (uniform.h) plays no part.
//        log_ive =  G - log(2 pi r)/2 + lI     (both leading terms negative for r >= 24:
//                                               no cancellation)
//        log_kve = -G + log(pi/(2r))/2 + lK    (-G >= 0 and log(pi/(2r)) < 0: they cancel
//                                               where K e^x ~ 1, v ~ sqrt(x log(2x/pi)))
//      In that band of log_kve (|T| < 8 log(r)/2 for the leading term T, as in uniform.h)
//      the leading term is formed in double-double: a = v/x, h(a) from its Taylor series
//      (a <= 1/8) or dd_log (Tang's method, ~1e-31 relative), and log r = log x +
//      log(1 + a^2)/2, no r^2 (so no overflow at the top of the range).
//   2. r < DEBYE_R_MIN. log_ive: the power series of I (series.h), whose logarithm is a
//      double-double there, minus x before the one rounding (at v = 0, x < 1:
//      log1p(tail) - x, which keeps log I_0 ~ x^2/4). log_kve: Temme's series (x <= 1/2,
//      where log K + x >= 0.42 and both terms are small: added in double) and CF2 with
//      the Wronskian (log_kv.h) with x added inside its double-double sum.
// Negative orders: K is even in v; I_{-n} = I_n; for other v < 0, DLMF 10.27.2 as in
// log_iv (log_reflection_sum) with both terms scaled by e^{-x}: NaN where I_v(x) <= 0.
//
// The derivatives: region 1, uniform_deriv's d/dx (derivatives.h) with its leading r/x
// replaced by r/x - 1 = a (a/(1 + sqrt(1 + a^2))) (no cancellation of r/x against 1);
// region 2, log_ive_dx = v/x - (1 - I_{v+1}/I_v) with the complement of iv_ratio.h, and
// log_kve_dx = (x + v - rt)/x, rt = x K_{v+1}/K_v: from CF2 as -(1/2 + (v^2 - 1/4) t)/x
// (k_ratio_cf_n's rest) for x > KVE_DX_CF_X_MIN, from Temme's recurrence as
// ((v - rt) + x)/x below. Negative non-integer orders of log_ive_dx: log_iv_dx - 1.
//
// Special values (the limits of I e^{-x} ~ K e^x ~ 1/sqrt(x) as x -> inf):
//   log_ive: x = 0 -> as log_iv; x = inf -> -inf; v = +inf (finite x) -> -inf.
//   log_kve: x = 0 -> +inf; x = inf -> -inf; |v| = inf (finite x > 0) -> +inf.
//   log_ive_dx: x = 0 -> -1 (v = 0), +inf (v > 0, negative integer v), -inf / NaN (negative
//               non-integer v, as log_iv_dx); x = inf -> 0; v = +inf -> +inf.
//   log_kve_dx: x = 0 -> -inf; x = inf -> 0; |v| = inf -> -inf.
// NaN exactly where the unscaled function gives NaN.
#pragma once
#include "config.h"
#include "derivatives.h"
#include "iv_ratio.h"
#include "log_iv.h"
#include "log_kv.h"
#include "series.h"
#include "tools.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

// ---------------------------------------------------------------------------------------
// Region 1: the scaled exponent G = F - x = (r - x) - v asinh(v/x).
// ---------------------------------------------------------------------------------------

// G for v >= 0, x > v 1e-290, r = hypot(v, x) < inf: branch-free (vectorizes), asinh(v/x)
// by asinh_ratio_plain (uniform.h), r - x = v b with b = v/(r + x): for v <= x
// b = a/(1 + r/x), a = v/x, which also enters asinh; for v > x b = (v/2)/(r/2 + x/2) (no
// overflow of r + x). fma: v asinh(v/x) may overflow where G does not.
LOGBESSEL_INLINE double scaled_exponent_plain(double v, double x, double r) {
    const double A = asinh_ratio_plain(v, x, r);
    const double b = v <= x ? (v / x) / (1.0 + r / x) : (0.5 * v) / (0.5 * r + 0.5 * x);
    return fma(-v, A, v * b);
}

// G for every v >= 0, x > 0 with r = hypot_pos(v, x) (inf where v^2 + x^2 is beyond the
// range): G is homogeneous of degree 1 in (v, x), so r = inf is met by G(v/4, x/4) times 4;
// x <= v 1e-290, where (v + r)/x overflows, by asinh_ratio (uniform.h).
LOGBESSEL_INLINE double scaled_exponent(double v, double x, double r) {
    double scale = 1.0;
    if (!(r < inf_value())) {
        v *= 0.25;
        x *= 0.25;
        r = hypot_pos(v, x);
        scale = 4.0;
    }
    if (x > v * 1e-290) return scale * scaled_exponent_plain(v, x, r);
    return scale * fma(-v, asinh_ratio(v, x, r), v * ((0.5 * v) / (0.5 * r + 0.5 * x)));
}

// log(r)/2 for r = hypot_pos(v, x), r = inf included (v, x near DBL_MAX: from r/4).
LOGBESSEL_INLINE double half_log_hypot(double v, double x, double r) {
    if (r < inf_value()) return 0.5 * log_lane(r, 0.0);
    return 0.5 * (log_lane(hypot_pos(0.25 * v, 0.25 * x), 0.0) + 2.0 * LN2);
}

// h(a) = asinh(a) - a/(1 + sqrt(1 + a^2)) = sum_k binom(1/2, k) a^(2k-1)/(2k-1) for
// 0 <= a <= H_SERIES_A_MAX, a = a.hi + a.lo, as a double-double: a/2 exact, the rest
// a^3 P(a^2) (below a^2/12 of a/2) in double, P to a^18 (the next term below 2^-60 of it).
constexpr double H_SERIES_A_MAX = 0.125;

LOGBESSEL_INLINE dd scaled_exponent_h_series(dd a) {
    const double t = a.hi * a.hi;
    double P = 715.0 / 1114112.0;
    P = fma(P, t, -143.0 / 163840.0);
    P = fma(P, t, 33.0 / 26624.0);
    P = fma(P, t, -21.0 / 11264.0);
    P = fma(P, t, 7.0 / 2304.0);
    P = fma(P, t, -5.0 / 896.0);
    P = fma(P, t, 1.0 / 80.0);
    P = fma(P, t, -1.0 / 24.0);
    const double rest = a.hi > 0x1p-300 ? a.hi * t * P : 0.0;  // (no subnormal products)
    const dd h = two_sum(0.5 * a.hi, rest);
    return quick_two_sum(h.hi, h.lo + 0.5 * a.lo);
}

// The leading term of log_kve plus corr where it is small against log(r)/2 (K e^x ~ 1):
// T = v h(a) - log(x)/2 - log(1 + a^2)/4 + log(pi/2)/2, a = v/x, h as at the top, in
// double-double, rounded once with corr. v >= 0, x > 0. h(a) from its Taylor series for
// a <= H_SERIES_A_MAX (every such input of r > ~1e4), else from asinh(a) = log(a + sqrt(1
// + a^2)) by dd_log (~1e-31 relative: v times its absolute error must stay below ~eps).
// The logarithms of x and 1 + a^2 by log_lane_dd (absolute error ~2^-58, a quarter or a
// half of it enters).
LOGBESSEL_INLINE double log_kve_near_one(double v, double x, double corr) {
    const double ah = v / x;
    const dd a = quick_two_sum(ah, fma(-ah, x, v) / x);  // v/x to ~1e-32
    const dd one_a2 = dd_add_d(dd_mul(a, a), 1.0);
    dd h;
    if (a.hi <= H_SERIES_A_MAX) {
        h = scaled_exponent_h_series(a);
    } else {
        const dd s = dd_sqrt(one_a2);
        h = dd_sub(dd_log(dd_add(a, s)), dd_div(a, dd_add_d(s, 1.0)));
    }
    const dd mG = dd_mul_d(h, v);  // -G = x - F
    const dd Lx = log_lane_dd(x, 0.0);
    const dd La = log_lane_dd(one_a2.hi, one_a2.lo);  // log r = log x + La/2
    dd t = dd_sub(mG, dd{0.5 * Lx.hi, 0.5 * Lx.lo});
    t = dd_sub(t, dd{0.25 * La.hi, 0.25 * La.lo});
    t = dd_add(t, dd{0.5 * LN_PI_2, 0.5 * LN_PI_2_LO});
    return t.hi + (t.lo + corr);
}

// log_ive (sign = +1) or log_kve (sign = -1) by the uniform expansion, N lanes (v >= 0,
// 0 < x < inf, r >= DEBYE_R_MIN): every lane first as if plain (vectorized), then the
// lanes with x <= v 1e-290 or r = inf by scaled_exponent, and for log_kve the lanes near
// K e^x ~ 1 by log_kve_near_one.
template <int N>
LOGBESSEL_INLINE void log_bessel_scaled_uniform_n(double sign, const double* v, const double* x, double* out) {
    double r[N], lI[N], lK[N], special[N], near[N];
    for (int l = 0; l < N; ++l) r[l] = hypot_pos(v[l], x[l]);
    debye_log_corrections_n<N>(v, r, lI, lK);
    const double c = sign > 0 ? -0.5 * LN_2PI : 0.5 * LN_PI_2;
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {
        const double hl = 0.5 * log_lane(r[l], 0.0);
        const double T = sign * scaled_exponent_plain(v[l], x[l], r[l]) - (hl - c);
        out[l] = T + (sign > 0 ? lI[l] : lK[l]);
        special[l] = double(!(x[l] > v[l] * 1e-290) | !(r[l] < inf_value()));
        near[l] = double(sign < 0) * double(fabs(T) < 8.0 * hl) * (1.0 - special[l]);
    }
    if (any_lane<N>(special))
        for (int l = 0; l < N; ++l)
            if (special[l] != 0.0)
                out[l] = sign * scaled_exponent(v[l], x[l], r[l]) - (half_log_hypot(v[l], x[l], r[l]) - c) +
                         (sign > 0 ? lI[l] : lK[l]);
    if (any_lane<N>(near))
        for (int l = 0; l < N; ++l)
            if (near[l] != 0.0) out[l] = log_kve_near_one(v[l], x[l], lK[l]);
}

// ---------------------------------------------------------------------------------------
// Region 2.
// ---------------------------------------------------------------------------------------

// log_ive by the power series, v >= 0, 0 < x, r < DEBYE_R_MIN, N lanes: the series'
// double-double logarithm (series.h) minus x, rounded once.
template <int N>
LOGBESSEL_INLINE void log_ive_series_n(const double* v, const double* x, double* out) {
    double tail[N], s[N], hi[N], lo[N];
    i_series_tail_n<N>(v, x, tail);
    for (int l = 0; l < N; ++l) s[l] = 1.0 + tail[l];
    log_iv_series_from_sum_dd_n<N>(v, x, s, hi, lo);
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {
        const dd t = two_sum(hi[l], -x[l]);
        out[l] = t.hi + (t.lo + lo[l]);
    }
    int order0 = 0;  // log I_0(x) - x ~ -x + x^2/4 for small x: log1p keeps the x^2/4
    for (int l = 0; l < N; ++l) order0 += int((v[l] == 0.0) & (x[l] < 1.0));
    if (order0)
        for (int l = 0; l < N; ++l)
            if (v[l] == 0.0 && x[l] < 1.0) out[l] = log1p(tail[l]) - x[l];
}

// ---------------------------------------------------------------------------------------
// Lanes (registry.h, runner "lanes"): the classification and keys of log I and log K.
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE int log_ive_classify(double& v, double x) { return log_iv_classify(v, x); }
LOGBESSEL_INLINE int log_kve_classify(double& v, double x) { return log_kv_classify(v, x); }

template <int N>
LOGBESSEL_INLINE void log_ive_loops_n(int, const double* v, const double* x, double* out) {
    log_ive_series_n<N>(v, x, out);
}

template <int N>
LOGBESSEL_INLINE void log_ive_region_n(int region, const double* v, const double* x, double* out) {
    if (region == REGION_UNIFORM) log_bessel_scaled_uniform_n<N>(1.0, v, x, out);
    else log_ive_loops_n<N>(region, v, x, out);
}

template <int N>
LOGBESSEL_INLINE void log_kve_loops_n(int region, const double* v, const double* x, double* out) {
    if (region == REGION_TEMME) {
        double rt[N];
        log_kv_temme_n<N>(v, x, out, rt);
        for (int l = 0; l < N; ++l) out[l] += x[l];
    } else {
        // CF2 and the Wronskian (log_kv.h) with x added inside the double-double sum,
        // rounded once (log K is ~-x here: log K + x would carry the rounding of |log K|)
        log_kv_cf_n<N>(v, x, out, x);
    }
}

template <int N>
LOGBESSEL_INLINE void log_kve_region_n(int region, const double* v, const double* x, double* out) {
    if (region == REGION_UNIFORM) log_bessel_scaled_uniform_n<N>(-1.0, v, x, out);
    else log_kve_loops_n<N>(region, v, x, out);
}

// log_ive for v >= 0 finite, 0 < x < inf; log_kve likewise.
LOGBESSEL_INLINE double log_ive_pos(double v, double x) {
    double out;
    log_ive_region_n<1>(log_iv_region(v, x), &v, &x, &out);
    return out;
}

LOGBESSEL_INLINE double log_kve_pos(double v, double x) {
    double out;
    log_kve_region_n<1>(log_kv_region(v, x), &v, &x, &out);
    return out;
}

// log_ive for negative non-integer v, 0 <= x <= inf: DLMF 10.27.2 as log_iv_neg_sin, both
// terms times e^{-x}: log(I_a e^{-x}) and log((2/pi) |sin(pi a)| K_a e^{x}) - 2x.
LOGBESSEL_INLINE double log_ive_neg(double v, double x) {
    const double a = -v, s = sinpi(a);
    if (x == 0.0) return s > 0.0 ? inf_value() : nan_value();  // as log_iv
    if (x == inf_value()) return -inf_value();
    const double li = log_ive_pos(a, x);
    const double lc = (log(2.0 / PI * fabs(s)) + log_kve_pos(a, x)) - 2.0 * x;
    return log_reflection_sum(li, lc, s);
}

// ---------------------------------------------------------------------------------------
// Derivatives in x.
// ---------------------------------------------------------------------------------------

// d/dx log I - 1 (sign = +1) or d/dx log K + 1 (sign = -1) in region 1 (v >= 0, x > 0,
// r = hypot_pos(v, x) >= DEBYE_R_MIN, r = inf allowed): uniform_deriv's d/dx, scaled.
LOGBESSEL_INLINE double uniform_scaled_dx(double v, double x, double r, double sign) {
    return uniform_deriv(v, x, r, sign, 1, false, true);
}

// v >= 0 finite, 0 < x < inf.
LOGBESSEL_INLINE double log_ive_dx_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_scaled_dx(v, x, r, 1.0);
    return v / x - iv_ratio_complement_pos(v + 1.0, x);
}

// Temme's rt below this x, CF2's rest above (also below TEMME_X_MAX: (x + v - rt)/x cancels
// by up to ~2.5x there, and Temme's rt, good to a few eps, then gave up to 7.9 eps for
// x in (0.35, 0.5], CF2's rest 1.1; 1.5 against 7.2 for x in (0.15, 0.25]; 33 against
// 5.6 below 0.15, where 8 + 64/x levels no longer suffice).
constexpr double KVE_DX_CF_X_MIN = 0.2;

LOGBESSEL_INLINE double log_kve_dx_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_scaled_dx(v, x, r, -1.0);
    if (x <= KVE_DX_CF_X_MIN) {
        double rt;
        log_kv_temme(v, x, rt);
        return ((v - rt) + x) / x;
    }
    double rt, rest;
    k_ratio_cf_n<1>(&v, &x, &rt, &rest);
    return -rest / x;
}

}  // namespace detail

// log(I_v(x) e^{-x}): every real v, x >= 0 (see the top of this file). NaN where log_iv is.
LOGBESSEL_INLINE double log_ive(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    if (v < 0.0) {
        if (v == -inf_value()) return nan_value();
        if (detail::is_integer(v)) v = -v;
        else return detail::log_ive_neg(v, x);
    }
    if (x == 0.0) return v == 0.0 ? 0.0 : -inf_value();
    if (x == inf_value()) return v == inf_value() ? nan_value() : -inf_value();
    if (v == inf_value()) return -inf_value();
    return detail::log_ive_pos(v, x);
}

// log(K_v(x) e^{x}): every real v (even in v), x >= 0. NaN where log_kv is.
LOGBESSEL_INLINE double log_kve(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    v = fabs(v);
    if (x == 0.0) return inf_value();
    if (x == inf_value()) return v == inf_value() ? nan_value() : -inf_value();
    if (v == inf_value()) return inf_value();
    return detail::log_kve_pos(v, x);
}

// d/dx log(I_v(x) e^{-x}) = log_iv_dx - 1. NaN where log_iv_dx is.
LOGBESSEL_INLINE double log_ive_dx(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0 || v == -inf_value()) return nan_value();
    const bool neg_nonint = v < 0.0 && !detail::is_integer(v);
    if (v < 0.0 && !neg_nonint) v = -v;
    if (x == inf_value()) return v == inf_value() ? nan_value() : 0.0;
    if (x == 0.0) {  // as log_iv_dx, minus 1
        if (neg_nonint) return detail::sinpi(-v) > 0.0 ? -inf_value() : nan_value();
        return v == 0.0 ? -1.0 : inf_value();
    }
    if (v == inf_value()) return inf_value();
    if (neg_nonint) return detail::log_iv_neg_deriv(v, x, 1) - 1.0;
    return detail::log_ive_dx_pos(v, x);
}

// d/dx log(K_v(x) e^{x}) = log_kv_dx + 1 (even in v). NaN where log_kv_dx is.
LOGBESSEL_INLINE double log_kve_dx(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    v = fabs(v);
    if (x == inf_value()) return v == inf_value() ? nan_value() : 0.0;
    if (x == 0.0 || v == inf_value()) return -inf_value();
    return detail::log_kve_dx_pos(v, x);
}

LOGBESSEL_INLINE float log_ive(float v, float x) { return float(log_ive(double(v), double(x))); }
LOGBESSEL_INLINE float log_kve(float v, float x) { return float(log_kve(double(v), double(x))); }
LOGBESSEL_INLINE float log_ive_dx(float v, float x) { return float(log_ive_dx(double(v), double(x))); }
LOGBESSEL_INLINE float log_kve_dx(float v, float x) { return float(log_kve_dx(double(v), double(x))); }

}  // namespace logbessel
