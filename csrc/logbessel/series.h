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

// 1 where a series term t > 0 still counts against the sum 1 + a (and where t is NaN, so
// that the lane runs on and the NaN shows in the result), else 0: a lane mask (config.h);
// for a dual number, the derivative counts too. (A mask, not a bool: through a bool GCC's
// vectorizer gave up on the loops that use it.)
LOGBESSEL_INLINE double series_term_mask(double t, double a) { return double((t > 0.25 * DBL_EPS * (1.0 + a)) | (t != t)); }
LOGBESSEL_INLINE double series_term_mask(dual t, dual a) {
    return double((series_term_mask(t.a, a.a) != 0.0) | (fabs(t.d) > 0.25 * DBL_EPS * (fabs(a.d) + (1.0 + a.a))));
}

// sum_{k>=1} t_k for v > -1, x >= 0 (used for x below ~25: at most ~60 terms), N lanes.
// The leading 1 is left out so that log1p can keep the tail when it is below eps. T is
// double, or dual (tools.h) for the order derivative: t_k' = -t_k H_k, H_k = sum_{j<=k}
// 1/(j + v), comes out of the same recurrence.
template <int N, class T>
LOGBESSEL_INLINE void i_series_tail_n(const T* v, const double* x, T* s) {
    double u[N], live[N], sc[N];
    T t[N], a[N], res[N];
    for (int l = 0; l < N; ++l) {
        // u and d2 scaled down where d1 d2 below could overflow (orders above ~1e154, from
        // the vMF normaliser): u sc / (d1 (d2 sc)); the scaling by 1 elsewhere is exact
        sc[l] = value_of(v[l]) > 1e150 ? 0x1p-512 : 1.0;
        u[l] = 0.25 * x[l] * x[l] * sc[l];
        t[l] = 1.0;
        a[l] = res[l] = 0.0;
        live[l] = 1.0;
    }
    // two terms per step, with one division: 1/d1 = d2 R and 1/d2 = d1 R, R = 1/(d1 d2)
    // (the division's throughput bounds this loop)
    for (int k = 1; k < 400; k += 2) {
        const double k1 = k, k2 = k + 1;
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const T d1 = k1 * (k1 + v[l]), d2 = k2 * (k2 + v[l]);
            const T R = u[l] / (d1 * (d2 * sc[l]));
            t[l] *= d2 * R;
            a[l] += t[l];
            t[l] *= d1 * R;
            a[l] += t[l];
            if (N > 1) res[l] = select_lane(live[l], a[l], res[l]);  // one lane: a at the end
            // a lane stops once it is past its peak and its term is below eps/4 (the terms
            // then fall geometrically)
            live[l] *= series_term_mask(t[l], a[l]);
        }
        if (!any_lane<N>(live)) break;
    }
    for (int l = 0; l < N; ++l) s[l] = N > 1 ? res[l] : a[l];
}

LOGBESSEL_INLINE double i_series_tail(double v, double x) {
    double s;
    i_series_tail_n<1>(&v, &x, &s);
    return s;
}

// The sums for orders v and v + 1 together (K's Wronskian needs both), N lanes: one loop,
// t0_k = t0_{k-1} u/(k(k+v)), t1_k = t1_{k-1} u/(k(k+v+1)), from c = u/(k(k+v)(k+v+1)).
// T as in i_series_tail_n.
template <int N, class T>
LOGBESSEL_INLINE void i_series_sum_pair_n(const T* v, const double* x, T* s0, T* s1) {
    double u[N], live[N];
    T t0[N], t1[N], a0[N], a1[N], r0[N], r1[N];
    for (int l = 0; l < N; ++l) {
        u[l] = 0.25 * x[l] * x[l];
        t0[l] = t1[l] = 1.0;
        a0[l] = a1[l] = r0[l] = r1[l] = 0.0;
        live[l] = 1.0;
    }
    // two terms per step with one division, as in i_series_tail_n (v < 24 here: no overflow)
    for (int k = 1; k < 400; k += 2) {
        const double k1 = k, k2 = k + 1;
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const T kv = k1 + v[l], kv1 = kv + 1.0, kv2 = kv1 + 1.0;
            const T d1 = k1 * kv * kv1, d2 = k2 * kv1 * kv2;  // k (k+v) (k+v+1) at k1, k2
            const T R = u[l] / (d1 * d2);
            const T c1 = d2 * R, c2 = d1 * R;  // u / d1, u / d2
            t0[l] *= c1 * kv1;
            t1[l] *= c1 * kv;
            a0[l] += t0[l];
            a1[l] += t1[l];
            t0[l] *= c2 * kv2;
            t1[l] *= c2 * kv1;
            a0[l] += t0[l];
            a1[l] += t1[l];
            if (N > 1) {  // one lane: a0, a1 at the end
                r0[l] = select_lane(live[l], a0[l], r0[l]);
                r1[l] = select_lane(live[l], a1[l], r1[l]);
            }
            live[l] *= double((series_term_mask(t0[l], a0[l]) != 0.0) | (series_term_mask(t1[l], a1[l]) != 0.0));
        }
        if (!any_lane<N>(live)) break;
    }
    for (int l = 0; l < N; ++l) {
        s0[l] = 1.0 + (N > 1 ? r0[l] : a0[l]);
        s1[l] = 1.0 + (N > 1 ? r1[l] : a1[l]);
    }
}

// log( (x/2)^v / Gamma(v+1) * s ) for v > -1, x > 0, s > 0, in the form that avoids
// cancellation for each range of v (the result may be near 0 while its terms are not):
//  * v < BINET_V_MIN: v log(x/2) + log(s / Gamma(1+v)), both logarithms as double-doubles
//    (log_lane_dd: absolute error ~2^-58) and v log(x/2) by an exact product, so the sum
//    is rounded once; s / Gamma(1+v) enters with the rounding of 1/Gamma(1+v) and s only;
//  * larger v: Stirling's formula folded in, v log(e x / (2v)) - log(2 pi v)/2 - B(v) + log s,
//    with e x / (2v) and its logarithm in double-double, so that no rounding gets
//    multiplied by v;
//  * tiny x (the prefactor would underflow): v log(x/2) - lgamma(v+1) + log s, lane by lane
//    (the terms do not cancel there).
// Both forms are branch-free (log_lane, a polynomial 1/Gamma), so a loop over lanes
// vectorizes; a group of lanes computes a form only if one of its lanes needs it.
constexpr double SERIES_TINY_X = 1e-30;

LOGBESSEL_INLINE dd log_iv_prefactor_small_v(double v, double x, double s, double rg) {
    const dd L1 = log_lane_dd(0.5 * x, 0.0);
    const dd gs = two_prod(rg, s);
    const dd L2 = log_lane_dd(gs.hi, gs.lo);
    const dd vl = two_prod(v, L1.hi);
    const dd hs = two_sum(vl.hi, L2.hi);
    return quick_two_sum(hs.hi, hs.lo + (fma(v, L1.lo, vl.lo) + L2.lo));
}

LOGBESSEL_INLINE dd log_iv_prefactor_large_v(double v, double x, double s) {
    const dd ex = dd_add(two_prod(x, EULER_E), two_prod(x, EULER_E_LO));
    const dd y = dd_div_d(ex, 2.0 * v);
    const dd L = log_lane_dd(y.hi, y.lo);
    const dd Ls = log_lane_dd(s, 0.0), Lv = log_lane_dd(v, 0.0);
    // log s - (log v + log 2pi)/2 - B(v) + v L, summed in double-double (halving is exact)
    const dd a = two_sum(Ls.hi, -0.5 * Lv.hi);
    const dd b = two_sum(a.hi, -0.5 * LN_2PI);
    const dd vl = two_prod(v, L.hi);
    const dd c = two_sum(vl.hi, b.hi);
    const double lo = ((Ls.lo - 0.5 * (Lv.lo + LN_2PI_LO)) - binet(v)) + (a.lo + b.lo) + fma(v, L.lo, vl.lo);
    return quick_two_sum(c.hi, c.lo + lo);
}

// The above for N lanes, as double-doubles (hi, lo): callers that subtract it from another
// logarithm (K's Wronskian) round once at their end.
template <int N>
LOGBESSEL_INLINE void log_iv_series_from_sum_dd_n(const double* v, const double* x, const double* s, double* hi,
                                                  double* lo) {
    int small = 0, large = 0;  // lanes of each form (no ||: the loop vectorizes)
    for (int l = 0; l < N; ++l) {
        hi[l] = lo[l] = 0.0;
        small += int(v[l] < BINET_V_MIN);
        large += int(!(v[l] < BINET_V_MIN));
    }
    if (small) {
        double rg[N];
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) rg[l] = rgamma1p(v[l] < BINET_V_MIN ? v[l] : 0.0);
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const dd o = log_iv_prefactor_small_v(v[l], x[l], s[l], rg[l]);
            hi[l] = o.hi;
            lo[l] = o.lo;
        }
    }
    if (large) {
        // (v clamped in a loop of its own: inside the call the select stops the vectorizer)
        double ohi[N], olo[N], vc[N];
        for (int l = 0; l < N; ++l) vc[l] = v[l] < BINET_V_MIN ? BINET_V_MIN : v[l];  // keeps all lanes finite
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const dd o = log_iv_prefactor_large_v(vc[l], x[l], s[l]);
            ohi[l] = o.hi;
            olo[l] = o.lo;
        }
        for (int l = 0; l < N; ++l) {
            hi[l] = v[l] < BINET_V_MIN ? hi[l] : ohi[l];
            lo[l] = v[l] < BINET_V_MIN ? lo[l] : olo[l];
        }
    }
    int tiny = 0;
    for (int l = 0; l < N; ++l) tiny += int(x[l] < SERIES_TINY_X);
    if (tiny)
        for (int l = 0; l < N; ++l)
            if (x[l] < SERIES_TINY_X) {
                hi[l] = v[l] * (log(x[l]) - LN2) - lgamma(v[l] + 1.0) + log(s[l]);
                lo[l] = 0.0;
            }
}

// The same with the order as a dual number (v' its derivative in the parameter): the
// value as above, and d/dv log((x/2)^v / Gamma(v+1)) = log(x/2) - psi(v+1) (DLMF 5.15.1)
// plus s'/s.
template <int N>
LOGBESSEL_INLINE void log_iv_series_from_sum_dd_n(const dual* v, const double* x, const dual* s, dual* hi,
                                                  double* lo) {
    double va[N], sa[N], ha[N];
    for (int l = 0; l < N; ++l) {
        va[l] = v[l].a;
        sa[l] = s[l].a;
    }
    log_iv_series_from_sum_dd_n<N>(va, x, sa, ha, lo);
    for (int l = 0; l < N; ++l)
        hi[l] = {ha[l], v[l].d * ((log(x[l]) - LN2) - digamma_pos(va[l] + 1.0)) + s[l].d / s[l].a};
}

template <int N>
LOGBESSEL_INLINE void log_iv_series_from_sum_n(const double* v, const double* x, const double* s, double* out) {
    double lo[N];
    log_iv_series_from_sum_dd_n<N>(v, x, s, out, lo);
    for (int l = 0; l < N; ++l) out[l] += lo[l];
}

// log I_v(x) by the power series, v > -1, x > 0, N lanes.
template <int N>
LOGBESSEL_INLINE void log_iv_series_n(const double* v, const double* x, double* out) {
    double tail[N], s[N];
    i_series_tail_n<N>(v, x, tail);
    for (int l = 0; l < N; ++l) s[l] = 1.0 + tail[l];
    log_iv_series_from_sum_n<N>(v, x, s, out);
    int order0 = 0;  // log I_0(x) ~ x^2/4 for tiny x: log1p keeps it
    for (int l = 0; l < N; ++l) order0 += int(v[l] == 0.0);
    if (order0)
        for (int l = 0; l < N; ++l)
            if (v[l] == 0.0) out[l] = log1p(tail[l]);
}

}  // namespace detail
}  // namespace logbessel
