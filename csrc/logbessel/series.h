// Power series of I_v(x) for small r = sqrt(v^2 + x^2) (DLMF 10.25.2):
//   I_v(x) = (x/2)^v / Gamma(v+1) * sum_k t_k,  t_0 = 1,  t_{k+1} = t_k (x^2/4) / ((k+1)(k+1+v)).
// All terms are positive, so the sum is accurate to a few ulps; the care goes into the
// prefactor (x/2)^v / Gamma(v+1), whose logarithm is a difference of large terms when v is
// moderate and I_v(x) is near 1.
#pragma once
#include "config.h"
#include "gamma_coeffs.h"
#include "tools.h"

namespace logbessel {
namespace detail {

// sum_{k>=1} t_k for v > -1, x >= 0 (used for x below ~25: at most ~60 terms), N lanes.
// The leading 1 is left out so that log1p can keep the tail when it is below eps.
template <int N>
LOGBESSEL_INLINE void i_series_tail_n(const double* v, const double* x, double* s) {
    double u[N], t[N], a[N], live[N], res[N];
    for (int l = 0; l < N; ++l) {
        u[l] = 0.25 * x[l] * x[l];
        t[l] = 1.0;
        a[l] = res[l] = 0.0;
        live[l] = 1.0;
    }
    for (int k = 1; k < 400; ++k) {
        const double kd = k;
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            t[l] *= u[l] / (kd * (kd + v[l]));
            a[l] += t[l];
            res[l] = select_lane(live[l], a[l], res[l]);
            // a lane stops once it is past its peak and its term is below eps/4 (the terms
            // then fall geometrically); !(t <= limit), written so that it vectorizes
            live[l] *= double((t[l] > 0.25 * DBL_EPS * (1.0 + a[l])) | (t[l] != t[l]));
        }
        if (lanes_done<N>(k, live)) break;
    }
    for (int l = 0; l < N; ++l) s[l] = res[l];
}

LOGBESSEL_INLINE double i_series_tail(double v, double x) {
    double s;
    i_series_tail_n<1>(&v, &x, &s);
    return s;
}

// The sums for orders v and v + 1 together (K's Wronskian needs both), N lanes: one loop,
// one division per term, t0_k = t0_{k-1} u/(k(k+v)), t1_k = t1_{k-1} u/(k(k+v+1)).
template <int N>
LOGBESSEL_INLINE void i_series_sum_pair_n(const double* v, const double* x, double* s0, double* s1) {
    double u[N], t0[N], t1[N], a0[N], a1[N], r0[N], r1[N], live[N];
    for (int l = 0; l < N; ++l) {
        u[l] = 0.25 * x[l] * x[l];
        t0[l] = t1[l] = 1.0;
        a0[l] = a1[l] = r0[l] = r1[l] = 0.0;
        live[l] = 1.0;
    }
    for (int k = 1; k < 400; ++k) {
        const double kd = k;
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const double kv = kd + v[l], kv1 = kv + 1.0;
            const double c = u[l] / (kd * kv * kv1);
            t0[l] *= c * kv1;
            t1[l] *= c * kv;
            a0[l] += t0[l];
            a1[l] += t1[l];
            r0[l] = select_lane(live[l], a0[l], r0[l]);
            r1[l] = select_lane(live[l], a1[l], r1[l]);
            live[l] *= double((t0[l] > 0.25 * DBL_EPS * (1.0 + a0[l])) | (t1[l] > 0.25 * DBL_EPS * (1.0 + a1[l])));
        }
        if (lanes_done<N>(k, live)) break;
    }
    for (int l = 0; l < N; ++l) {
        s0[l] = 1.0 + r0[l];
        s1[l] = 1.0 + r1[l];
    }
}

// The same sum with every term formed in double-double: about 1e-30 relative, for the
// ratio S_v / S_{v-1} of iv_ratio, where the rounding errors of two double sums (a few ulps
// each after ~50 terms) would not cancel.
LOGBESSEL_INLINE dd i_series_sum_dd(double v, double x) {
    dd u = two_prod(x, x);
    u.hi *= 0.25;
    u.lo *= 0.25;
    dd t = {1.0, 0.0}, s = {1.0, 0.0};
    for (int k = 1; k < 400; ++k) {
        const dd den = dd_mul_d(two_sum(double(k), v), double(k));
        t = dd_div(dd_mul(t, u), den);
        s = dd_add(s, t);
        if (t.hi <= 1e-17 * DBL_EPS * s.hi) break;
    }
    return s;
}

// Below this x the prefactor (x/2)^v could underflow; there log I is far from 0 and the
// plain logarithmic form is accurate.
constexpr double SERIES_TINY_X = 1e-30;

// log( (x/2)^v / Gamma(v+1) * s ) for v > -1, x > 0, s > 0, in the form that avoids
// cancellation for each range of v:
//  * tiny x: v log(x/2) - lgamma(v+1) + log s;
//  * v < BINET_V_MIN: the prefactor in linear space, pow and 1/Gamma(1+v) each to ~1 ulp;
//  * larger v: Stirling's formula folded in, v log(e x / (2v)) - log(2 pi v)/2 - B(v) + log s,
//    with e x / (2v) formed in double-double so its rounding does not get multiplied by v.
LOGBESSEL_INLINE double log_iv_series_from_sum(double v, double x, double s) {
    if (x < SERIES_TINY_X) return v * (log(x) - LN2) - lgamma(v + 1.0) + log(s);
    if (v < BINET_V_MIN) return log(pow(0.5 * x, v) * rgamma1p(v) * s);
    dd ex = dd_add(two_prod(x, EULER_E), two_prod(x, EULER_E_LO));
    dd y = dd_div_d(ex, 2.0 * v);
    const double L = log(y.hi) + y.lo / y.hi;
    return fma(v, L, log(s) - 0.5 * (log(v) + LN_2PI) - binet(v));
}

// log_iv_series_from_sum for N lanes: 1/Gamma(1 + v) of the v < BINET_V_MIN case for all
// lanes at once (a polynomial and a fixed product: vectorized), the rest lane by lane.
template <int N>
LOGBESSEL_INLINE void log_iv_series_from_sum_n(const double* v, const double* x, const double* s, double* out) {
    double rg[N];
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) rg[l] = rgamma1p(v[l] < BINET_V_MIN ? v[l] : 0.0);
    for (int l = 0; l < N; ++l)
        out[l] = (v[l] < BINET_V_MIN && !(x[l] < SERIES_TINY_X)) ? log(pow(0.5 * x[l], v[l]) * rg[l] * s[l])
                                                                : log_iv_series_from_sum(v[l], x[l], s[l]);
}

// log I_v(x) by the power series, v > -1, x > 0, N lanes.
template <int N>
LOGBESSEL_INLINE void log_iv_series_n(const double* v, const double* x, double* out) {
    double tail[N], s[N];
    i_series_tail_n<N>(v, x, tail);
    for (int l = 0; l < N; ++l) s[l] = 1.0 + tail[l];
    log_iv_series_from_sum_n<N>(v, x, s, out);
    for (int l = 0; l < N; ++l)  // log I_0(x) ~ x^2/4 for tiny x: log1p keeps it
        if (v[l] == 0.0) out[l] = log1p(tail[l]);
}

LOGBESSEL_INLINE double log_iv_series(double v, double x) {
    double out;
    log_iv_series_n<1>(&v, &x, &out);
    return out;
}

}  // namespace detail
}  // namespace logbessel
